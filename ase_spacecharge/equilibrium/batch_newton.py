"""The vectorised Newton loop of :func:`~ase_spacecharge.equilibrium.batch.solve_batch`: the equilibrium equations of
:mod:`ase_spacecharge.equilibrium.problem` for a stack of problems on one grid, with arrays of shape (B, ...).

The per-problem arrays (log-fractions, energies, capacities, fixed charges, gauges, fitted
targets, temperatures) are stacked; the grid, the active sites and the Poisson operator are
shared.  Each iteration evaluates every problem's residual and matrix at once, solves the
bordered tridiagonal systems by one LAPACK call for the whole batch
(:func:`~ase_spacecharge.equilibrium.linalg.solve_bordered_tridiagonal_batch`) and backtracks each problem's step on its
own; converged problems keep their state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import thermal_voltage
from .linalg import solve_bordered_tridiagonal_batch
from ..occupancy import occupancy, occupancy_response
from .poisson import poisson_rows
from .newton import ARMIJO, MAX_HALVINGS, STEP_CAP_KT, relative_norms, residual_sizes

__all__ = ["ProblemStack", "stack_problems", "batch_newton"]


@dataclass
class ProblemStack:
    """Problems on one grid, stacked (B problems; ``n`` planes, ``s`` active sites, ``k``
    mobile species, ``f`` fitted species).

    Attributes
    ----------
    first : Problem
        Supplies the shared grid, active sites, operator and options.
    kT : ndarray (B,)
        eV.
    log_x, energies : ndarray (B, s, k)
    capacity : ndarray (B, s)
    fixed, gross_fixed : ndarray (B, n)
        Fixed charge per plane (e) and its gross size.
    gauge : ndarray (B, n) or None
    target : ndarray (B, f)
    fit_weights : ndarray (B, f, s)
    ends : ndarray (B, 2) or None
        Fixed end potentials (V) of Dirichlet grids.
    base : ndarray (B, s, k)
        ``log_x - ΔE/kT``, the potential-independent part of the log-weights.
    flat_plane : ndarray (B s,)
        Each stacked site's plane in the flattened (B n) per-plane arrays.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> st = stack_problems([ceria_like_problem()] * 3, np.full(3, 773.15))
    >>> st.log_x.shape[0], st.kT.shape
    (3, (3,))
    """

    first: object
    kT: np.ndarray
    log_x: np.ndarray
    energies: np.ndarray
    capacity: np.ndarray
    fixed: np.ndarray
    gross_fixed: np.ndarray
    gauge: np.ndarray | None
    target: np.ndarray
    fit_weights: np.ndarray
    ends: np.ndarray | None
    base: np.ndarray = None
    flat_plane: np.ndarray = None

    def __post_init__(self):
        self.base = self.log_x - self.energies / self.kT[:, None, None]
        n, plane = self.first.grid.n, self.first.active.plane
        self.flat_plane = (np.arange(self.kT.size)[:, None] * n + plane[None, :]).ravel()


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
    stacked = _stack(arrays)
    return bool(np.all(stacked == first))


def _stack(arrays):
    """The arrays (one shape) stacked along a new first axis (``np.array`` copies them in C;
    ``np.stack`` takes a Python step per array)."""
    return np.array(arrays, dtype=arrays[0].dtype)


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
    ends = None
    if problems[0].grid.boundary != "periodic" and problems[0].dirichlet != "floating":
        ends = np.array([p.dirichlet for p in problems], float)
    gauge = None if problems[0].gauge is None else _stack([p.gauge for p in problems])
    return ProblemStack(problems[0], thermal_voltage(np.asarray(temperatures, float)),
                 _stack([p.active.log_x for p in problems]), _stack([p.active.energies for p in problems]),
                 _stack([p.active.capacity for p in problems]), _stack([p.fixed_plane_charge for p in problems]),
                 _stack([p.gross_fixed_charge for p in problems]), gauge,
                 _stack([p.target for p in problems]), _stack([p.fit_weights for p in problems]), ends)


def _plane_sum(st, values):
    """Per-plane sums (B, n) of a per-active-site quantity (B, s) times the site weights."""
    p0, B = st.first, values.shape[0]
    n, a = p0.grid.n, p0.active
    weighted = values if p0.unit_weights else values * a.weight
    if p0.one_site_per_plane:
        out = np.zeros((B, n))
        out[:, a.plane] = weighted
        return out
    return np.bincount(st.flat_plane, weights=weighted.ravel(), minlength=B * n).reshape(B, n)


def _occupancies(st, phi, eta):
    """Site fractions (B, s, k) of the mobile species at plane potentials ``phi`` (B, n)."""
    p0 = st.first
    a = p0.active
    u = st.base - (a.valence / st.kT[:, None, None]) * phi[:, a.plane, None]
    if len(p0.fitted):
        u[:, :, p0.fit_columns] += eta[:, None, :]
    B, s, k = u.shape
    return occupancy(u.reshape(B * s, k), st.capacity.reshape(B * s), p0.statistics).reshape(B, s, k)


def _residual(st, Y):
    """Residuals (B, N), their scales (B,) and the site fractions (B, s, k)."""
    p0 = st.first
    phi, rho_b, phi_d, eta = p0.unpack(Y)
    p = _occupancies(st, phi, eta)
    z = p0.active.valence
    if z.size == 1:
        mobile = _plane_sum(st, p[:, :, 0])
        q, gross = st.fixed + z[0] * mobile, st.gross_fixed + abs(z[0]) * mobile
    else:
        q = st.fixed + _plane_sum(st, np.einsum("bsk,k->bs", p, z))
        gross = st.gross_fixed + _plane_sum(st, np.einsum("bsk,k->bs", p, np.abs(z)))
    if p0.grid.boundary == "periodic":
        below, above = phi[:, -1], phi[:, 0]
    elif p0.dirichlet == "floating":
        below = above = phi_d
    else:
        below, above = st.ends[:, 0], st.ends[:, 1]
    F, scale = poisson_rows(p0.operator, phi, q, gross, rho_b, below, above)
    rows = [F]
    if st.gauge is not None:
        rows.append((np.einsum("bn,bn->b", st.gauge, phi) / st.kT)[:, None])
    if len(p0.fitted):
        avg = np.einsum("bfs,bsf->bf", st.fit_weights, p[:, :, p0.fit_columns])
        rows.append(avg / st.target - 1.0)
    return np.concatenate(rows, axis=1), scale, p


def _matrix(st, p):
    """The batched Newton matrix: diagonal (B, n) and border blocks (B, n, m), (B, m, n), (B, m, m)."""
    p0 = st.first
    op, a, n = p0.operator, p0.active, p0.grid.n
    B, s, k = p.shape
    flat_p, cap = p.reshape(B * s, k), st.capacity.reshape(B * s)
    v = -(a.valence[None, None, :] / st.kT[:, None, None]) * np.ones((B, s, 1))
    dp_dphi = occupancy_response(flat_p, cap, v.reshape(B * s, k), p0.statistics).reshape(B, s, k)
    diag = op.diag + op.c * _plane_sum(st, np.einsum("bsk,k->bs", dp_dphi, a.valence))
    cols, dp_deta = [np.broadcast_to(col, (B, n)) for col in p0.border_columns.T], []
    for col_k in p0.fit_columns:
        e = np.zeros(k)
        e[col_k] = 1.0
        dp = occupancy_response(flat_p, cap, np.broadcast_to(e, (B * s, k)), p0.statistics).reshape(B, s, k)
        dp_deta.append(dp)
        cols.append(op.c * _plane_sum(st, np.einsum("bsk,k->bs", dp, a.valence)))
    m = len(cols)
    Bm = np.stack(cols, axis=2) if m else np.zeros((B, n, 0))
    C, D = np.zeros((B, m, n)), np.zeros((B, m, m))
    r = 0
    if st.gauge is not None:
        C[:, r] = st.gauge / st.kT[:, None]
        r += 1
    eta_col = m - len(p0.fitted)
    for f, col_k in enumerate(p0.fit_columns):
        w = st.fit_weights[:, f] / st.target[:, f, None]
        C[:, r] = _plane_sum(st, w * dp_dphi[:, :, col_k])
        for j, dp in enumerate(dp_deta):
            D[:, r, eta_col + j] = np.einsum("bs,bs->b", w, dp[:, :, col_k])
        r += 1
    return diag, Bm, C, D


def batch_newton(st, *, rtol=1e-10, max_iter=100, initial=None):
    """Globalised Newton on the whole stack (the loop of :func:`~ase_spacecharge.equilibrium.newton.newton`, per problem:
    steps capped at 10 kT/e in φ, Armijo backtracking, convergence at ``rtol``).

    Parameters
    ----------
    st : ProblemStack
    rtol : float
    max_iter : int
    initial : ndarray (N,) or (B, N), optional
        Starting state(s) (default zero), e.g. the solution of a neighbouring problem.

    Returns
    -------
    states : ndarray (B, N)
    iterations : ndarray (B,) of int
    residual : ndarray (B,)
        Relative residuals (max-norm).
    success : ndarray (B,) of bool

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> states, its, res, ok = batch_newton(stack_problems([ceria_like_problem()] * 2, np.full(2, 773.15)))
    >>> bool(ok.all()), bool(np.all(res <= 1e-10))
    (True, True)
    """
    p0 = st.first
    n, B = p0.grid.n, st.kT.size
    Y = np.zeros((B, n + p0.n_extra))
    if initial is not None:
        Y[:] = initial
    F, scale, p = _residual(st, Y)
    res = relative_norms(residual_sizes(F, n), scale)[1]
    its = np.zeros(B, int)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(max_iter):
            todo = np.isfinite(res) & (res > rtol)
            if not todo.any():
                break
            diag, Bm, C, D = _matrix(st, p)
            dphi, dz = solve_bordered_tridiagonal_batch(p0.operator.lower, diag, p0.operator.upper, Bm, C, D,
                                                        -F[:, :n], -F[:, n:], periodic=p0.grid.boundary == "periodic",
                                                        symmetric=p0.operator.symmetric)
            dY = np.concatenate((dphi, dz), axis=1)
            cap = STEP_CAP_KT * st.kT / np.maximum(np.max(np.abs(dphi), axis=1), 1e-300)
            dY *= np.minimum(cap, 1.0)[:, None]
            dY[~todo] = 0.0
            Y, F, scale, p, res = _line_search(st, Y, dY, F, scale, p, todo, rtol)
            its += todo
    return Y, its, res, np.isfinite(res) & (res <= rtol)


def _line_search(st, Y, dY, F, scale, p, todo, rtol):
    """Armijo backtracking of every problem's step on its own; returns the new state and
    its residual, scale, site fractions and max-norm residual."""
    n = st.first.grid.n
    norm0 = relative_norms(residual_sizes(F, n), scale)[0]
    t = np.ones(Y.shape[0])
    pending = todo.copy()
    for _ in range(MAX_HALVINGS):
        trial = Y + t[:, None] * dY
        F_t, scale_t, p_t = _residual(st, trial)
        sizes = residual_sizes(F_t, n)
        norm = relative_norms(sizes, scale)[0]
        accept = pending & np.isfinite(norm) & ((norm <= (1.0 - ARMIJO * t) * norm0)
                                                | (relative_norms(sizes, scale_t)[1] <= rtol))
        if np.array_equal(accept, pending):  # every open problem took its step (converged ones stand still)
            Y, F, scale, p = trial, F_t, scale_t, p_t
        else:
            Y, F, scale, p = (np.where(accept[:, None], trial, Y), np.where(accept[:, None], F_t, F),
                              np.where(accept, scale_t, scale), np.where(accept[:, None, None], p_t, p))
        pending &= ~accept
        if not pending.any():
            break
        t = np.where(pending, 0.5 * t, t)
    res = relative_norms(residual_sizes(F, n), scale)[1]
    res[pending] = np.nan  # the line search failed: solved alone afterwards
    return Y, F, scale, p, res
