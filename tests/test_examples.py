"""The shipped example structures: stoichiometric, complete energies, and the case runs."""

from pathlib import Path

import numpy as np
import pytest
from ase.io import read

from ase_spacecharge.case import run_case

EXAMPLES = Path(__file__).resolve().parents[1] / "example_structures"
CASES = sorted(p for p in EXAMPLES.glob("ceria_sigma*/case.toml") if (p.parent / "gb.extxyz").exists())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_example_structure_is_complete_and_solves(case, tmp_path, monkeypatch):
    atoms = read(case.parent / "gb.extxyz")
    symbols = np.array(atoms.get_chemical_symbols())
    assert (symbols == "O").sum() == 2 * (symbols == "Ce").sum()  # rm_ratio = 0 kept all oxygen
    for label, host in (("Vo", "O"), ("Gd", "Ce")):
        dE = atoms.arrays[f"dE_{label}"]
        assert np.all(np.isfinite(dE[symbols == host])) and np.all(np.isnan(dE[symbols != host]))
    assert set(np.unique(atoms.arrays["grain_label"])) >= {"top", "bottom"}
    text = case.read_text().replace('write_structure = "out.extxyz"', f'write_structure = "{tmp_path / "out.extxyz"}"')
    local = case.parent / f"_test_{tmp_path.name}.toml"
    local.write_text(text)
    try:
        summary = run_case(local).summary
    finally:
        local.unlink()
    assert summary["residual"] <= 1e-10 and abs(summary["phi0"]) > 0.05
    out = read(tmp_path / "out.extxyz")
    assert np.isfinite(out.arrays["sc_phi"]).sum() == len(out)
