"""Issue 9's reliability findings that are physics rather than input checking: each
reproduced, each fixed."""

import warnings

import numpy as np
import pytest

from ase_spacecharge import DefectSpecies, Sites, build_problem, solve
from ase_spacecharge.constants import EPSILON_0
from ase_spacecharge.errors import SpaceChargeWarning
from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms, ceria_like_problem
from ase_spacecharge.guards import check_bulk
from ase_spacecharge.layered import layer_charges, layered_problem
from ase_spacecharge.materials import Carrier, Material


def _wall_case(n_points):
    """One O and one Ce site at 10 nm, continuum, fixed ends (the issue's repro)."""
    sites = Sites([100.0, 100.0], ["O", "Ce"], [0, 0], ("Vo", "Gd"), [[0.0, np.nan], [np.nan, 0.0]])
    defects = [DefectSpecies("Vo", 2, 0.08, 1.0), DefectSpecies("Gd", -1, 0.16, 0.0)]
    problem = build_problem(sites, defects, x_min=0.0, x_max=200.0, area=100.0, permittivity=40.0,
                            bulk=(150.0, 190.0), model="continuum", n_points=n_points, boundary="dirichlet",
                            dirichlet=[-0.2, 0.0])
    sol = solve(problem, 900.0)
    wall = EPSILON_0 * 40.0 * (sol.phi[0] + 0.2) / problem.grid.h_lower[0]  # e/Å², the wall's charge
    return sol, wall


def test_continuum_walls_hold_whole_cells_and_the_wall_charge_converges_at_second_order():
    walls = []
    for n in (500, 1000, 2000):
        sol, wall = _wall_case(n)
        walls.append(wall)
        assert sol.dx[0] == pytest.approx(200.0 / n, rel=1e-12)  # a whole cell, not 3/4
        # rho on the wall plane is the local density: the smooth continuation of its neighbours
        assert sol.rho[0] == pytest.approx(2 * sol.rho[1] - sol.rho[2], rel=20.0 / n)
    order = np.log2(abs(walls[1] - walls[0]) / abs(walls[2] - walls[1]))
    assert 1.9 < order < 2.1


def test_doped_layers_and_sheets_sum_to_zero():
    """Two doped layers (ε 80, background -2e-4 e/Å³, V_O-like carrier +2 at 1e-4 e/Å³) with a
    sheet charge: each layer's charge includes its dopants, so layers + sheet = 0."""
    doped = Material("doped", 80.0, background=-2e-4)
    carriers = [Carrier("Vo", 2, 1e-4)]
    problem = layered_problem([(doped, 200.0), (doped, 200.0)], carriers, temperature=1000.0, spacing=0.1,
                              sheet_charges={0: 0.01})
    sol = solve(problem, 1000.0)
    q = layer_charges(sol, problem)
    assert sum(q) + 0.01 == pytest.approx(0.0, abs=1e-9)
    assert q[0] == pytest.approx(q[1], rel=1e-9) and q[0] == pytest.approx(-0.005, rel=1e-6)


def test_case_file_sets_the_newton_tolerance(tmp_path):
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.examples import write_ceria_like_case
    loose = run_case(write_ceria_like_case(tmp_path, temperature=773.15, extra="tolerance = 1e-4"))
    tight = run_case(write_ceria_like_case(tmp_path, temperature=773.15, extra="tolerance = 1e-13"))
    assert loose.summary["residual"] <= 1e-4 and tight.summary["residual"] <= 1e-13
    assert loose.summary["iterations"] < tight.summary["iterations"]


def test_boltzmann_fractions_above_one_warn():
    with pytest.warns(SpaceChargeWarning, match=r"site fraction of .* > 1"):
        solve(ceria_like_problem(statistics="boltzmann", approximation="gouy-chapman"), 773.15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve(ceria_like_problem(), 773.15)  # Fermi–Dirac: nothing to say


def test_a_bulk_region_that_is_not_bulk_warns_with_the_numbers():
    thin = ceria_like_problem(bulk=(-46.0, -44.0))  # the whole cell feels the well
    sites, defects, lo, hi = _thin_column()
    sol = solve(build_problem(sites, defects, x_min=lo, x_max=hi, area=58.5725, permittivity=55.0,
                              bulk=(lo + 0.5, lo + 3.0)), 773.15)
    with pytest.warns(SpaceChargeWarning, match=r"not bulk-like: Vo fraction .*% off .*pad_to"):
        problems = check_bulk(sol)
    assert problems
    assert check_bulk(solve(thin, 773.15)) == []


def _thin_column():
    from ase_spacecharge.examples import ceria_like_column
    sites, lo, hi = ceria_like_column(n_cells=6, well=-0.4)
    defects = [{k: v for k, v in d.items() if k != "site"} for d in CERIA_DEFECTS]
    return sites, defects, lo, hi


def test_differing_boundaries_unfolded_warn():
    from ase_spacecharge.structure import project
    with pytest.warns(SpaceChargeWarning, match="boundaries stacked by mode='unfold' differ"):
        project(ceria_like_atoms(), CERIA_DEFECTS, boundaries=[0.5, 0.0], mode="unfold")


def _single_plane_bulk_sites():
    """Alternating O/Ce planes 1.6 Å apart (O: 4 sites, Vo; Ce: 2 sites, Gd), Vo at -0.2 eV on
    the O planes at ±0.8 Å: with bulk = [-17.5, -10] the comparison region of pyscses'
    resistivity (the space-charge width 1.6 Å from -17.5 Å) holds one O plane."""
    x, label, energies = [], [], []
    for j in range(-13, 14):
        x += [j * 1.6] * 2
        label += ["Ce"] * 2
        energies += [[np.nan, 0.0]] * 2
    for j in range(-14, 13):
        x += [(j + 0.5) * 1.6] * 4
        label += ["O"] * 4
        energies += [[-0.2 if j in (-1, 0) else 0.0, np.nan]] * 4
    return Sites(x, label, [0.0] * len(x), ("Vo", "Gd"), energies)


def test_compat_reproduces_pyscses_with_one_plane_in_the_bulk_comparison_region():
    """pyscses 1.0.0 counts the one plane twice; compat mode does the same and says so.
    Reference: pyscses 1.0.0 run to convergence (conv 1e-28) on this input."""
    defects = [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.2, 0.0)]
    problem = build_problem(_single_plane_bulk_sites(), defects, x_min=-18.8, x_max=18.0, area=58.5725416929,
                            permittivity=55.0, bulk=(-17.5, -10.0), compat="pyscses")
    sol = solve(problem, 773.15)
    assert sol.phi0 == pytest.approx(0.07262002433492556, rel=1e-10)
    with pytest.warns(SpaceChargeWarning, match="holds one plane .* counts it twice"):
        r = sol.resistivity()
    assert r["r_perp"] == pytest.approx(1.781758633210416, rel=1e-10)
    assert r["r_par"] == pytest.approx(0.111359914575651, rel=1e-10)
    default = build_problem(_single_plane_bulk_sites(), defects, x_min=-18.8, x_max=18.0, area=58.5725416929,
                            permittivity=55.0, bulk=(-17.5, -10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpaceChargeWarning)
        assert np.isfinite(solve(default, 773.15).resistivity()["r_perp"])  # textbook ratios: no such issue
