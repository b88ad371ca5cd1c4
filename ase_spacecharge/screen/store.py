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

__all__ = ["RESULT_COLUMNS", "check_results_path", "open_results", "stored_rows", "write_rows", "read_results",
           "RowStore", "pending_path"]

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
        if _unwritable(exc):
            raise InputError(f"--out {path}: the database cannot be used now ({exc}: another process holds it, "
                             "or the file is read-only); nothing was computed — rerun when it is free") from None
        raise InputError(f"--out {path}: not an ase.db database ({type(exc).__name__}: {exc})") from None
    return db


def _unwritable(exc):
    """Whether ``exc`` is SQLite saying the file is locked or read-only (not that it is bad)."""
    import sqlite3
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "readonly" in text
                                                          or "read-only" in text or "busy" in text)


def pending_path(path):
    """Where the rows of a run whose database could not take them are kept:
    ``<out>.pending.db`` beside it (an ase.db too; the next run moves them in).

    Parameters
    ----------
    path : str or path-like
        The results database.

    Returns
    -------
    str

    Examples
    --------
    >>> pending_path("runs/results.db")
    'runs/results.pending.db'
    """
    return os.fspath(path)[:-3] + ".pending.db"


class RowStore:
    """Writes a run's rows into its results database as tasks finish; while the database is
    locked by another process or read-only, into :func:`pending_path` instead, so that no
    computed row is lost.  ``merge`` moves kept rows into the database (a rerun starts with
    it); ``close`` tries once more and raises when rows are still kept aside.

    Parameters
    ----------
    db : ase.db.core.Database
    path : str
        The database's path.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase import Atoms
    >>> path = os.path.join(tempfile.mkdtemp(), "results.db")
    >>> store = RowStore(open_results(path), path)
    >>> row = dict(key="k1", structure_hash="h", source="s", params={}, status="ok", atoms=Atoms(), data={})
    >>> store.write([row], {}), store.kept
    (True, 0)
    """

    def __init__(self, db, path):
        self.db, self.path, self.side, self.kept, self.reason = db, os.fspath(path), None, 0, None

    def write(self, rows, existing):
        """Rows into the database (True), or kept aside (False) when it cannot take them."""
        import sqlite3
        if self.side is None:
            try:
                write_rows(self.db, rows, existing)
                return True
            except sqlite3.OperationalError as exc:  # locked by another process, read-only, disk full
                self.reason = exc
                self.side = _connect(pending_path(self.path))
        write_rows(self.side, rows)
        self.kept += len(rows)
        return False

    def merge(self):
        """Move the rows kept in :func:`pending_path` into the database (overwriting rows of
        the same ``screen_key``) and remove that file; returns how many moved."""
        side = pending_path(self.path)
        if not os.path.exists(side):
            return 0
        stored = stored_rows(self.db)
        rows = list(_connect(side).select(include_data=True))
        with self.db:
            for r in rows:
                old = stored.get(r.get("screen_key"), (None,))[0]
                self.db.write(r.toatoms(), key_value_pairs=r.key_value_pairs, data=r.get("data", {}), id=old)
        os.remove(side)
        return len(rows)

    def close(self):
        """At the end of a run: the kept rows into the database, or InputError saying where
        they are (a rerun of the same command moves them in and computes the rest)."""
        import sqlite3
        if not self.kept:
            return
        try:
            moved = self.merge()
        except sqlite3.Error as exc:
            raise InputError(f"--out {self.path}: the database could not be written ({self.reason or exc}); "
                             f"the {self.kept} rows computed meanwhile are kept in {pending_path(self.path)}: rerun "
                             "the same command when the database is free to store them") from None
        self.kept -= moved


def _connect(path):
    from ase.db import connect
    return connect(path, type="db", use_lock_file=False)


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
