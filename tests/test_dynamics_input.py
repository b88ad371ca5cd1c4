"""Bad dynamics input is named (issue 16, point 4): each of these was accepted with a wrong
number or escaped as a raw NumPy/LAPACK traceback; and a solve that fails says by how much."""

import numpy as np
import pytest

from ase_spacecharge import ConvergenceError, InputError, solve
from ase_spacecharge.dynamics import Kinetics, PNPSystem, impedance, steady_state, transient
from ase_spacecharge.examples import ceria_like_problem, ceria_like_system

T = 773.15


@pytest.fixture(scope="module")
def column():
    return ceria_like_system(T)


def test_an_equilibrium_at_another_temperature_is_refused():
    """It is the reference state: at 873 K about a 773 K equilibrium the zero-bias state drifted
    3 mV in 1 ms."""
    p = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
    with pytest.raises(InputError, match="equilibrium: solved at 773.15 K, but the system is at 873.15 K"):
        PNPSystem(p, Kinetics({"Vo": 1e-11}), temperature=873.15, equilibrium=solve(p, T))
    other = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0), x_max=40.0)
    with pytest.raises(InputError, match="equilibrium: its state has"):
        PNPSystem(p, Kinetics({"Vo": 1e-11}), temperature=T, equilibrium=solve(other, T))


@pytest.mark.parametrize("r", [float("nan"), 1.5, -2.0, float("inf")])
def test_a_correlation_must_lie_in_minus_one_to_one(r):
    """NaN passed the positive-semidefinite test (NaN < x is False) and spectra came out NaN."""
    with pytest.raises(InputError, match=r"correlation \('Vo', 'Oi'\) must be a number in \[-1, 1\]"):
        Kinetics({"Vo": 1e-11, "Oi": 1e-12}, correlation={("Vo", "Oi"): r}).correlation_matrix(["Vo", "Oi"])


@pytest.mark.parametrize("kw, name", [(dict(rtol=0.0), "rtol"), (dict(rtol=-1.0), "rtol"),
                                      (dict(atol=float("nan")), "atol"), (dict(atol=0.0), "atol"),
                                      (dict(first_step=0.0), "first_step"), (dict(first_step=-1e-12), "first_step"),
                                      (dict(first_step=float("inf")), "first_step")])
def test_transient_tolerances_and_first_step_must_be_positive_and_finite(column, kw, name):
    """rtol = 0, -1 or atol = NaN switched the error control off; first_step = 0 divided by zero."""
    with pytest.raises(InputError, match=f"transient: {name} must be a positive finite number"):
        transient(column.with_voltage(0.01), [1e-9], **kw)


def test_states_of_the_wrong_length_are_named(column):
    bad = np.zeros(10)
    with pytest.raises(InputError, match=r"transient start: expected 180 finite unknowns \(\(1 \+ 1\) per plane"):
        transient(column, [1e-9], start=bad)
    with pytest.raises(InputError, match="steady state start: expected 180 finite unknowns"):
        steady_state(column, 0.01, start=bad)
    with pytest.raises(InputError, match="impedance state: expected 180 finite unknowns"):
        impedance(column, [1.0], state=bad)
    with pytest.raises(InputError, match="with non-finite values"):
        steady_state(column, 0.01, start=np.full(column.n_unknowns, np.nan))


def test_frequencies_must_be_one_positive_finite_list(column):
    with pytest.raises(InputError, match=r"frequencies must be positive and finite .* \(a 1-D list is needed"):
        impedance(column, [[1.0, 10.0], [100.0, 1000.0]])
    for bad in ([0.0, 1.0], [-1.0], [float("nan")], []):
        with pytest.raises(InputError, match="frequencies must be positive and finite"):
            impedance(column, bad)


def test_frequencies_beyond_what_double_precision_resolves_are_named(column):
    """f = 1e300 Hz gave NaN; far above the fastest relaxation rate the spectrum loses its
    conduction current (the limit is 1e10 times that rate)."""
    from ase_spacecharge.dynamics.equations import evaluate
    from ase_spacecharge.dynamics.impedance import RESOLVED_RATIO, fastest_relaxation_rate
    rate = fastest_relaxation_rate(column, evaluate(column, column.y_eq, 0.0))
    for f in (1e300, 2 * RESOLVED_RATIO * rate / (2 * np.pi)):
        with pytest.raises(InputError, match="beyond what double precision resolves for this system"):
            impedance(column, [1.0, f])
    assert np.isfinite(impedance(column, [0.5 * RESOLVED_RATIO * rate / (2 * np.pi)]).z).all()


def test_a_species_that_cannot_move_is_named_where_it_must(column):
    """D = 0: its steady state is undetermined (no equation fixes its ν) and a spectrum needs
    transport; a transient just holds it."""
    p = column.problem
    still = PNPSystem(p, Kinetics({"Vo": 0.0}), temperature=T, equilibrium=solve(p, T))
    for call, what in ((lambda: steady_state(still, 0.01), "a steady state"), (lambda: impedance(still, [1.0]),
                                                                                 "a spectrum")):
        with pytest.raises(InputError, match=f"{what} needs every moving species to move, but 'Vo' has diffusivity 0"):
            call()
    run = transient(still.with_voltage(0.01), [1e-9, 1e-6])
    assert np.all(run.ionic_current == 0.0)


def test_impedance_takes_the_bias_from_its_state(column):
    """A state steady at 0.1 V with the default voltage gave Z 0.3 % off (linearised at 0 V)."""
    y = steady_state(column, 0.1).states[0]
    at_bias = impedance(column, [1e3], state=y, voltage=0.1).z[0]
    assert impedance(column, [1e3], state=y).z[0] == pytest.approx(at_bias, rel=1e-12)
    assert abs(at_bias / impedance(column, [1e3]).z[0] - 1) > 1e-4  # the bias matters (8e-4 here)
    with pytest.raises(InputError, match=r"not a steady state at 0 V .* it is steady at 0.1 V"):
        impedance(column, [1e3], state=y, voltage=0.0)
    with pytest.raises(InputError, match="not a steady state at 0 V"):
        impedance(column, [1e3], state=column.uniform_state())


def test_a_failed_solve_carries_its_residual(column):
    """Every dynamics ConvergenceError read "relative residual nan": the records were made up."""
    with pytest.raises(ConvergenceError) as caught:
        transient(column.with_voltage(0.05), [1e-6], max_steps=3)
    assert np.isfinite(caught.value.residual) and caught.value.iterations > 0
    assert caught.value.state.shape == (column.n_unknowns,)
    assert "nan" not in str(caught.value)


def test_no_lapack_exception_escapes():
    """A singular Woodbury system is a SingularMatrixError, and an impedance at a singular
    frequency a ConvergenceError naming it."""
    from ase_spacecharge.dynamics.banded import BandFactor, band_matrix
    from ase_spacecharge.errors import SingularMatrixError
    ab = band_matrix(2, 1, np.array([0, 1]), np.array([0, 1]), np.array([2.0, 5.0]))
    factor = BandFactor(ab, 1, [0, 1], np.array([[1.0, 1.0], [2.0, 2.0]]))  # dependent dense rows
    with pytest.raises(SingularMatrixError, match="Woodbury"):
        factor.solve(np.array([1.0, 1.0]))
