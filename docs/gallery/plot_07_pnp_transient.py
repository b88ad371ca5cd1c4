"""
7. A PNP transient under a voltage step, with an interface sheet charge
=======================================================================

Two ionic conductors (ε = 10 and 30) meet at an interface that carries a sheet of positive
charge (0.05 C/m², e.g. a segregated core); their mobile cations and anions form
space-charge layers on both sides.  Reversible electrodes at the ends hold 0 V; at t = 0 the
upper one steps to 1 mV.  Poisson–Nernst–Planck (each species' electrochemical potential
drives its flux, Poisson couples them) gives the current: first the displacement current
of the geometric capacitor, then the ions redistribute and the current settles at the
steady value.

The checks: the transient's end is the steady state that Newton finds directly, and at
this small bias the steady current is the sum over the species of V / R_k, with R_k the
series sum Σ Δx / σ_k(x) over the equilibrium profile, σ_k = z² e² D_k c_k(x) / kT.  Each
species carries its current through its own chain of layers (the electrodes exchange
every species, nothing converts one into another): the layers are in series for each
species, and the species are in parallel.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import constants as C

from ase_spacecharge import Carrier, Material, layered_problem, solve
from ase_spacecharge.dynamics import Kinetics, PNPSystem, steady_state, transient

T, V = 500.0, 1e-3
carriers = [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)]               # Å⁻³ (1e24 m⁻³)
layers = [(Material("L", 10.0), 150.0), (Material("R", 30.0, offsets={"p": -0.1, "m": 0.05}), 150.0)]
sheet = 0.05 / (C.e * 1e20)                                                 # C/m² -> e/Å²
problem = layered_problem(layers, carriers, temperature=T, spacing=0.5, sheet_charges={0: sheet})
eq = solve(problem, T)
D = {"p": 1e-9, "m": 3e-9}                                                  # m²/s
system = PNPSystem(problem, Kinetics(D), temperature=T, electrodes="reversible", voltage=V, equilibrium=eq)

times = np.logspace(-13, -6, 36)
run = transient(system, times, rtol=1e-5)
print(f"{run.steps} BDF2 steps, {run.newton_iterations} Newton iterations")

# %%
# The steady state by Newton (a :class:`~ase_spacecharge.dynamics.SteadyState` record: one row
# per voltage, with the residual and the spread of the current over the faces):
steady = steady_state(system, V)
y_steady, i_steady = steady.states[0], steady.current[0]
assert steady.current_spread[0] <= max(1e-9, steady.current_spread_roundoff[0])
print(f"current at t = {times[-1]:.0e} s: {run.current[-1]:.6e} A/m²; steady state {i_steady:.6e} A/m²")
assert abs(run.current[-1] / i_steady - 1) < 1e-5

# %%
# The series resistance of each species over the equilibrium profile, in parallel:
kT = C.k * T
R_k = [np.sum(eq.dx * 1e-10 / (D[k] * C.e ** 2 * eq.carrier_density[i] * 1e30 / kT))  # Ω m²
       for i, k in enumerate(eq.carrier_labels)]
R_series = 1 / sum(1 / r for r in R_k)
print(f"V / I = {V / i_steady:.6e} Ω m²; species in parallel, layers in series: {R_series:.6e} Ω m²")
assert abs(V / i_steady / R_series - 1) < 1e-3

# %%
# The current and the potential at a few times (minus the equilibrium potential):
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
a1.loglog(run.t, run.current, "k.-", label="PNP transient")
a1.axhline(i_steady, color="C3", ls="--", label="steady state (Newton)")
a1.axhline(V / R_series, color="C0", ls=":", label="Σ_k V / R_k")
a1.set(xlabel="t (s)", ylabel="current (A/m²)", title=f"{V * 1e3:g} mV step at t = 0")
a1.legend(fontsize=8)
phi_eq, _ = system.unpack(system.y_eq)
x = problem.grid.x - 150.0
for t_show in (1e-12, 1e-10, 1e-8, 1e-6):
    i = int(np.argmin(np.abs(np.log(run.t / t_show))))
    phi, _ = system.unpack(run.states[i])
    a2.plot(x, (phi - phi_eq) * 1e3, label=f"t = {run.t[i]:.0e} s")
a2.axvline(0, color="grey", lw=0.8)
a2.set(xlabel="x from the interface (Å)", ylabel="φ − φ_eq (mV)", title="where the voltage drops, as the ions move")
a2.legend(fontsize=8)
plt.show()
