"""The dynamics fuzz's invariants as property tests (issue 16), on random systems as the dynamics
tests build them (tests/random_pnp.py: slabs with a segregation well, Boltzmann or Fermi–Dirac,
reversible, blocking or mixed electrodes, with or without electrons): a steady state proves
itself at any voltage up to 2 V, zero bias stays put, the small-bias steady state is Z(f→0),
blocked amounts are conserved, the entropy production is the dissipated power over T (never
negative), spectra are Kramers–Kronig consistent and end on the geometric capacitance, and a
step transient ends on the steady state at its voltage."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from random_pnp import pnp_parameters, pnp_system

from ase_spacecharge import ConvergenceError
from ase_spacecharge.constants import EPSILON_0_SI
from ase_spacecharge.dynamics import impedance, iv_curve, kramers_kronig_residuals, steady_state, transient
from ase_spacecharge.dynamics.equations import entropy_production, evaluate
from ase_spacecharge.dynamics.impedance import fastest_relaxation_rate

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
VOLTAGES = st.floats(0.01, 2.0).flatmap(lambda v: st.sampled_from([v, -v]))


def _slowest_time(system):
    """s: the slowest species crossing the cell, L²/D."""
    g = system.problem.grid
    return ((g.x_max - g.x_min) * 1e-10) ** 2 / (min(d for d in system.D if d > 0) * 1e-20)


def _geometric_capacitance(system):
    """F/m²: the faces' permittivities in series."""
    g = system.problem.grid
    h = np.concatenate(([g.h_lower[0]], g.h_upper)) * 1e-10
    return 1.0 / np.sum(h / (EPSILON_0_SI * np.concatenate(([g.eps_lower[0]], g.eps_upper))))


@settings(max_examples=25, **SETTINGS)
@given(pnp_parameters(), VOLTAGES)
def test_every_returned_steady_state_proves_itself(p, V):
    """Uniform face current (relative spread at most 1e-9, or the round-off its Δν allow),
    every equation within the tolerance, and — a fuzz of 300 such systems found none — never
    another number than small steps give: ConvergenceError or the state."""
    system = pnp_system(p)
    try:
        s = steady_state(system, V)
    except ConvergenceError as exc:
        assert np.isfinite(exc.residual) and exc.iterations > 0
        return
    assert s.residual[0] <= 1e-10
    assert s.current_spread[0] <= max(1e-9, s.current_spread_roundoff[0])
    if system.reversible.any():
        assert s.current[0] * V > 0  # the current follows the voltage


@pytest.mark.slow
@settings(max_examples=15, **SETTINGS)
@given(pnp_parameters(electrodes=("reversible", "mixed")), VOLTAGES)
def test_one_call_is_the_iv_curve_in_small_steps(p, V):
    system = pnp_system(p)
    one = steady_state(system, V)
    steps = iv_curve(system, np.linspace(0.0, V, int(np.ceil(abs(V) / 0.02)) + 1)[1:])
    assert one.current[0] == pytest.approx(steps.current[-1], rel=1e-6)


@settings(max_examples=10, **SETTINGS)
@given(pnp_parameters())
def test_zero_bias_stays_put(p):
    """From the equilibrium (solved to 1e-12) for a million relaxation times: the potential moves
    by round-off, not by the integrator's tolerance."""
    system = pnp_system(p)
    run = transient(system, system.relaxation_time * np.array([1.0, 1e3, 1e6]))
    phi_eq = system.unpack(system.y_eq)[0]
    assert max(np.max(np.abs(system.unpack(y)[0] - phi_eq)) for y in run.states) <= 1e-10


@settings(max_examples=10, **SETTINGS)
@given(pnp_parameters(electrodes=("reversible", "mixed")))
def test_the_small_bias_resistance_is_the_low_frequency_impedance(p):
    """Z(ω → 0) is the steady state's small-bias resistance.  The spectrum's slowest process is
    not always a species crossing the cell (L²/D): with mixed electrodes the blocked ions'
    double layers charge through the electrons' resistance, R_e C_dl, which can be longer; so the
    limit is taken where the spectrum itself has become real (|Z″| < 1e-7 Z′), decades below
    L²/D if need be."""
    system = pnp_system(p)
    h = 1e-5
    iv = iv_curve(system, [-h, h])
    R = 2 * h / (iv.current[1] - iv.current[0])  # the central difference: no first-order term
    spectrum = impedance(system, 1e-6 / _slowest_time(system) * np.logspace(0, -8, 9))
    real = np.abs(spectrum.z.imag) < 1e-7 * spectrum.z.real
    assert real.any(), spectrum.z  # the spectrum reaches its DC limit
    assert spectrum.z.real[np.argmax(real)] == pytest.approx(R, rel=1e-7)


@settings(max_examples=6, **SETTINGS)
@given(pnp_parameters(electrodes=("blocking", "mixed"), max_points=160), VOLTAGES)
def test_blocked_amounts_are_conserved(p, V):
    """A species no electrode exchanges keeps its amount through a voltage step and in the
    steady state (its current through the electrodes is zero)."""
    system = pnp_system(p)
    k = system.blocked[0]
    total = evaluate(system, system.y_eq, 0.0).N[:, k].sum()
    run = transient(system.with_voltage(V), [1e-9, 1e-6])
    steady = steady_state(system, V).states[0]
    for y in list(run.states) + [steady]:
        assert evaluate(system.with_voltage(V), y, 0.0).N[:, k].sum() == pytest.approx(total, rel=1e-10)
    assert np.all(run.ionic_current == 0.0) or system.K > 1


@settings(max_examples=15, **SETTINGS)
@given(pnp_parameters(), VOLTAGES)
def test_entropy_production_is_the_dissipated_power_over_t(p, V):
    """In an isothermal steady state T·σ = I·V (the Joule heat), never negative."""
    system = pnp_system(p)
    s = steady_state(system, V)
    production = entropy_production(system.with_voltage(V), evaluate(system.with_voltage(V), s.states[0], 0.0))
    assert production >= 0
    ohmic = V * V * system.bulk_conductivity().sum() / ((system.problem.grid.x_max - system.problem.grid.x_min) * 1e-10)
    assert production * system.temperature == pytest.approx(s.current[0] * V, rel=1e-9, abs=1e-9 * ohmic)


@settings(max_examples=10, **SETTINGS)
@given(pnp_parameters())
def test_spectra_are_causal_and_end_on_the_geometric_capacitance(p):
    """From far below the slowest relaxation to 1e8 times the fastest local one: the linear
    Kramers–Kronig test fits to 1e-4, and Z(ω → ∞) = 1/(iω C_geometric) to 1e-9."""
    system = pnp_system(p)
    rate = fastest_relaxation_rate(system, evaluate(system, system.y_eq, 0.0))
    f = np.logspace(np.log10(1e-6 / _slowest_time(system)), np.log10(1e8 * rate / (2 * np.pi)), 80)
    spectrum = impedance(system, f)
    assert np.max(np.abs(kramers_kronig_residuals(spectrum))) < 1e-4
    top = -1.0 / (2 * np.pi * f[-1] * spectrum.z[-1].imag)
    assert top == pytest.approx(_geometric_capacitance(system), rel=1e-9)


@pytest.mark.slow
@settings(max_examples=8, **SETTINGS)
@given(pnp_parameters(max_points=120), st.floats(0.01, 1.0).flatmap(lambda v: st.sampled_from([v, -v])))
def test_a_step_transient_ends_on_the_steady_state(p, V):
    system = pnp_system(p)
    t_end = 1e3 * _slowest_time(system)
    run = transient(system.with_voltage(V), [1e-3 * t_end, t_end])
    s = steady_state(system, V)
    assert np.max(np.abs(run.states[-1] - s.states[0])) <= 1e-8
    scale = np.max(np.abs(s.current)) + abs(V) * system.bulk_conductivity().sum() / (system.problem.grid.x_max * 1e-10)
    assert abs(run.current[-1] - s.current[0]) <= 1e-6 * scale
