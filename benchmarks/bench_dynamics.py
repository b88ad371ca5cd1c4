"""Speed of the Poisson–Nernst–Planck dynamics; prints a table.

    python benchmarks/bench_dynamics.py [--quick]

Rows: a 1e4-plane grain boundary (the synthetic ceria-like column between reversible
electrodes) driven by a 50 mV step over ten decades of time (1e-12 .. 1e-2 s): steps,
rejected steps, Newton iterations, seconds; a steady state of a 1e5-plane boundary at
50 mV; an I–V curve of 50 voltages on 1e4 planes; the cost per BDF step for 1e3, 1e4
and 1e5 planes (it should grow linearly: O(N) per step); an impedance spectrum of 100
frequencies (1e-2 .. 1e12 Hz) on 1e4 planes (target ≤ 1 s) and the cost per frequency for
1e3, 1e4 and 1e5 planes (O(N)).
"""

import argparse
import time

import numpy as np

from ase_spacecharge import DefectSpecies, build_problem, solve
from ase_spacecharge.dynamics import Kinetics, PNPSystem
from ase_spacecharge.dynamics.impedance import impedance
from ase_spacecharge.dynamics.integrate import transient
from ase_spacecharge.dynamics.steady import iv_curve, steady_state
from ase_spacecharge.examples import ceria_like_column

T = 773.15
DEFECTS = [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.2, 0.0)]


def gb_system(n_planes, voltage=0.05):
    sites, lo, hi = ceria_like_column(n_cells=max(3, n_planes // 3))
    problem = build_problem(sites, DEFECTS, x_min=lo, x_max=hi, area=58.5725, permittivity=55.0,
                            bulk=(lo + 2, lo + 15), boundary="dirichlet", dirichlet=(0.0, 0.0))
    return PNPSystem(problem, Kinetics({"Vo": 1e-11}), temperature=T, voltage=voltage,
                     equilibrium=solve(problem, T))


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    args = parser.parse_args()
    big = 10 ** 4 if args.quick else 10 ** 5
    rows = []
    system = gb_system(10 ** 4 if not args.quick else 10 ** 3)
    seconds, run = timed(lambda: transient(system, np.logspace(-12, -2, 11)))
    rows.append((f"transient, {system.n} planes, 1e-12..1e-2 s", f"{seconds:.2f} s",
                 f"{run.steps} steps ({run.rejected} rejected), {run.newton_iterations} Newton iterations"))
    big_system = gb_system(big)
    seconds, steady = timed(lambda: steady_state(big_system, 0.05))
    rows.append((f"steady state, {big_system.n} planes, 50 mV", f"{seconds:.2f} s",
                 f"{steady.iterations[0]} Newton iterations, I = {steady.current[0]:.4g} A/m²"))
    seconds, iv = timed(lambda: iv_curve(system.with_voltage(0.0), np.linspace(0.01, 0.5, 50)))
    rows.append((f"I–V curve, 50 voltages, {system.n} planes", f"{seconds:.2f} s",
                 f"{int(iv.iterations.sum())} Newton iterations"))
    per_step = []
    for n in (10 ** 3, 10 ** 4, big):
        s = gb_system(n)
        seconds, run = timed(lambda: transient(s, [1e-9], first_step=1e-12))
        per_step.append((s.n, seconds / max(run.newton_iterations, 1)))
    for n, cost in per_step:
        rows.append((f"cost per Newton iteration of a step, {n} planes", f"{1e3 * cost:.2f} ms",
                     f"{1e6 * cost / n:.2f} µs per plane"))
    system0 = system.with_voltage(0.0)
    seconds, spectrum = timed(lambda: impedance(system0, np.logspace(-2, 12, 100)))
    rows.append((f"impedance, 100 frequencies, {system.n} planes", f"{seconds:.2f} s",
                 f"Z(0.01 Hz) = {spectrum.z[0].real:.4g} Ω m²"))
    for n in (10 ** 3, 10 ** 4, big):
        s = gb_system(n, voltage=0.0)
        cost, _ = timed(lambda: impedance(s, np.logspace(-2, 12, 20)))
        rows.append((f"impedance cost per frequency, {s.n} planes", f"{1e3 * cost / 20:.2f} ms",
                     f"{1e9 * cost / 20 / s.n:.0f} ns per plane"))
    print("| case | time | notes |\n|---|---|---|")
    for case, t, note in rows:
        print(f"| {case} | {t} | {note} |")


if __name__ == "__main__":
    main()
