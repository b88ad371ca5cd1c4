"""
2. Two materials in contact: Li⁺ with different standard chemical potentials
============================================================================

Two Li⁺ conductors, each with mobile Li⁺ (z = +1) and an equal density of mobile negative
defects (z = −1, say Li vacancies on another sublattice), are joined at x = 0.  The standard
chemical potential of Li⁺ is 0.3 eV lower on the right: Li⁺ flows from left to right until
the electrochemical potential μ̃ = μ° + kT ln c + zeφ is the same everywhere.  A
space-charge layer forms on **both** sides and the right side ends at the built-in
potential Δφ (the Galvani potential difference).

With equal densities of states for both species, bulk neutrality on the right gives
Δφ = (ΔE_N − ΔE_Li)/2e = 0.15 V, and each side is a Gouy–Chapman layer: the charges per area
√(8 ε_i ε0 c_i kT) sinh(eΔφ_i/2kT) on the two sides must cancel, with Δφ_L + Δφ_R = Δφ.
That fixes the potential of the interface, which the solve must reproduce.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import constants as C
from scipy.optimize import brentq

from ase_spacecharge import Carrier, Material, layered_problem, solve
from ase_spacecharge.layered import interface_potential, layer_charges

T, c = 500.0, 1e-6                       # K; Li⁺ and N⁻ per Å³ in the left bulk (1e24 m⁻³)
left = Material("left", 10.0)
right = Material("right", 30.0, offsets={"Li": -0.3})
carriers = [Carrier("Li", +1, c), Carrier("N", -1, c)]
problem = layered_problem([(left, 600.0), (right, 600.0)], carriers, temperature=T, spacing=0.1)
sol = solve(problem, T)

# %%
# The built-in potential: the right bulk's potential (the problem's upper end).
kT = C.k * T / C.e
built_in = problem.dirichlet[1]
print(f"built-in potential {built_in:.6f} V")
assert abs(built_in - 0.15) < 1e-12

# %%
# The interface potential from the two Gouy–Chapman layers (SI), against the solve.
c_si = np.array([c, c * np.exp(-(built_in - 0.3) / kT)]) * 1e30     # m⁻³ in each bulk
eps = np.array([10.0, 30.0]) * C.epsilon_0


def charge(i, dphi):  # C/m² in the layer of side i for a potential step dphi across it
    return np.sqrt(8 * eps[i] * c_si[i] * C.k * T) * np.sinh(dphi / (2 * kT))


phi_i = brentq(lambda p: charge(0, p) - charge(1, built_in - p), 0.0, built_in, xtol=1e-15)
solved = interface_potential(sol, problem, 0)
print(f"interface potential: solved {solved:.6f} V, Gouy–Chapman on both sides {phi_i:.6f} V")
assert abs(solved - phi_i) < 1e-5
q_left = layer_charges(sol, problem)[0] * C.e * 1e20  # e/Å² -> C/m²
print(f"charge of the left layer {q_left:.5f} C/m² (analytic {-charge(0, phi_i):.5f})")
assert abs(q_left / -charge(0, phi_i) - 1) < 1e-4

# %%
# The profiles: the potential and both species' densities on a log scale.
x = sol.x - 600.0
fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, constrained_layout=True)
a1.plot(x, sol.phi, "k")
a1.axhline(phi_i, color="C3", ls=":", label=f"interface, analytic {phi_i:.3f} V")
a1.set(ylabel="φ (V)")
a1.legend()
for k, label in enumerate(sol.carrier_labels):
    a2.semilogy(x, sol.carrier_density[k] * 1e30, label=label + ("⁺" if label == "Li" else "⁻"))
a2.set(xlabel="x from the interface (Å)", ylabel="density (m⁻³)", xlim=(-150, 150))
a2.legend()
for a in (a1, a2):
    a.axvline(0, color="grey", lw=0.8)
a1.set_title("Li⁺ moves to the side where its standard chemical potential is lower")
plt.show()
