"""Screening structures × parameter sets (issue 12, items 4 and 5): rows equal to
``ase-spacecharge run`` of the same case, the same numbers serially, on Dask's in-process
scheduler and on a local cluster, every row exactly once after an interruption and a rerun,
and bad input named before any work (a structure that fails is a row that says why)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ase.db import connect
from ase.io import write

from ase_spacecharge import InputError, SpaceChargeWarning
from ase_spacecharge.cases.run import run_case
from ase_spacecharge.cli import main
from ase_spacecharge.examples import ceria_like_atoms
from ase_spacecharge.screen import plan_screen, read_results, run_plan, screen
from ase_spacecharge.screen.example import example_study
from ase_spacecharge.structure import db_data

pytestmark = pytest.mark.slow  # the screen: subprocesses, Dask schedulers, LocalClusters

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = ["phi0", "r_perp", "r_par", "residual"]


@pytest.fixture
def study(tmp_path):
    """Three structures, two (Gd, V_O) fraction pairs, two temperatures: 12 rows, 6 tasks."""
    return example_study(tmp_path, 3)


def _case_text(tmp_path, text):
    path = tmp_path / "screen.toml"
    path.write_text(text)
    return str(path)


def _once(db_path, plan):
    """Every planned row is in the database exactly once (and nothing else)."""
    keys = [row.screen_key for row in connect(db_path).select("screen_key", include_data=False)]
    assert sorted(keys) == sorted(r["key"] for r in plan["rows"])


def _same_numbers(a, b, rtol=1e-12):
    assert list(a.screen_key) == list(b.screen_key)
    for name in NUMBERS:
        np.testing.assert_allclose(a[name].astype(float), b[name].astype(float), rtol=rtol, atol=0, err_msg=name)
    assert list(a.iterations) == list(b.iterations)


def test_rows_equal_run_of_the_same_case(study, tmp_path):
    """Each row is what ``run`` gives for a case file with that structure and parameter set, to
    the solver's accuracy: a task solves its temperatures together (as ``run`` solves a list),
    a one-temperature case alone, so the iterates differ by round-off (both stop at 1e-10)."""
    table = screen(None, study, client="serial")
    assert len(table) == 12 and set(table.status) == {"ok"} and set(table.warning) == {""}
    for i in (0, 7, 11):
        row = table.iloc[i]
        path = tmp_path / f"one_{i}.toml"
        path.write_text(_one_case(row))
        summary = run_case(str(path)).summary
        for name in NUMBERS:
            if name == "residual":
                assert row[name] <= 1e-10 and summary[name] <= 1e-10
            else:
                assert row[name] == pytest.approx(summary[name], rel=1e-9, abs=1e-12), name


def _one_case(row):
    """A case file for one row, written as a user would for ``run``."""
    defects = "".join(f'[[defects]]\nlabel = "{d}"\nsite = "{site}"\nvalence = {z}\nmobility = {m}\n'
                      f'mole_fraction = {row[f"defects.{d}.mole_fraction"]}\n'
                      for d, site, z, m in (("Vo", "O", 2, 1.0), ("Gd", "Ce", -1, 0.0)))
    return (f'structure = "{row.source}"\ntemperature = {row.temperature}\npermittivity = 55.0\n'
            f"boundaries = [0.5]\n{defects}")


def test_sigma5_row_equals_run_and_keeps_the_structure(tmp_path):
    """A shipped boundary with automatic padding (one task per row): the row equals ``run``,
    and its stored structure has the annotation and the user's string array (grain_label)."""
    from ase_spacecharge.structure import from_db_row
    folder = ROOT / "example_structures" / "ceria_sigma5_310"
    text = (folder / "case.toml").read_text().replace('write_structure = "out.extxyz"', "")
    shutil.copy(folder / "gb.extxyz", tmp_path / "gb.extxyz")
    (tmp_path / "case.toml").write_text(text)
    table = screen(None, str(tmp_path / "case.toml"), client="serial", out=tmp_path / "results.db")
    summary = run_case(str(tmp_path / "case.toml")).summary
    assert table.status[0] == "ok" and table.warning[0] == ""
    for name in NUMBERS:
        assert table[name][0] == pytest.approx(summary[name], rel=1e-12, abs=0), name
    atoms = from_db_row(connect(tmp_path / "results.db").get(id=1))
    assert set(atoms.arrays["grain_label"]) == {"top", "bottom"} and atoms.info["sc_phi0"] == table.phi0[0]
    assert np.isfinite(atoms.arrays["sc_phi"]).all()


@pytest.fixture(scope="module")
def local_cluster():
    pytest.importorskip("distributed")
    from ase_spacecharge.screen import connect
    with connect(workers=2) as client:
        yield client


def test_serial_in_process_dask_and_local_cluster_agree(study, tmp_path, local_cluster):
    plan = plan_screen(None, study)
    serial = run_plan(plan, "serial")
    threads = run_plan(plan, "threads", out=tmp_path / "threads.db")
    cluster = run_plan(plan, local_cluster, out=tmp_path / "cluster.db")
    _same_numbers(serial, threads)
    _same_numbers(serial, cluster)
    _once(tmp_path / "cluster.db", plan)


class _Interrupt(Exception):
    pass


def _stop_after(k):
    def progress(done, total, failed):
        if done >= k:
            raise _Interrupt
    return progress


@pytest.mark.parametrize("where", ["serial", "threads", "cluster"])
def test_interrupted_screen_rerun_has_every_row_once(study, tmp_path, where, request):
    client = request.getfixturevalue("local_cluster") if where == "cluster" else where
    out = tmp_path / "results.db"
    plan = plan_screen(None, study, out=out)
    with pytest.raises(_Interrupt):
        run_plan(plan, client, out=out, progress=_stop_after(4))
    written = connect(out).count()
    assert 4 <= written < len(plan["rows"])
    computed = []
    table = run_plan(plan, client, out=out, progress=lambda done, total, failed: computed.append((done, total)))
    assert computed[-1] == (len(plan["rows"]) - written,) * 2  # only what was missing
    _once(out, plan)
    _same_numbers(table, run_plan(plan, "serial"))
    assert run_plan(plan, client, out=out, progress=lambda *a: computed.append(a)).shape == table.shape
    assert computed[-1] == (0, 0, 0)
    _once(out, plan)


def _count(path):
    """Rows in a database another process is writing (0 before its tables exist)."""
    import sqlite3
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            return con.execute("SELECT COUNT(*) FROM systems").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_command_rerun_has_every_row_once(tmp_path):
    """``ase-spacecharge screen`` killed (SIGKILL) halfway; the same command again."""
    case = example_study(tmp_path, 16)
    out = tmp_path / "results.db"
    command = [sys.executable, "-m", "ase_spacecharge", "screen", case, "--out", str(out), "--serial"]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if _count(out) >= 6:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    plan = plan_screen(None, case)
    assert 6 <= connect(out).count() < len(plan["rows"]), "the run was not interrupted halfway"
    assert not Path(f"{out}.lock").exists()  # no ase lock file to leave behind
    assert main(["screen", case, "--out", str(out), "--serial"]) == 0
    _once(out, plan)


def test_a_structure_that_fails_is_a_row_that_says_why(study, tmp_path, capsys):
    bare = ceria_like_atoms(n_cells=40)
    del bare.arrays["dE_Vo"]
    write(tmp_path / "gb_100.extxyz", bare)  # no V_O energies
    (tmp_path / "gb_101.extxyz").write_text("this is not a structure\n")
    out = tmp_path / "results.db"
    assert main(["screen", study, "--out", str(out), "--serial"]) == 0
    table = read_results(out)
    assert len(table) == 20 and (table.status == "ok").sum() == 12
    failed = table[table.status == "failed"]
    assert failed.source.str.endswith("gb_100.extxyz").sum() == 4
    assert failed.error.str.contains("dE_Vo").sum() == 4, failed.error.iloc[0]
    assert failed.error.str.contains("cannot read the structure").sum() == 4
    err = capsys.readouterr().err
    assert "8 rows failed" in err and "gb_101.extxyz (4 rows): InputError:" in err and "Traceback" not in err


def test_rows_record_their_warnings(tmp_path):
    """Serially (a task alone in its process) every space-charge warning goes into the rows;
    on Dask's threads the rows still say when the bulk is not bulk-like."""
    case = example_study(tmp_path, 3, n_cells=30)  # too short for the deeper wells
    sweep = {"temperature": [773.15], "mode": ["cell", "unfold"], "boundaries": [[0.5, 0.0]]}
    serial = screen(None, case, sweep, client="serial")
    assert serial.warning[serial["mode"] == "unfold"].str.contains("boundaries stacked by mode='unfold' differ").all()
    assert serial.warning.str.count("not bulk-like").tolist() == [1, 0, 1, 1, 1, 1]
    with pytest.warns(SpaceChargeWarning, match="boundaries stacked by mode='unfold' differ"):  # shown, not recorded
        threads = screen(None, case, sweep, client="threads")
    assert (threads.warning.str.count("not bulk-like") == serial.warning.str.count("not bulk-like")).all()


def test_resume_keys_cover_the_inputs(study, tmp_path):
    """A rerun adds no row; a changed case or an edited structure gives new rows."""
    out = tmp_path / "results.db"
    first = screen(None, study, client="serial", out=out)
    ids = {r.screen_key: r.id for r in connect(out).select("screen_key")}
    assert screen(None, study, client="serial", out=out).equals(first) and connect(out).count() == 12
    changed = Path(study).read_text().replace("permittivity = 55.0", "permittivity = 30.0")
    other = screen(None, _case_text(tmp_path, changed), client="serial", out=out)
    assert connect(out).count() == 24 and (other.phi0.values != first.phi0.values).all()
    write(tmp_path / "gb_000.extxyz", ceria_like_atoms(n_cells=40, well=-0.5))
    screen(None, study, client="serial", out=out)
    assert connect(out).count() == 28
    assert {k: v for k, v in ((r.screen_key, r.id) for r in connect(out).select("screen_key")) if k in ids} == ids


def test_repeated_structures_are_screened_once(study, tmp_path):
    shutil.copy(tmp_path / "gb_000.extxyz", tmp_path / "gb_009.extxyz")
    plan = plan_screen(None, study)
    assert plan["repeated"] == [str(tmp_path / "gb_009.extxyz")] and len(plan["rows"]) == 12


def test_failed_rows_are_kept_and_computed_again_only_when_asked(study, tmp_path, monkeypatch):
    import ase_spacecharge.structure as structure
    out = tmp_path / "results.db"
    real = structure.structure_problem

    def flaky(*args, **kw):
        raise MemoryError("out of memory on this node")
    monkeypatch.setattr(structure, "structure_problem", flaky)
    first = screen(None, study, client="serial", out=out)
    assert set(first.status) == {"failed"} and set(first.error) == {"MemoryError: out of memory on this node"}
    ids = {r.screen_key: r.id for r in connect(out).select("screen_key")}
    monkeypatch.setattr(structure, "structure_problem", real)
    assert set(screen(None, study, client="serial", out=out).status) == {"failed"}  # recorded, not missing
    again = screen(None, study, client="serial", out=out, retry_failed=True)
    assert set(again.status) == {"ok"} and set(again.error) == {""}
    assert {r.screen_key: r.id for r in connect(out).select("screen_key")} == ids  # overwritten in place


def test_ase_db_sources_and_selection(study, tmp_path):
    """Structures from an ase.db (arrays as db_data writes them, or top-level in data) give
    the rows the files give; --select picks rows."""
    source = connect(tmp_path / "gbs.db")
    for i, path in enumerate(sorted(tmp_path.glob("gb_*.extxyz"))):
        from ase.io import read
        atoms = read(path)
        if i == 0:
            kv, data = db_data(atoms)
        else:
            data = {k: atoms.arrays[k] for k in ("dE_Vo", "dE_Gd")}
        source.write(atoms, key_value_pairs=dict(sigma=3 + 2 * i), data=data)
    files = screen(None, study, client="serial")
    rows = screen(str(tmp_path / "gbs.db"), study, client="serial")
    assert rows.source.tolist()[::4] == [f"{tmp_path / 'gbs.db'}@id={i}" for i in (1, 2, 3)]
    for name in NUMBERS:
        np.testing.assert_array_equal(rows[name], files[name])
    assert len(screen(str(tmp_path / "gbs.db"), study, client="serial", select="sigma>4")) == 8


def test_sweep_product_and_linked_keys(tmp_path):
    case = example_study(tmp_path, 1)
    table = screen(None, case, {"temperature": [673.0, 773.0, 873.0], "permittivity": [30.0, 55.0]},
                   client="serial")
    assert len(table) == 6 and table.permittivity.tolist() == [30.0] * 3 + [55.0] * 3
    assert table.temperature.tolist() == [673.0, 773.0, 873.0] * 2
    linked = {"temperature, permittivity": [[673.0, 30.0], [773.0, 55.0]]}
    assert screen(None, case, linked, client="serial")[["temperature", "permittivity"]].values.tolist() == \
        [[673.0, 30.0], [773.0, 55.0]]


BAD = [
    ("unknown-key", {"defects.Gd.mole_fractio": [0.1]},
     r"unknown sweep key 'defects.Gd.mole_fractio' \(did you mean 'defects.Gd.mole_fraction'\?\)"),
    ("unknown-defect", {"defects.Gdd.mole_fraction": [0.1]}, r"no defect labelled 'Gdd' \(did you mean 'Gd'\?\)"),
    ("whole-table", {"defects": [1]}, r"'defects' cannot be swept"),
    ("bad-value", {"defects.Gd.mole_fraction": [0.1, 1.5]}, r"defects.Gd.mole_fraction entry 1: expected a number in"),
    ("bad-temperature", {"temperature": [673, -1]}, r"temperature entry 1: expected a positive number \(K\)"),
    ("repeated-value", {"temperature": [673, 673.0]}, r"temperature: the value 673.0 is given twice"),
    ("not-a-list", {"temperature": 673}, r"temperature: expected a non-empty list"),
    ("linked-length", {"temperature, permittivity": [[673, 30, 1]]}, r"expected a list of 2 values \(one per key\)"),
    ("swept-twice", {"temperature": [673], "temperature, permittivity": [[673, 30]]}, r"'temperature' is swept twice"),
]


@pytest.mark.parametrize("sweep, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_sweeps_are_named(tmp_path, sweep, message):
    with pytest.raises(InputError, match=message):
        screen(None, example_study(tmp_path, 1), sweep, client="serial")


def test_bad_sweep_in_a_case_file_is_named_by_the_command(study, capsys):
    Path(study).write_text(Path(study).read_text().replace('"defects.Gd.mole_fraction,', '"defects.Gd.mole_fractoin,'))
    assert main(["screen", study, "--out", str(Path(study).parent / "r.db")]) == 2
    err = capsys.readouterr().err
    assert "case.toml: [sweep]: unknown sweep key 'defects.Gd.mole_fractoin' (did you mean" in err
    assert "Traceback" not in err and not (Path(study).parent / "r.db").exists()


@pytest.mark.parametrize("args, message", [
    (["--structures", "nowhere/*.extxyz"], "--structures 'nowhere/*.extxyz': no file matches"),
    (["--structures", "missing.extxyz"], "--structures missing.extxyz: no such file"),
    (["--out", "results.csv"], "--out results.csv: expected an ase.db SQLite file ending in .db"),
    (["--workers", "0"], "--workers: expected a positive number of worker processes, got 0"),
    (["--scheduler", "foo://bar:1"], "--scheduler 'foo://bar:1': not a scheduler address"),
], ids=["empty-glob", "missing-file", "out-not-db", "no-workers", "bad-address"])
def test_bad_command_lines_are_named(study, capsys, args, message):
    base = ["screen", study, "--out", str(Path(study).parent / "results.db")]
    assert main(base + args) == 2
    err = capsys.readouterr().err
    assert f"ase-spacecharge: error: {message}" in err and "Traceback" not in err


def test_unreachable_scheduler_is_a_clear_error_before_any_work(study, capsys):
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = Path(study).parent / "results.db"
    start = time.perf_counter()
    assert main(["screen", study, "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "0.5"]) == 2
    assert time.perf_counter() - start < 10
    err = capsys.readouterr().err
    assert f"ase-spacecharge: error: --scheduler tcp://127.0.0.1:{port}: cannot reach the scheduler" in err
    assert not out.exists()  # no work started


@pytest.mark.parametrize("edit, message", [
    (('boundaries = [0.5]', 'boundaries = [0.5]\nwrite_structure = "out.extxyz"'),
     r"write_structure: a screen solves equilibria and stores each annotated structure in its --out row"),
    (('boundaries = [0.5]', 'boundaries = [0.5]\nsites = "sites.txt"'), r"a screen takes a structure case"),
    (('permittivity = 55.0', 'permitivity = 55.0'), r"unknown key 'permitivity' \(did you mean 'permittivity'\?\)"),
], ids=["write_structure", "sites-case", "unknown-key"])
def test_bad_screening_cases_are_named(study, edit, message):
    Path(study).write_text(Path(study).read_text().replace(*edit))
    with pytest.raises(InputError, match=message):
        plan_screen(None, study)


def test_run_rejects_a_sweep_and_names_screen(study, capsys):
    assert main(["run", study]) == 2
    assert "[sweep] is read by `ase-spacecharge screen`" in capsys.readouterr().err


def _locked_after(k, monkeypatch, released=False):
    """write_rows raises SQLite's "database is locked" from its (k + 1)-th call on, as when
    another process holds the results database, until the run's end (or, ``released``,
    the lock is gone by then)."""
    import sqlite3
    import ase_spacecharge.screen.store as store
    real, calls = store.write_rows, []

    def write_rows(db, rows, existing=None):
        calls.append(len(rows))
        if len(calls) > k and os.path.basename(db.filename) == "results.db":
            raise sqlite3.OperationalError("database is locked")
        return real(db, rows, existing)
    monkeypatch.setattr(store, "write_rows", write_rows)
    merge = store.RowStore.merge

    def locked_merge(self):
        if os.path.exists(store.pending_path(self.path)):
            raise sqlite3.OperationalError("database is locked")
        return merge(self)
    if not released:
        monkeypatch.setattr(store.RowStore, "merge", locked_merge)


def test_a_lock_released_before_the_end_loses_nothing(study, tmp_path, monkeypatch):
    out = tmp_path / "results.db"
    plan = plan_screen(None, study, out=out)
    with monkeypatch.context() as m:
        _locked_after(2, m, released=True)
        table = run_plan(plan, "serial", out=out)
    _once(out, plan)
    assert not (tmp_path / "results.pending.db").exists() and set(table.status) == {"ok"}


def test_a_locked_database_keeps_the_rows_and_the_rerun_stores_them(study, tmp_path, monkeypatch):
    """The database locked mid-run (issue 16): the rows computed meanwhile go to
    results.pending.db, the run ends with an InputError saying so (it raised
    sqlite3.OperationalError and lost them), and the rerun moves them in without computing
    them again."""
    out = tmp_path / "results.db"
    plan = plan_screen(None, study, out=out)
    with monkeypatch.context() as m:
        _locked_after(2, m)
        with pytest.raises(InputError, match=r"the database could not be written \(database is locked\); the \d+ rows "
                                             r"computed meanwhile are kept in .*results.pending.db: rerun"):
            run_plan(plan, "serial", out=out)
    written, kept = connect(out).count(), connect(tmp_path / "results.pending.db").count()
    assert written > 0 and written + kept == len(plan["rows"])
    computed = []
    table = run_plan(plan, "serial", out=out, progress=lambda done, total, failed: computed.append(total))
    assert computed == [0] and not (tmp_path / "results.pending.db").exists()
    _once(out, plan)
    _same_numbers(table, run_plan(plan, "serial"))


def test_a_database_locked_before_the_run_is_named(study, tmp_path, capsys, monkeypatch):
    import sqlite3
    import ase.db.sqlite
    out = tmp_path / "results.db"
    assert main(["screen", study, "--out", str(out), "--serial"]) == 0
    monkeypatch.setattr(ase.db.sqlite.SQLite3Database, "count",
                        lambda self, *a, **k: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")))
    assert main(["screen", study, "--out", str(out), "--serial"]) == 2
    err = capsys.readouterr().err
    assert "the database cannot be used now (database is locked: another process holds it" in err
    assert "not an ase.db database" not in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_a_timeout_must_be_positive(study, capsys, value):
    base = ["screen", study, "--out", str(Path(study).parent / "results.db")]
    with pytest.raises(SystemExit):
        main(base + ["--timeout", value])
    err = capsys.readouterr().err
    assert "argument --timeout: invalid positive number of seconds value" in err and "Traceback" not in err
    from ase_spacecharge.screen import connect as connect_client
    with pytest.raises(InputError, match="--timeout: expected a positive number of seconds"):
        with connect_client(workers=1, timeout=float(value)):
            pass


@pytest.mark.slow
def test_a_real_sqlite_lock_mid_run(study, tmp_path):
    """The same with a real lock: another connection takes SQLite's exclusive lock after the
    second task (each write then waits SQLite's 20 s before it gives up)."""
    import sqlite3
    out = tmp_path / "results.db"
    plan = plan_screen(None, study, out=out)
    holder = []

    def lock_after_two(done, total, failed):
        if done >= 4 and not holder:
            con = sqlite3.connect(out, timeout=0.1, isolation_level=None)
            con.execute("BEGIN EXCLUSIVE")
            holder.append(con)
    with pytest.raises(InputError, match="kept in .*results.pending.db"):
        run_plan(plan, "serial", out=out, progress=lock_after_two)
    holder[0].execute("ROLLBACK")
    holder[0].close()
    table = run_plan(plan, "serial", out=out)
    _once(out, plan)
    assert set(table.status) == {"ok"}
