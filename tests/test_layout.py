"""House rules of the code base, measured: small modules and functions, one compat dispatch,
no private state shared between modules, fast start-up imports (issue 8)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ase_spacecharge"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_are_small(path):
    lines = path.read_text().count("\n")
    assert lines <= 400, f"{path.name} has {lines} lines"
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= 80, f"{path.name}: {node.name} has {length} lines"


def test_compat_is_dispatched_in_one_place():
    """Only conventions.py compares the compat option with a value."""
    offenders = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Compare):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                strings = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}
                if "compat" in names or "pyscses" in strings:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_no_private_attribute_crosses_a_module():
    """``obj._name`` is only used on ``self`` / ``cls`` (an object's own state)."""
    offenders = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                base = node.value
                if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                    offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []


def _imported_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_and_help_load_nothing_heavy():
    """``import ase_spacecharge`` loads no NumPy/SciPy/ASE/mpmath; the command line's parser
    loads no NumPy (heavy imports happen where they are used)."""
    heavy = {"numpy", "scipy", "ase", "mpmath", "pymatgen", "matplotlib"}
    assert _imported_after("import ase_spacecharge") & heavy == set()
    assert _imported_after("import ase_spacecharge.cli as c; c._parser()") & heavy == set()
    solver = _imported_after("from ase_spacecharge import solve, build_problem")
    assert not solver & {"scipy.optimize", "mpmath", "pymatgen", "matplotlib", "ase"}


PUBLIC_MODULES = ["errors", "constants", "sites", "occupancy", "grid", "conventions", "materials", "equilibrium.problem",
                  "model", "layered", "equilibrium.linalg", "equilibrium.newton", "solution", "transport", "analytic", "report", "plots", "cases.run",
                  "cases.casefile", "cases.schema", "guards", "cli", "examples", "structure", "structure.data", "structure.geometry", "structure.energies",
                  "structure.projection", "structure.padding", "structure.images", "structure.annotate",
                  "structure.pipeline", "dynamics", "dynamics.kinetics", "dynamics.state", "dynamics.system",
                  "dynamics.equations", "dynamics.banded", "dynamics.newton", "dynamics.integrate", "dynamics.steady",
                  "dynamics.impedance", "dynamics.spectra", "cases.dynamics", "restricted", "equilibrium.batch", "equilibrium.poisson",
                  "equilibrium.newton_matrix", "equilibrium.carrier_terms", "equilibrium.site_terms", "equilibrium.workspace", "sensitivity", "uncertainty", "screen", "screen.sweep",
                  "screen.sources", "screen.task", "screen.store", "screen.executors", "screen.run", "screen.example"]


def _public_callables():
    import importlib
    import inspect
    for name in PUBLIC_MODULES:
        module = importlib.import_module(f"ase_spacecharge.{name}")
        for attr in module.__all__:
            obj = getattr(module, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
                yield f"{name}.{attr}", obj


@pytest.mark.parametrize("name, obj", list(_public_callables()), ids=lambda v: v if isinstance(v, str) else "")
def test_public_api_has_numpydoc_sections_and_a_doctest(name, obj):
    import inspect
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------\n>>>" in doc, f"{name}: no Examples section with a doctest"
    try:
        signature = inspect.signature(obj)
    except ValueError:  # exceptions inheriting a builtin constructor
        signature = inspect.Signature()
    params = [n for n, p in signature.parameters.items()
              if n not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if params:
        assert "Parameters\n----------" in doc or "Attributes\n----------" in doc, f"{name}: no Parameters"
    if inspect.isfunction(obj):
        assert "Returns\n-------" in doc or "Raises\n------" in doc, f"{name}: no Returns"


def test_every_module_declares_its_public_names():
    import importlib
    for path in MODULES:
        rel = path.relative_to(PACKAGE).with_suffix("")
        if rel.name in ("__main__",):
            continue
        name = ".".join(("ase_spacecharge",) + rel.parts[:-1] + (() if rel.name == "__init__" else (rel.name,)))
        assert hasattr(importlib.import_module(name), "__all__"), name
