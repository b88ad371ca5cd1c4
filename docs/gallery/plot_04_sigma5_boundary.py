"""
4. The shipped Σ5 boundary: site-explicit against continuum, Mott–Schottky against Gouy–Chapman
===============================================================================================

The main job of the package on the shipped CeO2 Σ5(310)[001] tilt boundary (20 % Gd,
5 % V_O, 773 K; per-atom segregation energies from a rigid-ion potential, see
``example_structures/``).  The case file unfolds the two equivalent boundaries of the
periodic bicrystal onto one and pads both sides with bulk planes.

We solve it four ways:

* **Mott–Schottky**: the dopant (Gd) frozen at its bulk fraction, V_O in equilibrium;
* **Gouy–Chapman**: both in equilibrium (the dopants could move when the sample was made);
* **site-explicit**: every site on its own plane with its own ΔE;
* **continuum**: a regular grid of 1000 cells, each carrying every sublattice at its mean
  density, with ΔE averaged per plane.

Under Mott–Schottky the two models agree to a few per cent, because what sets Φ0 is the
charge the core holds; under Gouy–Chapman Gd accumulates next to the core on particular Ce
sites, the continuum's plane averages miss where, and Φ0 differs by 0.17 V.

The number checked: the bulk really is bulk.  Padding the grains by half as much again
must leave Φ0 unchanged — an independent solve of a larger problem.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import solve
from ase_spacecharge.cases.casefile import load_case
from ase_spacecharge.cases.run import structure_problem_from_case

HERE = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
CASE = os.path.join(HERE, "../../example_structures/ceria_sigma5_310/case.toml")
T = 773.15


def solve_case(**changes):
    """The shipped case with some keys changed (as if edited in the TOML file)."""
    case = load_case(CASE)
    case.update(changes)
    atoms, problem, projection = structure_problem_from_case(case)
    return solve(problem, T), problem


results = {}
for approximation in ("mott-schottky", "gouy-chapman"):
    for model in ("site-explicit", "continuum"):
        results[approximation, model] = solve_case(approximation=approximation, model=model)[0]
        print(f"{approximation:14s} {model:13s} Φ0 = {results[approximation, model].phi0:.4f} V")

ms, gc = results["mott-schottky", "site-explicit"], results["gouy-chapman", "site-explicit"]
assert abs(ms.phi0 - results["mott-schottky", "continuum"].phi0) < 0.02
assert abs(gc.phi0 - results["gouy-chapman", "continuum"].phi0) > 0.1
assert gc.phi0 < ms.phi0          # the accumulated dopants screen the core

# %%
# Does the padded bulk reach bulk?  The automatic padding reaches 40 Å from the boundary;
# pad to 60 Å and solve again.
sol, problem = solve_case()
wider, _ = solve_case(pad_to=1.5 * problem.grid.x_max)
print(f"Φ0 padded to {problem.grid.x_max:.1f} Å: {sol.phi0:.6f} V; to {1.5 * problem.grid.x_max:.1f} Å: "
      f"{wider.phi0:.6f} V")
assert abs(wider.phi0 - sol.phi0) < 1e-5

# %%
# The profiles: φ, and the site fractions of V_O and Gd per plane.
fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True, constrained_layout=True)
styles = {"site-explicit": "-", "continuum": "--"}
for (approximation, model), s in results.items():
    colour = "C0" if approximation == "mott-schottky" else "C3"
    a1.plot(s.x, s.phi, styles[model], color=colour, label=f"{approximation}, {model}: Φ0 = {s.phi0:.3f} V")
    if model == "site-explicit":
        for label, marker in (("Vo", "o"), ("Gd", "s")):
            f = s.mole_fractions[label]
            on = np.isfinite(f)
            a2.semilogy(s.x[on], f[on], marker, ms=3, ls="-", lw=0.6, color=colour,
                        label=f"{label}, {approximation}")
a1.set(ylabel="φ (V)", title="CeO2 Σ5(310): 20 % Gd, 5 % V_O, 773 K")
a1.legend(fontsize=8)
a2.set(xlabel="distance from the boundary (Å)", ylabel="site fraction", ylim=(1e-8, 1.5))
a2.legend(fontsize=8, ncol=2)
for a in (a1, a2):
    a.axvspan(*sol.bulk, color="grey", alpha=0.15)
plt.show()
