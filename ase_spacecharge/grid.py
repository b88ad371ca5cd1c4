"""One-dimensional irregular grid: planes, control volumes and the three-point Laplacian.

Every plane ``i`` at position ``x[i]`` (Å) owns a control volume of width ``dx[i]`` (Å)
and cross-section ``area`` (Å²).  Plane ``i`` is joined to its neighbours by faces at
distances ``h_lower[i]`` and ``h_upper[i]`` (Å) carrying the relative permittivities
``eps_lower[i]`` and ``eps_upper[i]``; putting the permittivity on faces lets it change
across an interface.  The finite-volume Poisson equation for plane ``i`` reads

    ε0 [ε_u (φ_{i+1} - φ_i)/h_u - ε_l (φ_i - φ_{i-1})/h_l] = -c_i q_i / A + w_i ρ_b

with ``q_i`` the plane charge (e), ``c_i = w_i/dx_i`` (1 except in pyscses compatibility
mode) and ``ρ_b`` the neutralising background of a periodic cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import EPSILON_0
from .sites import InputError

BOUNDARIES = ("periodic", "dirichlet")


def group_planes(x, tol=0.2):
    """Group positions into planes by sort-and-split, O(N log N).

    Sorted neighbours closer than ``tol`` (Å) belong to one plane; a plane sits at the
    mean of its members.

    Returns
    -------
    plane_x : ndarray, shape (n_planes,)
        Sorted plane positions (Å).
    plane_of : ndarray of int, shape (len(x),)
        Plane index of every input position.
    """
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


def control_volume_widths(x, *, period=None, lower_end=None, upper_end=None):
    """Control-volume widths ``(x[i+1] - x[i-1]) / 2`` of sorted positions (Å).

    With ``period`` the positions wrap around; otherwise the end widths are
    ``lower_end`` and ``upper_end`` (default: half the neighbouring spacing, doubled).
    """
    x = np.asarray(x, dtype=float)
    if x.size == 1:
        return np.array([period if period is not None else (lower_end or 0.0)])
    h = np.diff(x)
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


@dataclass
class Grid:
    """A 1D finite-volume grid (all lengths in Å).

    Attributes
    ----------
    x : plane positions; dx : control-volume widths (volume = dx * area);
    h_lower, h_upper : distances to the lower/upper neighbour (or boundary ghost point);
    w : Laplacian cell widths (equal to dx except in pyscses compatibility mode);
    eps_lower, eps_upper : relative permittivity on the lower/upper face;
    area : cross-section (Å²); boundary : ``"periodic"`` or ``"dirichlet"``;
    x_min, x_max : domain ends (Å).
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


def central_widths(xs, idx):
    """Control-volume widths ``(x[j+1] - x[j-1]) / 2`` (Å) of the interior points ``idx`` of
    the sorted coordinates ``xs``."""
    idx = np.asarray(idx)
    return 0.5 * (xs[idx + 1] - xs[idx - 1])


def pyscses_widths(xs, start, stop, *, lower_shift=0, upper_shift=0):
    """The widths pyscses 1.0.0 gives the points ``start .. stop-1`` of the sorted ``xs``.

    Central widths, except that the first point takes the width of the point
    ``lower_shift`` places below it and the last point that of the point ``upper_shift``
    places above it: pyscses' end cells are sized off by one in places (its grid's upper
    end, its region averages' lower end).
    """
    dx = central_widths(xs, np.arange(start, stop))
    dx[0] = central_widths(xs, start - lower_shift)
    dx[-1] = central_widths(xs, stop - 1 + upper_shift)
    return dx


def _validate_region(x_min, x_max, area, permittivity, boundary):
    if not (np.isfinite(x_min) and np.isfinite(x_max)) or not x_max > x_min:
        raise InputError(f"region must satisfy x_min < x_max, got x_min={x_min!r}, x_max={x_max!r}")
    if not np.isfinite(area) or area <= 0:
        raise InputError(f"area must be positive, got {area!r}")
    eps = np.asarray(permittivity, dtype=float)
    if not np.all(np.isfinite(eps)) or np.any(eps <= 0):
        raise InputError(f"permittivity must be positive, got {permittivity!r}")
    if boundary not in BOUNDARIES:
        raise InputError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")


def _face_permittivity(permittivity, n):
    eps = np.broadcast_to(np.asarray(permittivity, dtype=float), (n + 1,)).copy()
    return eps[:-1], eps[1:]


def make_grid(plane_x, x_min, x_max, area, *, boundary="periodic", permittivity=1.0):
    """The grid of planes inside ``x_min < x < x_max`` (Å).

    A periodic grid has period ``x_max - x_min``: the wrap-around face joins the last
    plane to the first across the region ends.  A Dirichlet grid puts ghost points at
    ``x_min`` and ``x_max``.  ``permittivity`` is relative: a scalar, or one value per
    face (n + 1 values, from the lower boundary face to the upper one).
    """
    _validate_region(x_min, x_max, area, permittivity, boundary)
    x = np.asarray(plane_x, dtype=float)
    if x.size < 3:
        raise InputError(f"the region {x_min} < x < {x_max} Å holds {x.size} planes; at least 3 are needed")
    if np.any(np.diff(x) <= 0):
        raise InputError("plane positions must be strictly increasing")
    h = np.diff(x)
    if boundary == "periodic":
        wrap = (x[0] - x_min) + (x_max - x[-1])
        lo_end = hi_end = wrap
    else:
        lo_end, hi_end = x[0] - x_min, x_max - x[-1]
    h_lower = np.concatenate(([lo_end], h))
    h_upper = np.concatenate((h, [hi_end]))
    if np.any(h_lower <= 0) or np.any(h_upper <= 0):
        raise InputError("a plane lies on the region boundary; move x_min/x_max off the planes")
    dx = 0.5 * (h_lower + h_upper)
    eps_lower, eps_upper = _face_permittivity(permittivity, x.size)
    if boundary == "periodic":
        eps_lower[0] = eps_upper[-1]
    return Grid(x, dx, h_lower, h_upper, dx.copy(), eps_lower, eps_upper, float(area), boundary,
                float(x_min), float(x_max))


def pyscses_grid(all_plane_x, x_min, x_max, area, *, boundary="periodic", permittivity=1.0):
    """The grid pyscses 1.0.0 builds (compatibility mode).

    ``all_plane_x`` are the sorted plane positions of the whole site file, including planes
    outside the region: pyscses sizes its end cells from them.  End widths are
    ``(x[m+1] - x[m-1]) / 2`` for the first plane ``m`` inside and for the first plane *past*
    the upper end (pyscses' off-by-one); the wrap-around spacings are the gaps between the
    first plane inside and the one before it (used at the upper end) and between the last
    plane inside and the one after it (used at the lower end).
    """
    _validate_region(x_min, x_max, area, permittivity, boundary)
    xs = np.asarray(all_plane_x, dtype=float)
    lo = int(np.searchsorted(xs, x_min, side="right"))
    hi = int(np.searchsorted(xs, x_max, side="left"))
    if lo < 1 or hi + 1 >= xs.size:
        raise InputError("pyscses compatibility mode needs at least one plane below x_min and two "
                         "above x_max to size the end cells")
    x = xs[lo:hi]
    if x.size < 3:
        raise InputError(f"the region {x_min} < x < {x_max} Å holds {x.size} planes; at least 3 are needed")
    dx = pyscses_widths(xs, lo, hi, upper_shift=1)
    gap_lower = xs[lo] - xs[lo - 1]
    gap_upper = xs[hi] - xs[hi - 1]
    h = np.diff(x)
    h_lower = np.concatenate(([gap_upper], h))
    h_upper = np.concatenate((h, [gap_lower]))
    w = 0.5 * (h_lower + h_upper)
    eps_lower, eps_upper = _face_permittivity(permittivity, x.size)
    return Grid(x, dx, h_lower, h_upper, w, eps_lower, eps_upper, float(area), boundary,
                float(x_min), float(x_max))


def regular_grid(x_min, x_max, n_points, area, *, boundary="periodic", permittivity=1.0):
    """A regular grid of ``n_points`` cell centres over ``[x_min, x_max]`` (continuum model)."""
    if int(n_points) < 3:
        raise InputError(f"n_points must be at least 3, got {n_points!r}")
    h = (x_max - x_min) / n_points
    x = x_min + h * (np.arange(n_points) + 0.5)
    return make_grid(x, x_min, x_max, area, boundary=boundary, permittivity=permittivity)


def pyscses_regular_grid(x_min, x_max, n_points, area, gaps, *, boundary="periodic", permittivity=1.0):
    """pyscses' continuum grid: ``linspace(x_min, x_max, n)`` with end widths equal to the
    spacing and the wrap-around spacings ``gaps`` (lower, upper) taken from the site file."""
    _validate_region(x_min, x_max, area, permittivity, boundary)
    x = np.linspace(x_min, x_max, int(n_points))
    h = np.diff(x)
    dx = np.empty_like(x)
    dx[1:-1] = 0.5 * (x[2:] - x[:-2])
    dx[0] = dx[-1] = h[0]
    h_lower = np.concatenate(([gaps[1]], h))
    h_upper = np.concatenate((h, [gaps[0]]))
    w = 0.5 * (h_lower + h_upper)
    eps_lower, eps_upper = _face_permittivity(permittivity, x.size)
    return Grid(x, dx, h_lower, h_upper, w, eps_lower, eps_upper, float(area), boundary,
                float(x_min), float(x_max))
