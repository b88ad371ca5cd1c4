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

from ..occupancy import occupancy_response
from .workspace import take

__all__ = ["Linearisation", "NewtonMatrix", "newton_matrix"]


class NewtonMatrix(NamedTuple):
    """The Newton matrix ``[[T, B], [C, D]]`` as :func:`~ase_spacecharge.equilibrium.linalg.solve_bordered_tridiagonal`
    takes it.

    Attributes
    ----------
    lower, diag, upper : ndarray (n,)
        The tridiagonal block ``T`` (periodic corners in ``lower[0]`` and ``upper[-1]``).
    B : ndarray (n, m)
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
    """Where the residual was evaluated, as the matrix needs it.

    Attributes
    ----------
    p : ndarray (n_active, k)
        Site fractions of the mobile species on the active sites.
    inv_g : ndarray or float
        Inverse non-ideality factors (1.0 when every species is ideal).
    kT : float
        eV.
    dq_carriers : ndarray (n,) or float
        ``∂q/∂φ`` of the band carriers per plane (e/V; 0.0 without carriers).
    gauge_row : ndarray or None
        The gauge's row of the matrix on the planes ``problem.border_support`` (1/V; None
        without a gauge).

    Examples
    --------
    >>> Linearisation(np.zeros((2, 1)), 1.0, 0.0666, 0.0).kT
    0.0666
    """

    p: np.ndarray
    inv_g: object
    kT: float
    dq_carriers: object
    gauge_row: np.ndarray | None = None


def newton_matrix(problem, point, *, work=None):
    """The Newton matrix of ``problem`` at ``point``.

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
    op, a = problem.operator, problem.active
    dp_dphi = occupancy_response(point.p, problem.site_capacity, -a.valence[None, :] / point.kT, problem.statistics,
                                 out=take(work, "response", point.p.shape))
    if a.activities:
        dp_dphi *= point.inv_g
    diag = problem.mobile_charge(dp_dphi, gross=False, out=take(work, "diag", op.diag.size))[0]  # ∂q/∂φ (e/V)
    if isinstance(point.dq_carriers, np.ndarray) or point.dq_carriers:
        diag += point.dq_carriers
    diag *= op.c
    diag += op.diag
    return NewtonMatrix(op.lower, diag, op.upper, *_border(problem, point, dp_dphi), problem.border_support)


def _border(problem, point, dp_dphi):
    """Border blocks ``B`` (n, m), ``C`` (m, len(support)), ``D`` (m, m) of the Newton matrix."""
    n, a, op = problem.grid.n, problem.active, problem.operator
    cols, dp_deta = [problem.border_columns], []
    for col_k in problem.fit_columns:
        v = np.zeros(point.p.shape[1])
        v[col_k] = 1.0
        dp = occupancy_response(point.p, a.capacity, v[None, :], problem.statistics)
        if a.activities:
            dp *= point.inv_g
        dp_deta.append(dp)
        cols.append((op.c * problem.plane_sum(np.einsum("sk,k->s", dp, a.valence)))[:, None])
    B = np.hstack(cols) if len(cols) > 1 else cols[0]
    m = B.shape[1]
    rows = [] if problem.gauge is None else [point.gauge_row]
    eta_col = m - len(problem.fitted)
    D = np.zeros((m, m))
    for k, col_k in enumerate(problem.fit_columns):
        w = problem.fit_weights[k] / problem.target[k]
        rows.append(np.bincount(a.plane, weights=w * dp_dphi[:, col_k], minlength=n)[problem.border_support])
        D[len(rows) - 1, eta_col:] = [w @ dp[:, col_k] for dp in dp_deta]
    C = np.vstack(rows) if len(rows) > 1 else (rows[0][None, :] if rows else np.zeros((0, 0)))
    return B, C, D
