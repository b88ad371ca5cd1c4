"""A real part of the ASE and pymatgen ecosystems (issue 19): monty's dumpfn/loadfn round-trip
the results, ``ase.visualize.view(..., viewer="spacecharge")`` is found through the installed
entry point, and ``pymatgen.analysis.spacecharge`` imports after installation."""

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAIN_JOB = ROOT / "example_structures" / "ceria_sigma5_310" / "case.toml"


def _assert_same_arrays(a, b):
    """Every field of two dataclass records equal: arrays with equal dtype, shape and values (NaN
    where NaN)."""
    assert type(a) is type(b)
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype and x.shape == y.shape, f.name
            assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"), f.name
        elif hasattr(x, "__dataclass_fields__"):
            _assert_same_arrays(x, y)
        elif isinstance(x, dict) and any(isinstance(v, np.ndarray) for v in x.values()):
            assert set(x) == set(y), f.name
            for k in x:
                assert np.array_equal(np.asarray(x[k]), np.asarray(y[k])) and np.asarray(x[k]).dtype.kind == y[k].dtype.kind, k
        else:
            assert x == y, f.name


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    from ase_spacecharge.cases.casefile import load_case
    from ase_spacecharge.cases.run import run_case
    case = load_case(MAIN_JOB)
    case["write_structure"] = str(tmp_path_factory.mktemp("main") / "out.extxyz")
    return run_case(case)


def test_monty_dumpfn_loadfn_round_trip_the_solution_projection_and_case_result(main_job, tmp_path):
    from monty.serialization import dumpfn, loadfn
    from ase_spacecharge.solution import SpaceChargeSolution
    sol = main_job.solutions[0]
    dumpfn(sol, tmp_path / "s.json")
    back = loadfn(tmp_path / "s.json")
    _assert_same_arrays(sol, back)
    assert back.phi0 == sol.phi0 and back.site_label.dtype.kind == "U"
    _assert_same_arrays(sol, SpaceChargeSolution.from_dict(sol.as_dict()))  # the JSON-list form still reads
    dumpfn(main_job.projection, tmp_path / "p.json")
    _assert_same_arrays(main_job.projection, loadfn(tmp_path / "p.json"))
    dumpfn(main_job, tmp_path / "r.json")
    result = loadfn(tmp_path / "r.json")
    assert result.problem is None and result.case["mode"] == "unfold"
    _assert_same_arrays(main_job.solutions[0], result.solutions[0])
    _assert_same_arrays(main_job.projection, result.projection)
    frame, again = main_job.frames[0], result.frames[0]
    assert set(frame.arrays) == set(again.arrays)
    for key in frame.arrays:
        assert np.array_equal(frame.arrays[key], again.arrays[key], equal_nan=frame.arrays[key].dtype.kind == "f")
    assert again.info["sc_phi0"] == frame.info["sc_phi0"]
    profile = main_job.summary["profile"]
    np.testing.assert_array_equal(result.summary["profile"]["mole_fractions"]["Vo"], profile["mole_fractions"]["Vo"])
    assert {k: v for k, v in result.summary.items() if k != "profile"} == \
        {k: v for k, v in main_job.summary.items() if k != "profile"}


def test_monty_round_trips_a_case_result_with_dynamics(tmp_path):
    """A transient and its Transient record survive dumpfn/loadfn."""
    from monty.serialization import dumpfn, loadfn
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.examples import write_ceria_like_case
    case = write_ceria_like_case(tmp_path, temperature=773.15, extra=(
        'boundary = "dirichlet"\ndirichlet = [0.0, 0.0]\n[transient]\nvoltage = 0.05\ntimes = [1e-9, 1e-6]\n'))
    Path(case).write_text(Path(case).read_text().replace("mobility = 1.0", "mobility = 1.0\ndiffusivity = 1e-11"))
    result = run_case(case)
    dumpfn(result, tmp_path / "r.json")
    back = loadfn(tmp_path / "r.json")
    _assert_same_arrays(result.dynamics[0]["transient"], back.dynamics[0]["transient"])


def _fresh(code, cwd):
    """Run ``code`` in a fresh interpreter outside the source tree (so only what is installed counts)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_ase_visualize_view_finds_the_spacecharge_viewer_through_its_entry_point(main_job, tmp_path):
    """``ase.visualize.view(atoms, viewer="spacecharge")`` in a fresh process, on atoms read back
    from the written structure: found through the installed ``ase.visualize`` entry point."""
    from importlib.metadata import entry_points
    names = {e.name: e.value for e in entry_points(group="ase.visualize")}
    assert names.get("spacecharge") == "ase_spacecharge.visual.ase_viewer:VIEWER_ENTRYPOINT"
    written = main_job.case["write_structure"]
    html = tmp_path / "v.html"
    out = _fresh(f"""
from ase.io import read
from ase.visualize import view
from ase.visualize.viewers import VIEWERS
atoms = read({str(written)!r})
print(VIEWERS["spacecharge"].module_name)
print(view(atoms, viewer="spacecharge", path={str(html)!r}, open_browser=False, color_by="sc_occ_Vo"))
""", tmp_path)
    assert out.split() == ["ase_spacecharge.visual.ase_viewer", str(html)]
    text = html.read_text()
    assert "sc_occ_Vo" in text and "boundary 1" in text  # both planes from the atoms' sc_axis / sc_boundaries


def test_pymatgen_analysis_spacecharge_imports_from_the_installed_distribution(tmp_path):
    """The add-on in the ``pymatgen.analysis`` namespace, imported in a fresh process away from
    the source tree, beside pymatgen's own analysis modules; its docstring example runs."""
    out = _fresh("""
import doctest
import pymatgen.analysis.structure_matcher  # pymatgen's own namespace portion still imports
import pymatgen.analysis.spacecharge as sc
from pymatgen.analysis.spacecharge import solve_structure, SpaceChargeSolution, annotate, view
print(doctest.testmod(sc).failed, sorted(sc.__all__)[:3])
""", tmp_path)
    assert out.split("\n")[0] == "0 ['DefectSpecies', 'Projection', 'SpaceChargeSolution']"
    import pymatgen
    assert not any(Path(p, "__init__.py").exists() for p in pymatgen.__path__)  # still a namespace package
