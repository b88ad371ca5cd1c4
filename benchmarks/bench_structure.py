"""Speed of the structure adapters; prints a table.

    python benchmarks/bench_structure.py [--atoms 100000]

A fluorite CeO2 supercell long along c (two mirror boundaries' worth of segregation wells
on the per-atom arrays dE_Vo / dE_Gd): projection onto the 1D grid (``project``), the solve,
and the write-back of the profiles onto the atoms (``annotate``).  Target: projection plus
write-back of 1e5 atoms in <= 2 s.
"""

import argparse
import time

import numpy as np
from ase.build import bulk

from ase_spacecharge import annotate, build_problem, project, solve
from ase_spacecharge.structure import default_bulk

DEFECTS = [dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0, site="O"),
           dict(label="Gd", valence=-1, mole_fraction=0.2, mobility=0.0, site="Ce")]


def supercell(n_atoms):
    cell = bulk("CeO2", "fluorite", a=5.45, cubic=True)
    nz = max(4, int(round(n_atoms / (12 * 25))))
    atoms = cell.repeat((5, 5, nz))
    z = atoms.get_scaled_positions()[:, 2]
    dist = np.minimum(np.abs(z - 0.25), np.abs(z - 0.75)) * atoms.cell.lengths()[2]  # boundaries at 1/4, 3/4
    well = np.exp(-dist ** 2 / 8.0)
    o = atoms.symbols == "O"
    atoms.set_array("dE_Vo", np.where(o, -0.5 * well, np.nan))
    atoms.set_array("dE_Gd", np.where(~o, -0.2 * well, np.nan))
    return atoms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atoms", type=int, default=100_000)
    args = parser.parse_args()
    rows = []
    for n in sorted({10_000, args.atoms}):
        atoms = supercell(n)
        t = time.perf_counter()
        proj = project(atoms, DEFECTS, boundaries=[0.25, 0.75])
        t_proj = time.perf_counter() - t
        problem = build_problem(proj.sites, [dict((k, v) for k, v in d.items() if k != "site") for d in DEFECTS],
                                x_min=proj.x_min, x_max=proj.x_max, area=proj.area, permittivity=55.0,
                                bulk=default_bulk(proj), plane_tol=1e-3)
        t = time.perf_counter()
        sol = solve(problem, 773.15)
        t_solve = time.perf_counter() - t
        t = time.perf_counter()
        annotate(atoms, sol, proj)
        t_write = time.perf_counter() - t
        rows.append((len(atoms), sol.x.size, t_proj, t_solve, t_write))
    print(f"{'atoms':>8} {'planes':>7} {'project':>10} {'solve':>10} {'write-back':>11} {'project+write':>14}  note")
    for n, planes, tp, ts, tw in rows:
        note = "target <= 2 s" if n >= 100_000 else ""
        print(f"{n:8d} {planes:7d} {tp * 1e3:7.1f} ms {ts * 1e3:7.1f} ms {tw * 1e3:8.1f} ms "
              f"{(tp + tw) * 1e3:11.1f} ms  {note}")


if __name__ == "__main__":
    main()
