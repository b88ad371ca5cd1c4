"""
13. Screening many boundaries
=============================

A study rarely stops at one boundary: a set of structures (different tilt angles,
terminations, dopants) × a set of conditions.  :func:`~ase_spacecharge.screen.screen` takes
the common settings from a case file, the parameter lists from a sweep (the product over
its entries) and the structures from files, globs, ase.db databases or ``Atoms``; it returns
one table row per structure and parameter set, and with ``out="results.db"`` stores every
row (with the annotated structure) in an ase.db as it finishes, so an interrupted study is
finished by running it again.  ``client`` chooses where the work runs: ``"serial"`` (a
loop), Dask's in-process threads (the default), or a ``dask.distributed`` cluster
(``connect(workers=8)``, ``connect(scheduler=...)``, Slurm through dask-jobqueue).

Here: six boundaries with V_O traps of increasing depth (the CeO2 (111)-like column),
three temperatures, serially.  The check: every row equals a direct solve of that structure
at that temperature, and the table gives each boundary's Arrhenius slope.
"""

import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import solve_structure
from ase_spacecharge.constants import BOLTZMANN_EV
from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms, defect_tables
from ase_spacecharge.screen import screen

depths = [-0.1, -0.2, -0.3, -0.4, -0.5, -0.6]           # eV: the V_O trap of each boundary
structures = [ceria_like_atoms(well=w) for w in depths]
half = structures[0].cell[2, 2] / 2
folder = tempfile.mkdtemp()
case = os.path.join(folder, "screen.toml")
with open(case, "w") as f:                              # the common settings of every row
    f.write(f"temperature = 773.15\npermittivity = 55.0\nboundaries = [0.5]\nmode = \"cell\"\n"
            f"bulk = [{-half + 2}, {-half + 15}]\n" + defect_tables(CERIA_DEFECTS))
print(open(case).read())

table = screen(structures, case, {"temperature": [673.15, 773.15, 873.15]}, client="serial",
               out=os.path.join(folder, "results.db"))
print(table[["source", "temperature", "phi0", "r_perp", "iterations", "status"]].to_string(index=False))
assert (table.status == "ok").all() and len(table) == 18

# %%
# Every row against a direct solve of its structure:
worst = 0.0
for row in table.itertuples():
    i = int(row.source.strip("atoms[]"))
    _, sol, _ = solve_structure(structures[i], [dict(d) for d in CERIA_DEFECTS], row.temperature, permittivity=55.0,
                                boundaries=[0.5], mode="cell", bulk=(-half + 2, -half + 15))
    worst = max(worst, abs(row.phi0 / sol.phi0 - 1))
print(f"largest relative difference from the direct solves: {worst:.1e}")
assert worst < 1e-9

# %%
# Φ0 against the trap depth, and the activation energy of r_perp (from ln r against 1/kT).
pivot = table.pivot_table(index="source", columns="temperature", values="phi0")
r = table.pivot_table(index="source", columns="temperature", values="r_perp")
order = [f"atoms[{i}]" for i in range(len(depths))]
kT = BOLTZMANN_EV * np.array(r.columns, float)
slopes = [np.polyfit(1 / kT, np.log(r.loc[name].to_numpy()), 1)[0] for name in order]
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
for T in pivot.columns:
    a1.plot(depths, pivot.loc[order, T], "o-", label=f"{T:g} K")
a1.set(xlabel="V_O trap depth (eV)", ylabel="Φ0 (V)", title="18 rows: 6 boundaries × 3 temperatures")
a1.legend(fontsize=8)
a2.plot(depths, slopes, "ko-")
a2.set(xlabel="V_O trap depth (eV)", ylabel="E_a of r_perp (eV)", title="activation energy of the ratio")
plt.show()
