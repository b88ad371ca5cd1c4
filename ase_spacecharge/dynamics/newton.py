"""One Newton solve of the implicit PNP equations: a time step (BDF) or the steady state.

The residual is Poisson on the φ rows and ``(c0 N(y) + h)/Δt - rate(y)`` on the conservation
rows (``c0 = 0``: the steady state ``rate = 0``); rows of species absent from a plane read
``ν = ν_eq`` (:mod:`.rows`).  Steady states of species that no electrode exchanges keep their
amounts: one conservation row per such species is replaced by ``Σ_i N_i = N_total`` (dense,
solved by :func:`~.banded.solve_band_with_rows`).

**Converged** means the equations hold: the scaled residual of every row (each relative to its
own terms, :func:`~.rows.scaled_residual`) is at most ``rtol`` *and* the full Newton update of
every unknown (φ in kT/e, ν in kT; unweighted) is at most ``tol``.  The step is damped by a
backtracking (Armijo) line search on the scaled residual; the first trial moves no unknown by
more than ``STEP_CAP_KT`` (so that it still evaluates).  A solve that cannot go on returns its
:class:`~ase_spacecharge.errors.NewtonResult` unconverged — the caller takes a smaller voltage
or time step, and raises with that record when it cannot.  The record's contract is the
equilibrium Newton's (:mod:`ase_spacecharge.equilibrium.newton`).
"""

from __future__ import annotations

import numpy as np

from ..errors import STATUS, NewtonResult, SingularMatrixError
from .banded import solve_band_with_rows
from .equations import evaluate
from .rows import conservation_rows, implicit_rows, residual_and_matrix, scaled_residual

__all__ = ["solve_implicit", "newton_update", "STEP_CAP_KT", "ARMIJO", "MAX_HALVINGS"]

#: Globalisation: the first trial of the line search moves no unknown by more than this (kT;
#: φ in kT/e), Armijo's sufficient decrease and the most step halvings.
STEP_CAP_KT, ARMIJO, MAX_HALVINGS = 200.0, 1e-4, 40


def newton_update(system, ev, y, rows, conserved=(), c0_dt=0.0, rhs=None):
    """The Newton update ``-J⁻¹ F`` at ``y``, the conserved species' rows replaced by their
    totals' constraints (or ``J⁻¹ rhs`` for another right-hand side, zero in those rows).

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation
        At ``y``.
    y : ndarray
    rows : Rows
        :func:`~.rows.implicit_rows` at ``y``.
    conserved : sequence of (int, float, int)
        Species, total amount and the row its constraint replaces.
    c0_dt : float
    rhs : ndarray (n_unknowns,), optional
        Unscaled, in the rows' units (e.g. ``-∂F/∂V`` for the tangent of a steady branch).

    Returns
    -------
    ndarray (n_unknowns,)

    Raises
    ------
    SingularMatrixError

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> s = ceria_like_system()
    >>> ev = evaluate(s, s.y_eq, 0.0)
    >>> bool(np.abs(newton_update(s, ev, s.y_eq, implicit_rows(s, ev, s.y_eq))).max() < 1e-12)
    True
    """
    R, ab, size = residual_and_matrix(system, ev, y, c0_dt, 0.0, rows)
    b = -R if rhs is None else np.asarray(rhs, float) / size
    replaced, dense = [], []
    for (_, _, r), (row, resid) in zip(conserved, conservation_rows(system, ev, conserved)):
        replaced.append(r)
        norm = np.max(np.abs(row)) + 1e-300
        dense.append(row / norm)
        b[r] = -resid / norm if rhs is None else 0.0
    return solve_band_with_rows(ab, system.bandwidth, b, replaced, np.array(dense).reshape(len(dense), R.size))


def _record(y, status, history, iterations):
    return NewtonResult(y, status == 0, status, STATUS[status], int(iterations), float(history[-1]),
                        np.asarray(history, float))


def solve_implicit(system, y0, t, *, c0_dt=0.0, history=0.0, conserved=(), tol=1e-9, rtol=None, max_iter=25):
    """Newton on the implicit equations at time ``t`` from ``y0``.

    Parameters
    ----------
    system : PNPSystem
    y0 : ndarray
        Starting state.
    t : float
        Time (s): sets the electrode potentials.
    c0_dt : float
        Coefficient of the new amounts in the time derivative (BDF: ``c0/Δt``); 0 for the
        steady state.
    history : ndarray (n, K) or float
        The BDF terms of earlier states divided by Δt.
    conserved : sequence of (species, total)
        Steady state: species whose total amount is fixed instead of one conservation row
        (that of the plane holding most of the species at ``y0``).
    tol : float
        Largest full Newton update of any unknown (φ in kT/e, ν in kT) at the converged state.
    rtol : float, optional
        Largest scaled residual of any row (default ``tol``).
    max_iter : int

    Returns
    -------
    result : NewtonResult
        ``state``, ``success``, ``status``, ``message``, ``iterations``, ``residual`` (the
        largest scaled residual) and ``residual_history``; never raises for a failed solve.
    evaluation : Evaluation
        The equations at ``result.state`` (amounts, fluxes), for the caller.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> result, ev = solve_implicit(system.with_voltage(0.001), system.y_eq, 0.0)  # the steady state at 1 mV
    >>> result.success, result.iterations <= 5, result.residual <= 1e-9
    (True, True, True)
    """
    rtol = tol if rtol is None else rtol
    y = np.array(y0, float)
    scale = np.ones(system.n_unknowns)
    scale[::1 + system.K] = system.kT
    hosted = np.ones(system.n_unknowns, bool)
    hosted[system.absent_rows] = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ev = evaluate(system, y, t)
        conserved = tuple((k, total, system.conservation_row(k, ev.N)) for k, total, *_ in conserved)
        rows = implicit_rows(system, ev, y, t, c0_dt, history, rtol)
        rel = scaled_residual(system, ev, y, rows.scale, conserved, c0_dt, history)
    hist = [float(np.max(rel))]
    args = (t, c0_dt, history, conserved, rtol)
    for it in range(max_iter):
        if not np.isfinite(hist[-1]):
            return _record(y, 4, hist, it), ev
        try:
            dy = newton_update(system, ev, y, rows, conserved, c0_dt)
        except SingularMatrixError:
            return _record(y, 3, hist, it), ev
        if not np.all(np.isfinite(dy)):
            return _record(y, 3, hist, it), ev
        if hist[-1] <= rtol and float(np.max(np.abs(dy[hosted]) / scale[hosted], initial=0.0)) <= tol:
            return _finish(system, y, dy, ev, rows.scale, hist, it, args)
        first = min(1.0, STEP_CAP_KT / max(float(np.max(np.abs(dy) / scale)), 1e-300))
        accepted = _line_search(system, y, first * dy, rel, rows.scale, args)
        if accepted is None:
            return _record(y, 2, hist, it + 1), ev
        y, ev = accepted
        rows = implicit_rows(system, ev, y, t, c0_dt, history, rtol)
        rel = scaled_residual(system, ev, y, rows.scale, conserved, c0_dt, history)
        hist.append(float(np.max(rel)))
    return _record(y, 1, hist, max_iter), ev


def _finish(system, y, dy, ev, scale, hist, it, args):
    """The converged state: ``y + dy`` with its evaluation, or ``y`` itself (which passed both
    tests) if round-off leaves ``y + dy`` above the tolerance (measured with ``y``'s row
    scales: the last update is within the tolerance, the scales do not move)."""
    t, c0_dt, history, conserved, rtol = args
    y_new = y + dy
    ev_new = evaluate(system, y_new, t)
    rel = float(np.max(scaled_residual(system, ev_new, y_new, scale, conserved, c0_dt, history)))
    if rel <= rtol:
        return _record(y_new, 0, hist + [rel], it + 1), ev_new
    return _record(y, 0, hist, it + 1), ev


def _line_search(system, y, dy, rel, scale, args):
    """Backtrack ``y + s dy`` until the 2-norm of the scaled residual (``y``'s row scales)
    falls by Armijo's factor (or every row is within ``rtol``: round-off need not fall); the
    accepted ``(y, evaluation)``, or None."""
    t, c0_dt, history, conserved, rtol = args
    norm0 = float(np.sqrt(np.dot(rel, rel)))
    step = 1.0
    for _ in range(MAX_HALVINGS):
        y_try = y + step * dy
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ev_try = evaluate(system, y_try, t)
            r_try = scaled_residual(system, ev_try, y_try, scale, conserved, c0_dt, history)
            norm = float(np.sqrt(np.dot(r_try, r_try)))
        if np.isfinite(norm) and (norm <= (1.0 - ARMIJO * step) * norm0 or float(np.max(r_try)) <= rtol):
            return y_try, ev_try
        step *= 0.5
    return None
