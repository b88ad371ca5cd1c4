"""
3. Fermi–Dirac against Boltzmann site statistics
================================================

A defect on a lattice site cannot share the site: the occupancy of a site with segregation
energy ΔE at potential φ, in equilibrium with a bulk of site fraction x, is the Fermi–Dirac
(lattice-gas) form

    p = x B / (1 + x (B − 1)),   B = exp(−(zeφ + ΔE)/kT),

which saturates at 1, while the dilute (Boltzmann) limit p = x B grows without bound (the
package warns when a Boltzmann solve puts more than one defect on a site).  We solve a
CeO2 (111)-like column with an oxygen-vacancy trap of −0.8 eV at the boundary both ways.
Alone, such a trap would be filled to 99 %; in the solve the vacancies' own space charge
raises φ at the core until only a third of the trap sites are taken — the electrostatics
limits the filling before site exclusion does — and the dilute limit, which ignores the
blocked sites, still overestimates the core charge and Φ0.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import DefectSpecies, SpaceChargeWarning, build_problem, fermi_dirac, solve
from ase_spacecharge.constants import thermal_voltage
from ase_spacecharge.examples import CERIA_AREA, ceria_like_column

T, x_b = 773.15, 0.05
kT = thermal_voltage(T)
sites, lo, hi = ceria_like_column(well=-0.8)
species = [DefectSpecies("Vo", 2, x_b, 1.0), DefectSpecies("Gd", -1, 0.2, 0.0)]


def solve_with(statistics):
    problem = build_problem(sites, species, x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0,
                            bulk=(lo + 2, lo + 15), statistics=statistics)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpaceChargeWarning)
        sol = solve(problem, T)
    return sol, [str(w.message) for w in caught]


fd, fd_warnings = solve_with("fermi-dirac")
bz, bz_warnings = solve_with("boltzmann")
print(f"Φ0: Fermi–Dirac {fd.phi0:.4f} V, Boltzmann {bz.phi0:.4f} V")
assert not fd_warnings and not bz_warnings   # no Boltzmann site fraction reaches 1 here
assert bz.phi0 > fd.phi0

# %%
# Every solved V_O site obeys its statistics at its own potential and ΔE (computed here
# from the solutions' site potentials, not by the solver's code path):
vo = np.isfinite(fd.site_energies[:, 0])
B = np.exp(-(2 * fd.site_phi[vo] + fd.site_energies[vo, 0]) / kT)
err = np.max(np.abs(fd.site_occupancy[vo, 0] - x_b * B / (1 + x_b * (B - 1))))
B_bz = np.exp(-(2 * bz.site_phi[vo] + bz.site_energies[vo, 0]) / kT)
err_bz = np.max(np.abs(bz.site_occupancy[vo, 0] - x_b * B_bz))
print(f"largest difference from x B / (1 + x (B − 1)): {err:.1e}; Boltzmann from x B: {err_bz:.1e}")
assert err < 1e-12 and err_bz < 1e-12
assert abs(fermi_dirac(0.0, -0.8, 2, x_b, T) - x_b * np.exp(0.8 / kT) / (1 + x_b * (np.exp(0.8 / kT) - 1))) < 1e-14
peak_fd, peak_bz = np.nanmax(fd.site_occupancy[:, 0]), np.nanmax(bz.site_occupancy[:, 0])
print(f"largest V_O site fraction: Fermi–Dirac {peak_fd:.3f}, Boltzmann {peak_bz:.3g}")
alone = fermi_dirac(0.0, -0.8, 2, x_b, T)
print(f"the trap alone (φ = 0) would hold {alone:.3f}")
assert peak_fd < peak_bz < 1 and alone > 0.99

# %%
# Left: one site's occupancy against its ΔE (at φ = 0).  Right: the two solved profiles.
dE = np.linspace(-1.0, 0.4, 300)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
a1.semilogy(dE, fermi_dirac(0.0, dE, 2, x_b, T), label="Fermi–Dirac (lattice gas)")
a1.semilogy(dE, x_b * np.exp(-dE / kT), "--", label="Boltzmann (dilute)")
a1.axhline(1, color="grey", lw=0.8)
a1.set(xlabel="ΔE (eV)", ylabel="V_O site fraction", ylim=(1e-4, 1e5), title=f"x = {x_b}, {T} K")
a1.legend()
for sol, name in ((fd, "Fermi–Dirac"), (bz, "Boltzmann")):
    a2.plot(sol.x, sol.phi, label=f"{name}: Φ0 = {sol.phi0:.3f} V")
a2.set(xlabel="x (Å)", ylabel="φ (V)", xlim=(-25, 25), title="a −0.8 eV trap at x = 0")
a2.legend()
plt.show()
