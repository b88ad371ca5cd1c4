"""The case-file key table, generated from the schema (``ase_spacecharge.cases.casefile``).

``.. case-keys::`` in a page becomes one table with every key of every kind of case file:
where it goes, which kinds of case take it, what it expects and its default come from the
schema's fields; what it means comes from :data:`case_key_meanings.MEANINGS`.  A key the
schema has and the meanings lack (or the reverse) fails the build, and tests/test_docs.py
checks the same, so the table cannot drift from the code.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList

KINDS = ("sites", "structure", "layered", "screen")


def _sub_spec(field):
    """The schema of a sub-table field (made by ``table``, ``tables`` or ``named_tables``)."""
    code = getattr(field.check, "__code__", None)
    if code is None or "spec" not in code.co_freevars:
        return None
    return field.check.__closure__[code.co_freevars.index("spec")].cell_contents


def _container(field, name):
    """How a sub-table is written in TOML."""
    if "array of" in field.what:
        return f"[[{name}]]"
    if field.what == "a table of tables":
        return f"[{name}.<label>]"
    return f"[{name}]"


def schemas():
    """Kind -> schema: the three case kinds and the screening case."""
    from ase_spacecharge.cases.casefile import CASE_KINDS, SCREEN
    out = {kind: spec for kind, (_, spec) in CASE_KINDS.items()}
    out["screen"] = SCREEN
    return out


def _walk(spec, table, kind, out):
    for key, field in spec.items():
        sub = _sub_spec(field)
        path = key if table == "" else f"{table}.{key}"
        out.setdefault(path, {})[kind] = (field, table)
        if sub is not None:
            _walk(sub, _container(field, key), kind, out)


def key_fields():
    """Key path (``temperature``, ``[[defects]].label``, ...) -> {kind: (field, table)}."""
    out = {}
    for kind, spec in schemas().items():
        _walk(spec, "", kind, out)
    return out


def _default(field):
    from ase_spacecharge.cases.schema import REQUIRED
    if field.default is REQUIRED:
        return "required"
    if field.default is None:
        return "—"
    if field.default == {} or field.default == []:
        return "none"
    value = field.default
    if isinstance(value, bool):
        return "``true``" if value else "``false``"
    if isinstance(value, str):
        return f'``"{value}"``'
    return f"``{value!r}``"


def rows():
    """One row per key and group of kinds that treat it alike: (key, table, kinds, expects,
    default, refused-in kinds)."""
    out = []
    for path, per_kind in key_fields().items():
        groups, refused = {}, []
        for kind in KINDS:
            if kind not in per_kind:
                continue
            field, table = per_kind[kind]
            if field.what == "nothing":  # a key this kind refuses, with a message
                refused.append(kind)
                continue
            groups.setdefault((field.what, _default(field), table), []).append(kind)
        for (what, default, table), kinds in groups.items():
            out.append(dict(key=path.split(".")[-1], path=path, table=table or "top level", kinds=kinds,
                            expects=what, default=default, refused=refused))
    return out


def table_rst(meanings):
    """The table as reST (a list-table)."""
    missing = sorted(set(key_fields()) - set(meanings))
    extra = sorted(set(meanings) - set(key_fields()))
    if missing or extra:
        raise ValueError(f"case_key_meanings.MEANINGS out of step with the schema: missing {missing}, "
                         f"not in the schema {extra}")
    lines = [".. list-table::", "   :header-rows: 1", "   :class: case-keys", "   :widths: 22 12 18 10 38", "",
             "   * - key", "     - case kinds", "     - expects", "     - default", "     - meaning"]
    for r in rows():
        kinds = ", ".join(r["kinds"])
        if r["refused"]:
            kinds += " (refused in " + ", ".join(r["refused"]) + ")"
        expects = r["expects"].replace("*", r"\*")
        key = f"``{r['key']}``" if r["table"] == "top level" else f"``{r['table']}`` ``{r['key']}``"
        lines += [f"   * - {key}", f"     - {kinds}", f"     - {expects}", f"     - {r['default']}",
                  f"     - {meanings[r['path']]}"]
    return lines


class CaseKeys(Directive):
    """``.. case-keys::``: the table of every case-file key."""

    has_content = False

    def run(self):
        from case_key_meanings import MEANINGS
        container = nodes.container()
        self.state.nested_parse(StringList(table_rst(MEANINGS), source="case-keys"), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("case-keys", CaseKeys)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
