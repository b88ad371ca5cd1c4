"""Every code block of the documentation runs, and the reference pages cover the code.

* the guide's Python examples (``>>>``) are doctests, run from the project's root;
* every ``$`` command line of a ``console`` block runs, in a scratch copy of
  example_structures (a ``pip install`` line instead checks that the extras it names exist);
  a ``bash`` block holds the CI's own commands (each line is in .ci/run, which CI runs);
* every TOML block parses, and each of its keys is a case-file key whose value the
  schema accepts;
* the case-key table's meanings cover exactly the schema's keys;
* the API pages name every public name of the package face and of structure, dynamics and
  screen;
* the README draft (docs/_readme_draft.md) is at most 250 lines, and its code blocks run
  under the same rules.
"""

import doctest
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDE = sorted((DOCS / "guide").glob("*.rst"))
PAGES = GUIDE + [DOCS / "index.rst"]
DRAFT = DOCS / "_readme_draft.md"
sys.path.insert(0, str(DOCS / "_ext"))


def rst_blocks(path, language):
    """The bodies of ``.. code-block:: language`` directives in a reST file."""
    lines, blocks = path.read_text(encoding="utf-8").splitlines(), []
    for i, line in enumerate(lines):
        if line.strip() == f".. code-block:: {language}":
            body, j = [], i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith("   ")):
                body.append(lines[j][3:])
                j += 1
            body = [b for b in body if not b.startswith(":")]  # directive options
            blocks.append("\n".join(body).strip("\n"))
    return blocks


def md_blocks(path, language):
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def shell_lines(block, prompt):
    """Command lines of a block: those after ``$ `` in a console block, every line of a bash one."""
    out = []
    for line in block.splitlines():
        if prompt:
            if line.startswith("$ "):
                out.append(line[2:].strip())
        elif line.strip() and not line.lstrip().startswith("#"):
            out.append(line.split(" #")[0].strip())
    return out


def _extras():
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])


def check_pip(command):
    """A ``pip install`` line names only extras pyproject.toml defines."""
    named = set()
    for spec in re.findall(r"\[([a-z,]+)\]", command):
        named.update(spec.split(","))
    missing = named - _extras()
    assert not missing, f"{command!r}: no such extra {sorted(missing)}"


def _ci_lines():
    return {line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()}


def run_shell(command, scratch):
    if command.startswith("pip install"):
        head, _, rest = command.partition("&&")
        check_pip(head)
        if rest.strip():
            assert command in _ci_lines() or rest.strip() in _ci_lines(), f"{command!r} is not what CI runs"
        return
    if command in _ci_lines():
        return  # CI runs it
    argv = shlex.split(command)
    assert argv[0] in ("ase-spacecharge", "python"), f"a documented command this test does not know: {command!r}"
    if argv[0] == "python":
        argv[0] = sys.executable
    else:
        argv = [sys.executable, "-m", "ase_spacecharge"] + argv[1:]
    done = subprocess.run(argv, cwd=scratch, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command!r} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A copy of example_structures in a fresh folder, for the documented commands to write into."""
    folder = tmp_path_factory.mktemp("docs_commands")
    shutil.copytree(ROOT / "example_structures", folder / "example_structures",
                    ignore=shutil.ignore_patterns("out.extxyz", "__pycache__"))
    return folder


@pytest.mark.parametrize("page", GUIDE, ids=[p.stem for p in GUIDE])
def test_guide_python_examples_run(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(page), module_relative=False, verbose=False, report=True,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{page.name}: {result.failed} of {result.attempted} examples failed"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_documented_commands_run(page, scratch):
    commands = [c for b in rst_blocks(page, "console") for c in shell_lines(b, True)]
    commands += [c for b in rst_blocks(page, "bash") for c in shell_lines(b, False)]
    for command in commands:
        run_shell(command, scratch)


def _check_toml(text, where):
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    from case_keys import key_fields
    fields = key_fields()
    data = tomllib.loads(text)

    def walk(table, prefix):
        for key, value in table.items():
            path = key if prefix == "" else f"{prefix}.{key}"
            assert path in fields, f"{where}: {path!r} is not a case-file key"
            field = next(iter(fields[path].values()))[0]
            if isinstance(value, dict) and field.what == "a table":
                walk(value, f"[{key}]")
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for item in value:
                    walk(item, f"[[{key}]]")
            elif path != "sweep":
                field(value, f"{where}: {path}")
    walk(data, "")


@pytest.mark.parametrize("page", GUIDE, ids=[p.stem for p in GUIDE])
def test_toml_snippets_are_case_keys(page):
    for i, block in enumerate(rst_blocks(page, "toml")):
        _check_toml(block, f"{page.name} TOML block {i}")


def test_the_case_key_table_covers_the_schema_exactly():
    from case_key_meanings import MEANINGS
    from case_keys import key_fields, table_rst
    assert set(MEANINGS) == set(key_fields())
    assert sum(line.startswith("   * - ``") for line in table_rst(MEANINGS)) >= len(MEANINGS)


def test_api_pages_name_every_public_name():
    import ase_spacecharge
    import ase_spacecharge.dynamics
    import ase_spacecharge.screen
    import ase_spacecharge.structure
    text = {p.stem: p.read_text() for p in (DOCS / "api").glob("*.rst")}
    directive = r"\.\. auto(?:function|class|data):: {}\b"
    structure_names = set(ase_spacecharge.structure.__all__)
    for name in ase_spacecharge._EXPORTS:
        page = "structure" if name in structure_names else "package"
        assert re.search(directive.format(re.escape(name)), text[page]), f"{name} is not on api/{page}.rst"
    for page, module in (("structure", ase_spacecharge.structure), ("dynamics", ase_spacecharge.dynamics),
                         ("screen", ase_spacecharge.screen)):
        for name in module.__all__:
            assert re.search(directive.format(re.escape(name)), text[page]), f"{name} is not on api/{page}.rst"


def test_readme_draft_is_short_and_its_code_runs(scratch, monkeypatch):
    lines = DRAFT.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"{DRAFT.name}: {len(lines)} lines"
    monkeypatch.chdir(ROOT)
    namespace = {"__name__": "__readme__"}  # one reader running the blocks in order
    for block in md_blocks(DRAFT, "python"):
        exec(compile(block, str(DRAFT), "exec"), namespace)
    for block in md_blocks(DRAFT, "bash"):
        for command in shell_lines(block, False):
            run_shell(command, scratch)
    for i, block in enumerate(md_blocks(DRAFT, "toml")):
        _check_toml(block, f"{DRAFT.name} TOML block {i}")
