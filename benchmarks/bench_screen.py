"""Screening 200 structure × parameter rows three ways, side by side; prints a table.

    python benchmarks/bench_screen.py [--workers 2]

The same plan (same rows, same keys) is run serially (a plain loop), on Dask's in-process
threaded scheduler and on a ``LocalCluster`` of ``--workers`` single-threaded processes,
each writing its own results database (ase.db) as a real screen does.  Every way must give
the same numbers (Φ0, r_perp, r_par, residual to 1e-12 relative; the same iterations) and
every database every row exactly once.

Two workloads of 200 rows (25 structures × 2 (Gd, V_O) fraction pairs × 4 temperatures):

* ``Σ5 auto-padded``: the shipped Σ5(310) boundary with its segregation energies scaled by
  0.76 ... 1.24 (25 structures) under its case (mode "unfold", pad_to "auto": each row is
  a task of its own, padded at its temperature: a few solves per row);
* ``synthetic columns``: CeO2-like columns with wells of -0.15 ... -0.45 eV (rows that
  differ only in temperature share one problem: 50 tasks of 4 rows).
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from ase.db import connect
from ase.io import read, write

from ase_spacecharge.examples import ceria_like_atoms
from ase_spacecharge.screen import connect as dask_client
from ase_spacecharge.screen import plan_screen, run_plan

ROOT = Path(__file__).resolve().parents[1]
SWEEP = {"temperature": [673.15, 773.15, 873.15, 973.15],
         "defects.Gd.mole_fraction, defects.Vo.mole_fraction": [[0.1, 0.025], [0.2, 0.05]]}
NUMBERS = ("phi0", "r_perp", "r_par", "residual")


def sigma5_study(folder, n=25):
    """The Σ5 case (without write_structure) and n structures with scaled energies."""
    src = ROOT / "example_structures" / "ceria_sigma5_310"
    text = (src / "case.toml").read_text().replace('write_structure = "out.extxyz"', "")
    (folder / "case.toml").write_text(text)
    atoms = read(src / "gb.extxyz")
    for i, scale in enumerate(np.linspace(0.76, 1.24, n)):
        a = atoms.copy()
        for name in ("dE_Vo", "dE_Gd"):
            a.set_array(name, atoms.arrays[name] * scale)
        write(folder / f"gb_{i:03d}.extxyz", a)
    return str(folder / "case.toml"), str(folder / "gb_*.extxyz")


def synthetic_study(folder, n=25):
    """The example case of the screen and n synthetic columns."""
    from ase_spacecharge.screen.example import example_study
    case = example_study(folder, 0)
    for i, well in enumerate(np.linspace(-0.15, -0.45, n)):
        write(folder / f"gb_{i:03d}.extxyz", ceria_like_atoms(n_cells=40, well=well))
    return case, str(folder / "gb_*.extxyz")


def _timed(plan, client, out):
    t = time.perf_counter()
    table = run_plan(plan, client, out=out)
    return time.perf_counter() - t, table


def _check(plan, reference, table, out):
    """Largest relative difference from the serial run; every row once in the database."""
    keys = sorted(r["key"] for r in plan["rows"])
    stored = sorted(row.screen_key for row in connect(out).select("screen_key", include_data=False))
    assert stored == keys, f"{out}: rows missing or repeated"
    assert list(table.screen_key) == list(reference.screen_key)
    assert list(table.iterations) == list(reference.iterations) and set(table.status) == {"ok"}
    worst = 0.0
    for name in NUMBERS:
        a, b = reference[name].to_numpy(float), table[name].to_numpy(float)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300))))
    return worst


def _quiet():
    import warnings
    warnings.simplefilter("ignore")


def run(name, case, structures, folder, workers):
    t = time.perf_counter()
    plan = plan_screen(structures, case, SWEEP)
    t_plan = time.perf_counter() - t
    serial_s, serial = _timed(plan, "serial", folder / "serial.db")
    threads_s, threads = _timed(plan, "threads", folder / "threads.db")
    t = time.perf_counter()
    with dask_client(workers=workers) as client:
        start_s = time.perf_counter() - t
        client.run(_quiet)  # the rows record their warnings; keep the workers' stderr clean
        cluster_s, cluster = _timed(plan, client, folder / "cluster.db")
    diffs = [_check(plan, serial, threads, folder / "threads.db"), _check(plan, serial, cluster, folder / "cluster.db")]
    _check(plan, serial, serial, folder / "serial.db")
    return dict(name=name, rows=len(plan["rows"]), tasks=len(plan["tasks"]), plan=t_plan, serial=serial_s,
                threads=threads_s, start=start_s, cluster=cluster_s, diff=max(diffs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("Σ5 auto-padded", sigma5_study), ("synthetic columns", synthetic_study)):
            folder = Path(tmp) / make.__name__
            folder.mkdir()
            case, structures = make(folder)
            results.append(run(name, case, structures, folder, args.workers))
    print(f"{os.cpu_count()} cores; each way writes its own ase.db; LocalCluster: {args.workers} single-threaded "
          "worker processes (start-up shown apart)\n")
    print(f"| workload | rows | tasks | plan | serial | Dask in-process (threads) | LocalCluster({args.workers}) "
          "| LocalCluster start-up | largest relative difference |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['name']} | {r['rows']} | {r['tasks']} | {r['plan']:.2f} s | {r['serial']:.2f} s | "
              f"{r['threads']:.2f} s ({r['serial'] / r['threads']:.2f}×) | {r['cluster']:.2f} s "
              f"({r['serial'] / r['cluster']:.2f}×) | {r['start']:.2f} s | {r['diff']:.1e} |")
    worst = max(r["diff"] for r in results)
    assert worst <= 1e-12, f"the ways differ by {worst:.2e}"


if __name__ == "__main__":
    main()
