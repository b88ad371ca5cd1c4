"""
12. The uncertainty of Φ0 from errors in the DFT energies
=========================================================

Every segregation energy from DFT carries an error of a few tens of meV.  How much does Φ0
move?  At the converged solution one adjoint solve gives dΦ0/dΔE for every site at once
(:func:`~ase_spacecharge.sensitivities`); independent errors σ_E per site then give a
linear spread σ(Φ0) = √Σ (dΦ0/dΔE σ_E)² (:func:`~ase_spacecharge.uncertainty.uncertainty`).

Two independent checks: the adjoint derivative of one site against a central difference of
two full solves, and the linear σ(Φ0) against a Monte-Carlo of 400 perturbed problems solved
as one batch (:func:`~ase_spacecharge.uncertainty.monte_carlo`).  The column here is not
mirror-symmetric, so Φ0 sits on one plane and is a smooth function of the energies (at a
symmetric boundary two planes tie and the package uses the moments of their maximum).
"""

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import DefectSpecies, build_problem, sensitivities, solve
from ase_spacecharge.equilibrium.batch import with_energies
from ase_spacecharge.examples import CERIA_AREA, ceria_like_column
from ase_spacecharge.uncertainty import monte_carlo, uncertainty

T, sigma_E, samples = 773.15, 0.02, 400
sites, lo, hi = ceria_like_column(symmetric=False, well=-0.4)
problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.2, 0.0)],
                        x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0, bulk=(lo + 2, lo + 15))
sol = solve(problem, T, rtol=1e-13)
sens = sensitivities(problem, sol)

# %%
# The adjoint derivative of the most influential V_O site against a central difference:
site = int(np.nanargmax(np.abs(sens.dphi0_dE[:, 0])))
h = 1e-4
shifted = []
for step in (+h, -h):
    E = problem.energies.copy()
    E[site, 0] += step
    shifted.append(solve(with_energies(problem, E), T, rtol=1e-13).phi0)
central = (shifted[0] - shifted[1]) / (2 * h)
print(f"site {site}: dΦ0/dΔE adjoint {sens.dphi0_dE[site, 0]:.8f}, central difference {central:.8f} V/eV")
assert abs(sens.dphi0_dE[site, 0] / central - 1) < 1e-5

# %%
# Linear σ(Φ0) against the Monte-Carlo (statistical error of a standard deviation of 400
# samples: 1/√(2·399) = 3.5 %):
linear = uncertainty(sens, sigma_E)
mc = monte_carlo(problem, T, sigma_E, samples, seed=0)
print(f"σ(Φ0): linear {linear['sigma_phi0'] * 1e3:.3f} mV, Monte-Carlo {mc.phi0.std(ddof=1) * 1e3:.3f} mV")
assert abs(mc.phi0.std(ddof=1) / linear["sigma_phi0"] - 1) < 3 / np.sqrt(2 * (samples - 1))

fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
vo = np.isfinite(sens.dphi0_dE[:, 0])
a1.bar(problem.site_x[vo], sens.dphi0_dE[vo, 0], width=0.6, label="V_O sites")
gd = np.isfinite(sens.dphi0_dE[:, 1])
a1.bar(problem.site_x[gd], sens.dphi0_dE[gd, 1], width=0.6, label="Gd sites (frozen: 0)")
a1.set(xlabel="x (Å)", ylabel="dΦ0/dΔE (V/eV)", xlim=(-20, 20), title="which energies matter")
a1.legend(fontsize=8)
a2.hist(mc.phi0 * 1e3, bins=30, density=True, alpha=0.6, label=f"Monte-Carlo, {samples} samples")
grid = np.linspace(mc.phi0.min(), mc.phi0.max(), 200)
s = linear["sigma_phi0"]
a2.plot(grid * 1e3, np.exp(-0.5 * ((grid - sol.phi0) / s) ** 2) / (s * 1e3 * np.sqrt(2 * np.pi)), "k",
        label=f"linear: σ = {s * 1e3:.2f} mV")
a2.set(xlabel="Φ0 (mV)", ylabel="density", title=f"σ_E = {sigma_E * 1e3:g} meV on every site")
a2.legend(fontsize=8)
plt.show()
