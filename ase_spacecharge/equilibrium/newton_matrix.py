"""The Newton matrix of the equilibrium problem at a linearisation point.

``[[T, B], [C, D]]``: ``T`` is the Poisson operator plus the charge response ``c ∂q/∂φ`` on its
diagonal; the border holds the bordered unknowns of :mod:`ase_spacecharge.equilibrium.problem` (background, floating
boundary potential, fitted chemical-potential shifts) and their rows (gauge, fitted bulk
fractions).  :meth:`ase_spacecharge.equilibrium.problem.Problem.residual` returns the point; the matrix is built only
when a Newton step needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .site_terms import site_occupancy_response
from .workspace import take

__all__ = ["Linearisation", "NewtonMatrix", "newton_matrix"]


class NewtonMatrix(NamedTuple):
    """The Newton matrix ``[[T, B], [C, D]]`` as :func:`~ase_spacecharge.equilibrium.linalg.solve_bordered_tridiagonal`
    takes it.

    Attributes
    ----------
    lower, diag, upper : ndarray (n,)
        The tridiagonal block ``T`` (periodic corners in ``lower[0]`` and ``upper[-1]``).
    B : ndarray (n, m), or (B, n, m) for a stack (or (n, m) if its problems share it)
    C : ndarray (m, len(support))
        The border rows on the planes ``support``; zero on every other plane (the gauge and
        the fitted fractions only weigh the bulk region).
    D : ndarray (m, m)
    support : int ndarray
        Planes of ``C``'s columns.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> J = p.evaluate(p.initial_guess(), 773.15)[2]
    >>> J.dense_C().shape, J.C.shape == (1, J.support.size) and J.support.size < p.grid.n
    ((1, 90), True)
    """

    lower: np.ndarray
    diag: np.ndarray
    upper: np.ndarray
    B: np.ndarray
    C: np.ndarray
    D: np.ndarray
    support: np.ndarray

    def dense_C(self):
        """``C`` on every plane (m, n).

        Returns
        -------
        ndarray (m, n)

        Examples
        --------
        >>> J = NewtonMatrix(*np.ones((3, 4)), np.ones((4, 1)), np.full((1, 1), 2.0), np.zeros((1, 1)), np.array([1]))
        >>> J.dense_C().tolist()
        [[0.0, 2.0, 0.0, 0.0]]
        """
        out = np.zeros((self.C.shape[0], self.diag.size))
        out[:, self.support] = self.C
        return out


@dataclass
class Linearisation:
    """Where the residual was evaluated, as the matrix needs it (one problem, or a stack).

    Attributes
    ----------
    p : ndarray (..., n_active, k)
        Site fractions of the mobile species on the active sites.
    inv_g : ndarray or float
        Inverse non-ideality factors (1.0 when every species is ideal).
    terms : ProblemTerms
        The terms the residual read (:class:`~ase_spacecharge.equilibrium.terms.ProblemTerms`).
    dq_carriers : ndarray (n,) or float
        ``∂q/∂φ`` of the band carriers per plane (e/V; 0.0 without carriers).
    charge_sizes : ndarray (..., n) or None
        The gross size of every charge term of each Poisson row (e/Å²), when the residual
        kept them (None in a solve's workspace, where their array is reused).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> point = p.residual(p.initial_guess(), 773.15)[2]
    >>> point.p.shape, round(point.kT, 4)
    ((60, 1), 0.0666)
    """

    p: np.ndarray
    inv_g: object
    terms: object
    dq_carriers: object = 0.0
    charge_sizes: np.ndarray | None = None

    @property
    def kT(self):
        """kT (eV) of the terms."""
        return self.terms.kT

    @property
    def gauge_row(self):
        """The gauge's row of the matrix on the planes ``terms.support`` (1/V; None without a
        gauge)."""
        return self.terms.gauge_row


def newton_matrix(problem, point, *, work=None):
    """The Newton matrix of ``problem`` at ``point`` (of one problem, or of a stack: then every
    block but the shared off-diagonals has a leading axis ``B``).

    Parameters
    ----------
    problem : Problem
    point : Linearisation
        From :meth:`~ase_spacecharge.equilibrium.problem.Problem.residual`.
    work : Workspace, optional
        Where the diagonal and the charge response live (:mod:`ase_spacecharge.equilibrium.workspace`).

    Returns
    -------
    NewtonMatrix

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> F, scale, point = p.residual(p.initial_guess(), 773.15)
    >>> J = newton_matrix(p, point)
    >>> J.diag.shape, J.B.shape, J.dense_C().shape, J.D.shape
    ((90,), (90, 1), (1, 90), (1, 1))
    """
    op, a, terms = problem.operator, problem.active, point.terms
    dp_dphi = site_occupancy_response(point.p, terms.capacity, terms.phi_factor, problem.statistics,
                                      out=take(work, "response", point.p.shape))
    if a.activities:
        dp_dphi *= point.inv_g
    diag = problem.mobile_charge(dp_dphi, gross=False, out=take(work, "diag", point.p.shape[:-2] + op.diag.shape))[0]
    if isinstance(point.dq_carriers, np.ndarray) or point.dq_carriers:
        diag += point.dq_carriers  # ∂q/∂φ (e/V)
    diag *= op.c
    diag += op.diag
    return NewtonMatrix(op.lower, diag, op.upper, *_border(problem, point, dp_dphi), terms.support)


def _border(problem, point, dp_dphi):
    """Border blocks ``B`` (..., n, m), ``C`` (..., m, len(support)), ``D`` (..., m, m) of the
    Newton matrix."""
    a, op, terms = problem.active, problem.operator, point.terms
    lead = point.p.shape[:-2]  # () for one problem, (B,) for a stack
    cols, dp_deta = [problem.border_columns], []  # shared by a stack's problems
    for col_k in problem.fit_columns:
        v = np.zeros((1, point.p.shape[-1]))
        v[0, col_k] = 1.0
        dp = site_occupancy_response(point.p, terms.capacity, v, problem.statistics)
        if a.activities:
            dp *= point.inv_g
        dp_deta.append(dp)
        cols.append((op.c * problem.plane_sum(np.einsum("...sk,k->...s", dp, a.valence)))[..., None])
    if len(cols) > 1:
        cols[0] = np.broadcast_to(cols[0], lead + cols[0].shape) if lead else cols[0]
    B = np.concatenate(cols, axis=-1) if len(cols) > 1 else cols[0]
    m = B.shape[-1]
    rows = [] if problem.gauge is None else [terms.gauge_row]
    eta_col = m - len(problem.fitted)
    D = np.zeros(lead + (m, m))
    for k, col_k in enumerate(problem.fit_columns):
        w = terms.fit_weights[..., k, :] / terms.target[..., k, None]
        rows.append(problem.plane_sum(w * dp_dphi[..., col_k], weighted=False)[..., terms.support])
        for j, dp in enumerate(dp_deta):
            D[..., len(rows) - 1, eta_col + j] = np.einsum("...s,...s->...", w, dp[..., col_k])
    C = np.stack(rows, axis=-2) if len(rows) > 1 else (rows[0][..., None, :] if rows else np.zeros(lead + (0, 0)))
    return B, C, D
