"""The Newton matrix of the equilibrium problem at a linearisation point.

``[[T, B], [C, D]]``: ``T`` is the Poisson operator plus the charge response ``c ∂q/∂φ`` on its
diagonal; the border holds the bordered unknowns of :mod:`.problem` (background, floating
boundary potential, fitted chemical-potential shifts) and their rows (gauge, fitted bulk
fractions).  :meth:`.problem.Problem.residual` returns the point; the matrix is built only
when a Newton step needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .occupancy import occupancy_response

__all__ = ["Linearisation", "newton_matrix"]


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
    gauge_row : ndarray (n,) or None
        The gauge's row of the matrix (1/V; None without a gauge).

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


def newton_matrix(problem, point):
    """The Newton matrix ``((lower, diag, upper), B, C, D)`` of ``problem`` at ``point``.

    Parameters
    ----------
    problem : Problem
    point : Linearisation
        From :meth:`~.problem.Problem.residual`.

    Returns
    -------
    tuple
        The tridiagonal block (with periodic corners in ``lower[0]``, ``upper[-1]``) and the
        border blocks ``B`` (n, m), ``C`` (m, n), ``D`` (m, m), as
        :func:`~.linalg.solve_bordered_tridiagonal` takes them.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> F, scale, point = p.residual(p.initial_guess(), 773.15)
    >>> (lower, diag, upper), B, C, D = newton_matrix(p, point)
    >>> diag.shape, B.shape, C.shape, D.shape
    ((90,), (90, 1), (1, 90), (1, 1))
    """
    op, a = problem.operator, problem.active
    dp_dphi = occupancy_response(point.p, a.capacity, -a.valence[None, :] / point.kT, problem.statistics)
    if a.activities:
        dp_dphi *= point.inv_g
    diag = problem.mobile_charge(dp_dphi, gross=False)[0]  # ∂q/∂φ (e/V), then the row's T[i, i]
    if np.ndim(point.dq_carriers) or point.dq_carriers:
        diag += point.dq_carriers
    diag *= op.c
    diag += op.diag
    return ((op.lower, diag, op.upper),) + _border(problem, point, dp_dphi)


def _border(problem, point, dp_dphi):
    """Border blocks ``B`` (n, m), ``C`` (m, n), ``D`` (m, m) of the Newton matrix."""
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
        rows.append(np.bincount(a.plane, weights=w * dp_dphi[:, col_k], minlength=n))
        D[len(rows) - 1, eta_col:] = [w @ dp[:, col_k] for dp in dp_deta]
    C = np.vstack(rows) if len(rows) > 1 else (rows[0][None, :] if rows else np.zeros((0, n)))
    return B, C, D
