"""Analytic limits of ../shared/reference/analytic.md, cases (a)-(d), numbers inlined."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from ase_spacecharge import (DefectSpecies, build_problem, debye_length, fermi_dirac,
                             mott_schottky_potential, mott_schottky_ratio, screening_length, solve,
                             space_charge_width)
from ase_spacecharge.constants import thermal_voltage

from conftest import lattice_gas_column

T = 773.15
KT = 0.0666249121162754  # kT/e at 773.15 K (V)


def test_thermal_voltage():
    assert thermal_voltage(T) == pytest.approx(KT, rel=1e-14)


def _half_space(spacing, length, phi0, cation, anion, *, statistics="boltzmann", approximation="gouy-chapman",
                anion_mobility=1.0):
    """Planes at spacing, 2 spacing, ... with phi(0) = phi0 and phi(length) = 0.

    cation/anion: (valence, density in Å^-3); one site of each per plane, fraction 0.25 and
    area chosen to give the density."""
    n = int(round(length / spacing)) - 1
    sites, xs = lattice_gas_column(n, spacing, [("A", "P"), ("B", "N")])
    x_c = 0.25
    area = x_c / (cation[1] * spacing)
    x_a = anion[1] * area * spacing
    defects = [DefectSpecies("P", cation[0], x_c, 1.0), DefectSpecies("N", anion[0], x_a, anion_mobility)]
    problem = build_problem(sites, defects, x_min=0.0, x_max=length, area=area, permittivity=55.0,
                            bulk=(0.8 * length, length), boundary="dirichlet", dirichlet=(phi0, 0.0),
                            statistics=statistics, approximation=approximation,
                            plane_tol=spacing / 4)
    return problem, xs


def _gouy_chapman_errors(spacing):
    problem, xs = _half_space(spacing, 300.0, 0.2, (1, 1e-4), (-1, 1e-4))
    sol = solve(problem, T)
    targets = np.array([5.0, 10.0, 20.0, 50.0, 100.0])
    exact = np.array([0.108679221611902, 0.063881192846269, 0.0232630629960109, 0.00117698649868596,
                      8.18037944951827e-6])
    return np.interp(targets, xs, sol.phi) - exact, sol


def test_gouy_chapman_profile_and_second_order_convergence():
    # plane spacing divides the sample points, so no interpolation error enters
    e1, _ = _gouy_chapman_errors(0.5)
    e2, _ = _gouy_chapman_errors(0.25)
    e3, sol = _gouy_chapman_errors(0.125)
    assert np.max(np.abs(e3)) < 2e-5
    order = np.log2(np.max(np.abs(e1)) / np.max(np.abs(e2))), np.log2(np.max(np.abs(e2)) / np.max(np.abs(e3)))
    assert all(1.8 < o < 2.2 for o in order), order
    # Grahame: charge per area in the diffuse layer, C/m^2 (the fixed wall carries the opposite)
    # (the cells start at x = h/2: add the charge of the uncovered half cell at the wall)
    diffuse = (np.sum(sol.rho * sol.dx) + sol.rho[0] * sol.x[0] / 2) * 1e-10
    assert -diffuse == pytest.approx(0.13745416195354, rel=2e-3)


def test_debye_hueckel_limit_small_potential():
    lam = 10.0624524139847  # Å, case (a)
    phi0 = 1e-3 * KT
    problem, xs = _half_space(0.125, 150.0, phi0, (1, 1e-4), (-1, 1e-4))
    sol = solve(problem, T)
    x = np.array([5.0, 10.0, 20.0])
    np.testing.assert_allclose(np.interp(x, xs, sol.phi), phi0 * np.exp(-x / lam), rtol=2e-4)


def test_debye_lengths_case_c():
    conc = [2.5e27 * 1e-30, 5e27 * 1e-30]
    assert screening_length(conc, [2, -1], T, 55.0) == pytest.approx(1.161911921984378, rel=1e-12)
    assert screening_length(conc[:1], [2], T, 55.0) == pytest.approx(1.423045667459111, rel=1e-12)


def test_mott_schottky_width_and_debye_convention_case_b():
    L = debye_length([2.5e-3], [2], T, 55.0)
    assert L == pytest.approx(1.006245241398474, rel=1e-12)
    assert space_charge_width(L, 0.30, 2, T) == pytest.approx(6.039363026278261, rel=1e-12)
    assert math.isnan(space_charge_width(L, -0.30, 2, T))


@pytest.mark.parametrize("ratio, phi0", [(452.4341033661847, 0.3), (221085.074283, 0.52489493517914),
                                         (4385.09313624, 0.38387615134804), (5.0, 0.11916372094385)])
def test_lambert_w_inverse(ratio, phi0):
    assert mott_schottky_potential(ratio, 2, T) == pytest.approx(phi0, rel=1e-11)


def test_mott_schottky_forward_and_invalid_ratio():
    assert mott_schottky_ratio(0.3, 2, T) == pytest.approx(452.4341033661847, rel=1e-13)
    with pytest.raises(ValueError, match="e/2"):
        mott_schottky_potential(1.3, 2, T)


@given(st.floats(0.08, 1.0))
def test_lambert_w_round_trip(phi0):
    assert mott_schottky_potential(mott_schottky_ratio(phi0, 2, T), 2, T) == pytest.approx(phi0, rel=1e-10)


def test_exact_nonlinear_mott_schottky_case_b():
    # frozen acceptor 5e27 m^-3 (z=-1), Boltzmann vacancies 2.5e27 m^-3 (z=+2), Phi0 = 0.3 V
    problem, xs = _half_space(0.02, 40.0, 0.30, (2, 2.5e-3), (-1, 5e-3), approximation="mott-schottky",
                              anion_mobility=0.0)
    sol = solve(problem, T)
    charge = np.sum(sol.rho * sol.dx) * 1e-10  # C/m^2 in the layer (sign of the depletion: negative)
    assert -charge == pytest.approx(0.45615832052107, rel=2e-3)
    half = np.interp(-0.15, -sol.phi, xs)
    assert half == pytest.approx(1.92702586937, rel=2e-3)


def test_fermi_dirac_values_case_d():
    assert fermi_dirac(0.0, -0.407282687, 2, 0.05, T) == pytest.approx(0.9596365541076275, rel=1e-9)
    assert fermi_dirac(-0.3, 0.0, 2, 0.05, T) == pytest.approx(0.9976738257224763, rel=1e-12)
    assert fermi_dirac(0.0, -1.0, 2, 0.05, T) == pytest.approx(0.9999942422710483, rel=1e-12)
    assert fermi_dirac(0.0, 0.178857313, 2, 0.05, T) == pytest.approx(0.003579379377165496, rel=1e-8)


def test_fermi_dirac_saturates_without_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = fermi_dirac(np.array([-1e6, 1e6, 0.0]), np.array([0.0, 0.0, -1e5]), 2, 0.05, T)
    np.testing.assert_allclose(p, [1.0, 0.0, 1.0])


@given(st.floats(1e-6, 1 - 1e-6), st.floats(-2.0, 2.0))
def test_fermi_dirac_particle_hole_symmetry(x, t):
    # as a function of the site energy dE, p is a Fermi function with chemical potential
    # mu = kT ln(x/(1-x)): p(mu + t) + p(mu - t) = 1
    mu = KT * math.log(x / (1 - x))
    up = fermi_dirac(0.0, mu + t, 1, x, T)
    down = fermi_dirac(0.0, mu - t, 1, x, T)
    assert float(up) + float(down) == pytest.approx(1.0, abs=1e-12)
