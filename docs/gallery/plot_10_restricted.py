"""
10. Restricted equilibrium: dopants frozen at the sintering temperature
=======================================================================

Mott–Schottky (dopants uniform) and Gouy–Chapman (dopants in equilibrium at the measurement
temperature) are the two limits.  A real ceramic is in between: the dopant cations moved
while it was sintered, at ~1673 K, and froze in that profile on cooling; the oxygen
vacancies stay mobile and re-equilibrate at the measurement temperature around the frozen
dopants (restricted equilibrium; Usler et al., *Solids* 5 (2024) 404).

The package solves Gouy–Chapman at the equilibration temperature, keeps each frozen
species' per-site fraction, and solves again at the measurement temperature.  The limits
come back out: equilibrated *at* the measurement temperature it is Gouy–Chapman (an
independent solve of another problem, to 1e-9 V), and the hotter the equilibration, the
flatter the frozen profile and the closer Φ0 comes to Mott–Schottky.
"""

import matplotlib.pyplot as plt
import numpy as np

from ase_spacecharge import DefectSpecies, build_problem, solve
from ase_spacecharge.examples import CERIA_AREA, ceria_like_column

T = 773.15
sites, lo, hi = ceria_like_column(well=-0.5)
species = [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.2, 0.0)]
region = dict(x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0, bulk=(lo + 2, lo + 15))


def phi0(**options):
    return solve(build_problem(sites, species, **region, **options), T, rtol=1e-12)


ms, gc = phi0(), phi0(approximation="gouy-chapman")
same_T = phi0(approximation="restricted", equilibration_temperature=T)
print(f"Mott–Schottky {ms.phi0:.6f} V, Gouy–Chapman {gc.phi0:.6f} V")
print(f"restricted, equilibrated at {T} K: {same_T.phi0:.6f} V")
assert abs(same_T.phi0 - gc.phi0) < 1e-9

# %%
# Between the limits: Φ0 against the equilibration temperature.
t_eq = np.array([773.15, 900, 1100, 1300, 1500, 1673, 2000, 2500, 3000])
values, profiles = [], {}
for t in t_eq:
    sol = phi0(approximation="restricted", equilibration_temperature=t)
    values.append(sol.phi0)
    profiles[t] = sol
values = np.array(values)
assert np.all((values > gc.phi0 - 1e-9) & (values < ms.phi0)) and np.all(np.diff(values) > 0)
assert ms.phi0 - values[-1] < values[-1] - gc.phi0      # at 3000 K nearer Mott–Schottky
print("Φ0 (V) at T_eq =", dict(zip(t_eq.astype(int).tolist(), np.round(values, 4).tolist())))

fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
a1.plot(t_eq, values, "ko-", label="restricted")
a1.axhline(ms.phi0, color="C0", ls="--", label="Mott–Schottky (dopants uniform)")
a1.axhline(gc.phi0, color="C3", ls="--", label=f"Gouy–Chapman at {T} K")
a1.set(xlabel="equilibration temperature of Gd (K)", ylabel="Φ0 (V)", title=f"measured at {T} K")
a1.legend(fontsize=8, loc="center right")
for t in (773.15, 1673, 3000):
    f = profiles[t].mole_fractions["Gd"]
    on = np.isfinite(f)
    a2.plot(profiles[t].x[on], f[on], ".-", label=f"frozen at {t:g} K")
a2.axhline(0.2, color="C0", ls="--", label="uniform (Mott–Schottky)")
a2.set(xlabel="x (Å)", ylabel="Gd site fraction", xlim=(-20, 20), title="the frozen dopant profile")
a2.legend(fontsize=8)
plt.show()
