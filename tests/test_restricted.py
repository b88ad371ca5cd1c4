"""Restricted equilibrium (issue 11): Gouy–Chapman at equal temperatures, Mott–Schottky for a
uniform frozen profile, named bad input."""

import numpy as np
import pytest

from ase_spacecharge import InputError, build_problem, solve
from ase_spacecharge.examples import CERIA_AREA, ceria_like_column
from ase_spacecharge.restricted import restricted_problem

DEFECTS = [dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0),
           dict(label="Gd", valence=-1, mole_fraction=0.2)]


def _kw():
    sites, lo, hi = ceria_like_column(well=-0.4)
    return sites, dict(x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0, bulk=(lo + 2, lo + 15))


def test_restricted_at_the_equilibration_temperature_is_gouy_chapman():
    sites, kw = _kw()
    gc = solve(build_problem(sites, DEFECTS, approximation="gouy-chapman", **kw), 1100.0, rtol=1e-13)
    restricted = solve(restricted_problem(sites, DEFECTS, equilibration_temperature=1100.0, **kw), 1100.0,
                       rtol=1e-13)
    np.testing.assert_allclose(restricted.phi, gc.phi, rtol=0, atol=1e-10 * abs(gc.phi0))
    np.testing.assert_allclose(restricted.site_occupancy, gc.site_occupancy, rtol=1e-10, atol=1e-14)


def test_restricted_with_a_uniform_frozen_profile_is_mott_schottky():
    """No segregation of the dopant (its ΔE = 0 and its frozen fractions uniform): the
    mobile species see the Mott–Schottky background."""
    sites, kw = _kw()
    E = sites.energies.copy()
    E[np.isfinite(E[:, 1]), 1] = 0.0
    flat = type(sites)(sites.x, sites.label, sites.valence, sites.defect_labels, E)
    ms = solve(build_problem(flat, DEFECTS, **kw), 773.15, rtol=1e-13)
    uniform = np.where(np.isfinite(E), 0.2, np.nan)
    restricted = solve(build_problem(flat, DEFECTS, approximation="restricted", frozen_occupancy=uniform, **kw),
                       773.15, rtol=1e-13)
    # the same state up to how each defines "bulk": restricted (as Gouy–Chapman) fits the bulk
    # region's mean V_O fraction to 0.05 exactly, Mott–Schottky puts the mean potential of the V_O
    # planes there to zero; the bulk region of this column is bulk to ~1e-8
    np.testing.assert_allclose(restricted.site_occupancy, ms.site_occupancy, rtol=1e-7, atol=1e-15)
    o = ms.plane_hosts[:, 0] & (ms.x > kw["bulk"][0]) & (ms.x < kw["bulk"][1])
    np.testing.assert_allclose(restricted.phi - restricted.phi[o].mean(), ms.phi - ms.phi[o].mean(), atol=1e-8)


def test_restricted_lies_between_the_two_limits_and_needs_a_temperature():
    sites, kw = _kw()
    T = 773.15
    ms = solve(build_problem(sites, DEFECTS, **kw), T).phi0
    gc = solve(build_problem(sites, DEFECTS, approximation="gouy-chapman", **kw), T).phi0
    restricted = solve(restricted_problem(sites, DEFECTS, equilibration_temperature=1673.0, **kw), T).phi0
    assert gc < restricted < ms  # frozen Gd from 1673 K sits between the two limits at 773 K
    for bad in (0.0, -5.0, float("nan"), True):
        with pytest.raises(InputError, match="equilibration_temperature must be a positive number"):
            restricted_problem(sites, DEFECTS, equilibration_temperature=bad, **kw)
    with pytest.raises(InputError, match=r"needs equilibration_temperature \(K\)"):
        build_problem(sites, DEFECTS, approximation="restricted", **kw)
