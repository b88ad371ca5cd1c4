"""
1. The Debye length, and where Debye–Hückel fails
==================================================

A charged wall in a 1:1 electrolyte of mobile ions (here: ions on lattice sites in the dilute,
Boltzmann limit) is screened over the Debye–Hückel length

    λ = √(ε ε0 kT / Σ z² e² c).

Linearising the Poisson–Boltzmann equation (Debye–Hückel) gives φ = φ0 exp(−x/λ); the full
non-linear answer for a symmetric electrolyte (Gouy–Chapman) is

    tanh(zeφ/4kT) = tanh(zeφ0/4kT) exp(−x/λ).

We solve the site-explicit problem for a small and a large wall potential and compare with
both.  Debye–Hückel holds while zeφ0 ≪ kT; at a few kT it overestimates the potential away
from the wall (the non-linear layer screens more strongly).

*Convention*: the package's :func:`~ase_spacecharge.debye_length` is the space-charge one,
``L_D = λ/√2`` (so that the Mott–Schottky width is ``2 L_D √(zeΦ0/kT)``);
:func:`~ase_spacecharge.screening_length` is λ.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import constants as C

from ase_spacecharge import DefectSpecies, Sites, build_problem, screening_length, solve

T, eps_r, c = 773.15, 55.0, 1e-4  # K, relative permittivity, ions per Å³ of each sign (1e26 m⁻³)
h, length = 0.125, 150.0          # plane spacing and half-space depth (Å)

# %%
# The Debye length, in Å, from the package and from SciPy's constants in SI:
lam = screening_length([c, c], [1, -1], T, eps_r)
lam_si = np.sqrt(eps_r * C.epsilon_0 * C.k * T / (2 * C.e ** 2 * c * 1e30)) * 1e10
print(f"λ = {lam:.6f} Å (SciPy constants: {lam_si:.6f} Å)")
assert abs(lam / lam_si - 1) < 1e-6   # CODATA 2018 (the package) against SciPy's CODATA set

# %%
# A half space: one cation site and one anion site on every plane, a fixed wall potential
# at x = 0 and bulk at x = 150 Å (15 λ).  One site per plane and species, at a site fraction
# of 0.001 so that the dilute (Boltzmann) limit holds even at the wall; the cross-section
# is chosen so that each species has the density c.


def half_space(phi0):
    n = int(round(length / h)) - 1
    x = h * (np.arange(n) + 1.0)
    energies = np.zeros((2 * n, 2))
    energies[:n, 1] = energies[n:, 0] = np.nan          # cations on "A" sites, anions on "B"
    sites = Sites(np.concatenate((x, x)), ["A"] * n + ["B"] * n, np.zeros(2 * n), ("P", "N"), energies)
    area = 0.001 / (c * h)
    species = [DefectSpecies("P", 1, 0.001, 1.0), DefectSpecies("N", -1, 0.001, 1.0)]
    problem = build_problem(sites, species, x_min=0.0, x_max=length, area=area, permittivity=eps_r,
                            bulk=(0.8 * length, length), boundary="dirichlet", dirichlet=(phi0, 0.0),
                            statistics="boltzmann", approximation="gouy-chapman", plane_tol=h / 4)
    return solve(problem, T)


kT = C.k * T / C.e  # V
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
for ax, phi0 in zip(axes, (0.1 * kT, 4 * kT)):
    sol = half_space(phi0)
    x = sol.x
    dh = phi0 * np.exp(-x / lam)
    gc = 4 * kT * np.arctanh(np.tanh(phi0 / (4 * kT)) * np.exp(-x / lam))
    err_gc = np.max(np.abs(sol.phi - gc)) / phi0
    err_dh = abs(np.interp(lam, x, sol.phi) / np.interp(lam, x, dh) - 1)
    print(f"φ0 = {phi0 / kT:.1f} kT/e: solve vs Gouy–Chapman {err_gc:.1e} of φ0; "
          f"Debye–Hückel off by {100 * err_dh:.2f} % at x = λ")
    assert err_gc < 1e-4                  # the non-linear analytic solution, at every plane
    if phi0 < kT:
        assert err_dh < 1e-3              # small potential: Debye–Hückel holds
    else:
        assert err_dh > 0.2               # 4 kT/e: Debye–Hückel is over 20 % too high one λ out
    ax.plot(x / lam, sol.phi / phi0, "k-", lw=2, label="site-explicit solve")
    ax.plot(x / lam, gc / phi0, "C1--", label="Gouy–Chapman (exact)")
    ax.plot(x / lam, dh / phi0, "C0:", lw=2, label="Debye–Hückel")
    ax.set(xlim=(0, 5), xlabel="x / λ", ylabel="φ / φ0", title=f"φ0 = {phi0 / kT:.1f} kT/e")
    ax.legend()
fig.suptitle(f"λ = {lam:.2f} Å: 1e26 m⁻³ of each sign, ε = {eps_r:g}, {T} K")
plt.show()
