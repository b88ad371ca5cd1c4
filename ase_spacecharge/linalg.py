"""O(N) solution of bordered (cyclic) tridiagonal systems.

The Newton matrix of the 1D problem is a tridiagonal block ``T`` (the Laplacian plus the
charge response), with corner entries for a periodic grid, bordered by a few dense rows
and columns (gauge, neutralising background, boundary potential, fitted chemical
potentials).  The corners are folded into the border by a Sherman–Morrison splitting and the
border is eliminated through a small Schur complement, so one LAPACK ``gtsv`` call with a
handful of right-hand sides does the O(N) work.
"""

from __future__ import annotations

import numpy as np

from .errors import SingularMatrixError

__all__ = ["solve_bordered_tridiagonal"]


def solve_bordered_tridiagonal(lower, diag, upper, B, C, D, rhs_n, rhs_m, *, periodic):
    """Solve ``[[T, B], [C, D]] [y; z] = [rhs_n; rhs_m]`` in O(n m²).

    Parameters
    ----------
    lower, diag, upper : ndarray (n,)
        ``T[i, i-1] = lower[i]``, ``T[i, i] = diag[i]``, ``T[i, i+1] = upper[i]``; when
        ``periodic`` also ``T[0, n-1] = lower[0]`` and ``T[n-1, 0] = upper[n-1]`` (otherwise
        ``lower[0]`` and ``upper[n-1]`` are ignored).
    B, C, D : ndarray
        Border blocks (n, m), (m, n) and (m, m); ``m`` may be zero.
    rhs_n, rhs_m : ndarray
        Right-hand sides (n,) and (m,).
    periodic : bool
        Corner entries (folded into the border by Sherman–Morrison).

    Returns
    -------
    y : ndarray (n,)
    z : ndarray (m,)

    Raises
    ------
    SingularMatrixError

    Examples
    --------
    >>> import numpy as np
    >>> n = 4
    >>> lower, diag, upper = np.full(n, 1.0), np.full(n, -3.0), np.full(n, 1.0)
    >>> B, C, D = np.ones((n, 1)), np.ones((1, n)), np.zeros((1, 1))
    >>> y, z = solve_bordered_tridiagonal(lower, diag, upper, B, C, D, np.arange(n), [0.0], periodic=True)
    >>> A = np.diag(diag) + np.diag(upper[:-1], 1) + np.diag(lower[1:], -1)
    >>> A[0, -1], A[-1, 0] = lower[0], upper[-1]
    >>> bool(np.allclose(A @ y + B @ z, np.arange(n)) and np.isclose(C @ y, 0.0).all())
    True
    """
    from scipy.linalg import lapack
    n = diag.size
    B = np.asarray(B, dtype=float).reshape(n, -1)
    C = np.asarray(C, dtype=float).reshape(-1, n)
    D = np.asarray(D, dtype=float).reshape(C.shape[0], B.shape[1])
    rhs_m = np.asarray(rhs_m, dtype=float).reshape(-1)
    d = diag.astype(float, copy=True)
    if periodic:
        gamma = -d[0] if d[0] != 0 else 1.0
        a, b = lower[0], upper[n - 1]
        d[0] -= gamma
        d[n - 1] -= a * b / gamma
        u = np.zeros(n)
        u[0], u[n - 1] = gamma, b
        v = np.zeros(n)
        v[0], v[n - 1] = 1.0, a / gamma
        B = np.column_stack((u, B))
        C = np.vstack((v, C))
        D = np.block([[np.full((1, 1), -1.0), np.zeros((1, D.shape[1]))],
                      [np.zeros((D.shape[0], 1)), D]])
        rhs_m = np.concatenate(([0.0], rhs_m))
    rhs = np.empty((n, B.shape[1] + 1), order="F")  # LAPACK's layout: no copy inside dgtsv
    rhs[:, :-1] = B
    rhs[:, -1] = rhs_n
    _, _, _, X, info = lapack.dgtsv(np.array(lower[1:], dtype=float), d, np.array(upper[:-1], dtype=float),
                                     rhs, overwrite_dl=True, overwrite_d=True, overwrite_du=True,
                                     overwrite_b=True)
    if info != 0:
        raise SingularMatrixError(f"tridiagonal block is singular (LAPACK dgtsv info={info})")
    k = B.shape[1]
    if k == 0:
        return X[:, 0], np.empty(0)
    XB, Xr = X[:, :k], X[:, k]
    schur = D - C @ XB
    try:
        z = np.linalg.solve(schur, rhs_m - C @ Xr)
    except np.linalg.LinAlgError as exc:
        raise SingularMatrixError(f"bordered system is singular: {exc}") from None
    y = Xr - XB @ z
    if periodic:
        z = z[1:]
    return y, z
