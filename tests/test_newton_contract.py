"""The Newton contract (ase_spacecharge/equilibrium/newton.py's docstring), kept by every Newton
of the package on the same problems, after SciPy's test_ivp.py::test_integration: one problem
through each solver, the same Φ0 and the same result fields."""

from types import SimpleNamespace

import numpy as np
import pytest

from ase_spacecharge.conventions import conventions
from ase_spacecharge.errors import STATUS, ConvergenceError, NewtonResult
from ase_spacecharge.equilibrium.batch import solve_batch
from ase_spacecharge.equilibrium.newton import newton, relative_residual, solve_problem
from ase_spacecharge.examples import ceria_like_problem

T = 773.15
PROBLEMS = {"periodic": dict(), "gouy-chapman": dict(approximation="gouy-chapman"),
            "boltzmann": dict(statistics="boltzmann"), "floating": dict(boundary="dirichlet"),
            "grounded": dict(boundary="dirichlet", dirichlet=(0.0, 0.0)), "continuum": dict(model="continuum")}
SOLVERS = {
    "newton": lambda p, **kw: newton(p, T, **kw),
    "solve_problem": lambda p, **kw: solve_problem(p, T, **kw),
    "solve_batch": lambda p, **kw: solve_batch([p, p], [T, T], **kw).row(1),
}


def _phi0(problem, state):
    return conventions(problem.compat).phi0(SimpleNamespace(phi=state[:problem.grid.n],
                                                            site_charges=problem.site_charges))


def _check_record(problem, r):
    """The fields every record carries, with their types, and a residual that is the state's."""
    assert isinstance(r, NewtonResult)
    assert r.state.shape == (problem.grid.n + problem.n_extra,) and np.all(np.isfinite(r.state))
    assert isinstance(r.success, bool) and r.success == (r.status == 0)
    assert r.status in STATUS and r.message.startswith(STATUS[r.status])
    assert isinstance(r.iterations, int) and r.iterations >= 0
    assert r.residual == relative_residual(problem, r.state, T)  # the returned state's, not made up
    assert r.residual_history.ndim == 1 and r.residual_history[-1] <= r.residual


@pytest.mark.parametrize("name", PROBLEMS)
def test_every_newton_converges_to_the_same_state(name):
    problem = ceria_like_problem(**PROBLEMS[name])
    records = {solver: solve(problem) for solver, solve in SOLVERS.items()}
    reference = records["newton"]
    for solver, r in records.items():
        _check_record(problem, r)
        assert r.success and r.message == "converged" and r.residual <= 1e-10, solver
        assert r.iterations == reference.iterations and r.residual_history.size == r.iterations + 1, solver
        np.testing.assert_allclose(r.residual_history, reference.residual_history, rtol=1e-6, atol=1e-13)
        np.testing.assert_allclose(r.state, reference.state, rtol=0, atol=1e-10)
        assert _phi0(problem, r.state) == pytest.approx(_phi0(problem, reference.state), abs=1e-12), solver


@pytest.mark.parametrize("name", ["periodic", "gouy-chapman", "floating"])
def test_every_newton_reports_a_failure_as_its_record(name):
    """One iteration allowed: the loop returns its record; what promises an answer raises
    ConvergenceError carrying one, whose state is the loop's own last iterate."""
    problem = ceria_like_problem(**PROBLEMS[name])
    loop = newton(problem, T, max_iter=1)
    _check_record(problem, loop)
    assert (loop.success, loop.status, loop.message, loop.iterations) == (False, 1, STATUS[1], 1)
    for solver in ("solve_problem", "solve_batch"):
        with pytest.raises(ConvergenceError) as caught:
            SOLVERS[solver](problem, max_iter=1)
        r = caught.value.result
        _check_record(problem, r)
        assert not r.success and r.residual > 1e-10 and r.iterations > 1, solver
        np.testing.assert_array_equal(r.state, loop.state)  # the first attempt's last iterate
        assert str(caught.value).count("relative residual") == 1


def test_a_dynamics_step_from_equilibrium_stays_there():
    """An implicit step of the dynamics (the steady state at 0 V) from the equilibrium of the
    same grounded problem keeps its Φ0 and returns the house's one record (a NewtonResult with
    the same fields as the equilibrium Newton's), beside the evaluation at its state."""
    from ase_spacecharge.dynamics import Kinetics, PNPSystem
    from ase_spacecharge.dynamics.newton import solve_implicit
    from ase_spacecharge.solution import solve
    problem = ceria_like_problem(**PROBLEMS["grounded"])
    equilibrium = newton(problem, T)
    system = PNPSystem(problem, Kinetics({"Vo": 1e-11}), temperature=T, equilibrium=solve(problem, T))
    step, evaluation = solve_implicit(system, system.y_eq, 0.0)
    assert isinstance(step, NewtonResult) and type(step) is type(equilibrium)
    assert step.success is True and step.status == 0 and step.message == "converged"
    assert isinstance(step.iterations, int) and step.iterations >= 1
    assert step.residual <= 1e-9 and step.residual_history.size == step.iterations + 1
    phi = system.unpack(step.state)[0]
    assert _phi0(problem, phi) == pytest.approx(_phi0(problem, equilibrium.state), abs=1e-9)
