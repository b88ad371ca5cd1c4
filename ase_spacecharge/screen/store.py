"""The results database of a screen: an ase.db (SQLite) file, one row per structure and
parameter set, written by the driver process only (SQLite takes one writer).

A row holds the structure (annotated per atom unless the write-back is off: ``sc_phi``,
``sc_occ_<defect>``, ... in ``data["arrays"]``, as :func:`~ase_spacecharge.structure.db_data`
writes them, so :func:`~ase_spacecharge.structure.from_db_row` restores it) and key-value
pairs: ``screen_key`` (the row's identity), ``structure_hash``, ``source``, ``params`` (the
parameter set as JSON), each scalar parameter (``defects.Gd.mole_fraction`` as
``defects_Gd_mole_fraction``), ``temperature``, ``phi0``, ``r_perp``, ``r_par``,
``iterations``, ``residual``, ``seconds``, ``status`` ("ok" or "failed"), ``error`` and
``warning`` (where there is one) and ``version``.
"""

from __future__ import annotations

import json
import os

from ..errors import InputError, check_writable

__all__ = ["RESULT_COLUMNS", "check_results_path", "open_results", "stored_rows", "write_rows", "read_results"]

#: Columns of a screen's table after the parameters.
RESULT_COLUMNS = ("phi0", "r_perp", "r_par", "iterations", "residual", "status", "error", "warning", "seconds")


def check_results_path(path):
    """Check where a results database goes, without creating it.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str

    Raises
    ------
    InputError
        Not a ``*.db`` file, or a folder that does not exist or is not writable.

    Examples
    --------
    >>> try:
    ...     check_results_path("results.csv")
    ... except InputError as exc:
    ...     print(exc)
    --out results.csv: expected an ase.db SQLite file ending in .db
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not path.endswith(".db"):
        raise InputError(f"--out {path}: expected an ase.db SQLite file ending in .db")
    check_writable(folder, f"--out {path}")
    return path


def open_results(path):
    """Open (or create) a results database.

    Parameters
    ----------
    path : str or path-like
        An SQLite ase.db file (``*.db``) in an existing, writable folder.

    Returns
    -------
    ase.db.core.Database

    Raises
    ------
    InputError
        Another kind of file, or a folder that does not exist or is not writable.

    Examples
    --------
    >>> import os, tempfile
    >>> open_results(os.path.join(tempfile.mkdtemp(), "results.db")).count()
    0
    """
    from ase.db import connect
    path = check_results_path(path)
    try:  # no ase lock file: a killed run would leave it behind and block the next one for ever (the
        # driver is the only writer, and SQLite's own locks and transactions keep the file whole)
        db = connect(path, type="db", use_lock_file=False)
        db.count()
    except Exception as exc:  # noqa: BLE001 - sqlite3 and ase.db raise many kinds
        raise InputError(f"--out {path}: not an ase.db database ({type(exc).__name__}: {exc})") from None
    return db


def stored_rows(db):
    """The rows a database already holds.

    Parameters
    ----------
    db : ase.db.core.Database

    Returns
    -------
    dict
        ``screen_key`` -> (row id, status).

    Examples
    --------
    >>> import os, tempfile
    >>> stored_rows(open_results(os.path.join(tempfile.mkdtemp(), "results.db")))
    {}
    """
    return {row.screen_key: (row.id, row.get("status")) for row in db.select("screen_key", include_data=False)}


def _text(value):
    """A string ase.db keeps as a string (it refuses strings that read as numbers)."""
    try:
        float(value)
    except ValueError:
        return value if value not in ("True", "False") else repr(value)
    return repr(value)


def _key_values(row):
    from .. import __version__
    kv = dict(screen_key=row["key"], structure_hash=row["structure_hash"], source=_text(row["source"]),
              params=json.dumps(row["params"], sort_keys=True), version=__version__)
    for name, value in row["params"].items():
        if isinstance(value, (bool, int, float, str)):
            kv[name.replace(".", "_")] = _text(value) if isinstance(value, str) else value
    for name in RESULT_COLUMNS:
        value = row.get(name)
        if value is not None and value != "":
            kv[name] = _text(value) if isinstance(value, str) else value
    return kv


def write_rows(db, rows, existing=None):
    """Write rows in one transaction (a task's rows appear together or not at all).

    Parameters
    ----------
    db : ase.db.core.Database
    rows : list of dict
        From :func:`~.task.solve_group`, each with the plan's ``structure_hash``,
        ``source`` and ``params``.
    existing : dict, optional
        ``screen_key`` -> row id to overwrite (a failed row run again).

    Returns
    -------
    list of int
        The row ids.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase import Atoms
    >>> db = open_results(os.path.join(tempfile.mkdtemp(), "results.db"))
    >>> row = dict(key="k1", structure_hash="h", source="gb.extxyz", params={"temperature": 673.0},
    ...            status="failed", error="InputError: bad", atoms=Atoms(), data={})
    >>> write_rows(db, [row]), db.get(screen_key="k1").error
    ([1], 'InputError: bad')
    """
    existing = existing or {}
    with db:
        return [db.write(r["atoms"], key_value_pairs=_key_values(r), data=r["data"], id=existing.get(r["key"]))
                for r in rows]


def _record(row):
    kv = row.key_value_pairs
    out = dict(id=row.id, source=kv.get("source"), structure_hash=kv.get("structure_hash"),
               screen_key=kv.get("screen_key"), **json.loads(kv.get("params", "{}")))
    out.update({k: kv.get(k, "" if k in ("error", "warning") else None) for k in RESULT_COLUMNS})
    return out


def read_results(db, keys=None):
    """A screen's rows as a table.

    Parameters
    ----------
    db : str, path-like or ase.db.core.Database
    keys : sequence of str, optional
        The rows to read, in this order (default: every row of a screen, by id).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``source``, ``structure_hash``, ``screen_key``, one column per parameter
        (``temperature``, ``defects.Gd.mole_fraction``, ...), then :data:`RESULT_COLUMNS`.

    Examples
    --------
    >>> import os, tempfile
    >>> read_results(os.path.join(tempfile.mkdtemp(), "results.db")).shape
    (0, 0)
    """
    import pandas as pd
    if isinstance(db, (str, os.PathLike)):
        db = open_results(db)
    records = {r["screen_key"]: r for r in map(_record, db.select("screen_key", include_data=False))}
    order = sorted(records, key=lambda k: records[k]["id"]) if keys is None else [k for k in keys if k in records]
    return pd.DataFrame([records[k] for k in order])
