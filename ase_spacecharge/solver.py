"""Globalised Newton for the discrete system of :mod:`.problem`, with a SciPy-like result.

:func:`newton` returns a :class:`NewtonResult` (``success``, ``status``, ``message``,
``iterations``, ``residual``, ``residual_history`` and the last ``state``) and never raises
for a solve that fails; :func:`solve_problem` adds continuation in the segregation energies
and raises :class:`~.errors.ConvergenceError` (carrying the result) when nothing converged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import thermal_voltage
from .errors import ConvergenceError, SingularMatrixError

__all__ = ["NewtonResult", "newton", "solve_problem", "STATUS"]

#: Meaning of :attr:`NewtonResult.status`.
STATUS = {0: "converged", 1: "iteration limit reached", 2: "line search failed", 3: "singular Newton matrix",
          4: "non-finite residual", 5: "continuation stalled"}


@dataclass
class NewtonResult:
    """Outcome of a Newton solve, in the manner of :class:`scipy.optimize.OptimizeResult`.

    Attributes
    ----------
    state : ndarray
        The last iterate (the problem's state vector: plane potentials in V, then the
        bordered unknowns, see :mod:`.problem`).
    success : bool
        Whether the relative residual reached the tolerance.
    status : int
        0 converged, 1 iteration limit, 2 line search failed, 3 singular matrix,
        4 non-finite residual, 5 continuation stalled (see :data:`STATUS`).
    message : str
        Description of the outcome.
    iterations : int
        Newton iterations spent (all continuation steps included).
    residual : float
        Relative residual (max-norm) of ``state``.
    residual_history : ndarray
        Relative residual at the start and after every accepted iteration.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = newton(ceria_like_problem(), 773.15)
    >>> r.success, r.status, r.residual <= 1e-10, r.residual_history.size == r.iterations + 1
    (True, 0, True, True)
    """

    state: np.ndarray
    success: bool
    status: int
    message: str
    iterations: int
    residual: float
    residual_history: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _norms(F, n, scale, max_scale=None):
    """2-norm of the residual in relative units (the Poisson rows divided by the charge/flux
    ``scale``) and its max-norm (the rows divided by ``max_scale``, default ``scale``), from
    one pass over the rows and without a copy; NaN propagates."""
    poisson, rest = F[:n], F[n:]
    s = scale if scale > 0 else 1.0
    s_max = s if max_scale is None else (max_scale if max_scale > 0 else 1.0)
    two = np.hypot(np.linalg.norm(poisson) / s, np.linalg.norm(rest))
    top = max(float(np.max(poisson, initial=0.0)), -float(np.min(poisson, initial=0.0))) / s_max
    return float(two), float(np.max([top, np.max(np.abs(rest), initial=0.0)]))


def _result(y, status, history, iterations, detail=""):
    message = STATUS[status] + (f": {detail}" if detail else "")
    return NewtonResult(y, status == 0, status, message, int(iterations), float(history[-1]),
                        np.asarray(history, float))


def _line_search(problem, temperature, y, dy, F, scale, energy_scale, rtol):
    """Backtrack ``y + t dy`` until the residual norm falls (Armijo); returns the accepted
    ``(y, F, scale, matrix)`` or None.  Trial steps cost a residual only; the matrix is built
    at the accepted point, unless that point has converged (``matrix`` is then None)."""
    from .newton_matrix import newton_matrix
    n = problem.grid.n
    norm0 = _norms(F, n, scale)[0]
    t = 1.0
    for _ in range(40):
        y_try = y + t * dy
        with np.errstate(over="ignore", invalid="ignore"):
            F_try, scale_try, point = problem.residual(y_try, temperature, energy_scale=energy_scale)
        norm, top = _norms(F_try, n, scale, scale_try)
        converged = top <= rtol
        if np.isfinite(norm) and (norm <= (1.0 - 1e-4 * t) * norm0 or converged):
            return y_try, F_try, scale_try, None if converged else newton_matrix(problem, point)
        t *= 0.5
    return None


def newton(problem, temperature, y0=None, *, rtol=1e-10, max_iter=100, step_cap=None, energy_scale=1.0):
    """Solve ``problem`` at ``temperature`` (K) by globalised Newton.

    Parameters
    ----------
    problem : Problem
    temperature : float
        K.
    y0 : ndarray, optional
        Starting state (default: :meth:`~.problem.Problem.initial_guess`).
    rtol : float
        Stop when the relative residual (max-norm: Poisson rows over the largest charge or
        flux term, gauge in kT/e, fitted fractions relative to their targets) is at most this.
    max_iter : int
    step_cap : float, optional
        Largest step in phi (V); default 10 kT/e.  Steps are then backtracked until the
        residual norm decreases (Armijo).
    energy_scale : float
        Factor on the segregation energies (continuation).

    Returns
    -------
    NewtonResult
        ``success`` is False when no converged answer was found; this function does not raise.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = newton(ceria_like_problem(), 773.15, max_iter=2)
    >>> r.success, r.message
    (False, 'iteration limit reached')
    """
    n = problem.grid.n
    cap = 10.0 * thermal_voltage(temperature) if step_cap is None else step_cap
    y = problem.initial_guess() if y0 is None else np.array(y0, dtype=float)
    F, scale, matrix = problem.evaluate(y, temperature, energy_scale=energy_scale)
    history = [_norms(F, n, scale)[1]]
    for it in range(max_iter + 1):
        if not np.isfinite(history[-1]):
            return _result(y, 4, history, it)
        if history[-1] <= rtol:
            return _result(y, 0, history, it)
        if it == max_iter:
            break
        try:
            dy = problem.newton_step(F, matrix)
        except SingularMatrixError as exc:
            return _result(y, 3, history, it, str(exc))
        biggest = np.max(np.abs(dy[:n]))
        if biggest > cap:
            dy *= cap / biggest
        accepted = _line_search(problem, temperature, y, dy, F, scale, energy_scale, rtol)
        if accepted is None:
            return _result(y, 2, history, it)
        y, F, scale, matrix = accepted
        history.append(_norms(F, n, scale)[1])
    return _result(y, 1, history, max_iter)


def solve_problem(problem, temperature, y0=None, *, rtol=1e-10, max_iter=100, continuation_steps=64):
    """Newton from ``y0`` (or zero); on failure, continuation in the segregation energies
    (scaled from 0 to 1, warm-starting each step).

    Parameters
    ----------
    problem : Problem
    temperature : float
        K.
    y0 : ndarray, optional
    rtol : float
    max_iter : int
        Per Newton attempt.
    continuation_steps : int
        Most continuation steps.

    Returns
    -------
    NewtonResult
        Converged; ``iterations`` counts every Newton iteration spent.

    Raises
    ------
    ConvergenceError
        Carrying the failed :class:`NewtonResult` (last iterate, residual history).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> solve_problem(ceria_like_problem(), 773.15).success
    True
    """
    first = newton(problem, temperature, y0, rtol=rtol, max_iter=max_iter)
    if first.success:
        return first
    y = problem.initial_guess() if y0 is None else np.array(y0, dtype=float)
    total, history = first.iterations, list(first.residual_history)
    lam, step = 0.0, 0.25
    for _ in range(continuation_steps):
        target = min(1.0, lam + step)
        r = newton(problem, temperature, y, rtol=rtol, max_iter=max_iter, energy_scale=target)
        total += r.iterations
        if not r.success:
            step *= 0.5
            if step < 1e-4:
                break
            continue
        y, lam = r.state, target
        if lam == 1.0:
            history.extend(r.residual_history)
            return NewtonResult(y, True, 0, STATUS[0], total, r.residual, np.asarray(history))
        step = min(2 * step, 1.0)
    failed = NewtonResult(first.state, False, 5 if lam > 0 else first.status,
                          f"{first.message}; continuation in the segregation energies stalled at scale {lam:.4g}",
                          total, first.residual, first.residual_history)
    raise ConvergenceError(f"Newton failed ({first.message}) and continuation stalled at energy scale {lam:.4g}",
                           failed)
