"""O(N) solution of bordered (cyclic) tridiagonal systems.

The Newton matrix of the 1D problem is a tridiagonal block ``T`` (the Laplacian plus the
charge response), with corner entries for a periodic grid, bordered by a few dense rows
and columns (gauge, neutralising background, boundary potential, fitted chemical
potentials).  The corners are folded into the border by a Sherman–Morrison splitting and the
border is eliminated through a small Schur complement, so one LAPACK call with a handful of
right-hand sides does the O(N) work: ``ptsv`` on ``-T`` when ``T`` is symmetric (the
equilibrium problem's, which is negative definite), ``gtsv`` otherwise or if ``ptsv`` finds
``-T`` not positive definite.
"""

from __future__ import annotations

import numpy as np

from ..errors import SingularMatrixError
from .workspace import take

__all__ = ["solve_bordered_tridiagonal", "solve_bordered_tridiagonal_batch"]


def solve_bordered_tridiagonal(lower, diag, upper, B, C, D, rhs_n, rhs_m, *, periodic, symmetric=False,
                               out=None, C_columns=None, alpha=1.0, work=None):
    """Solve ``[[T, B], [C, D]] [y; z] = alpha [rhs_n; rhs_m]`` in O(n m²).

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
    symmetric : bool
        ``lower[1:] == upper[:-1]``: then ``-T`` is tried as symmetric positive definite (LAPACK
        ``ptsv``, half the work of ``gtsv``), with ``gtsv`` as the fallback.
    out : ndarray (n + m,), optional
        Where to write ``[y; z]`` (``y`` and ``z`` are then views of it).
    C_columns : int ndarray, optional
        ``C`` holds only these columns, (m, len(C_columns)); its other columns are zero.
    alpha : float
        Scales the right-hand sides (e.g. -1 for a Newton step from a residual) at no cost.
    work : Workspace, optional
        Where LAPACK's arrays live (:mod:`ase_spacecharge.equilibrium.workspace`).

    Returns
    -------
    y : ndarray (n,)
    z : ndarray (m,)

    Raises
    ------
    SingularMatrixError

    Examples
    --------
    >>> n = 4
    >>> lower, diag, upper = np.full(n, 1.0), np.full(n, -3.0), np.full(n, 1.0)
    >>> B, C, D = np.ones((n, 1)), np.ones((1, n)), np.zeros((1, 1))
    >>> y, z = solve_bordered_tridiagonal(lower, diag, upper, B, C, D, np.arange(n), [0.0], periodic=True)
    >>> A = np.diag(diag) + np.diag(upper[:-1], 1) + np.diag(lower[1:], -1)
    >>> A[0, -1], A[-1, 0] = lower[0], upper[-1]
    >>> bool(np.allclose(A @ y + B @ z, np.arange(n)) and np.isclose(C @ y, 0.0).all())
    True
    """
    n = diag.size
    B = np.asarray(B, dtype=float).reshape(n, -1)
    m = B.shape[1]
    C = np.asarray(C, dtype=float).reshape(m, n if C_columns is None else len(C_columns))
    D = np.asarray(D, dtype=float).reshape(m, m)
    rhs_m, rhs_m_given = alpha * np.asarray(rhs_m, dtype=float).reshape(-1), rhs_m
    sign, extra = (-1.0 if symmetric else 1.0), (1 if periodic else 0)
    d = np.multiply(diag, sign, out=take(work, "d", n))  # the diagonal of sign T
    rhs = take(work, "rhs", (n, m + extra + 1), "F")  # LAPACK's layout: no copy inside gtsv/ptsv
    rhs[:, extra:-1] = B
    np.multiply(rhs_n, alpha, out=rhs[:, -1])
    if periodic:
        corner, D, rhs_m = _fold_corners(lower, d, upper, sign, rhs[:, 0], D, rhs_m)
    X = _tridiagonal_solve(lower, d, upper, rhs, sign, work)  # (sign T) X = rhs
    if X is None:  # -T is not positive definite
        return solve_bordered_tridiagonal(lower, diag, upper, B, C, D if not periodic else D[1:, 1:], rhs_n,
                                          rhs_m_given, periodic=periodic, out=out, C_columns=C_columns, alpha=alpha,
                                          work=work)
    out = np.empty(n + m) if out is None else out
    _eliminate_border(X, sign, C if C_columns is None else (C, C_columns), D, rhs_m,
                      corner if periodic else None, out)
    return out[:n], out[n:]


def _eliminate_border(X, sign, C, D, rhs_m, corner, out):
    """``[y; z]`` into ``out`` from ``T (sign X) = [u?, B, rhs_n]`` (``u``: the periodic corner
    column when ``corner`` is given): the small Schur complement for ``z``, then
    ``y = sign (X_r - X_B z)``.  ``C`` may be ``(C_support, columns)``."""
    n, k = X.shape[0], X.shape[1] - 1
    if k == 0:
        np.multiply(X[:, 0], sign, out=out[:n])
        return
    C, columns = C if isinstance(C, tuple) else (C, None)
    CX = np.einsum("mn,nk->mk", C, X if columns is None else X[columns])  # no BLAS threads
    if corner is not None:
        CX = np.vstack((X[0] + corner * X[n - 1], CX))
    CX *= sign
    try:
        z = np.linalg.solve(D - CX[:, :k], rhs_m - CX[:, k])
    except np.linalg.LinAlgError as exc:
        raise SingularMatrixError(f"bordered system is singular: {exc}") from None
    np.einsum("nk,k->n", X, np.append(-sign * z, sign), out=out[:n])  # sign (X_r - X_B z)
    out[n:] = z[k - out[n:].size:]  # without the corner's unknown


def _fold_corners(lower, d, upper, sign, column, D, rhs_m):
    """Sherman–Morrison for the periodic corners of ``T`` (one block, or a batch along the
    leading axes): ``T = T' + u v^T`` with ``u = γ e_0 + upper[n-1] e_{n-1}`` and
    ``v = e_0 + (lower[0]/γ) e_{n-1}``, ``γ = -T[0, 0]``.  Changes ``d`` (the diagonal of
    ``sign T``) into that of ``sign T'``, writes ``u`` into ``column`` and returns the ``v``
    coefficient of ``e_{n-1}`` and ``D``, ``rhs_m`` with the corner's unknown put first."""
    n = d.shape[-1]
    gamma = np.where(d[..., 0] != 0, -sign * d[..., 0], 1.0)
    a, b = lower[0], upper[n - 1]
    d[..., 0] -= sign * gamma
    d[..., n - 1] -= sign * a * b / gamma
    column[...] = 0.0
    column[..., 0], column[..., n - 1] = gamma, b
    m = D.shape[-1]
    D_new = np.zeros(D.shape[:-2] + (m + 1, m + 1))
    D_new[..., 0, 0] = -1.0
    D_new[..., 1:, 1:] = D
    rhs_new = np.zeros(rhs_m.shape[:-1] + (m + 1,))
    rhs_new[..., 1:] = rhs_m
    return a / gamma, D_new, rhs_new


def _tridiagonal_solve(lower, d, upper, rhs, sign, work=None):
    """``X`` with ``(sign T) X = rhs`` for the tridiagonal ``T`` with off-diagonals ``lower``,
    ``upper`` and ``sign T`` with diagonal ``d`` (``d`` and ``rhs`` are overwritten), by
    LAPACK: ``ptsv`` when ``sign`` is -1 (symmetric ``T``, ``-T`` tried as positive definite;
    None if it is not), else ``gtsv``."""
    from scipy.linalg import lapack
    n = d.size
    if sign < 0:
        e = np.negative(upper[:-1], out=take(work, "e", n - 1))
        _, _, X, info = lapack.dptsv(d, e, rhs, overwrite_d=True, overwrite_e=True, overwrite_b=True)
        return X if info == 0 else None
    dl, du = take(work, "dl", n - 1), take(work, "du", n - 1)
    dl[:], du[:] = lower[1:], upper[:-1]
    _, _, _, X, info = lapack.dgtsv(dl, d, du, rhs, overwrite_dl=True, overwrite_d=True, overwrite_du=True,
                                     overwrite_b=True)
    if info != 0:
        raise SingularMatrixError(f"tridiagonal block is singular (LAPACK gtsv info={info})")
    return X


def solve_bordered_tridiagonal_batch(lower, diag, upper, B, C, D, rhs_n, rhs_m, *, periodic, symmetric=False,
                                     C_columns=None):
    """:func:`solve_bordered_tridiagonal` for a batch of matrices that share their off-diagonals
    (``b`` problems on one grid).  The tridiagonal blocks are decoupled blocks of one
    tridiagonal matrix of size ``b n``: one LAPACK call solves them all.

    Parameters
    ----------
    lower, upper : ndarray (n,)
        Shared off-diagonals (periodic corners in ``lower[0]`` and ``upper[n-1]``).
    diag : ndarray (b, n)
    B, C, D : ndarray (b, n, m) (or (n, m), shared), (b, m, n), (b, m, m)
    rhs_n, rhs_m : ndarray (b, n), (b, m)
    periodic, symmetric : bool
        As in :func:`solve_bordered_tridiagonal`.
    C_columns : int ndarray, optional
        ``C`` holds only these columns, (b, m, len(C_columns)); its other columns are zero.

    Returns
    -------
    y : ndarray (b, n)
    z : ndarray (b, m)

    Raises
    ------
    SingularMatrixError

    Examples
    --------
    >>> import numpy as np
    >>> n = 5
    >>> lower, upper = np.full(n, 1.0), np.full(n, 1.0)
    >>> diag = np.array([np.full(n, -3.0), np.full(n, -4.0)])
    >>> B, C, D = np.ones((2, n, 1)), np.ones((2, 1, n)), np.zeros((2, 1, 1))
    >>> rhs = np.arange(2 * n, dtype=float).reshape(2, n)
    >>> y, z = solve_bordered_tridiagonal_batch(lower, diag, upper, B, C, D, rhs, np.zeros((2, 1)), periodic=True)
    >>> one, _ = solve_bordered_tridiagonal(lower, diag[1], upper, B[1], C[1], D[1], rhs[1], [0.0], periodic=True)
    >>> bool(np.allclose(y[1], one))
    True
    """
    b, n = diag.shape
    m = B.shape[-1]
    sign = -1.0 if symmetric else 1.0
    d = np.negative(diag) if symmetric else np.array(diag, float)  # the diagonals of sign T
    extra = 1 if periodic else 0
    k = m + extra
    R = np.empty((k + 1, b, n))  # each column, block after block: Fortran order of (b n, k + 1)
    R[extra:k] = B.T[:, None, :] if B.ndim == 2 else np.transpose(B, (2, 0, 1))
    R[k] = rhs_n
    C, D, rhs_m = np.asarray(C, float), np.asarray(D, float), np.asarray(rhs_m, float)
    if periodic:
        corner, D, rhs_m = _fold_corners(lower, d, upper, sign, R[0], D, rhs_m)
    low, up = np.tile(lower, b), np.tile(upper, b)
    low[::n], up[n - 1::n] = 0.0, 0.0  # no coupling between the blocks
    X = _tridiagonal_solve(low, d.ravel(), up, R.reshape(k + 1, b * n).T, sign)
    if X is None:  # some -T is not positive definite
        return solve_bordered_tridiagonal_batch(lower, diag, upper, B, C, D if not periodic else D[:, 1:, 1:],
                                                rhs_n, rhs_m[:, extra:], periodic=periodic, C_columns=C_columns)
    X = (sign * X).T.reshape(k + 1, b, n)
    if k == 0:
        return X[0], np.zeros((b, 0))
    if C_columns is not None and C_columns.size and C_columns[-1] - C_columns[0] + 1 == C_columns.size:
        C_columns = slice(C_columns[0], C_columns[-1] + 1)  # a run of planes (the bulk region): a view
    CX = np.einsum("bmn,kbn->bmk", C, X if C_columns is None else X[:, :, C_columns])
    if periodic:
        CX = np.concatenate(((X[:, :, 0] + corner * X[:, :, n - 1]).T[:, None, :], CX), axis=1)
    try:
        z = np.linalg.solve(D - CX[:, :, :k], (rhs_m - CX[:, :, k])[..., None])[..., 0]
    except np.linalg.LinAlgError as exc:
        raise SingularMatrixError(f"bordered system is singular: {exc}") from None
    y = X[k] - np.einsum("kbn,bk->bn", X[:k], z)
    return y, z[:, extra:]
