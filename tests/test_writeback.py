"""Writing back never drops or alters what the user had, and never touches the input
(issue 9): calculator results, constraints, per-atom arrays and info survive annotate and
the extxyz, ase.db and pymatgen round trips."""

import copy

import numpy as np
import pytest
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import FixAtoms
from ase.io import read, write

from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms
from ase_spacecharge.structure import db_data, from_db_row, solve_structure

T = 773.15
KW = dict(permittivity=55.0, boundaries=[0.5])


@pytest.fixture
def user_atoms():
    atoms = ceria_like_atoms()
    n = len(atoms)
    atoms.set_array("my_tags", np.arange(n) % 3)
    atoms.set_array("my_vectors", np.random.default_rng(0).normal(size=(n, 3)))
    atoms.info.update(note="mine", relaxed=True, source_id=42)
    atoms.set_constraint(FixAtoms(indices=[0, 5]))
    forces = np.random.default_rng(1).normal(size=(n, 3))
    atoms.calc = SinglePointCalculator(atoms, energy=-123.4, forces=forces, stress=np.arange(6.0))
    return atoms


def _assert_kept(out, atoms):
    for k, v in atoms.arrays.items():
        np.testing.assert_array_equal(out.arrays[k], v, err_msg=k)
    for k, v in atoms.info.items():
        assert out.info[k] == v, k
    assert [c.todict() for c in out.constraints] == [c.todict() for c in atoms.constraints]
    assert out.get_potential_energy() == atoms.get_potential_energy()
    np.testing.assert_array_equal(out.get_forces(), atoms.get_forces())
    np.testing.assert_array_equal(out.get_stress(voigt=True), atoms.get_stress(voigt=True))


def test_annotate_keeps_everything_and_leaves_the_input_alone(user_atoms):
    before = user_atoms.copy()
    before_info, before_calc = copy.deepcopy(user_atoms.info), copy.deepcopy(user_atoms.calc.results)
    out, sol, proj = solve_structure(user_atoms, CERIA_DEFECTS, T, **KW)
    _assert_kept(out, user_atoms)
    assert "sc_phi" in out.arrays and "sc_phi" not in user_atoms.arrays
    assert user_atoms.info == before_info and set(user_atoms.arrays) == set(before.arrays)
    assert user_atoms.calc.results.keys() == before_calc.keys()
    np.testing.assert_array_equal(user_atoms.positions, before.positions)


def test_extxyz_round_trip_keeps_everything(user_atoms, tmp_path):
    out, _, _ = solve_structure(user_atoms, CERIA_DEFECTS, T, **KW)
    write(tmp_path / "out.extxyz", out)
    back = read(tmp_path / "out.extxyz")
    for k in user_atoms.arrays:
        np.testing.assert_allclose(back.arrays[k], user_atoms.arrays[k], rtol=0, atol=5e-9, err_msg=k)
    for k in ("note", "relaxed", "source_id", "sc_phi0"):
        assert back.info[k] == out.info[k]
    assert back.get_potential_energy() == pytest.approx(-123.4)
    np.testing.assert_allclose(back.get_forces(), user_atoms.get_forces(), atol=5e-9)
    assert back.constraints and list(back.constraints[0].index) == [0, 5]


def test_ase_db_round_trip_keeps_everything_and_can_be_solved_again(user_atoms, tmp_path):
    from ase.db import connect
    out, sol, _ = solve_structure(user_atoms, CERIA_DEFECTS, T, **KW)
    kv, data = db_data(out)
    db = connect(tmp_path / "gb.db")
    back = from_db_row(db.get(id=db.write(out, key_value_pairs=kv, data=data)))
    _assert_kept(back, out)
    assert db.get(sc_phi0=out.info["sc_phi0"]).id == 1  # queryable by the results
    again, sol2, _ = solve_structure(back, CERIA_DEFECTS, T, **KW)  # dE_* survived: it solves again
    assert sol2.phi0 == pytest.approx(sol.phi0, rel=1e-14)


def test_ase_db_keeps_the_string_arrays_an_extxyz_file_gives(tmp_path):
    """ASE's extxyz reader gives string columns as object arrays, which ase.db cannot encode;
    db_data stores them as lists of strings and from_db_row gives the same labels back."""
    import pathlib
    from ase.db import connect
    atoms = read(pathlib.Path(__file__).parents[1] / "example_structures" / "ceria_sigma5_310" / "gb.extxyz")
    assert atoms.arrays["grain_label"].dtype == object
    kv, data = db_data(atoms)
    db = connect(tmp_path / "gb.db")
    back = from_db_row(db.get(id=db.write(atoms, key_value_pairs=kv, data=data)))
    assert back.arrays["grain_label"].tolist() == atoms.arrays["grain_label"].tolist()
    np.testing.assert_array_equal(back.arrays["dE_Vo"], atoms.arrays["dE_Vo"])


def test_pymatgen_input_is_not_modified_and_keeps_its_properties():
    from pymatgen.io.ase import AseAtomsAdaptor
    structure = AseAtomsAdaptor.get_structure(ceria_like_atoms())
    structure.properties["mine"] = 1
    structure.add_site_property("charge_state", [0] * len(structure))
    before_props = copy.deepcopy(structure.properties)
    before_sites = copy.deepcopy(structure.site_properties)
    out, sol, _ = solve_structure(structure, CERIA_DEFECTS, T, **KW)
    assert structure.properties == before_props
    assert set(structure.site_properties) == set(before_sites)
    assert out.properties["mine"] == 1 and out.properties["sc_phi0"] == pytest.approx(sol.phi0)
    assert out.site_properties["charge_state"] == [0] * len(structure)
    assert "sc_phi" in out.site_properties
