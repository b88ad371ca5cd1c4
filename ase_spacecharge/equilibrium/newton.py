"""Globalised Newton for the discrete system of :mod:`ase_spacecharge.equilibrium.problem`, with a SciPy-like result.

:func:`newton` returns a :class:`NewtonResult` (``success``, ``status``, ``message``,
``iterations``, ``residual``, ``residual_history`` and the last ``state``) and never raises
for a solve that fails; :func:`solve_problem` adds continuation in the segregation energies
and raises :class:`~.errors.ConvergenceError` (carrying the result) when nothing converged.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import thermal_voltage
from ..errors import STATUS, ConvergenceError, NewtonResult, SingularMatrixError
from .workspace import Workspace

__all__ = ["newton", "solve_problem", "residual_sizes", "relative_norms"]

#: The globalisation both Newton loops (this one and :mod:`ase_spacecharge.equilibrium.batch_newton`) use: steps capped
#: at this many kT/e in φ, Armijo's sufficient decrease, and the most step halvings.
STEP_CAP_KT, ARMIJO, MAX_HALVINGS = 10.0, 1e-4, 40


def residual_sizes(F, n):
    """The sizes of a residual ``F`` (..., N) from one read of each part: the 2-norm and the
    max-norm of its Poisson rows ``F[..., :n]`` and of the rest; NaN propagates.

    Parameters
    ----------
    F : ndarray (..., N)
    n : int
        Number of Poisson rows (planes).

    Returns
    -------
    tuple of four float or ndarray (...)
        ``(‖P‖₂, ‖R‖₂, max|P|, max|R|)``; :func:`relative_norms` turns them into the relative
        residual for any scale.

    Examples
    --------
    >>> [float(v) for v in residual_sizes(np.array([3.0, -4.0, 0.5]), 2)]
    [5.0, 0.5, 4.0, 0.5]
    """
    P, R = F[..., :n], F[..., n:]
    p_max = np.maximum(P.max(axis=-1), -P.min(axis=-1)) if P.shape[-1] else np.zeros(P.shape[:-1])
    r_max = np.abs(R).max(axis=-1) if R.shape[-1] else np.zeros(R.shape[:-1])
    return np.sqrt(np.einsum("...i,...i->...", P, P)), np.sqrt(np.einsum("...i,...i->...", R, R)), p_max, r_max


def relative_norms(sizes, scale):
    """2-norm and max-norm of the relative residual: the Poisson rows divided by the charge or
    flux ``scale`` (e/Å², from :meth:`~ase_spacecharge.equilibrium.problem.Problem.residual`; 1 where not positive), the
    other rows as they are (gauge in kT/e, fitted fractions relative to their targets).

    Parameters
    ----------
    sizes : tuple
        From :func:`residual_sizes`.
    scale : float or ndarray (...)

    Returns
    -------
    two, top : float or ndarray (...)

    Examples
    --------
    >>> relative_norms(residual_sizes(np.array([3.0, -4.0, 0.5]), 2), 10.0)
    (0.7071067811865476, 0.5)
    """
    p2, r2, p_max, r_max = sizes
    if isinstance(scale, float) and np.ndim(p2) == 0:  # one problem: Python floats, no array calls
        s = scale if scale > 0 else 1.0
        top, rest = float(p_max) / s, float(r_max)
        return math.hypot(float(p2) / s, float(r2)), top if (top >= rest or top != top) else rest  # NaN stays
    s = np.where(np.asarray(scale) > 0, scale, 1.0)
    return np.hypot(p2 / s, r2), np.maximum(p_max / s, r_max)


def _result(y, status, history, iterations, detail=""):
    message = STATUS[status] + (f": {detail}" if detail else "")
    return NewtonResult(y, status == 0, status, message, int(iterations), float(history[-1]),
                        np.asarray(history, float))


def _line_search(problem, temperature, y, dy, norm0, scale, energy_scale, rtol, work=None, spare=(None, None)):
    """Backtrack ``y + t dy`` until the relative residual's 2-norm (at the scale of ``y``)
    falls below ``norm0`` (Armijo); returns the accepted ``(y, F, scale, sizes, matrix)`` or
    None.  Trial steps cost a residual only; the matrix is built at the accepted point,
    unless that point has converged (``matrix`` is then None).  Trial states and residuals
    are written into ``spare`` (two arrays, or None for fresh ones)."""
    from .newton_matrix import newton_matrix
    n = problem.grid.n
    t = 1.0
    for _ in range(MAX_HALVINGS):
        y_try = np.multiply(dy, t, out=spare[0]) if t != 1.0 else dy
        y_try = np.add(y, y_try, out=spare[0])
        with np.errstate(over="ignore", invalid="ignore"):
            F_try, scale_try, point = problem.residual(y_try, temperature, energy_scale=energy_scale, work=work,
                                                       out=spare[1])
        sizes = residual_sizes(F_try, n)
        norm = relative_norms(sizes, scale)[0]
        converged = relative_norms(sizes, scale_try)[1] <= rtol
        if np.isfinite(norm) and (norm <= (1.0 - ARMIJO * t) * norm0 or converged):
            return y_try, F_try, scale_try, sizes, None if converged else newton_matrix(problem, point, work=work)
        t *= 0.5
    return None


def _limit_floating_step(problem, F, matrix, dy, cap, work=None):
    """The Newton step ``dy`` with the step of a floating boundary potential φ_d limited to
    about ``cap`` (V): ``δ / (1 + (δ/cap)²)`` (Levenberg–Marquardt damping of that one
    unknown), the other unknowns solved again for that φ_d step (its gauge row replaced by
    ``δφ_d = limited``).  When the bulk region lies many screening lengths from both walls,
    the gauge pins φ_d only through the double layers' tails (a near-null direction, ∝
    e^{-d/λ}): the full step in φ_d is then round-off of any size, and the limited step
    holds φ_d where it is while the planes converge.  Other problems: ``dy`` unchanged."""
    n = problem.grid.n
    if problem.dirichlet != "floating" or not abs(float(dy[n])) > cap:
        return dy
    step = float(dy[n])
    limited = step / (1.0 + (step / cap) ** 2) if np.isfinite(step) else 0.0
    C, D, G = matrix.C.copy(), matrix.D.copy(), np.array(F, float)
    C[0], D[0] = 0.0, 0.0
    D[0, 0], G[n] = 1.0, -limited
    return problem.newton_step(G, type(matrix)(matrix.lower, matrix.diag, matrix.upper, matrix.B, C, D, matrix.support),
                               work=work)


def newton(problem, temperature, y0=None, *, rtol=1e-10, max_iter=100, step_cap=None, energy_scale=1.0):
    """Solve ``problem`` at ``temperature`` (K) by globalised Newton.

    Parameters
    ----------
    problem : Problem
    temperature : float
        K.
    y0 : ndarray, optional
        Starting state (default: :meth:`~ase_spacecharge.equilibrium.problem.Problem.initial_guess`).
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
    cap = STEP_CAP_KT * thermal_voltage(temperature) if step_cap is None else step_cap
    y = problem.initial_guess() if y0 is None else np.array(y0, dtype=float)
    work = Workspace()  # the iterations reuse its arrays, and states and residuals alternate
    spare = (work.get("state b", y.size), work.get("residual b", y.size))  # between two arrays each
    F, scale, matrix = problem.evaluate(y, temperature, energy_scale=energy_scale, work=work,
                                        out=work.get("residual a", y.size))
    sizes = residual_sizes(F, n)
    history = [relative_norms(sizes, scale)[1]]
    for it in range(max_iter + 1):
        if not np.isfinite(history[-1]):
            return _result(y, 4, history, it)
        if history[-1] <= rtol:
            return _result(y, 0, history, it)
        if it == max_iter:
            break
        try:
            dy = problem.newton_step(F, matrix, work=work)
        except SingularMatrixError as exc:
            return _result(y, 3, history, it, str(exc))
        dy = _limit_floating_step(problem, F, matrix, dy, cap, work)
        biggest = max(float(np.max(dy[:n])), -float(np.min(dy[:n])))
        if biggest > cap:
            dy *= cap / biggest
        accepted = _line_search(problem, temperature, y, dy, relative_norms(sizes, scale)[0], scale,
                                energy_scale, rtol, work, spare)
        if accepted is None:
            return _result(y, 2, history, it)
        spare = (y, F)
        y, F, scale, sizes, matrix = accepted
        history.append(relative_norms(sizes, scale)[1])
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
