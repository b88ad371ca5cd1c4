"""Small-signal impedance (issue 11): the exact linear theories of uniform slabs, the grain
boundary's DC and high-frequency limits, Kramers–Kronig consistency, named bad input."""

import numpy as np
import pytest

from ase_spacecharge import InputError, solve
from ase_spacecharge.dynamics import Kinetics, PNPSystem
from ase_spacecharge.dynamics.impedance import impedance
from ase_spacecharge.dynamics.steady import iv_curve
from ase_spacecharge.layered import layered_problem
from ase_spacecharge.materials import Carrier, Material

# dynamics.md: T = 823 K, ε_r = 29, z = 2, D = 1e-11 m²/s, c0 = 1e27 m⁻³ (1e-3 Å⁻³), L = 50 nm
T, EPS, D, C0, L = 823.0, 29.0, 1e-11, 1e-3, 500.0
FREQ = np.array([1e0, 1e3, 1e5, 1e7, 1e9])
BLOCKING = np.array([5.47718608971e-7 - 0.208967108299j, 5.47718608797e-7 - 2.08967118052e-4j,
                     5.47716871268e-7 - 2.09064646399e-6j, 5.30876463654e-7 - 1.15433826986e-7j,
                     1.72831935867e-9 - 3.08928518517e-8j])
REVERSIBLE = np.array([5.53314872112e-7 - 9.87873370696e-15j, 5.53314871936e-7 - 9.87873370381e-12j,
                       5.53313108396e-7 - 9.87870221804e-10j, 5.36222478471e-7 - 9.57357074513e-8j,
                       1.73043040449e-9 - 3.08946352717e-8j])


def _slab(spacing, electrodes):
    """One mobile species (z = 2, Boltzmann) in a uniform frozen background between electrodes."""
    material = Material("slab", EPS, background=-2 * C0)
    problem = layered_problem([(material, L)], [Carrier("Vo", 2, C0)], temperature=T, spacing=spacing)
    return PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, electrodes=electrodes,
                     equilibrium=solve(problem, T, rtol=1e-14))


def test_reversible_slab_is_an_ideal_rc_element():
    """Z = R/(1 + iωRC), R = L/σ, C = ε ε0/L, at every frequency (the discrete scheme is exact)."""
    z = impedance(_slab(0.5, "reversible"), FREQ).z
    np.testing.assert_allclose(z.real, REVERSIBLE.real, rtol=1e-8)
    np.testing.assert_allclose(z.imag, REVERSIBLE.imag, rtol=1e-8)


def test_blocking_slab_converges_to_macdonalds_linear_theory():
    """Z = (2/(ε D κ²)) [ℓ + tanh(κℓ)/(κ iωτ)] (Macdonald 1953): the error falls as h², and the
    Richardson extrapolation of two grids agrees to 1e-6 at every frequency."""
    z_coarse = impedance(_slab(0.02, "blocking"), FREQ).z
    z_fine = impedance(_slab(0.01, "blocking"), FREQ).z
    e_coarse, e_fine = np.abs(z_coarse / BLOCKING - 1), np.abs(z_fine / BLOCKING - 1)
    assert np.all(e_fine < 5e-6)
    resolved = e_coarse > 1e-6
    assert np.all(np.abs(np.log2(e_coarse / e_fine)[resolved] - 2) < 0.05)  # second order
    extrapolated = (4 * z_fine - z_coarse) / 3
    np.testing.assert_allclose(extrapolated.real, BLOCKING.real, rtol=1e-6)
    np.testing.assert_allclose(extrapolated.imag, BLOCKING.imag, rtol=1e-6)


def test_blocking_slab_limits():
    """ω → ∞: the geometric capacitance ε/L; ω → 0: (L - 3λ)/σ in series with the two double
    layers ε/λ."""
    from ase_spacecharge.constants import BOLTZMANN_SI, ELEMENTARY_CHARGE, EPSILON_0_SI
    eps, q, c0 = EPS * EPSILON_0_SI, 2 * ELEMENTARY_CHARGE, C0 * 1e30
    lam = np.sqrt(eps * BOLTZMANN_SI * T / (q * q * c0))
    sigma = eps * D / lam ** 2
    z = impedance(_slab(0.02, "blocking"), [1e-2, 1e14]).z
    assert z[1].imag * 2 * np.pi * 1e14 * eps / (L * 1e-10) == pytest.approx(-1.0, rel=1e-6)
    assert z[0].real == pytest.approx((L * 1e-10 - 3 * lam) / sigma, rel=1e-4)
    assert -1 / (2 * np.pi * 1e-2 * z[0].imag) == pytest.approx(eps / (2 * lam), rel=1e-4)


def _gb_system():
    from ase_spacecharge.examples import ceria_like_problem
    problem = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
    return PNPSystem(problem, Kinetics({"Vo": 1e-11}), temperature=773.15,
                     equilibrium=solve(problem, 773.15, rtol=1e-14))


def test_grain_boundary_dc_limit_is_the_steady_state_resistance_and_high_frequency_is_geometric():
    system = _gb_system()
    z = impedance(system, [1e-3, 1e18]).z
    r_dc = iv_curve(system, [1e-7]).resistance[0]
    assert z[0].real == pytest.approx(r_dc, rel=1e-8)
    g = system.problem.grid
    from ase_spacecharge.constants import EPSILON_0_SI
    c_geometric = EPSILON_0_SI * 55.0 / ((g.x_max - g.x_min) * 1e-10)
    assert -1 / (2 * np.pi * 1e18 * z[1].imag) == pytest.approx(c_geometric, rel=1e-6)


def test_spectra_satisfy_kramers_kronig():
    from ase_spacecharge.dynamics.spectra import kramers_kronig_residuals
    f = np.logspace(0, 14, 71)
    for system in (_gb_system(), _slab(0.5, "blocking")):
        spectrum = impedance(system, f)
        assert np.max(np.abs(kramers_kronig_residuals(spectrum))) < 1e-4
        spectrum.z[30] *= 1.01  # one point off by 1 %: the test sees it
        assert np.max(np.abs(kramers_kronig_residuals(spectrum))) > 1e-3


def test_bad_impedance_input_is_named():
    system = _gb_system()
    for bad in ([0.0, 1.0], [-1.0], [float("nan")], []):
        with pytest.raises(InputError, match="frequencies must be positive and finite"):
            impedance(system, bad)


def test_mixed_conductor_between_ion_blocking_electron_reversible_electrodes():
    """V_O (z = 2, 1e27 m⁻³, D = 1e-11) blocked and electrons (1e26 m⁻³, D = 1e-8) exchanged:
    the exact linear theory (Jamnik & Maier 1999; Lai & Haile 2005; derived for the PNP
    model in tests/reference_impedance.py) to 1e-6."""
    from reference_impedance import mixed_slab
    from ase_spacecharge import DefectSpecies, Sites, build_problem
    n_sites, area = 1000, 100.0
    x = np.linspace(0.01, L - 0.01, n_sites)
    E = np.column_stack((np.concatenate((np.zeros(n_sites), np.full(n_sites, np.nan))),
                         np.concatenate((np.full(n_sites, np.nan), np.zeros(n_sites)))))
    sites = Sites(np.concatenate((x, x)), ["O"] * n_sites + ["Ce"] * n_sites, np.zeros(2 * n_sites), ("Vo", "Gd"), E)
    problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.095, 0.0)],
                            x_min=0.0, x_max=L, area=area, permittivity=EPS, bulk=(100.0, 400.0), model="continuum",
                            n_points=12500, boundary="dirichlet", dirichlet=(0.0, 0.0), statistics="boltzmann",
                            carriers=[Carrier("e", -1, 1e-4)])
    system = PNPSystem(problem, Kinetics({"Vo": D, "e": 1e-8}), temperature=T, electrodes="mixed",
                       equilibrium=solve(problem, T, rtol=1e-14))
    z = impedance(system, FREQ).z
    exact = np.array([mixed_slab(f, T, EPS, 2, D, 1e27, -1, 1e-8, 1e26, L * 1e-10) for f in FREQ])
    np.testing.assert_allclose(z, exact, rtol=1e-6)
    assert z[0].real == pytest.approx(exact[0].real, rel=1e-9)  # DC: the electrons' resistance alone
