"""Issue 18: sparse energies said out loud.  Where every atom's ΔE came from (computed,
copied from a symmetry-equivalent site, filled with 0 eV, or none), spread over the
symmetry-equivalent sites of the shipped Σ5 cell, never averaged in when filled, and a "far"
reference or a dropped site that mislead are named."""

import json
import warnings

import numpy as np
import pytest
from ase.io import read, write

import sigma5_images as s5
from ase_spacecharge import InputError, SpaceChargeWarning, image_energies, project, solve_structure
from ase_spacecharge.cli import main
from ase_spacecharge.examples import CERIA_DEFECTS

def _classes(atoms):
    """spglib's classes of equivalent atoms (independently of the package)."""
    import spglib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        data = spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers), symprec=1e-3)
    return np.asarray(data.equivalent_atoms)


def _sparse(atoms, sites, missing):
    """Images of ``sites`` with the symmetric energies, and the projection ``missing`` makes
    of them: (per-atom ΔE as the solve takes it, projection)."""
    images_ = s5.images(atoms, sites, function=lambda lab, f: s5.symmetric_segregation(lab, f, 0.0))
    dE, _ = image_energies(atoms, images_, s5.DEFECTS, reference=0.0, pristine_energy=s5.E_PRISTINE)
    proj = project(atoms, CERIA_DEFECTS, energies=dE, missing=missing)
    return _per_atom(proj, len(atoms)), proj


def _per_atom(proj, n):
    out = {}
    for j, label in enumerate(proj.sites.defect_labels):
        e = np.full(n, np.nan)
        e[proj.atom_index] = proj.sites.energies[:, j]
        out[label] = e
    return out


def _sparse_case(folder, atoms, sites, missing):
    write(folder / "gb.extxyz", atoms)
    symmetric = lambda lab, f: s5.symmetric_segregation(lab, f, 0.0)  # noqa: E731
    s5.write_extxyz(folder / "img", s5.images(atoms, sites, function=symmetric))
    text = (f'structure = "gb.extxyz"\ntemperature = 773.15\npermittivity = 55.0\n'
            f'[images]\nfiles = ["img/*.extxyz"]\nreference = 0.0\npristine_energy = {s5.E_PRISTINE!r}\n'
            f'missing = "{missing}"\n[images.defects]\nVo = ["O", ""]\nGd = ["Ce", "Gd"]\n' + s5.CASE_DEFECTS)
    (folder / "case.toml").write_text(text)
    return folder / "case.toml"


def _full_energies(atoms):
    """The symmetric ΔE of every host site, as full images would give them (eV)."""
    frac, symbols = atoms.get_scaled_positions(), np.array(atoms.get_chemical_symbols())
    out = {}
    for label, host in (("Vo", "O"), ("Gd", "Ce")):
        e = np.full(len(atoms), np.nan)
        on = symbols == host
        e[on] = s5.image_energy(label, s5.symmetric_segregation(label, frac[on], 0.0)) - s5.E_PRISTINE
        out[label] = e
    return out


def _one_image_per_class(atoms):
    classes = _classes(atoms)
    return np.unique(classes)  # spglib's representative: the first atom of each class


def test_sparse_images_with_missing_equivalent_reproduce_the_full_images_on_every_site():
    atoms = s5.pristine()
    full = _full_energies(atoms)
    classes = _classes(atoms)
    for label, e in full.items():  # the fixture: the energies are the same on equivalent sites
        on = np.isfinite(e)
        spread = max(np.ptp(e[on & (classes == c)]) for c in np.unique(classes[on]))
        assert spread < 1e-8, spread
    sites = _one_image_per_class(atoms)  # 60 images for 360 sites: 1 in 8 O sites, 1 in 4 Ce sites
    energies, proj = _sparse(atoms, sites, "equivalent")
    for label in ("Vo", "Gd"):
        on = np.isfinite(full[label])
        err = np.abs(energies[label][on] - full[label][on])  # reference 0: ΔE includes MU
        assert err.max() < 1e-8, (label, err.max())
        source = proj.sources[label]
        assert set(source[np.isin(np.arange(len(atoms)), sites) & on]) == {"computed"}
        assert set(source[~np.isin(np.arange(len(atoms)), sites) & on]) == {"equivalent"}
        assert set(source[~on]) == {"none"}
    assert proj.source_counts()["Vo"] == dict(computed=30, equivalent=210, filled=0, none=0)
    assert "ΔE of Vo on O: 30 computed, 210 equivalent, 0 filled, 0 none" in proj.report()


def test_sparse_images_with_missing_zero_say_which_sites_were_filled():
    atoms = s5.pristine()
    o = np.flatnonzero(np.array(atoms.get_chemical_symbols()) == "O")
    sites = o[::10]  # every tenth O site
    energies, proj = _sparse(atoms, sites, "zero")
    source = proj.sources["Vo"]
    filled = np.setdiff1d(o, sites)
    assert (source[filled] == "filled").all() and (source[sites] == "computed").all()
    assert (energies["Vo"][filled] == 0.0).all()
    ce = np.array(atoms.get_chemical_symbols()) == "Ce"
    assert (source[ce] == "none").all() and (proj.sources["Gd"][ce] == "filled").all()  # no Gd image at all
    counts = proj.source_counts()
    assert counts == {"Vo": dict(computed=24, equivalent=0, filled=216, none=0),
                      "Gd": dict(computed=0, equivalent=0, filled=120, none=0)}


def test_every_tenth_site_cannot_cover_every_class_and_missing_equivalent_names_the_rest():
    atoms = s5.pristine()
    o = np.flatnonzero(np.array(atoms.get_chemical_symbols()) == "O")
    with pytest.raises(InputError, match=r"defect 'Vo': missing='equivalent': \d+ site\(s\) have no computed energy "
                                         r"on any symmetry-equivalent site \(sites .*\); compute one site of each of "
                                         r"these 23 classes: sites \d+, \d+"):
        _sparse(atoms, o[::10], "equivalent")


@pytest.mark.slow
def test_one_image_per_class_of_an_in_plane_supercell_gives_every_site():
    """The Σ5 cell doubled along b, in the boundary plane: 60 images for its 720 sites (1 in 16 O
    sites, 1 in 8 Ce sites) give every site's ΔE."""
    atoms = s5.pristine((1, 2, 1))
    full = _full_energies(atoms)
    energies, proj = _sparse(atoms, _one_image_per_class(atoms), "equivalent")
    for label in ("Vo", "Gd"):
        on = np.isfinite(full[label])
        assert np.abs(energies[label][on] - full[label][on]).max() < 1e-8
    assert proj.source_counts()["Vo"] == dict(computed=30, equivalent=450, filled=0, none=0)


def _nine_site_atoms():
    """The shipped Σ5 cell with V_O energies on nine sites only (the nearest to one boundary)."""
    atoms = read(s5.SIGMA5)
    o = np.flatnonzero(atoms.symbols == "O")
    near = o[np.argsort(np.abs(atoms.get_scaled_positions()[o, 2] - 0.5))[:9]]
    dE = np.full(len(atoms), np.nan)
    dE[near] = atoms.arrays["dE_Vo"][near]
    atoms.arrays["dE_Vo"] = dE
    return atoms, near


def test_average_energies_never_averages_filled_zeros_in():
    atoms, near = _nine_site_atoms()
    kw = dict(mode="cell", missing="zero")
    plain = project(atoms, CERIA_DEFECTS, **kw)
    averaged = project(atoms, CERIA_DEFECTS, average_energies=True, **kw)
    x, E0, E1 = plain.sites.x, plain.sites.energies[:, 0], averaged.sites.energies[:, 0]
    src = plain.sources["Vo"][plain.atom_index]
    for xp in np.unique(x[np.isfinite(E0)]):
        plane = (x == xp) & np.isfinite(E0)
        real = plane & (src == "computed")
        expected = E0[real].mean() if real.any() else 0.0  # the mean of the computed sites, never of zeros
        np.testing.assert_allclose(E1[plane], expected, rtol=0, atol=1e-12)
    assert (src == "computed").sum() == 9 and np.isin(plain.atom_index[src == "computed"], near).all()


def test_reference_far_warns_when_the_reference_sites_are_not_far(tmp_path):
    atoms = s5.pristine()
    o = np.flatnonzero(np.array(atoms.get_chemical_symbols()) == "O")
    s = atoms.get_scaled_positions()[o, 2]
    d = np.minimum.reduce([np.abs(s), np.abs(s - 0.5), np.abs(1 - s)]) * 104.95637246853535
    near = o[d < 7.0][:12]  # the images near the boundaries only
    with pytest.warns(SpaceChargeWarning, match=r"reference='far': the sites with energies furthest from a boundary "
                                                r"\(sites .*\) are 6.\d+ Å from it, less than half of 2[45].\d Å"):
        image_energies(atoms, s5.images(atoms, near), s5.DEFECTS)
    far = o[d > 20.0][:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpaceChargeWarning)
        dE, _ = image_energies(atoms, s5.images(atoms, np.concatenate([near, far])), s5.DEFECTS)
    assert np.isfinite(dE["Vo"]).sum() == 15


def test_missing_drop_explains_the_neutrality_it_breaks():
    atoms = read(s5.SIGMA5)
    o = np.flatnonzero(atoms.symbols == "O")
    atoms.arrays["dE_Vo"][o[::3]] = np.nan
    with pytest.raises(InputError, match=r"not charge neutral.*80 'O' sites of 'Vo' have no energy and were dropped "
                                         r"\(missing='drop', or ΔE = \+inf\).*fewer of its sites than the mole "
                                         r"fractions assume.*missing='equivalent'"):
        solve_structure(atoms, CERIA_DEFECTS, 773.15, permittivity=55.0, missing="drop")


def test_plus_infinity_means_the_site_never_hosts_the_defect_even_with_missing_zero():
    atoms = read(s5.SIGMA5)
    o = np.flatnonzero(atoms.symbols == "O")
    atoms.arrays["dE_Vo"][o[:2]] = np.inf
    atoms.arrays["dE_Vo"][o[2:4]] = np.nan
    proj = project(atoms, CERIA_DEFECTS, missing="zero")
    assert list(proj.sources["Vo"][o[:4]]) == ["none", "none", "filled", "filled"]
    hosted = {int(a): e for a, e in zip(proj.atom_index, proj.sites.energies[:, 0])}
    assert int(o[0]) not in hosted and hosted[int(o[2])] == 0.0  # an O site that hosts no defect is no site
    assert proj.source_counts()["Vo"] == dict(computed=236, equivalent=0, filled=2, none=2)


def test_the_cli_energies_command_writes_the_structure_with_its_sources(tmp_path, capsys):
    atoms = s5.pristine()
    case = _sparse_case(tmp_path, atoms, _one_image_per_class(atoms), "equivalent")
    assert main(["energies", str(case), "-o", str(tmp_path / "gb_with_energies.extxyz")]) == 0
    out = capsys.readouterr().out
    assert "30 computed, 210 equivalent" in out and "gb_with_energies.extxyz" in out
    back = read(tmp_path / "gb_with_energies.extxyz")
    assert (back.arrays["sc_dE_source_Vo"] != "none").sum() == 240
    assert np.isfinite(back.arrays["dE_Vo"]).sum() == 30  # dE_: the images' energies; sc_dE_: as solved
    params = json.loads(back.info["sc_params"])
    assert params["images"]["count"] == 60 and params["inputs"]["missing"] == "equivalent"
