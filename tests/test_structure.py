"""Structure adapters: projection, energies, padding, write-back (issue 3)."""

import numpy as np
import pytest
from ase import Atoms
from ase.io import read, write

from ase_spacecharge import InputError, build_problem, solve
from ase_spacecharge.structure import (annotate, find_boundaries, normal_spacing, periodic_planes, project,
                                       read_structure, segregation_energies, solve_structure)
from conftest import GD, VO, ceria_like_column

T = 773.15
AREA = 58.5725
DEFECTS = [dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0, site="O"),
           dict(label="Gd", valence=-1, mole_fraction=0.2, mobility=0.0, site="Ce")]


def column_atoms(sites, lo, hi, shuffle=None):
    """The 1D sites as an orthorhombic ASE cell: x along c, boundary at x = 0."""
    a = np.sqrt(AREA)
    pos = np.zeros((sites.x.size, 3))
    pos[:, 2] = sites.x - lo
    rng = np.random.default_rng(0)
    pos[:, :2] = rng.uniform(0, a, (sites.x.size, 2))  # in-plane positions do not matter
    order = np.arange(sites.x.size) if shuffle is None else shuffle
    atoms = Atoms(sites.label[order].tolist(), positions=pos[order], cell=[a, a, hi - lo], pbc=True)
    atoms.set_array("dE_Vo", sites.energies[order, 0])
    atoms.set_array("dE_Gd", sites.energies[order, 1])
    return atoms


@pytest.fixture
def column():
    sites, lo, hi = ceria_like_column(well=-0.4, symmetric=False)
    bulk = (lo + 2, lo + 15)
    ref = solve(build_problem(sites, [VO, GD], x_min=lo, x_max=hi, area=AREA, permittivity=55.0, bulk=bulk), T)
    return sites, lo, hi, bulk, ref


def _same(sol, ref):
    assert sol.x.size == ref.x.size
    np.testing.assert_allclose(sol.phi, ref.phi, rtol=0, atol=1e-8 * abs(ref.phi0))
    assert sol.phi0 == pytest.approx(ref.phi0, rel=1e-8)
    for key in ("r_perp", "r_par"):
        assert sol.resistivity()[key] == pytest.approx(ref.resistivity()[key], rel=1e-8)


def test_atoms_give_the_same_answer_as_the_site_file_path(column):
    sites, lo, hi, bulk, ref = column
    atoms = column_atoms(sites, lo, hi, shuffle=np.random.default_rng(1).permutation(sites.x.size))
    out, sol, proj = solve_structure(atoms, DEFECTS, T, permittivity=55.0, bulk=bulk, boundaries=[-lo / (hi - lo)])
    _same(sol, ref)
    assert proj.area == pytest.approx(AREA)
    # write-back: each atom's potential is its plane's, occupancies are NaN off the sublattice
    o = out.symbols == "O"
    assert np.all(np.isnan(out.arrays["sc_occ_Vo"][~o])) and np.all(np.isfinite(out.arrays["sc_occ_Vo"][o]))
    assert out.info["sc_phi0"] == pytest.approx(ref.phi0, rel=1e-8)
    assert "sc_phi" not in atoms.arrays  # a new object by default


def test_pymatgen_structure_gives_the_same_answer(column):
    from pymatgen.core import Lattice, Structure
    sites, lo, hi, bulk, ref = column
    atoms = column_atoms(sites, lo, hi)
    structure = Structure(Lattice(atoms.cell[:]), atoms.get_chemical_symbols(), atoms.get_scaled_positions(),
                          site_properties={"dE_Vo": atoms.arrays["dE_Vo"].tolist(),
                                           "dE_Gd": atoms.arrays["dE_Gd"].tolist()})
    out, sol, _ = solve_structure(structure, DEFECTS, T, permittivity=55.0, bulk=bulk, boundaries=[-lo / (hi - lo)])
    _same(sol, ref)
    assert out.properties["sc_phi0"] == pytest.approx(ref.phi0, rel=1e-8)
    assert np.isnan(out.site_properties["sc_occ_Gd"][int(np.flatnonzero(np.array(out.labels) == "O")[0])])
    assert "sc_phi" not in structure.site_properties


def _sigma5():
    from pymatgen.core import Lattice, Structure
    from pymatgen.core.interface import GrainBoundaryGenerator
    prim = Structure.from_spacegroup("Fm-3m", Lattice.cubic(5.4525), ["Ce", "O"],
                                     [[0, 0, 0], [0.25, 0.25, 0.25]]).get_primitive_structure()
    angle = GrainBoundaryGenerator.get_rotation_angle_from_sigma(5, (0, 0, 1))[0]
    return GrainBoundaryGenerator(prim).gb_from_parameters((0, 0, 1), angle, expand_times=2, plane=(3, 1, 0),
                                                           rm_ratio=0.0, ab_shift=(0, 0.5))


def test_non_orthogonal_sigma5_normal_distances_and_boundaries():
    gb = _sigma5()
    data = read_structure(gb)
    cell = data.cell
    d = normal_spacing(cell, 2)
    assert d < np.linalg.norm(cell[2]) - 1.0  # the cell is really oblique
    # the normal coordinate is the Cartesian projection on the boundary normal ...
    n = np.cross(cell[0], cell[1])
    n /= np.linalg.norm(n)
    along = gb.cart_coords @ n
    np.testing.assert_allclose(np.mod(along - data.frac[:, 2] * d + d / 2, d) - d / 2, 0, atol=1e-9)
    # ... and the cell holds a whole number of (310) interplanar spacings of the grains
    d310 = 5.4525 / np.sqrt(10)
    assert d / d310 == pytest.approx(round(d / d310), abs=1e-6)
    b = find_boundaries(data, 2)
    assert b.size == 2
    # one in each gap between the grains (bottom: 0 .. 0.45, top: 0.5 .. 0.95)
    assert 0.45 < b[0] < 0.5 and 0.95 < b[1] < 1.0


def test_periodic_planes_merge_across_the_wrap():
    x = np.array([-4.95, 4.97, 0.0, 0.1, 2.0])
    centres, plane_of = periodic_planes(x, 10.0, 0.3)
    assert centres.size == 3
    assert plane_of[0] == plane_of[1] and plane_of[2] == plane_of[3]


def test_segregation_energy_references():
    sites, lo, hi = ceria_like_column(well=-0.4)
    atoms = column_atoms(sites, lo, hi)
    raw = np.where(atoms.symbols == "O", atoms.arrays["dE_Vo"] + 7.0, np.nan)
    pairs = [(i, raw[i]) for i in np.flatnonzero(np.isfinite(raw))]
    far = segregation_energies(atoms, pairs, reference="far", boundaries=[-lo / (hi - lo)])
    np.testing.assert_allclose(far[np.isfinite(raw)], atoms.arrays["dE_Vo"][np.isfinite(raw)], atol=1e-12)
    assert np.all(np.isnan(far[atoms.symbols == "Ce"]))
    np.testing.assert_allclose(segregation_energies(atoms, raw, reference=7.0), raw - 7.0)
    i = pairs[0][0]
    assert segregation_energies(atoms, raw, reference=int(i))[i] == 0.0


def test_write_back_round_trips_through_extxyz_and_pymatgen(tmp_path, column):
    from pymatgen.io.ase import AseAtomsAdaptor
    sites, lo, hi, bulk, ref = column
    atoms = column_atoms(sites, lo, hi)
    atoms.set_array("my_tags", np.arange(len(atoms)) % 3)
    atoms.info["note"] = "mine"
    out, sol, proj = solve_structure(atoms, DEFECTS, T, permittivity=55.0, bulk=bulk, boundaries=[-lo / (hi - lo)])
    write(tmp_path / "out.extxyz", out)
    back = read(tmp_path / "out.extxyz")
    # ASE writes per-atom floats as %16.8f: values round-trip to 5e-9, NaN stays NaN
    for key in ("sc_x", "sc_phi", "sc_occ_Vo", "sc_occ_Gd", "sc_dE_Vo", "sc_dE_Gd", "dE_Vo"):
        np.testing.assert_allclose(back.arrays[key], out.arrays[key], rtol=0, atol=5e-9, equal_nan=True)
    for key in ("sc_plane", "my_tags"):
        np.testing.assert_array_equal(back.arrays[key], out.arrays[key])
    assert back.info["note"] == "mine" and back.info["sc_phi0"] == out.info["sc_phi0"]
    structure = AseAtomsAdaptor.get_structure(back)
    again = AseAtomsAdaptor.get_atoms(structure)
    np.testing.assert_array_equal(np.asarray(structure.site_properties["sc_occ_Vo"], float), back.arrays["sc_occ_Vo"])
    np.testing.assert_array_equal(again.arrays["sc_occ_Gd"], back.arrays["sc_occ_Gd"])
    np.testing.assert_array_equal(again.arrays["my_tags"], back.arrays["my_tags"])
    # pymatgen's Atoms subclass (MSONAtoms) is still an ASE object
    assert type(again).__module__.startswith("pymatgen")
    assert "sc_phi" in annotate(again, sol, proj).arrays
    # re-annotating our own output is allowed; a user's own sc_ key is not overwritten
    annotate(back, sol, proj)
    atoms.set_array("sc_phi", np.zeros(len(atoms)))
    with pytest.raises(InputError, match="sc_phi"):
        annotate(atoms, sol, proj)


def test_ase_db_keeps_per_site_data_in_data(tmp_path, column):
    from ase.db import connect
    from ase_spacecharge.structure import db_data, from_db_row
    sites, lo, hi, bulk, _ = column
    out, _, _ = solve_structure(column_atoms(sites, lo, hi), DEFECTS, T, permittivity=55.0, bulk=bulk,
                                boundaries=[-lo / (hi - lo)])
    kv, data = db_data(out)
    with connect(tmp_path / "gb.db") as db:
        db.write(out, key_value_pairs=kv, data=data)
    back = from_db_row(connect(tmp_path / "gb.db").get(1))
    np.testing.assert_array_equal(back.arrays["sc_occ_Vo"], out.arrays["sc_occ_Vo"])
    assert back.info["sc_phi0"] == out.info["sc_phi0"]


def test_padding_does_not_change_the_profile_beyond_the_default(column):
    sites, lo, hi, _, _ = column
    atoms = column_atoms(sites, lo, hi)
    kw = dict(permittivity=55.0, boundaries=[-lo / (hi - lo)], mode="unfold")
    _, auto, proj = solve_structure(atoms, DEFECTS, T, pad_to="auto", **kw)
    assert proj.padding and proj.padding["n_sites"] > 0
    assert proj.padding["period_lower"] == pytest.approx(3.124, abs=1e-6)
    wide = 1.5 * max(-proj.x_min, proj.x_max)
    _, more, _ = solve_structure(atoms, DEFECTS, T, pad_to=wide, **kw)
    near = np.abs(auto.x) < 0.5 * (hi - lo)
    phi_more = np.interp(auto.x[near], more.x, more.phi)
    assert np.max(np.abs(phi_more - auto.phi[near])) < 1e-6
    assert more.x.size > auto.x.size


def test_bad_structure_input_gets_named_errors(column):
    sites, lo, hi, bulk, _ = column
    atoms = column_atoms(sites, lo, hi)
    with pytest.raises(InputError, match="axis"):
        project(atoms, DEFECTS, axis=3)
    labelled = atoms.copy()
    labelled.set_array("grain_label", np.array(["top"] * len(atoms), dtype="U8"))
    with pytest.raises(InputError, match="no boundary found"):
        project(labelled, DEFECTS)
    wrong = atoms.copy()
    dE = wrong.arrays["dE_Vo"].copy()
    ce = int(np.flatnonzero(wrong.symbols == "Ce")[0])
    dE[ce] = -0.1
    wrong.set_array("dE_Vo", dE)
    with pytest.raises(InputError, match=f"site {ce} is 'Ce'"):
        project(wrong, DEFECTS)
    gap = atoms.copy()
    dE = gap.arrays["dE_Vo"].copy()
    dE[int(np.flatnonzero(gap.symbols == "O")[3])] = np.nan
    gap.set_array("dE_Vo", dE)
    with pytest.raises(InputError, match="have no energy"):
        project(gap, DEFECTS)
    assert project(gap, DEFECTS, missing="drop").sites.x.size == len(atoms) - 1
    with pytest.raises(InputError, match="no 'Zr' sites"):
        project(atoms, [dict(DEFECTS[0], site="Zr")])
    with pytest.raises(InputError, match="site index 9999"):
        segregation_energies(atoms, [(9999, 0.1)])


def _fluorite():
    from ase.build import bulk
    return bulk("CeO2", "fluorite", a=5.45, cubic=True).repeat((2, 2, 2))


def _shuffle_and_drift(atoms, seed):
    rng = np.random.default_rng(seed)
    out = atoms[rng.permutation(len(atoms))]
    out.positions += np.array([0.31, -0.22, 0.43])
    out.wrap()
    return out


def test_image_matching_recovers_vacancies_and_substitutions():
    from ase_spacecharge.structure import match_image
    pristine = _fluorite()
    o_sites = np.flatnonzero(pristine.symbols == "O")
    for site in o_sites[[0, 7, 30]]:
        image = pristine.copy()
        centre = image.positions[site].copy()
        del image[site]
        vec = image.positions - centre
        frac = np.linalg.solve(image.cell.T, vec.T).T
        frac -= np.round(frac)
        vec = frac @ image.cell
        dist = np.linalg.norm(vec, axis=1)
        near = dist < 3.0
        image.positions[near] -= 0.3 * vec[near]  # neighbours relax 30% into the vacancy
        m = match_image(pristine, _shuffle_and_drift(image, site))
        assert (m.site, m.kind, m.host) == (site, "vacancy", "O")
        np.testing.assert_allclose(m.drift, [0.31, -0.22, 0.43], atol=0.05)
    ce = int(np.flatnonzero(pristine.symbols == "Ce")[5])
    image = pristine.copy()
    image.symbols[ce] = "Gd"
    m = match_image(pristine, _shuffle_and_drift(image, 3))
    assert (m.site, m.kind, m.host, m.new) == (ce, "substitution", "Ce", "Gd")


def test_image_matching_warns_when_ambiguous_and_rejects_bad_images():
    from ase_spacecharge.structure import match_image
    pristine = _fluorite()
    o = np.flatnonzero(pristine.symbols == "O")
    a, b = int(o[0]), None
    dist = pristine.get_distances(a, o, mic=True)
    b = int(o[np.argsort(dist)[1]])
    image = pristine.copy()
    vec = pristine.get_distance(a, b, mic=True, vector=True)
    image.positions[b] = pristine.positions[a] + 0.5 * vec  # the neighbour sits halfway
    del image[a]
    with pytest.warns(UserWarning, match="ambiguous|moved"):
        m = match_image(pristine, image)
    assert m.site in (a, b)
    with pytest.raises(InputError, match=r"cell differs from the pristine cell by up to [0-9.]+ Å \(lattice vector c"):
        match_image(pristine, pristine[:-1] * (1, 1, 2))
    extra = pristine.copy()
    extra.append("O")
    with pytest.raises(InputError, match="only single vacancies"):
        match_image(pristine, extra)
    with pytest.raises(InputError, match="matches no single defect site"):
        match_image(pristine, pristine.copy())


def test_image_energies_with_explicit_site_index_and_reference():
    from ase_spacecharge.structure import image_energies
    pristine = _fluorite()
    pristine.info["energy"] = -100.0
    images = []
    o = np.flatnonzero(pristine.symbols == "O")
    for k, site in enumerate(o[:4]):
        image = pristine.copy()
        del image[site]
        image.info["energy"] = -90.0 - 0.1 * k
        images.append(_shuffle_and_drift(image, k))
    images[2].info["site_index"] = int(o[2])
    dE, matches = image_energies(pristine, images, {"Vo": ("O", None)}, reference=10.0,
                                 boundaries=[0.0, 0.5])
    np.testing.assert_allclose(dE["Vo"][o[:4]], [0.0, -0.1, -0.2, -0.3], atol=1e-12)
    assert np.isnan(dE["Vo"][o[4:]]).all() and len(matches) == 4


def test_cli_runs_a_structure_case(tmp_path, column):
    import json
    from ase_spacecharge.cli import main
    sites, lo, hi, bulk, ref = column
    write(tmp_path / "gb.extxyz", column_atoms(sites, lo, hi))
    (tmp_path / "case.toml").write_text(f"""
structure = "gb.extxyz"
temperature = {T}
permittivity = 55.0
boundaries = [{-lo / (hi - lo)!r}]
bulk = [{bulk[0]!r}, {bulk[1]!r}]
write_structure = "out.extxyz"
[[defects]]
label = "Vo"
site = "O"
valence = 2
mole_fraction = 0.05
mobility = 1.0
[[defects]]
label = "Gd"
site = "Ce"
valence = -1
mole_fraction = 0.2
""")
    assert main(["run", str(tmp_path / "case.toml"), "--json", str(tmp_path / "s.json"),
                 "--plot-structure", str(tmp_path / "cell.png"), "--color-by", "sc_occ_Vo"]) == 0
    assert (tmp_path / "cell.png").stat().st_size > 1000
    assert main(["run", str(tmp_path / "case.toml"), "--plot-structure", str(tmp_path / "x.png"),
                 "--color-by", "numbers"]) == 2
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["phi0"] == pytest.approx(ref.phi0, rel=1e-8)
    assert "mode 'cell'" in summary["projection"]
    out = read(tmp_path / "out.extxyz")
    assert out.info["sc_phi0"] == pytest.approx(ref.phi0, rel=1e-7)
    (tmp_path / "bad.toml").write_text((tmp_path / "case.toml").read_text().replace('site = "Ce"\n', ""))
    assert main(["run", str(tmp_path / "bad.toml")]) == 2


def test_image_energies_from_pymatgen_entries():
    from pymatgen.entries.computed_entries import ComputedStructureEntry
    from pymatgen.io.ase import AseAtomsAdaptor
    from ase_spacecharge.structure import image_energies
    pristine = _fluorite()
    ce = np.flatnonzero(pristine.symbols == "Ce")[:2]
    entries = []
    for k, site in enumerate(ce):
        image = pristine.copy()
        image.symbols[site] = "Gd"
        entries.append(ComputedStructureEntry(AseAtomsAdaptor.get_structure(_shuffle_and_drift(image, k)), -5.0 + k))
    base = ComputedStructureEntry(AseAtomsAdaptor.get_structure(pristine), -4.0)
    dE, matches = image_energies(base, entries, {"Gd": ("Ce", "Gd")}, reference=None)
    np.testing.assert_allclose(dE["Gd"][ce], [-1.0, 0.0])
    assert [m.site for m in matches] == list(ce)
    with pytest.raises(InputError, match="none of the defects"):
        image_energies(base, entries, {"Vo": ("O", None)}, reference=None)


def test_ase_only_users_do_not_import_pymatgen():
    import subprocess
    import sys
    code = ("import sys; from ase.build import bulk; import ase_spacecharge.structure as s; "
            "s.read_structure(bulk('CeO2', 'fluorite', a=5.45)); "
            "print(any(m.startswith('pymatgen') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_sites_keep_their_own_energies_unless_averaging_is_asked(column):
    sites, lo, hi, _, _ = column
    atoms = column_atoms(sites, lo, hi).repeat((2, 1, 1))  # two sites per plane
    dE = atoms.arrays["dE_Vo"].copy()
    o = np.flatnonzero(atoms.symbols == "O")
    half = len(atoms) // 2
    dE[o[o < half]] -= 0.1  # the first copy of every O plane binds more strongly
    atoms.set_array("dE_Vo", dE)
    own = project(atoms, DEFECTS, boundaries=[-lo / (hi - lo)])
    avg = project(atoms, DEFECTS, boundaries=[-lo / (hi - lo)], average_energies=True)
    first = own.atom_index == o[0]
    partner = own.atom_index == o[0] + half
    assert own.sites.energies[first, 0] == pytest.approx(own.sites.energies[partner, 0] - 0.1)
    assert avg.sites.energies[first, 0] == pytest.approx(avg.sites.energies[partner, 0])
    assert avg.sites.energies[first, 0] == pytest.approx(0.5 * (own.sites.energies[first, 0] + own.sites.energies[partner, 0]))


def test_mirror_spread_reports_differences_between_the_boundaries():
    from pymatgen.io.ase import AseAtomsAdaptor
    from ase_spacecharge.structure import distance_to_boundaries
    atoms = AseAtomsAdaptor.get_atoms(_sigma5())
    data = read_structure(atoms)
    b = find_boundaries(data, 2)
    dist, which = distance_to_boundaries(data, 2, b)
    o = atoms.symbols == "O"
    well = -0.5 * np.exp(-dist ** 2 / 4.0)
    atoms.set_array("dE_Vo", np.where(o, well, np.nan))
    atoms.set_array("dE_Gd", np.where(~o, 0.5 * well, np.nan))
    same = project(atoms, DEFECTS, mode="unfold")
    assert same.mirror_spread["energy"] < 1e-12 and same.mirror_spread["position"] < 1e-6
    shifted = atoms.arrays["dE_Vo"] + np.where(which == 1, 0.1, 0.0)
    atoms.set_array("dE_Vo", shifted)
    assert project(atoms, DEFECTS, mode="unfold").mirror_spread["energy"] == pytest.approx(0.1, abs=1e-12)


@pytest.mark.parametrize("repeats", [1, 2])
def test_cell_padding_equals_the_larger_cell(repeats):
    """Bulk inserted in the middle of every grain of a whole cell (one boundary, or two
    grains from a doubled cell) gives the sites, domain and solution of a cell built that
    large: the Gaussian wells are zero (to 1e-50 eV) where the padding goes."""
    from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms
    small = ceria_like_atoms(n_cells=20).repeat((1, 1, repeats))
    large = ceria_like_atoms(n_cells=50).repeat((1, 1, repeats))
    kw = dict(permittivity=55.0, bulk=(2.0, 20.0),
              boundaries=[0.5] if repeats == 1 else [0.25, 0.75])
    from ase_spacecharge.structure import structure_problem
    p_small, proj_small = structure_problem(small, CERIA_DEFECTS, pad_to=25 * 3.124, mode="cell", **kw)
    p_large, proj_large = structure_problem(large, CERIA_DEFECTS, **kw)
    assert proj_small.padding["n_sites"] == len(large) - len(small)
    assert proj_small.x_min == pytest.approx(proj_large.x_min, abs=1e-9)
    assert proj_small.x_max == pytest.approx(proj_large.x_max, abs=1e-9)
    np.testing.assert_allclose(np.sort(proj_small.boundary_x), np.sort(proj_large.boundary_x), atol=1e-9)

    def table(proj):
        s = proj.sites
        order = np.lexsort((s.label, np.round(s.x, 6)))
        return s.x[order], s.label[order], np.nan_to_num(s.energies[order], nan=9.0)

    for a, b in zip(table(proj_small), table(proj_large)):
        assert a.dtype.kind == "U" and (a == b).all() or np.allclose(a, b, atol=1e-9)
    T = 773.15
    sol_small, sol_large = solve(p_small, T), solve(p_large, T)
    assert sol_small.phi0 == pytest.approx(sol_large.phi0, abs=1e-12)
    np.testing.assert_allclose(sol_small.phi, sol_large.phi, atol=1e-12)


def test_cell_padding_keeps_the_atoms_and_marks_the_bulk_slab():
    """Padded sites carry no atom; the default bulk region lies inside the lower grain's
    inserted slab; write-back fills every atom; a pair of distances is refused for a cell."""
    from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms
    from ase_spacecharge.structure import default_bulk, pad_with_bulk, solve_structure
    atoms = ceria_like_atoms(n_cells=20).repeat((1, 1, 2))
    out, sol, proj = solve_structure(atoms, CERIA_DEFECTS, 773.15, permittivity=55.0, pad_to=80.0,
                                     mode="cell", boundaries=[0.25, 0.75])
    assert (proj.atom_index >= 0).sum() == len(atoms) and np.isfinite(out.arrays["sc_phi"]).all()
    lo, hi = default_bulk(proj)
    slab = [s for s in proj.padding["inserted"] if s[1] <= 0][0]
    assert slab[0] < lo < hi < slab[1]
    assert len(proj.padding["inserted"]) == 2
    with pytest.raises(InputError, match="one distance"):
        pad_with_bulk(proj, (40.0, 50.0))


def test_overlapping_atoms_finds_exactly_the_close_pairs_of_random_oblique_cells():
    """Against every pairwise minimum-image distance (ASE), on oblique cells with one close pair
    planted in each (and ties across the periodic faces)."""
    from ase import Atoms
    from ase_spacecharge.structure import read_structure
    from ase_spacecharge.structure.geometry import overlapping_atoms
    rng = np.random.default_rng(0)
    for _ in range(200):
        cell = rng.uniform(3, 8, 3) * np.eye(3) + rng.uniform(-0.8, 0.8, (3, 3))
        pos = rng.uniform(0, 1, (30, 3)) @ cell
        k = rng.integers(0, 30, 2)
        pos[k[1]] = pos[k[0]] + rng.normal(0, 0.15, 3)
        atoms = Atoms("O30", positions=pos, cell=cell, pbc=True)
        pairs, dist = overlapping_atoms(read_structure(atoms), 0.3)
        D = atoms.get_all_distances(mic=True)
        i, j = np.triu_indices(30, 1)
        close = D[i, j] < 0.3
        assert sorted(map(tuple, pairs.tolist())) == sorted(zip(i[close].tolist(), j[close].tolist()))
        np.testing.assert_allclose(dist, D[pairs[:, 0], pairs[:, 1]], atol=1e-12)
