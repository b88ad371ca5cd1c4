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


def _module_name(path):
    rel = path.relative_to(PACKAGE).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


PUBLIC_MODULES = [_module_name(p) for p in MODULES if p.name != "__main__.py" and _module_name(p)]


def _imports(path):
    """Package modules that ``path`` imports, at module level and inside functions alike
    (``from . import x`` counts as importing the module ``x``)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = {_module_name(p) for p in MODULES}
    out = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("ase_spacecharge"):
                target = node.module.removeprefix("ase_spacecharge").lstrip(".")
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}".lstrip(".")
                out.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            out |= {a.name.removeprefix("ase_spacecharge").lstrip(".") for a in node.names
                    if a.name.startswith("ase_spacecharge")}
    return out - {name}


def _floor_of():
    import ase_spacecharge
    floors = {}
    for level, (_, modules) in enumerate(ase_spacecharge.FLOOR_PLAN):
        for m in modules:
            floors[m] = level
    return lambda module: floors.get(module, floors.get(module.split(".")[0], -1))


GRAPH = {_module_name(p): _imports(p) for p in MODULES}


def test_no_import_circle():
    """No circle of imports between package modules (function-level imports included)."""
    index, low, stack, on, circles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert circles == []


def test_every_import_goes_down_the_floor_plan():
    """Every module is on a floor of ``ase_spacecharge.FLOOR_PLAN`` and imports only from its
    floor or below."""
    floor = _floor_of()
    unplaced = sorted(m for m in GRAPH if m and floor(m) < 0)
    assert unplaced == [], f"modules on no floor: {unplaced}"
    upward = sorted(f"{m} -> {d}" for m, deps in GRAPH.items() if m for d in deps if d and floor(d) > floor(m))
    assert upward == []


def test_top_level_is_small():
    files = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(files) <= 22, files


def test_readme_module_table_matches_the_tree():
    """Every module file named in the README's module table exists, and every module of the
    package is named there."""
    import re
    readme = (PACKAGE.parent / "README.md").read_text()
    table = readme[readme.index("| floor |"):]
    table = table[:table.index("\n\n")]
    named = set(re.findall(r"`([\w/]+\.py)`", table))
    tree = {str(p.relative_to(PACKAGE)) for p in MODULES if p.name not in ("__init__.py", "__main__.py")}
    assert named - tree == set(), f"named in the README but absent: {sorted(named - tree)}"
    assert tree - named == set(), f"in the tree but not in the README's table: {sorted(tree - named)}"


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
