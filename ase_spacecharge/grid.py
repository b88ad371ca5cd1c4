"""One-dimensional irregular grid: planes, control volumes and the three-point Laplacian.

Every plane ``i`` at position ``x[i]`` (Å) owns a control volume of width ``dx[i]`` (Å)
and cross-section ``area`` (Å²).  Plane ``i`` is joined to its neighbours by faces at
distances ``h_lower[i]`` and ``h_upper[i]`` (Å) carrying the relative permittivities
``eps_lower[i]`` and ``eps_upper[i]``; putting the permittivity on faces lets it change
across an interface.  The finite-volume Poisson equation for plane ``i`` reads

    ε0 [ε_u (φ_{i+1} - φ_i)/h_u - ε_l (φ_i - φ_{i-1})/h_l] = -c_i q_i / A + w_i ρ_b

with ``q_i`` the plane charge (e), ``c_i = w_i/dx_i`` (1 except in pyscses compatibility
mode, :mod:`.compat`) and ``ρ_b`` the neutralising background of a periodic cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import EPSILON_0
from .errors import InputError, is_number

__all__ = ["BOUNDARIES", "Grid", "group_planes", "control_volume_widths", "region_weights", "validate_region"]

BOUNDARIES = ("periodic", "dirichlet")


def group_planes(x, tol=0.2):
    """Group positions into planes by sort-and-split, O(N log N).

    Sorted neighbours closer than ``tol`` (Å) belong to one plane; a plane sits at the
    mean of its members.

    Parameters
    ----------
    x : array_like, shape (n,)
        Positions (Å).
    tol : float
        Largest gap (Å) between neighbours of one plane (``plane_tol``): a non-negative number.

    Returns
    -------
    plane_x : ndarray, shape (n_planes,)
        Sorted plane positions (Å).
    plane_of : ndarray of int, shape (n,)
        Plane index of every input position.

    Examples
    --------
    >>> group_planes([0.0, 3.0, 0.1, 2.95], tol=0.2)
    (array([0.05 , 2.975]), array([0, 1, 0, 1]))
    """
    if not (is_number(tol) and tol >= 0):  # NaN fails too
        raise InputError(f"plane_tol must be a non-negative distance (Å), got {tol!r}")
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return np.empty(0), np.empty(0, dtype=int)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new_plane = np.concatenate(([True], np.diff(xs) > tol))
    sorted_plane = np.cumsum(new_plane) - 1
    counts = np.bincount(sorted_plane)
    plane_x = np.bincount(sorted_plane, weights=xs) / counts
    plane_of = np.empty_like(sorted_plane)
    plane_of[order] = sorted_plane
    return plane_x, plane_of


def control_volume_widths(x, *, period=None, lower_end=None, upper_end=None, walls=None):
    """Control-volume widths ``(x[i+1] - x[i-1]) / 2`` of sorted positions (Å).

    Parameters
    ----------
    x : array_like
        Sorted positions (Å).
    period : float, optional
        The positions wrap around with this period (Å).
    lower_end, upper_end : float, optional
        End widths without a period (default: the neighbouring spacing).
    walls : (float, float), optional
        The domain's ends (Å): each end width runs from its wall to half the next spacing
        (a sublattice's planes in a bounded domain).

    Returns
    -------
    ndarray
        Widths (Å).

    Examples
    --------
    >>> control_volume_widths([0.0, 1.0, 3.0], period=6.0)
    array([2. , 1.5, 2.5])
    """
    x = np.asarray(x, dtype=float)
    if x.size == 1:
        if walls is not None:
            return np.array([float(walls[1] - walls[0])])
        return np.array([period if period is not None else (lower_end or 0.0)])
    h = np.diff(x)
    if walls is not None:
        lower_end, upper_end = x[0] - walls[0] + 0.5 * h[0], walls[1] - x[-1] + 0.5 * h[-1]
    if period is not None:
        wrap = period - (x[-1] - x[0])
        h_lower = np.concatenate(([wrap], h))
        h_upper = np.concatenate((h, [wrap]))
        return 0.5 * (h_lower + h_upper)
    dx = np.empty_like(x)
    dx[1:-1] = 0.5 * (x[2:] - x[:-2])
    dx[0] = h[0] if lower_end is None else lower_end
    dx[-1] = h[-1] if upper_end is None else upper_end
    return dx


def central_widths(xs, idx):
    """Control-volume widths ``(x[j+1] - x[j-1]) / 2`` (Å) of the interior points ``idx`` of
    the sorted coordinates ``xs``.

    Examples
    --------
    >>> central_widths(np.array([0.0, 1.0, 3.0, 4.0]), [1, 2])
    array([1.5, 1.5])
    """
    idx = np.asarray(idx)
    return 0.5 * (xs[idx + 1] - xs[idx - 1])


def harmonic_face_permittivity(eps_lower_cell, eps_upper_cell, d_lower=1.0, d_upper=1.0):
    """Permittivity of a face between two cells: the distance-weighted harmonic mean
    ``(d_l + d_u) / (d_l/ε_l + d_u/ε_u)``, exact for the flux of the discrete scheme when the
    material boundary lies on the face (``d_l``, ``d_u``: node-to-face distances, Å).

    Examples
    --------
    >>> float(harmonic_face_permittivity(10.0, 30.0))
    15.0
    """
    return (d_lower + d_upper) / (d_lower / eps_lower_cell + d_upper / eps_upper_cell)


def region_weights(plane_x, planes_mask, lo, hi, period):
    """Control-volume weights (summing to 1) of a bulk-region mean over a subset of planes.

    Parameters
    ----------
    plane_x : array_like (n,)
        Sorted plane positions (Å).
    planes_mask : bool array (n,)
        The subset (e.g. the planes hosting one species).
    lo, hi : float
        The region ``lo < x < hi`` (Å).
    period : float
        The subset's widths are those of a circle of this circumference (Å).

    Returns
    -------
    ndarray, shape (n,)
        Zero outside the region and off the subset.

    Raises
    ------
    InputError
        When no plane of the subset lies in the region.

    Examples
    --------
    >>> region_weights(np.arange(6.0), np.ones(6, bool), 0.5, 2.5, 6.0)
    array([0. , 0.5, 0.5, 0. , 0. , 0. ])
    """
    sub = np.flatnonzero(planes_mask)
    xs = np.asarray(plane_x, float)[sub]
    idx = np.flatnonzero((xs > lo) & (xs < hi))
    if idx.size == 0:
        raise InputError(f"the bulk region {lo}..{hi} Å contains no planes")
    dx = control_volume_widths(xs, period=period)[idx]
    weights = np.zeros(len(plane_x))
    weights[sub[idx]] = dx / dx.sum()
    return weights


def validate_region(x_min, x_max, area, permittivity, boundary):
    """Raise :class:`~.errors.InputError` naming the value unless ``x_min < x_max`` (Å, both
    finite), ``area > 0`` (Å²), every permittivity is positive and ``boundary`` is one of
    :data:`BOUNDARIES`.

    Parameters
    ----------
    x_min, x_max : float
    area : float
    permittivity : float or array
    boundary : str

    Returns
    -------
    None

    Examples
    --------
    >>> validate_region(0.0, 10.0, 25.0, 55.0, "periodic")
    >>> validate_region(0.0, 10.0, -1.0, 55.0, "periodic")
    Traceback (most recent call last):
    ...
    ase_spacecharge.errors.InputError: area must be positive, got -1.0
    """
    if not (np.isfinite(x_min) and np.isfinite(x_max)) or not x_max > x_min:
        raise InputError(f"region must satisfy x_min < x_max, got x_min={x_min!r}, x_max={x_max!r}")
    if not np.isfinite(area) or area <= 0:
        raise InputError(f"area must be positive, got {area!r}")
    eps = np.asarray(permittivity, dtype=float)
    if not np.all(np.isfinite(eps)) or np.any(eps <= 0):
        raise InputError(f"permittivity must be positive, got {permittivity!r}")
    if boundary not in BOUNDARIES:
        raise InputError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")


def face_permittivities(permittivity, n):
    """(lower, upper) face permittivities of ``n`` planes from a scalar or ``n + 1`` face
    values (lower boundary face first)."""
    eps = np.asarray(permittivity, dtype=float)
    if eps.ndim > 0 and eps.size not in (1, n + 1):
        raise InputError(f"permittivity: expected a number or one value per face ({n + 1} for {n} planes), "
                         f"got {eps.size} values")
    eps = np.broadcast_to(eps.reshape(-1) if eps.ndim else eps, (n + 1,)).copy()
    return eps[:-1], eps[1:]


@dataclass
class Grid:
    """A 1D finite-volume grid (all lengths in Å).

    Attributes
    ----------
    x : ndarray
        Plane positions.
    dx : ndarray
        Control-volume widths (volume = dx * area).
    h_lower, h_upper : ndarray
        Distances to the lower/upper neighbour (or boundary ghost point).
    w : ndarray
        Laplacian cell widths (equal to dx except in pyscses compatibility mode).
    eps_lower, eps_upper : ndarray
        Relative permittivity on the lower/upper face.
    area : float
        Cross-section (Å²).
    boundary : {"periodic", "dirichlet"}
    x_min, x_max : float
        Domain ends (Å).

    Examples
    --------
    >>> g = Grid.from_planes([1.0, 2.0, 4.0], 0.0, 5.0, area=10.0)
    >>> g.dx, g.h_lower
    (array([1.5, 1.5, 2. ]), array([2., 1., 2.]))
    >>> Grid.regular(0.0, 3.0, 3, area=1.0, boundary="dirichlet").dx  # cells reach the walls
    array([1., 1., 1.])
    """

    x: np.ndarray
    dx: np.ndarray
    h_lower: np.ndarray
    h_upper: np.ndarray
    w: np.ndarray
    eps_lower: np.ndarray
    eps_upper: np.ndarray
    area: float
    boundary: str
    x_min: float
    x_max: float

    @property
    def n(self):
        """Number of planes."""
        return len(self.x)

    @property
    def volume(self):
        """Control volumes (Å³)."""
        return self.dx * self.area

    def laplacian(self):
        """Coefficients (lower, diag, upper) of ε0 ∇·ε∇ per unit area, in e/(V Å²).

        For a periodic grid ``lower[0]`` couples plane 0 to plane n-1 and ``upper[-1]``
        plane n-1 to plane 0; for a Dirichlet grid they couple to the boundary value.
        """
        lower = EPSILON_0 * self.eps_lower / self.h_lower
        upper = EPSILON_0 * self.eps_upper / self.h_upper
        return lower, -(lower + upper), upper

    @classmethod
    def from_planes(cls, plane_x, x_min, x_max, area, *, boundary="periodic", permittivity=1.0):
        """The grid of planes inside ``x_min < x < x_max`` (Å).

        A periodic grid has period ``x_max - x_min``: the wrap-around face joins the last
        plane to the first across the region ends.  A Dirichlet grid puts ghost points at
        ``x_min`` and ``x_max`` (the walls hold the potential like a plane of the lattice:
        an end plane's control volume reaches half way to its wall).  ``permittivity`` is relative: a scalar, or one value per
        face (n + 1 values, from the lower boundary face to the upper one).
        """
        validate_region(x_min, x_max, area, permittivity, boundary)
        x = np.asarray(plane_x, dtype=float)
        if x.size < 3:
            raise InputError(f"the region {x_min} < x < {x_max} Å holds {x.size} planes; at least 3 are needed")
        if np.any(np.diff(x) <= 0):
            raise InputError("plane positions must be strictly increasing")
        h = np.diff(x)
        if boundary == "periodic":
            lo_end = hi_end = (x[0] - x_min) + (x_max - x[-1])
        else:
            lo_end, hi_end = x[0] - x_min, x_max - x[-1]
        h_lower = np.concatenate(([lo_end], h))
        h_upper = np.concatenate((h, [hi_end]))
        if np.any(h_lower <= 0) or np.any(h_upper <= 0):
            raise InputError("a plane lies on the region boundary; move x_min/x_max off the planes")
        dx = 0.5 * (h_lower + h_upper)
        eps_lower, eps_upper = face_permittivities(permittivity, x.size)
        if boundary == "periodic":
            eps_lower[0] = eps_upper[-1]
        return cls(x, dx, h_lower, h_upper, dx.copy(), eps_lower, eps_upper, float(area), boundary,
                   float(x_min), float(x_max))

    @classmethod
    def regular(cls, x_min, x_max, n_points, area, *, boundary="periodic", permittivity=1.0):
        """A regular grid of ``n_points`` cells of equal width over ``[x_min, x_max]``
        (continuum model), nodes at the cell centres; with Dirichlet ends the walls are the
        outer faces of the end cells."""
        if int(n_points) < 3:
            raise InputError(f"n_points must be at least 3, got {n_points!r}")
        h = (x_max - x_min) / n_points
        x = x_min + h * (np.arange(n_points) + 0.5)
        grid = cls.from_planes(x, x_min, x_max, area, boundary=boundary, permittivity=permittivity)
        grid.dx[[0, -1]] = grid.w[[0, -1]] = h  # whole cells (a periodic grid has them already)
        return grid

    @classmethod
    def from_cells(cls, widths, eps_cell, area, *, x_min=0.0):
        """A cell-centred Dirichlet grid: cells of ``widths`` (Å) stacked from ``x_min``, each
        of relative permittivity ``eps_cell``; the faces between cells carry the harmonic
        mean (exact when a material boundary is a face) and the ghost points sit on the
        outer faces."""
        dx = np.asarray(widths, float)
        eps_cell = np.asarray(eps_cell, float)
        edges = x_min + np.concatenate(([0.0], np.cumsum(dx)))
        x = 0.5 * (edges[:-1] + edges[1:])
        between = 0.5 * (dx[:-1] + dx[1:])
        faces = harmonic_face_permittivity(eps_cell[:-1], eps_cell[1:], dx[:-1], dx[1:])
        return cls(x, dx, np.concatenate(([0.5 * dx[0]], between)), np.concatenate((between, [0.5 * dx[-1]])),
                   dx.copy(), np.concatenate(([eps_cell[0]], faces)), np.concatenate((faces, [eps_cell[-1]])),
                   float(area), "dirichlet", float(edges[0]), float(edges[-1]))
