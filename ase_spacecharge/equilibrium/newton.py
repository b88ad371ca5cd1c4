"""Globalised Newton for the discrete system of :mod:`ase_spacecharge.equilibrium.problem`, and the
Newton contract of the package.

The contract
------------
Every Newton of the package keeps it, after SciPy's ``OdeSolver`` / ``OdeResult``: one
record, whatever happened.  Here: :func:`newton` and :func:`solve_problem` (one problem),
:func:`~ase_spacecharge.equilibrium.batch_newton.batch_newton` and
:func:`~ase_spacecharge.equilibrium.batch.solve_batch` (a batch, one record per row); the
Newton of the dynamics (:mod:`ase_spacecharge.dynamics.newton`: each implicit step, the
steady state, the base state of an impedance) answers to the same contract.

**What it returns.**  An :class:`~ase_spacecharge.errors.NewtonResult` (a batch: a
:class:`~ase_spacecharge.equilibrium.batch_newton.BatchResult` with these fields as arrays,
one row per problem; ``row(i)`` is row ``i`` as a ``NewtonResult``):

* ``state`` -- the last iterate of the problem itself that the loop computed (never a
  made-up or reset state; after continuation that failed, the first attempt's);
* ``success`` -- True exactly when ``status`` is 0;
* ``status`` -- :data:`~ase_spacecharge.errors.STATUS`: 0 converged, 1 iteration limit
  reached, 2 line search failed, 3 singular Newton matrix, 4 non-finite residual,
  5 continuation stalled;
* ``message`` -- ``STATUS[status]``, with what the loop knows after it;
* ``iterations`` -- Newton iterations spent (accepted steps; with continuation, or a
  batched attempt before a row was solved alone, every one of them);
* ``residual`` -- the relative residual of ``state``, the measure of convergence below;
* ``residual_history`` -- the measure the line search reduces, of each iterate of the problem
  itself from the start (in the equilibrium the one-scale residual below: its last entry,
  ``state``'s, is never above ``residual``); one entry more than the accepted steps of a
  plain loop; after continuation the first attempt's and (on success) the last step's,
  since the steps between solve problems with scaled energies.

**What "converged" means.**  The equations hold: the relative residual of ``state``, the
largest over every equation of its residual scaled as that equation says, is at most
``rtol``.  In the equilibrium (:func:`row_residual`): each Poisson row (e/Å²) over its own
scale -- the largest of its own terms (charge, displacement through either face,
background), at least the displacement through its faces at one kT/e and at most the largest
term of any row (:func:`~ase_spacecharge.equilibrium.poisson.row_scales`) --, the gauge row
in kT/e, the fitted bulk fractions relative to their targets.  Every row is held to its own
terms, so a row whose terms are 1e-11 of another's cannot pass kT's from the solution.  The
line search steers by the one scale (the largest term of any row, the same for all rows),
which also makes a first test: the test by rows is made once that passes.  A loop that also
tests its update (the dynamics: the last update small in every unknown) converges only when
both hold; a small update alone is never convergence.  The equilibrium loops test no update:
the residual of the last iterate is computed, so success never rests on the step.

**When it raises.**  The loops (:func:`newton`, ``batch_newton``) do not raise for a solve
that fails: they return the record with ``success`` False.  What promises an answer
(:func:`solve_problem`, ``solve_batch``, :func:`ase_spacecharge.solve`) raises
:class:`~ase_spacecharge.errors.ConvergenceError` carrying the failed record (``exc.result``:
last iterate, residual, iterations, history) and never returns a state that did not
converge.  Bad input to those (temperatures, tolerances, starting states) raises
:class:`~ase_spacecharge.errors.InputError` before the first iteration.
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import thermal_voltage
from ..errors import STATUS, ConvergenceError, NewtonResult, SingularMatrixError
from .newton_matrix import newton_matrix
from .workspace import Workspace

__all__ = ["newton", "solve_problem", "row_residual", "relative_residual", "residual_sizes", "relative_norms"]

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


def row_residual(F, row_scale, n, *, work=None):
    """The relative residual of ``F`` (..., N) by rows, max-norm: each Poisson row over its own
    scale (:meth:`~ase_spacecharge.equilibrium.problem.Problem.row_scale`), the other rows as
    they are (the gauge in kT/e, the fitted fractions relative to their targets); NaN
    propagates.  The contract's measure of convergence.

    Parameters
    ----------
    F : ndarray (..., N)
    row_scale : ndarray (..., n)
    n : int
        Number of Poisson rows (planes).
    work : ndarray (..., n), optional
        Work space (overwritten).

    Returns
    -------
    float (one problem) or ndarray (...)

    Examples
    --------
    >>> row_residual(np.array([3.0, -4.0, 0.5]), np.array([10.0, 100.0]), 2)
    0.5
    """
    ratio = np.abs(F[..., :n], out=work)
    ratio /= row_scale
    top = np.max(ratio, axis=-1)
    if F.shape[-1] > n:
        top = np.maximum(top, np.max(np.abs(F[..., n:]), axis=-1))
    return float(top) if F.ndim == 1 else top


def relative_residual(problem, y, temperature, *, energy_scale=1.0):
    """The relative residual of state ``y`` of ``problem`` at ``temperature`` (K): the
    contract's measure (:func:`row_residual`), at most ``rtol`` for a converged state.

    Parameters
    ----------
    problem : Problem
    y : ndarray (N,)
    temperature : float
    energy_scale : float

    Returns
    -------
    float

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> r = newton(p, 773.15)
    >>> relative_residual(p, r.state, 773.15) == r.residual <= 1e-10
    True
    """
    with np.errstate(over="ignore", invalid="ignore"):
        F, scale, point = problem.residual(y, temperature, energy_scale=energy_scale)
        return row_residual(F, problem.row_scale(y, scale, point, temperature, energy_scale), problem.grid.n)


def _result(y, status, history, iterations, residual, detail=""):
    message = STATUS[status] + (f": {detail}" if detail else "")
    return NewtonResult(y, status == 0, status, message, int(iterations), float(residual),
                        np.asarray(history, float))


def _line_search(problem, temperature, y, dy, norm0, scale, energy_scale, rtol, work=None, spare=(None, None)):
    """Backtrack ``y + t dy`` until the relative residual's 2-norm (at the one scale of ``y``)
    falls below ``norm0`` (Armijo), or the trial passes the one-scale test; returns the
    accepted ``(y, F, scale, sizes, point)`` or None.  Trial steps cost a residual only.
    Trial states and residuals are written into ``spare`` (two arrays, or None for fresh
    ones)."""
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
        passes = relative_norms(sizes, scale_try)[1] <= rtol
        if np.isfinite(norm) and (norm <= (1.0 - ARMIJO * t) * norm0 or passes):
            return y_try, F_try, scale_try, sizes, point
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
        Stop when the relative residual (:func:`row_residual`: each Poisson row over its own
        scale, the gauge in kT/e, the fitted fractions relative to their targets) is at most
        this.
    max_iter : int
    step_cap : float, optional
        Largest step in phi (V); default 10 kT/e.  Steps are then backtracked until the
        residual norm at the one scale decreases (Armijo).
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
    F, scale, point = problem.residual(y, temperature, energy_scale=energy_scale, work=work,
                                       out=work.get("residual a", y.size))
    sizes = residual_sizes(F, n)
    history = [relative_norms(sizes, scale)[1]]
    for it in range(max_iter + 1):
        if not np.isfinite(history[-1]):
            return _result(y, 4, history, it, history[-1])
        if history[-1] <= rtol:  # passes at the one scale: the test by rows decides
            free = spare[0][:n], spare[1][:n]  # the previous iterate's arrays
            rows = problem.row_scale(y, scale, point, temperature, energy_scale, out=free[0], work=free[1])
            by_rows = row_residual(F, rows, n, work=free[1])
            if by_rows <= rtol:
                return _result(y, 0, history, it, by_rows)
        if it == max_iter:
            break
        try:
            matrix = newton_matrix(problem, point, work=work)
            dy = problem.newton_step(F, matrix, work=work)
        except SingularMatrixError as exc:
            return _result(y, 3, history, it, relative_residual(problem, y, temperature, energy_scale=energy_scale),
                           str(exc))
        dy = _limit_floating_step(problem, F, matrix, dy, cap, work)
        biggest = max(float(np.max(dy[:n])), -float(np.min(dy[:n])))
        if biggest > cap:
            dy *= cap / biggest
        accepted = _line_search(problem, temperature, y, dy, relative_norms(sizes, scale)[0], scale,
                                energy_scale, rtol, work, spare)
        if accepted is None:
            return _result(y, 2, history, it, relative_residual(problem, y, temperature, energy_scale=energy_scale))
        spare = (y, F)
        y, F, scale, sizes, point = accepted
        history.append(relative_norms(sizes, scale)[1])
    return _result(y, 1, history, max_iter, relative_residual(problem, y, temperature, energy_scale=energy_scale))


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
