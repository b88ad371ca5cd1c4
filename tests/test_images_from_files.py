"""Issue 18: from the user's DFT runs to the solve.  Defect images of the shipped Σ5 cell
(energies known functions of position) read from extxyz files, an ase.db, OUTCAR and
vasprun.xml files, by case files and from Python, give the energies the functions say and the
same Φ0 as the energies given as per-atom arrays."""

import json

import numpy as np
import pytest
from ase.io import read, write

import sigma5_images as s5
from ase_spacecharge import InputError, image_energies
from ase_spacecharge.cases import load_case, run_case
from ase_spacecharge.cli import main

CASE = """structure = "{structure}"
temperature = 773.15
permittivity = 55.0
mode = "unfold"
pad_to = "auto"
write_structure = "out.extxyz"
{extra}
""" + s5.CASE_DEFECTS

IMAGES = """
[images]
files = {files}
reference = "far"
{more}
[images.defects]
Vo = ["O", ""]
Gd = ["Ce", "Gd"]
"""


def _case(folder, structure="gb.extxyz", files=None, extra="", more="", name="case.toml"):
    text = CASE.format(structure=structure, extra=extra)
    if files is not None:
        text = text.replace("[[defects]]", IMAGES.format(files=json.dumps(files), more=more) + "\n[[defects]]", 1)
    (folder / name).write_text(text)
    return folder / name


@pytest.fixture(scope="module")
def sigma5(tmp_path_factory):
    """The pristine cell, its 240 vacancy and 120 substitution images as extxyz files, the
    true ΔE per site and the same energies as per-atom arrays in a second structure."""
    folder = tmp_path_factory.mktemp("sigma5")
    atoms = s5.pristine()
    symbols = np.array(atoms.get_chemical_symbols())
    o, ce = np.flatnonzero(symbols == "O"), np.flatnonzero(symbols == "Ce")
    frac = atoms.get_scaled_positions()
    truth = {}
    for label, sites in (("Vo", o), ("Gd", ce)):
        e = np.full(len(atoms), np.nan)
        e[sites] = s5.image_energy(label, s5.segregation(label, frac[sites])) - s5.E_PRISTINE - s5.MU[label]
        truth[label] = e
    write(folder / "gb.extxyz", atoms)
    s5.write_extxyz(folder / "relax", s5.images(atoms, o), "vac")
    s5.write_extxyz(folder / "relax", s5.images(atoms, ce, seed=1), "gd")
    direct = atoms.copy()
    for label, e in truth.items():
        direct.set_array(f"dE_{label}", e - s5.far_reference(atoms, e))
    _write_db(folder / "gb_dE.db", direct)  # every digit (an extxyz would round the energies to 1e-8 eV)
    return dict(folder=folder, atoms=atoms, truth=truth, o=o, ce=ce)


def _write_db(path, atoms, **kv):
    from ase.db import connect
    from ase_spacecharge.structure import db_data
    keys, data = db_data(atoms)
    with connect(path) as db:
        db.write(atoms, key_value_pairs=dict(keys, **kv), data=data)


def _differences(values, truth, sites):
    """Largest error (eV) of the differences ``values[i] - values[sites[0]]`` against the truth's."""
    return float(np.max(np.abs((values[sites] - values[sites[0]]) - (truth[sites] - truth[sites[0]]))))


def test_a_case_with_360_image_files_gives_the_functions_and_the_phi0_of_the_arrays(sigma5):
    folder = sigma5["folder"]
    by_images = run_case(_case(folder, files=["relax/vac_*.extxyz", "relax/gd_*.extxyz"]))
    direct = run_case(_case(folder, structure="gb_dE.db", name="direct.toml"), write=False)
    frame = by_images.frames[0]
    for label, sites in (("Vo", sigma5["o"]), ("Gd", sigma5["ce"])):
        assert _differences(frame.arrays[f"sc_dE_{label}"], sigma5["truth"][label], sites) < 1e-9
        assert (frame.arrays[f"sc_dE_source_{label}"][sites] == "computed").all()
    assert abs(by_images.solutions[0].phi0 - direct.solutions[0].phi0) < 1e-12
    assert by_images.summary["energy_sources"]["Vo"] == dict(computed=240, equivalent=0, filled=0, none=0)
    assert by_images.summary["images"]["count"] == 360
    back = read(folder / "out.extxyz")  # as users read it: ASE writes 8 decimals
    assert _differences(back.arrays["sc_dE_Vo"], sigma5["truth"]["Vo"], sigma5["o"]) < 1e-8
    np.testing.assert_allclose(back.arrays["dE_Vo"][sigma5["o"]], frame.arrays["dE_Vo"][sigma5["o"]], atol=5e-9)


def _formats(folder, atoms, images_):
    """The same images as extxyz files, one ase.db, OUTCAR files and vasprun.xml files."""
    s5.write_extxyz(folder / "x", images_)
    s5.write_db(folder / "images.db", images_)
    for k, image in enumerate(images_):
        s5.write_outcar(folder / f"run_{k:03d}" / "OUTCAR", image)
        s5.write_vasprun(folder / f"vrun_{k:03d}" / "vasprun.xml", image)
    return {"extxyz": str(folder / "x" / "*.extxyz"), "ase.db": str(folder / "images.db"),
            "OUTCAR": str(folder / "run_*" / "OUTCAR"), "vasprun": str(folder / "vrun_*" / "vasprun.xml")}


def test_extxyz_ase_db_outcar_and_vasprun_give_the_same_energies(sigma5, tmp_path):
    atoms, truth = sigma5["atoms"], sigma5["truth"]
    sites = np.concatenate([sigma5["o"][::10], sigma5["ce"][::10]])
    sources = _formats(tmp_path, atoms, s5.images(atoms, sites, seed=3))
    results = {}
    for name, source in sources.items():
        dE, matches = image_energies(atoms, source, s5.DEFECTS, reference=None)
        assert sorted(m.site for m in matches) == sorted(sites.tolist()), name
        for label in ("Vo", "Gd"):
            have = np.isfinite(dE[label])
            np.testing.assert_allclose(dE[label][have] - s5.MU[label], truth[label][have], rtol=0, atol=1e-9)
        results[name] = dE
    from pymatgen.io.vasp import Vasprun  # the same vasprun.xml files as pymatgen objects
    runs = [Vasprun(p, parse_dos=False, parse_eigen=False, parse_potcar_file=False)
            for p in sorted(tmp_path.glob("vrun_*/vasprun.xml"))]
    results["Vasprun"], matches = image_energies(atoms, runs, s5.DEFECTS, reference=None)
    assert matches[0].source == "images[0]"
    for name in results:  # the files hold the same numbers, so every reader gives the same energies
        for label in ("Vo", "Gd"):
            np.testing.assert_array_equal(results[name][label], results["extxyz"][label])


def test_an_ase_db_selection_and_file_slices_pick_images(sigma5, tmp_path):
    atoms = sigma5["atoms"]
    sites = sigma5["o"][:6]
    images_ = s5.images(atoms, sites, seed=4)
    s5.write_db(tmp_path / "images.db", images_)
    from ase.db import connect
    with connect(tmp_path / "images.db") as db:
        db.update(1, relaxed=False)
    dE, matches = image_energies(atoms, tmp_path / "images.db", s5.DEFECTS, select="relaxed=True", reference=None)
    assert sorted(m.site for m in matches) == sorted(sites[1:].tolist())
    assert matches[0].source.endswith("images.db@id=2")
    dE2, _ = image_energies(atoms, f"{tmp_path / 'images.db'}@relaxed=True", s5.DEFECTS, reference=None)
    np.testing.assert_array_equal(dE2["Vo"], dE["Vo"])
    write(tmp_path / "all.extxyz", images_)  # several images in one file: every frame
    assert len(image_energies(atoms, tmp_path / "all.extxyz", s5.DEFECTS, reference=None)[1]) == 6
    assert len(image_energies(atoms, f"{tmp_path / 'all.extxyz'}@1:3", s5.DEFECTS, reference=None)[1]) == 2
    relax = [images_[0].copy() for _ in range(3)]  # a relaxation's steps, one site
    for k, step in enumerate(relax):
        step.calc = type(images_[0].calc)(step, energy=images_[0].get_potential_energy() - 0.1 * (2 - k))
    write(tmp_path / "relax.traj", relax)
    with pytest.raises(InputError, match=r"relax.traj@0 and .*relax.traj@1 are both a 'Vo' image of site .* file@-1"):
        image_energies(atoms, tmp_path / "relax.traj", s5.DEFECTS)
    dE, (m,) = image_energies(atoms, f"{tmp_path / 'relax.traj'}@-1", s5.DEFECTS, reference=None)
    assert dE["Vo"][m.site] == pytest.approx(images_[0].get_potential_energy() - s5.E_PRISTINE, abs=1e-9)


def test_pymatgen_entries_as_json_and_a_pymatgen_structure_file(sigma5, tmp_path):
    from monty.serialization import dumpfn
    from pymatgen.entries.computed_entries import ComputedStructureEntry
    from pymatgen.io.ase import AseAtomsAdaptor
    atoms = sigma5["atoms"]
    images_ = s5.images(atoms, sigma5["ce"][:3], seed=5)
    entries = [ComputedStructureEntry(AseAtomsAdaptor.get_structure(a), a.get_potential_energy()) for a in images_]
    dumpfn(entries, tmp_path / "entries.json")
    dE, matches = image_energies(atoms, tmp_path / "entries.json", s5.DEFECTS, reference=None)
    assert [m.site for m in matches] == sigma5["ce"][:3].tolist()
    np.testing.assert_allclose(dE["Gd"][sigma5["ce"][:3]] - s5.MU["Gd"], sigma5["truth"]["Gd"][sigma5["ce"][:3]],
                               atol=1e-9)
    assert matches[1].source.endswith("entries.json@1")
    # a structure case whose structure is pymatgen's Structure.to("x.json"), dE arrays as site properties
    from ase_spacecharge.structure.files import read_structure_file
    AseAtomsAdaptor.get_structure(read_structure_file(sigma5["folder"] / "gb_dE.db")).to(str(tmp_path / "gb.json"))
    case = _case(tmp_path, structure="gb.json")
    direct = run_case(_case(sigma5["folder"], structure="gb_dE.db", name="direct.toml"), write=False)
    assert run_case(case, write=False).solutions[0].phi0 == pytest.approx(direct.solutions[0].phi0, abs=1e-12)


def test_run_reads_an_ase_db_structure_with_its_data_arrays_and_a_slice(sigma5, tmp_path):
    from ase_spacecharge.structure.files import read_structure_file
    direct_atoms = read_structure_file(sigma5["folder"] / "gb_dE.db")
    _write_db(tmp_path / "gbs.db", direct_atoms[:10])
    _write_db(tmp_path / "gbs.db", direct_atoms, sigma=5)
    direct = run_case(_case(sigma5["folder"], structure="gb_dE.db", name="direct.toml"), write=False)
    for structure in ("gbs.db@sigma=5", "gbs.db@id=2"):
        r = run_case(_case(tmp_path, structure=structure), write=False)
        assert r.solutions[0].phi0 == pytest.approx(direct.solutions[0].phi0, abs=1e-12), structure
    write(tmp_path / "two.extxyz", [direct_atoms[:10], direct_atoms])  # ΔE to 8 decimals: Φ0 to 1e-8 V
    for structure in ("two.extxyz@1", "two.extxyz"):
        r = run_case(_case(tmp_path, structure=structure), write=False)
        assert r.solutions[0].phi0 == pytest.approx(direct.solutions[0].phi0, abs=1e-8), structure
    assert main(["run", str(_case(tmp_path, structure="gbs.db"))]) == 2
    assert main(["run", str(_case(tmp_path, structure="two.extxyz@0:2"))]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ase.db", "OUTCAR"])
def test_all_360_images_from_an_ase_db_or_outcar_files_solve_as_the_arrays_do(sigma5, tmp_path, kind):
    atoms = sigma5["atoms"]
    images_ = s5.images(atoms, sigma5["o"], seed=6) + s5.images(atoms, sigma5["ce"], seed=7)
    if kind == "ase.db":
        s5.write_db(tmp_path / "images.db", images_)
        files = ["images.db"]
    else:
        for k, image in enumerate(images_):
            s5.write_outcar(tmp_path / f"run_{k:03d}" / "OUTCAR", image)
        files = ["run_*/OUTCAR"]
    write(tmp_path / "gb.extxyz", atoms)
    result = run_case(_case(tmp_path, files=files), write=False)
    direct = run_case(_case(sigma5["folder"], structure="gb_dE.db", name="direct.toml"), write=False)
    assert abs(result.solutions[0].phi0 - direct.solutions[0].phi0) < 1e-12
    for label, sites in (("Vo", sigma5["o"]), ("Gd", sigma5["ce"])):
        assert _differences(result.frames[0].arrays[f"sc_dE_{label}"], sigma5["truth"][label], sites) < 1e-9


def test_the_screen_takes_file_slices_one_source_a_frame(sigma5, tmp_path):
    from ase_spacecharge.screen.sources import find_structures, load_structure
    from ase_spacecharge.structure.files import read_structure_file
    atoms = read_structure_file(sigma5["folder"] / "gb_dE.db")
    write(tmp_path / "two.extxyz", [atoms, atoms[:-1]])
    sources = find_structures(f"{tmp_path / 'two.extxyz'}@:")
    assert [s["name"].rsplit("/", 1)[1] for s in sources] == ["two.extxyz@0", "two.extxyz@1"]
    assert sources[0]["hash"] != sources[1]["hash"]
    assert [len(load_structure(s["ref"], s["hash"])) for s in sources] == [360, 359]
    write(tmp_path / "two.extxyz", [atoms[:-2], atoms])  # an edited file: a changed identity, refused
    with pytest.raises(InputError, match="changed since the screen was planned"):
        load_structure(sources[0]["ref"], sources[0]["hash"])
