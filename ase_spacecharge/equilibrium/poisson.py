"""The one discrete Poisson operator of the equilibrium problem and its residual rows.

Finite volumes on the planes of a :class:`~.grid.Grid`: row ``i`` is
``flux_up_i + flux_down_i + c_i q_i - w_i ρ_b`` (e/Å²), with ``flux_up_i = L⁺_i (φ_{i+1} - φ_i)``
the displacement through the upper face (``L⁺ = ε0 ε_f / h``, e/(V Å²)), ``q_i`` the charge on
plane ``i`` (e), ``c_i = w_i / (dx_i A)`` and ``ρ_b`` the neutralising background (e/Å³).  The
coefficients are computed once per grid; the rows work on a state ``phi`` of shape
``(..., n)`` (one problem, or a batch of problems on one grid).

Scales, for the relative residual.  :func:`poisson_rows` returns the largest term of any row
(one number per problem); it scales the Newton line search and is a first test of
convergence.  :func:`row_scales` gives each row its own: the largest of its own terms
(charge, the displacement through either face, background), but at least the displacement
through its faces at one kT/e (:meth:`PoissonOperator.row_floor`, so that a row without
charges or field is judged by the curvature of φ in kT/e rather than by round-off) and at
most the largest term of any row.  A row whose terms are 1e-11 of another row's (a plane
next to one holding 1e58 Boltzmann defects per site) is then held to the tolerance against
its own terms, and no row is held more loosely than by the one scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PoissonOperator", "poisson_rows", "add_flux_rows", "row_scales"]


@dataclass(frozen=True)
class PoissonOperator:
    """The Laplacian of a grid and the factors of the Poisson rows.

    Attributes
    ----------
    lower, diag, upper : ndarray (n,)
        ``ε0 ∇·ε∇`` per unit area (e/(V Å²)): ``lower[i]`` couples plane ``i`` to ``i-1`` (to the
        last plane, or the lower wall, for ``i = 0``), ``upper[i]`` to ``i+1``.
    c : ndarray (n,)
        ``w / (dx area)`` (1/Å²): charge per plane (e) to the row's units.
    w : ndarray (n,)
        Laplacian cell widths (Å), the background's weight.
    periodic : bool
    symmetric : bool
        ``lower[i] == upper[i-1]`` for every interior face (to 1e-13): the flux through a face
        is computed once, and the tridiagonal block may be solved as symmetric.

    Examples
    --------
    >>> from ase_spacecharge.grid import Grid
    >>> op = PoissonOperator.from_grid(Grid.from_planes([1.0, 2.0, 4.0], 0.0, 5.0, area=10.0))
    >>> op.symmetric, op.periodic
    (True, True)
    """

    lower: np.ndarray
    diag: np.ndarray
    upper: np.ndarray
    c: np.ndarray
    w: np.ndarray
    periodic: bool
    symmetric: bool

    @classmethod
    def from_grid(cls, grid):
        """The operator of ``grid``.

        Parameters
        ----------
        grid : Grid

        Returns
        -------
        PoissonOperator

        Examples
        --------
        >>> from ase_spacecharge.grid import Grid
        >>> op = PoissonOperator.from_grid(Grid.regular(0.0, 3.0, 3, area=1.0, boundary="dirichlet"))
        >>> bool(np.allclose(op.diag, -(op.lower + op.upper)))
        True
        """
        lower, diag, upper = grid.laplacian()
        symmetric = bool(np.allclose(lower[1:], upper[:-1], rtol=1e-13, atol=0.0))
        return cls(lower, diag, upper, grid.w / grid.dx / grid.area, np.asarray(grid.w, float),
                   grid.boundary == "periodic", symmetric)

    def row_floor(self, kT):
        """The least scale of each row: the displacement through both of its faces at a
        potential difference of one kT/e, ``kT (|L⁻| + |L⁺|)`` (e/Å²).

        Parameters
        ----------
        kT : float, ndarray (n,) or (..., 1)
            eV (one per plane for a temperature profile, one per problem for a stack).

        Returns
        -------
        ndarray (..., n)

        Examples
        --------
        >>> from ase_spacecharge.grid import Grid
        >>> op = PoissonOperator.from_grid(Grid.regular(0.0, 3.0, 3, area=1.0, boundary="dirichlet"))
        >>> bool(np.allclose(op.row_floor(1.0), -op.diag))
        True
        """
        return kT * (np.abs(self.lower) + np.abs(self.upper))


def poisson_rows(op, phi, q, gross, rho_b, below, above, *, out=None):
    """Poisson residual rows (e/Å²) and their scale, the largest term in any row (charge,
    background or flux; for a relative residual).

    Parameters
    ----------
    op : PoissonOperator
    phi : ndarray (..., n)
        Plane potentials (V).
    q, gross : ndarray (..., n)
        Charge per plane (e) and its gross size (the sum of the magnitudes of its parts).
    rho_b : float or ndarray (...)
        Neutralising background (e/Å³).
    below, above : float or ndarray (...)
        The potential beyond each end (V): the other end's plane for a periodic grid, the
        wall otherwise.
    out : ndarray (..., n), optional
        Where to write ``F`` (e.g. the first ``n`` entries of the full residual).

    Returns
    -------
    F : ndarray (..., n)
    scale : float or ndarray (...)

    Examples
    --------
    >>> from ase_spacecharge.grid import Grid
    >>> op = PoissonOperator.from_grid(Grid.regular(0.0, 3.0, 3, area=1.0, boundary="dirichlet"))
    >>> F, scale = poisson_rows(op, np.zeros(3), np.zeros(3), np.zeros(3), 0.0, 0.0, 0.0)
    >>> F.tolist(), float(scale)
    ([0.0, 0.0, 0.0], 0.0)
    """
    F = np.multiply(op.c, q, out=out)
    charge = np.multiply(op.c, gross).max(axis=-1)
    return F, np.maximum(charge, add_flux_rows(op, phi, rho_b, below, above, F))


def add_flux_rows(op, phi, rho_b, below, above, F, *, work=None):
    """Add the displacement fluxes and the background to Poisson rows ``F`` (e/Å²) that hold
    the charge terms, in place; return the largest of those terms.

    Parameters
    ----------
    op : PoissonOperator
    phi : ndarray (..., n)
        Plane potentials (V).
    rho_b : float or ndarray (...)
        Neutralising background (e/Å³).
    below, above : float or ndarray (...)
        The potential beyond each end (V), as in :func:`poisson_rows`.
    F : ndarray (..., n)
        The charge terms ``c q``; on return the full rows.
    work : ndarray (..., n), optional
        Work space (overwritten).

    Returns
    -------
    float or ndarray (...)
        The largest flux or background term of any row (e/Å²).

    Examples
    --------
    >>> from ase_spacecharge.grid import Grid
    >>> op = PoissonOperator.from_grid(Grid.regular(0.0, 3.0, 3, area=1.0, boundary="dirichlet"))
    >>> F = np.zeros(3)
    >>> float(add_flux_rows(op, np.array([0.0, 1.0, 0.0]), 0.0, 0.0, 0.0, F)) > 0, float(F.sum()) == 0.0
    (True, True)
    """
    rho_b = np.asarray(rho_b, float)[..., None]
    background = bool(rho_b.any())
    work = np.empty_like(phi) if work is None else work
    if background:
        F -= np.multiply(op.w, rho_b, out=work)
    flux_up = work  # the displacement through each plane's upper face
    np.subtract(phi[..., 1:], phi[..., :-1], out=flux_up[..., :-1])
    flux_up[..., -1] = np.asarray(above) - phi[..., -1]
    flux_up *= op.upper
    first_down = op.lower[0] * (np.asarray(below) - phi[..., 0])
    F += flux_up
    flux = np.maximum(flux_up.max(axis=-1), -flux_up.min(axis=-1))
    if op.symmetric:  # flux_down[i] = -flux_up[i-1]
        F[..., 1:] -= flux_up[..., :-1]
    else:
        down = op.lower[1:] * (phi[..., :-1] - phi[..., 1:])
        F[..., 1:] += down
        flux = np.maximum(flux, np.max(np.abs(down), axis=-1))
    F[..., 0] += first_down
    flux = np.maximum(flux, np.abs(first_down))
    return np.maximum(flux, op.w.max() * np.abs(rho_b[..., 0])) if background else flux


def row_scales(op, phi, rho_b, below, above, charge_sizes, floor, cap, *, work=None):
    """The scale of each Poisson row (e/Å²): the largest of its own terms (``charge_sizes``,
    the displacement through either face, the background), at least ``floor`` and at most
    ``cap``; written into ``charge_sizes``.

    Parameters
    ----------
    op : PoissonOperator
    phi : ndarray (..., n)
        Plane potentials (V).
    rho_b, below, above
        As in :func:`poisson_rows`.
    charge_sizes : ndarray (..., n)
        The gross size of each row's charge terms, ``c Σ|q parts|`` (e/Å²); overwritten.
    floor : ndarray (..., n)
        :meth:`PoissonOperator.row_floor`.
    cap : float or ndarray (...)
        The largest term of any row (from :func:`poisson_rows`).
    work : ndarray (..., n), optional
        Work space (overwritten).

    Returns
    -------
    ndarray (..., n)
        ``charge_sizes``, now the scales.

    Examples
    --------
    >>> from ase_spacecharge.grid import Grid
    >>> op = PoissonOperator.from_grid(Grid.regular(0.0, 3.0, 3, area=1.0, boundary="dirichlet"))
    >>> phi, sizes = np.array([0.0, 1e-6, 0.0]), np.array([1e3, 0.0, 0.0])  # one row with a large charge
    >>> F, cap = poisson_rows(op, phi, np.zeros(3), sizes, 0.0, 0.0, 0.0)
    >>> s = row_scales(op, phi, 0.0, 0.0, 0.0, sizes, op.row_floor(1e-3), cap)
    >>> bool(s[0] == cap == 1e3), bool(np.allclose(s[1:], op.row_floor(1e-3)[1:]))  # the others: their floor
    (True, True)
    """
    out, t = charge_sizes, np.empty_like(phi) if work is None else work
    np.subtract(phi[..., 1:], phi[..., :-1], out=t[..., :-1])  # the displacement through the upper faces
    t[..., -1] = np.asarray(above) - phi[..., -1]
    t *= op.upper
    np.abs(t, out=t)
    np.maximum(out, t, out=out)
    if op.symmetric:  # and through the lower faces: the upper face of the plane below
        np.maximum(out[..., 1:], t[..., :-1], out=out[..., 1:])
    else:
        np.maximum(out[..., 1:], np.abs(op.lower[1:] * (phi[..., :-1] - phi[..., 1:])), out=out[..., 1:])
    out[..., 0] = np.maximum(out[..., 0], np.abs(op.lower[0] * (np.asarray(below) - phi[..., 0])))
    np.maximum(out, floor, out=out)
    rho_b = np.abs(np.asarray(rho_b, float))[..., None]
    if rho_b.any():
        np.maximum(out, np.multiply(op.w, rho_b, out=t), out=out)
    return np.minimum(out, np.asarray(cap, float)[..., None], out=out)
