"""
5. A mixed conductor: band bending and a flat Fermi level
=========================================================

Acceptor-doped ceria at 873 K conducts by oxygen vacancies (z = +2), holes and electrons.
A positive boundary core (here: a potential Φ0 = +0.5 V held at x = 0) depletes the
vacancies and holes and accumulates electrons.  In equilibrium the *electrochemical*
potential of the electrons — the Fermi level — is the same everywhere, so the bands bend
with −eφ: the conduction-band edge comes down towards the Fermi level at the core, and
the electron density rises by exp(eΦ0/kT) = 769.

For Boltzmann carriers and a frozen acceptor background the charge in the layer follows from
the first integral of Poisson's equation (no solve needed):

    Q² = 2 ε ε0 [kT Σ_i c_i (exp(−z_i eΦ0/kT) − 1) + e c_A Φ0].
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import constants as C

from ase_spacecharge import Carrier, Material, layered_problem, solve

T, eps_r, phi0 = 873.15, 150.0, 0.5
M3 = 1e-30                                      # m⁻³ -> Å⁻³
c_A, c_h, c_e = 1e26, 1e24, 1e18                # m⁻³: acceptors, holes, electrons in the bulk
c_v = (c_A - c_h + c_e) / 2                     # vacancies from bulk neutrality
N_band = 1e27 * M3                             # effective densities of states of both bands
carriers = [Carrier("Vo", 2, c_v * M3), Carrier("h", 1, c_h * M3, dos=N_band), Carrier("e", -1, c_e * M3, dos=N_band)]
ceria = Material("ceria", eps_r, background=-c_A * M3)
problem = layered_problem([(ceria, 400.0)], carriers, temperature=T, spacing=0.05, ends=(phi0, 0.0))
sol = solve(problem, T)

# %%
# The charge per area in the layer, solved (C/m²) and from the first integral:
kT = C.k * T / C.e
c = np.array([c_v, c_h, c_e])
z = np.array([2, 1, -1])
Q_exact = np.sqrt(2 * eps_r * C.epsilon_0 * (C.k * T * np.sum(c * (np.exp(-z * phi0 / kT) - 1)) + C.e * c_A * phi0))
Q_solved = -np.sum(sol.rho * sol.dx) * 1e-10
print(f"charge in the layer: solved {Q_solved:.6f} C/m², first integral {Q_exact:.6f} C/m²")
assert abs(Q_solved / Q_exact - 1) < 1e-4

# %%
# The Fermi level is flat: the electron band edge minus the Fermi level follows −φ, and the
# electron density at the core is exp(eΦ0/kT) times the bulk's.
e = sol.carrier_labels.index("e")
edge = sol.carrier_edge[e]                        # E_c − E_F (eV) per plane
assert np.max(np.abs((edge + sol.phi) - (edge[-1] + sol.phi[-1]))) < 1e-12
n = sol.carrier_density[e] / M3
ratio = n[0] / c_e
print(f"n(core)/n(bulk) = {ratio:.1f} (exp(eφ/kT) at the first plane: {np.exp(sol.phi[0] / kT):.1f})")
assert abs(ratio / np.exp(sol.phi[0] / kT) - 1) < 1e-10

gap = sol.carrier_edge[e, -1] - sol.carrier_edge[sol.carrier_labels.index("h"), -1]
print(f"band gap implied by the bulk densities: {gap:.4f} eV")
assert abs(gap - kT * np.log(N_band ** 2 / (c_e * c_h * M3 ** 2))) < 1e-12   # n p = N_c N_v exp(-E_g/kT)

# %%
# The band diagram: both band edges relative to the Fermi level, and the densities.
h = sol.carrier_labels.index("h")
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
a1.plot(sol.x, sol.carrier_edge[e], "C0", label="conduction band E_c − E_F")
a1.plot(sol.x, sol.carrier_edge[h], "C3", label="valence band E_v − E_F")
a1.axhline(0, color="k", ls="--", lw=0.8, label="Fermi level")
a1.set(xlabel="x (Å)", ylabel="energy (eV)", xlim=(0, 150), title="the bands bend, the Fermi level stays flat")
a1.legend(fontsize=8)
for k, name in enumerate(sol.carrier_labels):
    a2.semilogy(sol.x, sol.carrier_density[k] / M3, label=name)
a2.semilogy(sol.x, np.full(sol.x.size, c_A), "k:", label="acceptors (frozen)")
a2.set(xlabel="x (Å)", ylabel="density (m⁻³)", xlim=(0, 150), title=f"Φ0 = {phi0} V at x = 0, {T} K")
a2.legend(fontsize=8)
plt.show()
