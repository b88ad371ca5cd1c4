"""Batched solves (issue 12): the vectorised Newton over problems on one grid gives each
problem's own solution; problems it cannot stack, or does not converge, are solved alone."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ase_spacecharge import InputError, solve, solve_temperatures
from ase_spacecharge.equilibrium.batch import solve_batch, with_energies
from ase_spacecharge.equilibrium.batch_newton import stack_problems
from ase_spacecharge.examples import ceria_like_problem

T = 773.15


def _same_as_serial(problems, temperatures, tol=1e-10):
    """Each row equals the problem's own solve to within the solvers' accuracy (both stop at a
    relative residual of 1e-10; their iterates may differ by round-off along the way)."""
    r = solve_batch(problems, temperatures)
    Ts = np.broadcast_to(temperatures, (len(problems),))
    for i, (p, t) in enumerate(zip(problems, Ts)):
        s = solve(p, float(t))
        np.testing.assert_allclose(r.phi[i], s.phi, rtol=0, atol=tol)
        np.testing.assert_allclose(r.states[i], s.state, rtol=1e-8, atol=tol)
        assert r.phi0[i] == pytest.approx(s.phi0, abs=tol)
    assert r.success.all() and np.all(r.residual <= 1e-10)
    return r


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 0.1), st.sampled_from(["mott-schottky", "gouy-chapman"]))
def test_batch_of_perturbed_energies_equals_each_solve(seed, sigma, approximation):
    p = ceria_like_problem(approximation=approximation)
    rng = np.random.default_rng(seed)
    problems = [with_energies(p, p.energies + rng.normal(0, sigma, p.energies.shape)) for _ in range(5)]
    assert stack_problems(problems, np.full(5, T)) is not None
    _same_as_serial(problems, rng.uniform(600, 1100, 5))


@pytest.mark.parametrize("options", [dict(boundary="dirichlet", dirichlet=(0.05, -0.02)),
                                     dict(boundary="dirichlet"), dict(model="continuum", n_points=120),
                                     dict(statistics="boltzmann")])
def test_batch_covers_ends_models_and_statistics(options):
    p = ceria_like_problem(**options)
    problems = [with_energies(p, p.energies * f) for f in (0.5, 1.0, 1.5)]
    assert stack_problems(problems, np.full(3, T)) is not None
    _same_as_serial(problems, T)


def test_problems_that_do_not_stack_are_solved_alone():
    """Another grid (here another permittivity) cannot share the loop: each is solved by itself."""
    problems = [ceria_like_problem(), ceria_like_problem(permittivity=30.0)]
    assert stack_problems(problems, np.full(2, T)) is None
    _same_as_serial(problems, T)


def test_temperature_sweeps_use_the_batch_and_match_serial_solves():
    p = ceria_like_problem()
    temps = np.linspace(600.0, 1200.0, 7)
    for s, t in zip(solve_temperatures(p, temps), temps):
        assert np.max(np.abs(s.phi - solve(p, t).phi)) <= 1e-10


def test_bad_batch_input_is_named():
    p = ceria_like_problem()
    with pytest.raises(InputError, match="at least one problem"):
        solve_batch([], T)
    with pytest.raises(InputError, match="temperatures must be positive"):
        solve_batch([p, p], [T, -1.0])
    with pytest.raises(InputError, match=r"energies: expected shape \(90, 2\)"):
        with_energies(p, np.zeros((3, 2)))
    E = p.energies.copy()
    E[np.isnan(E)] = 0.0
    with pytest.raises(InputError, match="the hosts must not change"):
        with_energies(p, E)


@pytest.mark.parametrize("kw", [dict(), dict(approximation="gouy-chapman"), dict(statistics="boltzmann"),
                                dict(boundary="dirichlet"), dict(boundary="dirichlet", dirichlet=(0.05, -0.02)),
                                dict(model="continuum"), dict(model="continuum", approximation="gouy-chapman")],
                         ids=["periodic", "gouy-chapman", "boltzmann", "floating", "fixed-ends", "continuum",
                              "continuum-gouy-chapman"])
def test_batched_newton_takes_each_problems_own_newton_steps(kw):
    """The batched loop is a second copy of the equations: its residual and matrix must be each
    problem's own, so every iterate equals the serial Newton's to round-off and the stack
    converges by itself (solve_batch would hide a wrong batched matrix by solving alone)."""
    from ase_spacecharge.equilibrium.batch_newton import batch_newton
    from ase_spacecharge.equilibrium.newton import newton
    p = ceria_like_problem(**kw)
    rng = np.random.default_rng(3)
    problems = [with_energies(p, p.energies + rng.normal(0, 0.05, p.energies.shape)) for _ in range(3)]
    temperatures = np.array([700.0, 800.0, 950.0])
    stack = stack_problems(problems, temperatures)
    for steps in (1, 2, 100):
        batched = batch_newton(stack, max_iter=steps)
        for i, (q, t) in enumerate(zip(problems, temperatures)):
            serial, row = newton(q, t, max_iter=steps), batched.row(i)
            np.testing.assert_allclose(row.state, serial.state, rtol=1e-9, atol=1e-12)
            assert (row.iterations, row.status, row.message) == (serial.iterations, serial.status, serial.message)
            np.testing.assert_allclose(row.residual_history, serial.residual_history, rtol=1e-6, atol=1e-13)
    assert batched.success.all() and not batched.alone.any()


def test_rows_the_batch_does_not_converge_are_solved_alone_and_say_so():
    """A row the batched Newton leaves unconverged is solved alone; its record says so
    (``alone``, the message, the iterations of both attempts) instead of a blanket success."""
    from ase_spacecharge.equilibrium.newton import solve_problem
    from ase_spacecharge.errors import NewtonResult
    p = ceria_like_problem(statistics="boltzmann")
    hard = with_energies(p, p.energies * 20)  # 88 Newton iterations from zero: more than max_iter
    r = solve_batch([p, hard], T, max_iter=30)
    assert r.success.tolist() == [True, True] and r.status.tolist() == [0, 0]
    assert r.alone.tolist() == [False, True]
    assert r.message == ("converged", "converged (solved alone after the batched Newton: iteration limit reached)")
    alone = solve_problem(hard, T, max_iter=30)
    assert r.iterations[1] == alone.iterations + 30
    np.testing.assert_array_equal(r.states[1], alone.state)
    row = r.row(1)
    assert isinstance(row, NewtonResult) and row.residual == r.residual[1] <= 1e-10
    np.testing.assert_array_equal(row.residual_history, alone.residual_history)


def test_a_row_that_fails_alone_too_raises_with_its_record():
    from ase_spacecharge.errors import ConvergenceError
    p = ceria_like_problem(statistics="boltzmann")
    with pytest.raises(ConvergenceError, match=r"batch problem 1: iteration limit reached; continuation") as caught:
        solve_batch([p, with_energies(p, p.energies * 60)], T, max_iter=16)
    record = caught.value.result
    assert not record.success and record.status == 5 and record.residual > 1e-10
    assert record.state.shape == (p.grid.n + p.n_extra,) and record.residual_history[0] == 1.0


def test_batched_rows_report_their_own_failures():
    """batch_newton itself never raises: each row ends with its own status, as newton's."""
    from ase_spacecharge.equilibrium.batch_newton import batch_newton
    from ase_spacecharge.equilibrium.newton import newton
    p = ceria_like_problem(statistics="boltzmann")
    problems = [p, with_energies(p, p.energies * 20)]
    r = batch_newton(stack_problems(problems, np.full(2, T)), max_iter=10)
    assert r.success.tolist() == [True, False] and r.status.tolist() == [0, 1]
    for i, q in enumerate(problems):
        serial = newton(q, T, max_iter=10)
        assert (r.row(i).status, r.row(i).iterations, r.row(i).message) == (serial.status, serial.iterations,
                                                                            serial.message)


def test_a_batched_line_search_moves_each_row_once():
    """One row of the stack halves its step while the other took it whole: every iterate
    equals the serial Newton's (a later round of halvings used to move the row that had
    already taken its step a second time, by 1.8e-2 V here)."""
    from ase_spacecharge.equilibrium.batch_newton import batch_newton
    from ase_spacecharge.equilibrium.newton import newton
    p = ceria_like_problem()
    problems = [p, with_energies(p, p.energies * 8)]
    stack = stack_problems(problems, np.full(2, T))
    for steps in range(1, 30):
        states = batch_newton(stack, max_iter=steps).states
        for q, y in zip(problems, states):
            np.testing.assert_allclose(y, newton(q, T, max_iter=steps).state, rtol=0, atol=1e-12)
