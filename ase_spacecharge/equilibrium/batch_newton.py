"""The vectorised Newton loop of :func:`~ase_spacecharge.equilibrium.batch.solve_batch`: the equilibrium equations of
:mod:`ase_spacecharge.equilibrium.problem` for a stack of problems on one grid, with arrays of shape (B, ...).

The stack shares the grid, the active sites and the Poisson operator of its first problem;
the per-problem numbers (log-weights, capacities, fixed charges, gauges, fitted targets,
temperatures) are one :class:`~ase_spacecharge.equilibrium.terms.ProblemTerms` with a
leading axis ``B``.  The residual, the Newton matrix and the Newton step are the single
problem's own (:meth:`~ase_spacecharge.equilibrium.problem.Problem.residual`,
:func:`~ase_spacecharge.equilibrium.newton_matrix.newton_matrix`,
:meth:`~ase_spacecharge.equilibrium.problem.Problem.newton_step`) called on the stack: one
LAPACK call solves every problem's bordered tridiagonal system
(:func:`~ase_spacecharge.equilibrium.linalg.solve_bordered_tridiagonal_batch`).  This module
keeps the stack and the loop, which backtracks each problem's step on its own; converged
problems keep their state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import STATUS, NewtonResult, SingularMatrixError
from .newton import ARMIJO, MAX_HALVINGS, STEP_CAP_KT, relative_norms, residual_sizes, row_residual
from .newton_matrix import Linearisation, newton_matrix
from .terms import ProblemTerms, stack_arrays, stacked_terms

__all__ = ["ProblemStack", "BatchResult", "stack_problems", "batch_newton"]


@dataclass
class ProblemStack:
    """Problems on one grid, stacked (B problems).

    Attributes
    ----------
    first : Problem
        Supplies the shared grid, active sites, operator and options (and the equations).
    temperatures : ndarray (B,)
        K.
    terms : ProblemTerms
        Every problem's terms at its temperature, along a leading axis ``B``.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> st = stack_problems([ceria_like_problem()] * 3, np.full(3, 773.15))
    >>> st.terms.u0.shape, st.terms.kT.shape
    ((3, 60, 1), (3, 1, 1))
    """

    first: object
    temperatures: np.ndarray
    terms: ProblemTerms

    @property
    def size(self):
        """Number of problems B."""
        return self.temperatures.size


def _stackable(problems):
    """Whether the problems share what the batched loop shares."""
    p0 = problems[0]
    if p0.carrier_labels or p0.active.activities or p0.active.columns.size == 0:
        return False
    for p in problems[1:]:
        if p.carrier_labels or p.active.activities or p.statistics != p0.statistics or \
                (p.dirichlet == "floating") != (p0.dirichlet == "floating") or \
                (p.gauge is None) != (p0.gauge is None) or len(p.fitted) != len(p0.fitted):
            return False
        g, g0 = p.grid, p0.grid
        if g is not g0 and (g.n != g0.n or g.boundary != g0.boundary or not (
                np.array_equal(g.x, g0.x) and np.array_equal(p.operator.diag, p0.operator.diag)
                and np.array_equal(p.operator.c, p0.operator.c))):
            return False
    same = [(lambda q: q.active.sites), (lambda q: q.active.columns), (lambda q: q.active.weight),
            (lambda q: q.active.valence), (lambda q: q.fitted)]
    return all(_all_equal([get(q) for q in problems]) for get in same)


def _all_equal(arrays):
    """Whether the arrays are equal (one vectorised comparison)."""
    first = arrays[0]
    if all(a is first for a in arrays):
        return True
    if any(a.shape != first.shape for a in arrays):
        return False
    stacked = stack_arrays(arrays)
    return bool(np.all(stacked == first))


def stack_problems(problems, temperatures):
    """ProblemStack problems for :func:`batch_newton`, or None when they do not share a grid, active
    sites and options (or carry band carriers or activity models).

    Parameters
    ----------
    problems : sequence of Problem
    temperatures : ndarray (B,)
        K.

    Returns
    -------
    ProblemStack or None

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> stack_problems([ceria_like_problem(), ceria_like_problem(permittivity=40.0)], np.full(2, 773.15)) is None
    True
    """
    problems = list(problems)
    if not _stackable(problems):
        return None
    temperatures = np.asarray(temperatures, float)
    return ProblemStack(problems[0], temperatures, stacked_terms(problems, temperatures))


@dataclass
class BatchResult:
    """Outcome of a batched solve, one row per problem: the fields of
    :class:`~ase_spacecharge.errors.NewtonResult` as arrays (:meth:`row` reads row ``i`` as
    one), for the Newton contract of :mod:`ase_spacecharge.equilibrium.newton`.

    Attributes
    ----------
    states : ndarray (B, n + m)
        Each row's last iterate (plane potentials in V, then the bordered unknowns).
    phi : ndarray (B, n)
        Plane potentials (V).
    success : ndarray (B,) of bool
        Whether the row converged (its relative residual reached the tolerance).
    status : ndarray (B,) of int
        As :attr:`NewtonResult.status` (:data:`~ase_spacecharge.errors.STATUS`).
    message : tuple of str
    iterations : ndarray (B,) of int
        Newton iterations spent on the row (the batched ones and, for a row solved alone,
        its own).
    residual : ndarray (B,)
        Relative residual (max-norm) of each row's state.
    residual_history : tuple of ndarray
        Each row's relative residuals, from the start.
    alone : ndarray (B,) of bool
        Rows solved by themselves (with continuation): problems that could not be stacked,
        or that the batched Newton did not converge.
    phi0 : ndarray (B,) or None
        Φ0 (V) of each row, as :attr:`~.solution.SpaceChargeSolution.phi0` defines it
        (:func:`~ase_spacecharge.equilibrium.batch.solve_batch` fills it).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = batch_newton(stack_problems([ceria_like_problem()] * 2, np.full(2, 773.15)))
    >>> r.success.tolist(), r.message[0], r.row(1).iterations == int(r.iterations[1]), len(r)
    ([True, True], 'converged', True, 2)
    """

    states: np.ndarray
    phi: np.ndarray
    success: np.ndarray
    status: np.ndarray
    message: tuple
    iterations: np.ndarray
    residual: np.ndarray
    residual_history: tuple
    alone: np.ndarray
    phi0: np.ndarray | None = None

    def __len__(self):
        return self.states.shape[0]

    def row(self, i):
        """Row ``i`` as a :class:`~ase_spacecharge.errors.NewtonResult`.

        Parameters
        ----------
        i : int

        Returns
        -------
        NewtonResult

        Examples
        --------
        >>> from ase_spacecharge.examples import ceria_like_problem
        >>> r = batch_newton(stack_problems([ceria_like_problem()] * 2, np.full(2, 773.15)), max_iter=1)
        >>> r.row(0).success, r.row(0).message, r.row(0).residual_history.size
        (False, 'iteration limit reached', 2)
        """
        return NewtonResult(self.states[i], bool(self.success[i]), int(self.status[i]), self.message[i],
                            int(self.iterations[i]), float(self.residual[i]), self.residual_history[i])


def batch_newton(st, *, rtol=1e-10, max_iter=100, initial=None):
    """Globalised Newton on the whole stack: the loop of
    :func:`~ase_spacecharge.equilibrium.newton.newton` for every problem at once (steps capped
    at 10 kT/e in φ, Armijo backtracking per problem, convergence at ``rtol``, the same
    outcomes); a row stops at its own outcome and keeps its state.

    Parameters
    ----------
    st : ProblemStack
    rtol : float
    max_iter : int
    initial : ndarray (N,) or (B, N), optional
        Starting state(s) (default zero), e.g. the solution of a neighbouring problem.

    Returns
    -------
    BatchResult
        Without ``phi0``; ``alone`` all False.  Does not raise for rows that fail.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = batch_newton(stack_problems([ceria_like_problem()] * 2, np.full(2, 773.15)))
    >>> bool(r.success.all()), bool(np.all(r.residual <= 1e-10)), r.iterations.tolist()
    (True, True, [5, 5])
    """
    p0 = st.first
    n, B = p0.grid.n, st.size
    Y = np.zeros((B, n + p0.n_extra))
    if initial is not None:
        Y[:] = initial
    F, scale, point = p0.residual(Y, terms=st.terms)
    res = relative_norms(residual_sizes(F, n), scale)[1]
    history = np.full((B, max_iter + 1), np.nan)
    history[:, 0] = res
    its, status, detail = np.zeros(B, int), np.ones(B, int), ""  # status 1 (iteration limit) unless another comes
    residual, running, waiting = np.full(B, np.nan), np.ones(B, bool), np.zeros(B, bool)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while True:
            finite = np.isfinite(res)
            if not finite.all():
                status[running & ~finite] = 4
                running &= finite
            waiting |= running & (res <= rtol)  # passed at the one scale; the rows' test decides, for all at once
            running &= ~waiting & (its < max_iter)
            if not running.any():
                if not waiting.any():
                    break
                by_rows = row_residual(F, p0.row_scale(Y, scale, point), n)
                done = waiting & (by_rows <= rtol)
                status[done], residual[done] = 0, by_rows[done]
                running, waiting = waiting & ~done & (its < max_iter), np.zeros(B, bool)  # the others go on
                if not running.any():
                    break
            try:
                dY = p0.newton_step(F, newton_matrix(p0, point))
            except SingularMatrixError as exc:  # one LAPACK call for all: some row's matrix, not known which
                status[running], detail = 3, f"in the stack's solve (this row's or another's): {exc}"
                running[:] = False
                continue  # the rows waiting for their test have it, then the loop ends
            cap = STEP_CAP_KT * st.terms.kT[:, 0, 0] / np.maximum(np.max(np.abs(dY[:, :n]), axis=1), 1e-300)
            dY *= np.minimum(cap, 1.0)[:, None]
            dY[~running] = 0.0
            Y, F, scale, point, res, failed = _line_search(st, Y, dY, F, scale, point, running, rtol)
            status[failed] = 2
            running &= ~failed
            its += running
            history[running, its[running]] = res[running]
        open_rows = status != 0
        if open_rows.any():  # the failed rows' residual by rows, from their last state
            F, scale, point = p0.residual(Y, terms=st.terms)
            residual[open_rows] = row_residual(F, p0.row_scale(Y, scale, point), n)[open_rows]
    message = tuple(STATUS[k] + (f" {detail}" if k == 3 else "") for k in status)
    return BatchResult(Y, Y[:, :n], status == 0, status, message, its, residual,
                       tuple(history[i, :its[i] + 1] for i in range(B)), np.zeros(B, bool))


def _line_search(st, Y, dY, F, scale, point, todo, rtol):
    """Armijo backtracking of every problem's step on its own (the merit at each problem's
    one scale, as :func:`~ase_spacecharge.equilibrium.newton.newton`'s); returns the new
    state, its residual, scale, linearisation point and one-scale max-norm residual, and the
    rows whose line search failed (they keep their state)."""
    n = st.first.grid.n
    p, sizes = point.p, point.charge_sizes
    norm0 = relative_norms(residual_sizes(F, n), scale)[0]
    t = np.ones(Y.shape[0])
    pending = todo.copy()
    for halvings in range(MAX_HALVINGS):
        trial = Y + t[:, None] * dY
        F_t, scale_t, point_t = st.first.residual(trial, terms=st.terms)
        rows = residual_sizes(F_t, n)
        norm = relative_norms(rows, scale)[0]
        accept = pending & np.isfinite(norm) & ((norm <= (1.0 - ARMIJO * t) * norm0)
                                                | (relative_norms(rows, scale_t)[1] <= rtol))
        if halvings == 0 and np.array_equal(accept, pending):  # every open problem took its full step at once
            Y, F, scale, p, sizes = trial, F_t, scale_t, point_t.p, point_t.charge_sizes
        else:
            Y, F, scale, sizes = (np.where(accept[:, None], trial, Y), np.where(accept[:, None], F_t, F),
                                  np.where(accept, scale_t, scale), np.where(accept[:, None], point_t.charge_sizes, sizes))
            p = np.where(accept[:, None, None], point_t.p, p)
        pending &= ~accept
        if not pending.any():
            break
        t = np.where(pending, 0.5 * t, t)
    if p is not point_t.p:  # some rows stood still: their fractions and sizes are the old point's
        point_t = Linearisation(p, point_t.inv_g, point_t.terms, point_t.dq_carriers, sizes)
    return Y, F, scale, point_t, relative_norms(residual_sizes(F, n), scale)[1], pending
