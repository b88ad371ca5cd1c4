"""
6. Activities and the thermodynamic factor
==========================================

At high defect fractions the ideal dilute solution is a poor model.  On a lattice the
chemical potential of a defect at site fraction x is

    μ = kT ln(x / (1 − x)) + μ_ex(x),

with site exclusion in the logarithm and interactions in the excess term; for a regular
solution μ_ex = Ω (1 − 2x).  What screening feels is Darken's thermodynamic factor

    Γ = ∂ ln a / ∂ ln x = 1/(1 − x) + x μ_ex′(x)/kT = 1/(1 − x) − 2Ωx/kT,

through the screening length 1/λ² = Σ z² e² c / (Γ ε ε0 kT): a species with Γ > 1 (site
exclusion, repulsion) screens *less* and the layer is wider.  We check Γ against a numerical
derivative of ln a, and λ against the decay length of a weakly perturbed layer solved with
the activity model.
"""

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import DefectSpecies, RegularSolution, Sites, build_problem, screening_length, solve
from ase_spacecharge.analytic import thermodynamic_factor
from ase_spacecharge.constants import thermal_voltage

T = 773.15
kT = thermal_voltage(T)
x_b, c, omega = 0.25, 1e-4, -0.05   # site fraction of both species, density (Å⁻³), Ω (eV) of the cation

# %%
# Γ from the closed form and from a central difference of ln a = ln(x/(1−x)) + μ_ex/kT:
model = RegularSolution(omega)


def ln_a(x):
    return np.log(x / (1 - x)) + model(np.array([x]))[0][0] / kT


h = 1e-6
numerical = (ln_a(x_b * (1 + h)) - ln_a(x_b * (1 - h))) / (np.log(1 + h) - np.log(1 - h))
gamma = thermodynamic_factor(x_b, T, model)
print(f"Γ = {gamma:.8f} (closed form), {numerical:.8f} (d ln a / d ln x numerically)")
assert abs(gamma - numerical) < 1e-7

# %%
# A half space with both species on sites (fraction 0.25 each), a small wall potential
# (0.01 kT/e, the linear regime), both species mobile and in equilibrium with a bulk at
# their nominal fractions.  The cation interacts (Ω < 0: repulsion raises Γ); the anion is
# an ideal lattice gas (Γ = 1/(1 − x)).
spacing, length = 0.125, 150.0


def half_space(activity):
    n = int(round(length / spacing)) - 1
    x = spacing * (np.arange(n) + 1.0)
    energies = np.zeros((2 * n, 2))
    energies[:n, 1] = energies[n:, 0] = np.nan
    sites = Sites(np.concatenate((x, x)), ["A"] * n + ["B"] * n, np.zeros(2 * n), ("P", "N"), energies)
    species = [DefectSpecies("P", 1, x_b, 1.0, activity=activity), DefectSpecies("N", -1, x_b, 1.0)]
    problem = build_problem(sites, species, x_min=0.0, x_max=length, area=x_b / (c * spacing), permittivity=55.0,
                            bulk=(0.8 * length, length), boundary="dirichlet", dirichlet=(0.01 * kT, 0.0),
                            plane_tol=spacing / 4)
    return solve(problem, T)


lengths = {}
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
for name, activity, gammas in (("dilute (Debye–Hückel)", None, None),
                               ("ideal lattice gas", None, [1 / (1 - x_b)] * 2),
                               (f"regular solution, Ω = {omega} eV", model, [gamma, 1 / (1 - x_b)])):
    lam = screening_length([c, c], [1, -1], T, 55.0, gammas)
    lengths[name] = lam
    if name.startswith("dilute"):
        continue
    sol = half_space(activity)
    window = (sol.x > 3 * lam) & (sol.x < 6 * lam)
    decay = -1 / np.polyfit(sol.x[window], np.log(sol.phi[window]), 1)[0]
    print(f"{name}: decay length {decay:.5f} Å, screening length {lam:.5f} Å")
    assert abs(decay / lam - 1) < 1e-4
    a2.semilogy(sol.x, sol.phi / sol.phi[0], label=f"{name}: λ = {lam:.2f} Å")
a2.semilogy(sol.x, np.exp(-sol.x / lengths["dilute (Debye–Hückel)"]), "k:",
            label=f"Debye–Hückel: λ = {lengths['dilute (Debye–Hückel)']:.2f} Å")
a2.set(xlabel="x (Å)", ylabel="φ / φ(wall)", xlim=(0, 80), ylim=(1e-4, 1.2), title="the layer widens with Γ")
a2.legend(fontsize=8)

x = np.linspace(0.01, 0.6, 200)
for om in (0.0, -0.05, 0.05, 0.1):
    a1.plot(x, [thermodynamic_factor(v, T, RegularSolution(om)) for v in x], label=f"Ω = {om:+.2f} eV")
a1.axhline(1, color="k", ls=":", lw=0.8)
a1.set(xlabel="site fraction x", ylabel="Γ", ylim=(0, 4), title=f"thermodynamic factor, {T} K (Ω < 2kT)")
a1.legend(fontsize=8)
plt.show()
