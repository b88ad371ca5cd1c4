"""
8. Onsager cross terms and a thermovoltage
==========================================

Linear irreversible thermodynamics writes each flux as a sum over *all* driving forces:
J_k = −Σ_m L_km ∇(μ̃_m/kT), with a symmetric, positive semidefinite Onsager matrix L.  The
package builds it per face as L = S^½ R S^½: S holds each species' own conductance
(D c / kT in the dilute limit) and R the correlations (unit diagonal, −1 ≤ r ≤ 1).

**Cross terms.**  Two oxygen-site species of opposite charge, V_O (z = +2) and O_i
(z = −2), in a uniform slab between reversible electrodes: an electric field drives both,
and a correlation r between their hops changes the conductivity to

    σ(r) / σ(0) = 1 + 2 r z₁ z₂ √(S₁ S₂) / (z₁² S₁ + z₂² S₂).

**Thermovoltage.**  Give V_O a heat of transport Q* and put the slab in a temperature
gradient with ion-blocking electrodes: at open circuit the electric field balances the
thermal force and the gradient of the chemical potential,

    z e dφ/dT = −(∂μ/∂T + Q*/T) = −(k ln(x/(1 − x)) + Q*/T)

for a lattice gas at site fraction x (the Seebeck coefficient of the ions).
"""

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import DefectSpecies, Sites, build_problem, solve
from ase_spacecharge.constants import BOLTZMANN_EV
from ase_spacecharge.dynamics import Kinetics, PNPSystem, iv_curve, steady_state

T0, L = 823.0, 200.0                        # K, slab length (Å)


def slab(species, statistics, n_sites=800):
    """A uniform slab: the species on O sites (and a frozen Gd_Ce for neutrality) between
    electrodes at 0 and L, on a regular grid of 400 cells."""
    x = np.linspace(0.05, L - 0.05, n_sites)
    m = len(species)
    E = np.full((2 * n_sites, m + 1), np.nan)
    E[:n_sites, :m] = 0.0
    E[n_sites:, m] = 0.0
    sites = Sites(np.concatenate((x, x)), ["O"] * n_sites + ["Ce"] * n_sites, np.zeros(2 * n_sites),
                  tuple(d.label for d in species) + ("Gd",), E)
    gd = sum(d.valence * d.mole_fraction for d in species)  # Gd_Ce (z = −1) neutralises them
    return build_problem(sites, list(species) + [DefectSpecies("Gd", -1, gd, 0.0)], x_min=0.0, x_max=L, area=100.0,
                         permittivity=29.0, bulk=(0.1 * L, 0.3 * L), model="continuum", n_points=400,
                         boundary="dirichlet", dirichlet=(0.0, 0.0), statistics=statistics)


# %%
# Cross terms: the small-bias conductance against r (dilute species, so S_k = D_k c_k/kT).
vo, oi = DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Oi", -2, 0.02, 1.0)
D = {"Vo": 1e-11, "Oi": 3e-12}
problem = slab([vo, oi], "boltzmann")
eq = solve(problem, T0)
S = np.array([D["Vo"] * 0.05, D["Oi"] * 0.02])     # ∝ D c (the same sites, the same kT)
z = np.array([2.0, -2.0])
rs = np.linspace(-0.9, 0.9, 7)
g = []
for r in rs:
    system = PNPSystem(problem, Kinetics(D, correlation={("Vo", "Oi"): r}), temperature=T0, equilibrium=eq)
    g.append(iv_curve(system, [1e-6]).current[0])
g = np.array(g) / g[len(rs) // 2]                   # relative to r = 0
expected = 1 + 2 * rs * z[0] * z[1] * np.sqrt(S[0] * S[1]) / np.sum(z ** 2 * S)
print("σ(r)/σ(0):", np.round(g, 6))
assert np.max(np.abs(g / expected - 1)) < 1e-6

# %%
# Thermovoltage: V_O alone (lattice gas, x = 0.05), Q* = 0.4 eV, 20 K across the slab.
Q = 0.4
problem = slab([DefectSpecies("Vo", 2, 0.05, 1.0)], "fermi-dirac")
system = PNPSystem(problem, Kinetics({"Vo": 1e-11}, heat_of_transport={"Vo": Q}), temperature=T0,
                   electrodes="blocking", equilibrium=solve(problem, T0),
                   temperature_profile=lambda x: T0 + 0.1 * x)
steady = steady_state(system, 0.0)                  # a SteadyState record, one row per voltage
y, current = steady.states[0], steady.current[0]
phi, _ = system.unpack(y)
T = system.plane_temperature
middle = slice(150, 250)                            # away from the electrodes' double layers
seebeck = np.polyfit(T[middle], phi[middle], 1)[0]  # dφ/dT (V/K) in the bulk
expected_seebeck = -(BOLTZMANN_EV * np.log(0.05 / 0.95) + Q / T[middle].mean()) / 2
print(f"dφ/dT = {seebeck * 1e3:.5f} mV/K (analytic {expected_seebeck * 1e3:.5f} mV/K)")
assert abs(seebeck / expected_seebeck - 1) < 1e-3
assert abs(current) < 1e-12

fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
a1.plot(rs, expected, "C0-", label="1 + 2 r z₁z₂√(S₁S₂)/Σ z²S")
a1.plot(rs, g, "ko", label="PNP steady state")
a1.set(xlabel="correlation r of the V_O and O_i hops", ylabel="σ(r) / σ(0)", title="Onsager cross terms")
a1.legend(fontsize=8)
x = problem.grid.x
a2.plot(x, phi * 1e3, "k", label="PNP steady state")
a2.plot(x[middle], (phi[middle].mean() + expected_seebeck * (T[middle] - T[middle].mean())) * 1e3, "C3--",
        label="analytic slope")
a2.set(xlabel="x (Å)   (T rises 0.1 K/Å)", ylabel="φ (mV)", title=f"thermovoltage, Q* = {Q} eV, ions blocked")
a2.legend(fontsize=8)
plt.show()
