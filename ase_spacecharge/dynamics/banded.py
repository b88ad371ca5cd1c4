"""Banded linear algebra for the PNP Newton steps: assemble sparse triplets into LAPACK band
storage and solve (``scipy.linalg.solve_banded``), optionally with a few rows replaced by
dense ones (conservation constraints), by the Woodbury identity."""

from __future__ import annotations

import numpy as np

from ..errors import SingularMatrixError

__all__ = ["band_matrix", "band_matvec", "solve_band", "solve_band_with_rows", "BandFactor"]


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
    dtype = np.result_type(vals, float)
    if dtype.kind == "f":  # one pass: bincount sums repeated positions
        flat = np.bincount((bandwidth + rows - cols) * size + cols, vals, (2 * bandwidth + 1) * size)
        return flat.reshape(2 * bandwidth + 1, size)
    ab = np.zeros((2 * bandwidth + 1, size), dtype=dtype)
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
    for i in range(ab.shape[0]):  # diagonal i holds A[c + i - bandwidth, c]
        shift = i - bandwidth
        lo, hi = max(0, -shift), min(size, size - shift)
        out[lo + shift:hi + shift] += ab[i, lo:hi] * x[lo:hi]
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
    factor = BandFactor(ab, bandwidth, replaced, dense)
    x = factor.solve(rhs)
    for _ in range(refine):
        x = x + factor.solve(rhs - factor.matvec(x))
    return x


class BandFactor:
    """An LU factorisation (LAPACK ``gbtrf``) of a banded matrix with some rows replaced by
    dense ones (a rank-m Woodbury correction of the band part with unit rows there), for
    several solves with one matrix.

    Parameters
    ----------
    ab : ndarray
        Band storage (:func:`band_matrix`), real or complex.
    bandwidth : int
    replaced : sequence of int
    dense : ndarray (m, size)

    Raises
    ------
    SingularMatrixError

    Examples
    --------
    >>> ab = band_matrix(2, 1, np.array([0, 1]), np.array([0, 1]), np.array([2.0, 5.0]))
    >>> BandFactor(ab, 1, [1], np.array([[1.0, 1.0]])).solve(np.array([2.0, 3.0])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, ab, bandwidth, replaced=(), dense=None):
        from scipy.linalg import get_lapack_funcs
        self.ab, self.bandwidth = ab, bandwidth
        self.replaced = np.asarray(replaced, int)
        self.dense = np.zeros((0, ab.shape[1])) if dense is None else np.asarray(dense)
        size, bw = ab.shape[1], bandwidth
        work = np.empty((3 * bw + 1, size), dtype=ab.dtype)  # gbtrf's storage: bw more rows for fill-in
        work[:bw] = 0.0
        work[bw:] = ab
        for r in self.replaced:  # unit row r: column c of row r sits at ab[bw + r - c, c]
            c = np.arange(max(0, r - bw), min(size, r + bw + 1))
            work[2 * bw + r - c, c] = 0.0
            work[2 * bw, r] = 1.0
        gbtrf, self._gbtrs = get_lapack_funcs(("gbtrf", "gbtrs"), (work,))
        self._lu, self._piv, info = gbtrf(work, bw, bw, overwrite_ab=True)
        if info != 0:
            raise SingularMatrixError(f"banded matrix is singular (LAPACK gbtrf info = {info})")
        if self.replaced.size:
            U = np.zeros((size, self.replaced.size), dtype=ab.dtype)
            U[self.replaced, np.arange(self.replaced.size)] = 1.0
            self._V = self.dense.astype(np.result_type(self.dense, ab.dtype))
            self._V[np.arange(self.replaced.size), self.replaced] -= 1.0
            self._Z = self._band_solve(U)
            self._small = np.eye(self.replaced.size) + self._V @ self._Z

    def _band_solve(self, rhs):
        x, info = self._gbtrs(self._lu, self.bandwidth, self.bandwidth, rhs, self._piv)
        if info != 0:  # pragma: no cover - gbtrs fails only on bad arguments
            raise SingularMatrixError(f"LAPACK gbtrs info = {info}")
        return x

    def solve(self, rhs):
        """The solution for ``rhs`` (one vector)."""
        x = self._band_solve(np.asarray(rhs, dtype=np.result_type(rhs, self._lu)))
        if self.replaced.size:
            try:
                x = x - self._Z @ np.linalg.solve(self._small, self._V @ x)
            except np.linalg.LinAlgError as exc:  # the dense rows are dependent on the band part
                raise SingularMatrixError(f"banded matrix with replaced rows is singular (Woodbury: {exc})") from None
        return x

    def matvec(self, x):
        """The full matrix (replaced rows included) times ``x``."""
        y = band_matvec(self.ab, self.bandwidth, x)
        if self.replaced.size:
            y[self.replaced] = self.dense @ x
        return y
