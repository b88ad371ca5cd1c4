"""Planning and running a screen: which rows there are, which the results database still
lacks, and the tasks that compute them (:mod:`.executors`), rows written by this process as
tasks finish.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings

from ..errors import InputError, SpaceChargeWarning
from .executors import executor
from .sources import find_structures
from .store import RowStore, check_results_path, open_results, read_results, stored_rows
from .sweep import apply_params, load_study

__all__ = ["plan_screen", "run_plan", "screen"]

#: Case entries that are not inputs of a row (where the structures come from; the sweep).
_NOT_INPUTS = ("structure", "sweep", "temperature", "temperatures", "carrier_tables", "write_structure", "case_file",
               "provenance")


def _plain(obj):
    import dataclasses
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} in a case")


def _row_key(structure, case, temperature):
    """A row's identity: its structure's content and every input that reaches the solver."""
    inputs = {k: v for k, v in case.items() if k not in _NOT_INPUTS}
    text = json.dumps(dict(inputs, temperature=temperature), sort_keys=True, default=_plain)
    return hashlib.sha256(f"{structure}\n{text}".encode()).hexdigest()[:32]


def plan_screen(structures, case, sweep=None, *, select=None, out=None):
    """The rows of a screen and the tasks that compute them, before any work.

    Rows that differ only in temperature share a task (one problem, the temperatures solved
    together), built at the first of them as ``run`` builds a case's problem at its first
    temperature; with ``pad_to = "auto"`` the padding depends on the temperature, so each
    row is a task of its own.

    Parameters
    ----------
    structures : str, path-like, ase.Atoms or a list of them, or None
        See :func:`~.sources.find_structures`; None: the case's ``structure``.
    case : str, path-like or dict
        A case file or ``load_case(path, screen=True)``.
    sweep : dict, optional
        Replaces the case's ``[sweep]``.
    select : str, optional
        ase.db selection for database sources.
    out : str, optional
        The results database (it must not also be a source).

    Returns
    -------
    dict
        ``rows`` (``key``, ``source``, ``structure_hash``, ``params``, ``task``), ``tasks``
        (for :func:`~.task.solve_group`, without ``rows``/``writeback``: ``rows`` lists row
        indices) and ``repeated`` (names of sources whose content repeats an earlier one,
        screened once).

    Raises
    ------
    InputError
        A bad case, sweep or structure source, named.

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.screen.example import example_study
    >>> plan = plan_screen(None, example_study(tempfile.mkdtemp(), 2))
    >>> len(plan["rows"]), len(plan["tasks"]), plan["rows"][1]["params"]["temperature"]
    (8, 4, 773.15)
    """
    study = load_study(case, sweep)
    case = study["case"]
    if out is not None:
        check_results_path(out)
    if structures is None:
        if not case["structure"]:
            raise InputError("--structures: none given, and the case has no `structure`")
        structures = case["structure"]
    seen, repeated, rows, tasks = set(), [], [], {}
    for source in find_structures(structures, select, None if out is None else os.fspath(out)):
        if source["hash"] in seen:
            repeated.append(source["name"])
            continue
        seen.add(source["hash"])
        for params in study["params"]:
            rest = {k: v for k, v in params.items() if k != "temperature"}
            row_case = apply_params(case, rest)
            shared = row_case["pad_to"] != "auto"
            group = (source["hash"], json.dumps(rest, sort_keys=True), None if shared else params["temperature"])
            if group not in tasks:  # built at its first row's temperature
                tasks[group] = dict(index=len(tasks), ref=source["ref"], hash=source["hash"], source=source["name"],
                                    case=row_case, problem_temperature=params["temperature"], rows=[])
            tasks[group]["rows"].append(len(rows))
            rows.append(dict(key=_row_key(source["hash"], row_case, params["temperature"]), source=source["name"],
                             structure_hash=source["hash"], params=params, task=tasks[group]["index"]))
    return dict(rows=rows, tasks=list(tasks.values()), repeated=repeated)


def _pending(plan, stored, retry_failed, writeback):
    """The tasks still to run, each with the rows the database lacks (or holds as failed,
    with ``retry_failed``)."""
    rows = plan["rows"]
    todo = [i for i, r in enumerate(rows) if r["key"] not in stored or (retry_failed and
                                                                       stored[r["key"]][1] == "failed")]
    tasks = {}
    for i in todo:
        t = rows[i]["task"]
        if t not in tasks:
            tasks[t] = dict(plan["tasks"][t], rows=[], writeback=writeback)
        tasks[t]["rows"].append(dict(key=rows[i]["key"], temperature=rows[i]["params"]["temperature"]))
    return list(tasks.values()), len(todo)


def run_plan(plan, client=None, *, out=None, progress=None, retry_failed=False, writeback=True):
    """Compute the rows of a plan the results database lacks, writing each task's rows as
    it finishes.

    Parameters
    ----------
    plan : dict
        From :func:`plan_screen`.
    client : None, "serial", "threads" or dask.distributed.Client
        None or "threads": Dask's in-process threaded scheduler; "serial": a plain loop (no
        Dask); a Client: its cluster (see :func:`~.executors.connect`).  Every one gives the
        same rows.
    out : str or path-like, optional
        The results database (ase.db, ``*.db``); rows it holds are not computed again.
        Without it the rows are only returned.
    progress : callable, optional
        ``progress(done, total, failed)`` before the first task and after each task's rows
        (rows of this run).
    retry_failed : bool
        Compute the failed rows again (each overwrites its row).
    writeback : bool
        Store the per-atom results on each row's structure.

    Returns
    -------
    pandas.DataFrame
        Every row of the plan, in plan order (see :func:`~.store.read_results`); a row whose
        task was lost (a worker died) has status "missing".

    Raises
    ------
    InputError
        The database could not take some rows (another process locked it, or it is
        read-only): they are kept in ``<out>.pending.db`` (:class:`~.store.RowStore`), and
        the next run of the same plan moves them in before computing what is still missing.

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.screen.example import example_study
    >>> plan = plan_screen(None, example_study(tempfile.mkdtemp(), 1))
    >>> table = run_plan(plan, "serial")
    >>> table[["temperature", "status"]].values.tolist()[:2], round(float(table.phi0[0]), 4)
    ([[673.15, 'ok'], [773.15, 'ok']], 0.0472)
    """
    run = executor(client)
    db = None if out is None else open_results(out)
    store = None if db is None else RowStore(db, out)
    if store is not None:
        store.merge()  # rows an earlier run kept aside while the database was locked
    stored = {} if db is None else stored_rows(db)
    tasks, total = _pending(plan, stored, retry_failed, writeback)
    info = {r["key"]: r for r in plan["rows"]}
    if progress is not None:
        progress(0, total, 0)
    results, count = {}, dict(done=0, failed=0)

    def done(task, rows):
        rows = [dict(r, **{k: info[r["key"]][k] for k in ("source", "structure_hash", "params")}) for r in rows]
        finished = [r for r in rows if r["status"] != "missing"]
        if db is not None and finished:
            store.write(finished, {r["key"]: stored[r["key"]][0] for r in finished if r["key"] in stored})
        results.update({r["key"]: {k: v for k, v in r.items() if k not in ("atoms", "data")} for r in rows})
        count["done"] += len(finished)
        count["failed"] += sum(r["status"] == "failed" for r in rows)
        if progress is not None:
            progress(count["done"], total, count["failed"])

    with warnings.catch_warnings():
        for message in ("the bulk region", "Boltzmann statistics give"):  # each row says these
            warnings.filterwarnings("ignore", message=message, category=SpaceChargeWarning)
        run(tasks, done)
    if store is not None:
        store.close()
    return _table(plan, results, db)


def _table(plan, results, db):
    """Every row of the plan: from the database where it has the row, else from this run."""
    import pandas as pd
    from .store import RESULT_COLUMNS
    keys = [r["key"] for r in plan["rows"]]
    stored = read_results(db, keys) if db is not None else pd.DataFrame()
    have = set(stored["screen_key"]) if len(stored) else set()
    records = stored.to_dict("records") if len(stored) else []
    for r in plan["rows"]:
        if r["key"] not in have:
            got = results.get(r["key"], dict(status="missing", error="not computed"))
            records.append(dict(source=r["source"], structure_hash=r["structure_hash"], screen_key=r["key"],
                                **r["params"], **{k: got.get(k, "" if k in ("error", "warning") else None)
                                                  for k in RESULT_COLUMNS}))
    order = {k: i for i, k in enumerate(keys)}
    return pd.DataFrame(sorted(records, key=lambda rec: order[rec["screen_key"]]))


def screen(structures, case, sweep=None, client=None, *, out=None, select=None, progress=None,
           retry_failed=False, writeback=True):
    """Screen structures × parameter sets: one row each, computed where Dask puts it.

    Parameters
    ----------
    structures : str, path-like, ase.Atoms or a list of them, or None
        Structure files, globs, ase.db files or ``Atoms`` (see
        :func:`~.sources.find_structures`); None: the case's ``structure``.
    case : str, path-like or dict
        The common settings: a case file (with an optional ``[sweep]`` table) or
        ``load_case(path, screen=True)``.
    sweep : dict, optional
        key -> list of values (product semantics), replacing the case's ``[sweep]``:
        ``{"temperature": [673, 773], "permittivity": [30, 55]}``; keys joined by commas vary
        together: ``{"defects.Gd.mole_fraction, defects.Vo.mole_fraction": [[0.1, 0.025],
        [0.2, 0.05]]}`` (see :mod:`.sweep`).
    client : None, "serial", "threads" or dask.distributed.Client
        See :func:`run_plan`.
    out, progress, retry_failed, writeback
        See :func:`run_plan`; with ``out`` a rerun computes only what the database lacks.
    select : str, optional
        ase.db selection for database sources.

    Returns
    -------
    pandas.DataFrame
        One row per structure and parameter set (see :func:`run_plan`).

    Raises
    ------
    InputError
        Bad input, named, before any work (a failed row is recorded instead).

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.screen.example import example_study
    >>> case = example_study(tempfile.mkdtemp(), 0)
    >>> table = screen([ceria_like_atoms(well=w) for w in (-0.2, -0.3)], case, {"temperature": [773.15]})
    >>> table.source.tolist(), table.phi0.round(4).tolist()
    (['atoms[0]', 'atoms[1]'], [0.0695, 0.1076])
    """
    plan = plan_screen(structures, case, sweep, select=select, out=out)
    return run_plan(plan, client, out=out, progress=progress, retry_failed=retry_failed, writeback=writeback)
