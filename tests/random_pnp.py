"""Random PNP systems as the dynamics tests build them (a slab of V_O on O sites and frozen Gd
on Ce sites between electrodes, tests/test_dynamics.py::_slab, with a segregation well),
for the property tests: random size, length, temperature, statistics, composition, well,
permittivity, electrodes, diffusivities and, sometimes, electrons as band carriers."""

import numpy as np
from hypothesis import strategies as st

from ase_spacecharge import DefectSpecies, Sites, build_problem, solve
from ase_spacecharge.dynamics import Kinetics, PNPSystem
from ase_spacecharge.materials import Carrier


@st.composite
def pnp_parameters(draw, electrodes=("reversible", "blocking", "mixed"), max_points=240):
    """The parameters of one random system (a dict for :func:`pnp_system`)."""
    carriers = draw(st.booleans())
    kinds = [e for e in electrodes if carriers or e != "mixed"] or ["reversible"]
    return dict(n_points=draw(st.integers(40, max_points)), length=draw(st.floats(30.0, 200.0)),
                temperature=draw(st.floats(500.0, 1200.0)), depth=draw(st.floats(-0.5, 0.3)),
                width=draw(st.floats(1.0, 8.0)), statistics=draw(st.sampled_from(["boltzmann", "fermi-dirac"])),
                log_x=draw(st.floats(-3.0, -1.1)), log_density=draw(st.floats(-2.3, -1.3)),
                permittivity=draw(st.floats(10.0, 60.0)), carriers=carriers,
                log_electrons=draw(st.floats(-8.0, -5.0)), electrodes=draw(st.sampled_from(kinds)),
                log_d=draw(st.floats(-12.5, -10.0)), log_d_e=draw(st.floats(-9.0, -7.0)))


def pnp_system(p):
    """The :class:`PNPSystem` of :func:`pnp_parameters`' dict, about its equilibrium."""
    area, L = 100.0, p["length"]
    density = 10.0 ** p["log_density"]  # sites per Å³ of each kind
    n = int(round(density * area * L))
    x = np.linspace(0.05, L - 0.05, n)
    well = p["depth"] * np.exp(-(x - L / 2) ** 2 / (2 * p["width"] ** 2))
    E = np.column_stack((np.concatenate((well, np.full(n, np.nan))), np.concatenate((np.full(n, np.nan), 0.5 * well))))
    sites = Sites(np.concatenate((x, x)), ["O"] * n + ["Ce"] * n, np.zeros(2 * n), ("Vo", "Gd"), E)
    x_vo = 10.0 ** p["log_x"]
    carriers = [Carrier("e", -1, 10.0 ** p["log_electrons"])] if p["carriers"] else []
    x_gd = 2 * x_vo - (carriers[0].density / density if carriers else 0.0)  # a neutral bulk
    if x_gd <= 0:
        carriers, x_gd = [], 2 * x_vo
    problem = build_problem(sites, [DefectSpecies("Vo", 2, x_vo, 1.0), DefectSpecies("Gd", -1, x_gd, 0.0)],
                            x_min=0.0, x_max=L, area=area, permittivity=p["permittivity"], bulk=(0.05 * L, 0.25 * L),
                            model="continuum", n_points=p["n_points"], boundary="dirichlet", dirichlet=(0.0, 0.0),
                            statistics=p["statistics"], carriers=carriers)
    D = {"Vo": 10.0 ** p["log_d"]}
    if carriers:
        D["e"] = 10.0 ** p["log_d_e"]
    electrodes = p["electrodes"] if carriers or p["electrodes"] != "mixed" else "reversible"
    T = p["temperature"]
    return PNPSystem(problem, Kinetics(D), temperature=T, electrodes=electrodes,
                     equilibrium=solve(problem, T, rtol=1e-12))
