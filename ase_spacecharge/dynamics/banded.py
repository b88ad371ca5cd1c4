"""Banded linear algebra for the PNP Newton steps: assemble sparse triplets into LAPACK band
storage and solve (``scipy.linalg.solve_banded``), optionally with a few rows replaced by
dense ones (conservation constraints), by the Woodbury identity."""

from __future__ import annotations

import numpy as np

from ..errors import SingularMatrixError

__all__ = ["band_matrix", "band_matvec", "solve_band", "solve_band_with_rows"]


def band_matrix(size, bandwidth, rows, cols, vals):
    """LAPACK band storage ``ab[bw + r - c, c] = A[r, c]`` (entries summed), shape (2 bw + 1, size).

    Parameters
    ----------
    size : int
    bandwidth : int
        Half-width (lower = upper).
    rows, cols, vals : ndarray
        Entries; repeated positions add up.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> ab = band_matrix(3, 1, np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([2.0, 1.0, 3.0]))
    >>> ab[:, :2].tolist()
    [[0.0, 0.0], [2.0, 3.0], [1.0, 0.0]]
    """
    if rows.size and np.max(np.abs(rows - cols)) > bandwidth:
        raise ValueError(f"an entry lies outside the band of half-width {bandwidth}")
    ab = np.zeros((2 * bandwidth + 1, size), dtype=np.result_type(vals, float))
    np.add.at(ab, (bandwidth + rows - cols, cols), vals)
    return ab


def band_matvec(ab, bandwidth, x):
    """``A @ x`` for ``A`` in band storage.

    Parameters
    ----------
    ab : ndarray
        Band storage (:func:`band_matrix`).
    bandwidth : int
    x : ndarray (size,)

    Returns
    -------
    ndarray

    Examples
    --------
    >>> ab = band_matrix(2, 1, np.array([0, 1, 0]), np.array([0, 1, 1]), np.array([2.0, 3.0, 1.0]))
    >>> band_matvec(ab, 1, np.array([1.0, 1.0])).tolist()
    [3.0, 3.0]
    """
    size = ab.shape[1]
    out = np.zeros(size, dtype=np.result_type(ab, x))
    cols = np.arange(size)
    for i in range(ab.shape[0]):
        rows = i - bandwidth + cols
        ok = (rows >= 0) & (rows < size)
        out[rows[ok]] += ab[i, cols[ok]] * x[cols[ok]]
    return out


def solve_band(ab, bandwidth, rhs):
    """Solve the banded system (real or complex).

    Parameters
    ----------
    ab : ndarray
        Band storage (:func:`band_matrix`).
    bandwidth : int
    rhs : ndarray
        One or several right-hand sides (columns).

    Returns
    -------
    ndarray

    Raises
    ------
    SingularMatrixError

    Examples
    --------
    >>> ab = band_matrix(2, 1, np.array([0, 1, 0, 1]), np.array([0, 1, 1, 0]), np.array([2.0, 2.0, 1.0, 1.0]))
    >>> solve_band(ab, 1, np.array([3.0, 3.0])).tolist()
    [1.0, 1.0]
    """
    from scipy.linalg import solve_banded
    try:
        return solve_banded((bandwidth, bandwidth), ab, rhs, check_finite=False)
    except np.linalg.LinAlgError as exc:
        raise SingularMatrixError(f"banded Newton matrix is singular: {exc}") from None


def solve_band_with_rows(ab, bandwidth, rhs, replaced, dense, refine=0):
    """Solve the banded matrix with rows ``replaced`` swapped for dense rows: the band part with
    unit rows there, plus a rank-m Woodbury correction (m + 1 banded solves in one call).

    Parameters
    ----------
    ab : ndarray
    bandwidth : int
    rhs : ndarray
    replaced : sequence of int
        Rows to replace.
    dense : ndarray (m, size)
        The new rows.
    refine : int
        Steps of iterative refinement (a residual and a correction each): for ill-conditioned
        systems where a small part of the answer matters, such as the real part of a capacitive
        current.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> ab = band_matrix(2, 1, np.array([0, 1]), np.array([0, 1]), np.array([2.0, 5.0]))
    >>> solve_band_with_rows(ab, 1, np.array([2.0, 3.0]), [1], np.array([[1.0, 1.0]])).tolist()  # x0 + x1 = 3
    [1.0, 2.0]
    """
    replaced = np.asarray(replaced, int)
    x = _solve_with_rows(ab, bandwidth, rhs, replaced, dense)
    for _ in range(refine):
        y = band_matvec(ab, bandwidth, x)
        if replaced.size:
            y[replaced] = np.asarray(dense) @ x
        x = x + _solve_with_rows(ab, bandwidth, rhs - y, replaced, dense)
    return x


def _solve_with_rows(ab, bandwidth, rhs, replaced, dense):
    if replaced.size == 0:
        return solve_band(ab, bandwidth, rhs)
    ab = ab.copy()
    size = ab.shape[1]
    for r in replaced:  # unit row r in band storage: column c of row r sits at ab[bw + r - c, c]
        c = np.arange(max(0, r - bandwidth), min(size, r + bandwidth + 1))
        ab[bandwidth + r - c, c] = 0.0
        ab[bandwidth, r] = 1.0
    U = np.zeros((size, replaced.size))
    U[replaced, np.arange(replaced.size)] = 1.0
    V = np.asarray(dense, float).copy()
    V[np.arange(replaced.size), replaced] -= 1.0
    X = solve_band(ab, bandwidth, np.column_stack((rhs, U)))
    x, Z = X[:, 0], X[:, 1:]
    small = np.eye(replaced.size) + V @ Z
    return x - Z @ np.linalg.solve(small, V @ x)
