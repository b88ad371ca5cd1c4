"""The shipped example structures: stoichiometric, complete energies, reach bulk, and the case runs."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from ase.io import read

from ase_spacecharge import solve
from ase_spacecharge.cases.run import run_case, structure_problem_from_case
from ase_spacecharge.cases.casefile import load_case
from ase_spacecharge.guards import bulk_charge_density
from ase_spacecharge.structure import default_bulk

EXAMPLES = Path(__file__).resolve().parents[1] / "example_structures"
CASES = sorted(p for p in EXAMPLES.glob("ceria_sigma*/case.toml") if (p.parent / "gb.extxyz").exists())

_spec = importlib.util.spec_from_file_location("check_examples", EXAMPLES / "check_examples.py")
check_examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_examples)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_example_structure_is_complete_and_solves(case, tmp_path):
    atoms = read(case.parent / "gb.extxyz")
    symbols = np.array(atoms.get_chemical_symbols())
    assert (symbols == "O").sum() == 2 * (symbols == "Ce").sum()  # stoichiometric CeO2
    for label, host in (("Vo", "O"), ("Gd", "Ce")):
        dE = atoms.arrays[f"dE_{label}"]
        assert np.all(np.isfinite(dE[symbols == host])) and np.all(np.isnan(dE[symbols != host]))
    assert set(np.unique(atoms.arrays["grain_label"])) >= {"top", "bottom"}
    # the planes furthest from the boundaries are bulk: their energies agree to << kT (0.067 eV)
    assert max(check_examples.far_spread(atoms).values()) < 0.01
    text = case.read_text().replace('write_structure = "out.extxyz"', f'write_structure = "{tmp_path / "out.extxyz"}"')
    local = case.parent / f"_test_{tmp_path.name}.toml"
    local.write_text(text)
    try:
        result = run_case(local)
    finally:
        local.unlink()
    summary, sol = result.summary, result.solutions[0]
    assert summary["residual"] <= 1e-10 and abs(summary["phi0"]) > 0.05
    out = read(tmp_path / "out.extxyz")
    assert np.isfinite(out.arrays["sc_phi"]).sum() == len(out)

    # the grains reach bulk: nominal fractions in the bulk region, no net charge to neutralise
    loaded = load_case(case)
    _, _, proj = structure_problem_from_case(loaded)
    region = tuple(loaded["bulk"]) if loaded["bulk"] is not None else default_bulk(proj)
    for label, (error, planes) in check_examples.bulk_fraction_error(sol, region).items():
        assert planes >= 3 and error <= 1e-3, (label, error, planes)
    rho_bulk = bulk_charge_density(sol)
    assert abs(sol.background) <= 1e-3 * rho_bulk, (sol.background, rho_bulk)
    # and Φ0 stays put when the padding grows by half
    assert proj.padding, "the shipped examples are padded with bulk"
    loaded["pad_to"] = 1.5 * check_examples.padded_distance(proj)
    _, grown, _ = structure_problem_from_case(loaded)
    assert abs(solve(grown, loaded["temperatures"][0]).phi0 - summary["phi0"]) <= 1e-3
