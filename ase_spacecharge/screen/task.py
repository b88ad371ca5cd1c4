"""One task of a screen, run wherever Dask puts it: load one structure, build its problem for
one parameter set, solve the pending temperatures (together, by
:func:`~ase_spacecharge.equilibrium.batch.solve_batch`), and return the rows as plain data.  A task never
raises for a bad structure or a failed solve: its rows say why.  It never touches the
results database (the driver writes, as results arrive).
"""

from __future__ import annotations

import contextlib
import time
import warnings

from ..cases.run import structure_options
from ..errors import SpaceChargeWarning
from .sources import load_structure

__all__ = ["solve_group"]

#: Warnings each row states itself (see :func:`_row`), whether or not the task records warnings.
_IN_ROWS = ("the bulk region", "Boltzmann statistics give")


@contextlib.contextmanager
def _nothing():
    yield None


def _error(exc):
    return f"{type(exc).__name__}: {exc}"


def _solutions(problem, temperatures, rtol):
    """Solutions at ``temperatures`` (as ``run`` solves a temperature list: the first alone, the
    rest in one batch from it; one by one when that fails, so a solve that fails costs only its
    own row): a solution or the exception, per temperature."""
    from ..solution import solve, solve_temperatures
    try:
        return solve_temperatures(problem, list(temperatures), rtol=rtol)
    except Exception:  # noqa: BLE001 - find the rows that fail, one by one
        pass
    out = []
    for t in temperatures:
        try:
            out.append(solve(problem, t, rtol=rtol))
        except Exception as exc:  # noqa: BLE001 - a failed row says why; the study goes on
            out.append(exc)
    return out


def _storable(atoms):
    """The ase.db ``data`` of ``atoms`` (:func:`~ase_spacecharge.structure.db_data`); an entry
    that still does not round-trip through ase.db is left out and named."""
    from ase.db.core import bytes_to_object, object_to_bytes
    from ..structure import db_data
    data, dropped = db_data(atoms)[1], []
    for part in ("arrays", "info"):
        for name, value in list(data[part].items()):
            try:
                bytes_to_object(object_to_bytes(value))
            except Exception:  # noqa: BLE001 - ase.db raises several kinds
                del data[part][name]
                dropped.append(f"{part}[{name!r}]")
    return data, (f"not stored (ase.db cannot encode it): {', '.join(dropped)}" if dropped else "")


def _failed(key, exc, atoms):
    from ase import Atoms
    atoms = Atoms() if atoms is None else atoms
    data, note = _storable(atoms)
    return dict(key=key, status="failed", error=_error(exc), warning=note, atoms=atoms, data=data)


def _row(key, solution, atoms, proj, case, writeback):
    """One row from a solution: the summary's numbers, the warnings the run would print,
    and the structure (annotated, with ``writeback``) with its ase.db data."""
    from ..guards import check_bulk, check_site_fractions
    from ..structure import annotate
    summary = solution.summary(**case["resistivity"], profile=False)
    lo, hi = solution.bulk
    bulk = check_bulk(solution)
    notes = [f"bulk region {lo:.2f}..{hi:.2f} Å not bulk-like: {'; '.join(bulk)}"] if bulk else []
    if case["statistics"] == "boltzmann" and check_site_fractions(solution) > 1:
        notes.append("Boltzmann site fractions above one (use statistics = 'fermi-dirac')")
    out = annotate(atoms, solution, proj, summary=summary) if writeback else atoms
    data, note = _storable(out)
    return dict(key=key, status="ok", warning="; ".join(notes + [note] * bool(note)), atoms=out, data=data,
                **{k: summary[k] for k in ("phi0", "r_perp", "r_par", "iterations", "residual")})


def solve_group(task):
    """Solve one task: one structure and one parameter set at one or more temperatures.

    Parameters
    ----------
    task : dict
        ``ref`` and ``hash`` (from :func:`~.sources.find_structures`), ``case`` (the
        parameter set applied), ``problem_temperature`` (K; where the problem is built, as
        ``run`` builds it at a case's first temperature), ``rows`` (``key``,
        ``temperature``), ``writeback`` (annotate the structure) and ``record_warnings``
        (record every :class:`~ase_spacecharge.errors.SpaceChargeWarning` into the rows'
        ``warning``: only where the task runs alone in its process, as the warnings
        filters are the process's; without it the rows still say when the bulk region is
        not bulk-like or Boltzmann fractions pass one).

    Returns
    -------
    list of dict
        Per row: ``key``, ``status`` ("ok" or "failed"), ``error`` (why it failed),
        ``warning``, ``phi0``, ``r_perp``, ``r_par``, ``iterations``, ``residual``,
        ``seconds`` (its share of the task's time), ``atoms`` and ``data`` (for ase.db).

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.screen.sweep import apply_params, load_study
    >>> from ase_spacecharge.screen.example import example_study
    >>> case = load_study(example_study(tempfile.mkdtemp(), 1))["case"]
    >>> rows = solve_group(dict(ref=ceria_like_atoms(), hash=None, case=case, problem_temperature=673.15,
    ...                         rows=[dict(key="a", temperature=673.15), dict(key="b", temperature=-1.0)],
    ...                         writeback=False))
    >>> [(r["status"], round(r.get("phi0", 0), 4)) for r in rows]
    [('ok', 0.1108), ('failed', 0)]
    >>> rows[1]["error"][:60]
    'InputError: temperature must be a positive number of kelvin,'
    """
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) if task.get("record_warnings") else _nothing() as caught:
        if caught is not None:
            warnings.simplefilter("always", SpaceChargeWarning)
        rows = _solve_rows(task)
    extra = _recorded(caught or [])
    seconds = (time.perf_counter() - start) / len(rows)
    return [dict(r, seconds=seconds, warning="; ".join(filter(None, [r.get("warning", "")] + extra))) for r in rows]


def _recorded(caught):
    """The space-charge warnings a task recorded that its rows do not already say (others are
    shown as usual)."""
    out = []
    for w in caught:
        if not issubclass(w.category, SpaceChargeWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        elif not str(w.message).startswith(_IN_ROWS):
            out.append(str(w.message))
    return list(dict.fromkeys(out))


def _solve_rows(task):
    from ..structure import structure_problem
    atoms, case = None, task["case"]
    keys = [r["key"] for r in task["rows"]]
    try:
        atoms = load_structure(task["ref"], task["hash"])
        problem, proj = structure_problem(atoms, case["defects"], temperature=task["problem_temperature"],
                                          **structure_options(case))
    except Exception as exc:  # noqa: BLE001 - a failed row says why; the study goes on
        return [_failed(k, exc, atoms) for k in keys]
    rows = []
    for key, solution in zip(keys, _solutions(problem, [r["temperature"] for r in task["rows"]], case["tolerance"])):
        try:
            if isinstance(solution, Exception):
                raise solution
            rows.append(_row(key, solution, atoms, proj, case, task["writeback"]))
        except Exception as exc:  # noqa: BLE001
            rows.append(_failed(key, exc, atoms))
    return rows
