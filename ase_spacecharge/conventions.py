"""Discretisation and reporting conventions: ours, and pyscses 1.0.0's for compatibility.

A :class:`Conventions` bundles every choice in which pyscses 1.0.0 differs from the textbook
discretisation: how sites become planes, the end cells of the grid, the bulk-region
averages, which sublattice carries the Mott–Schottky potential zero, Φ0 and the resistivity
ratios.  :func:`conventions` is the one place that maps the ``compat`` option to them; the
rest of the package calls the bundle's functions and never tests ``compat`` itself.

pyscses' choices (its facts, documented to reproduce its numbers):

* sites outside the region size the end cells; the first plane *past* the upper end gives
  the last width (off by one); the wrap-around spacings are the gaps to the first planes
  outside;
* its bulk-region average skips the first plane inside and gives the next one the skipped
  plane's width;
* the Mott–Schottky potential zero is taken on the first site label's planes;
* Φ0 is ``max(phi)`` (minus ``phi[1]`` with site charges, as its published test_4);
* resistivity ratios by its own formulas (see :func:`pyscses_resistivity_ratios`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import InputError, SpaceChargeWarning
from .grid import Grid, central_widths, group_planes, region_weights, validate_region, face_permittivities
from . import transport

__all__ = ["Conventions", "conventions", "COMPAT", "pyscses_resistivity_ratios"]

COMPAT = (None, "pyscses")


@dataclass(frozen=True)
class Conventions:
    """The convention-dependent steps (see the module docstring).

    Attributes
    ----------
    name : str or None
        ``None`` (ours) or ``"pyscses"``.
    planes : callable
        ``(x, inside, tol) -> (plane_x, plane_of)``: planes (Å) and each site's plane
        (``-1`` for sites outside the region when they do not take part).
    grid : callable
        ``(plane_x, x_min, x_max, area, boundary, permittivity) -> Grid`` of the planes
        inside the region.
    continuum_grid : callable
        ``(plane_x, x_min, x_max, n_points, area, boundary, permittivity) -> Grid``.
    region_weights : callable
        ``(plane_x, planes_mask, lo, hi, period) -> weights``: a bulk-region mean.
    gauge_species : callable
        ``mobile -> index`` of the species whose planes carry the Mott–Schottky zero.
    phi0 : callable
        ``solution -> Φ0`` (V).
    resistivity : callable
        ``(solution, scr_limit, species) -> dict`` of resistivity ratios.
    dynamics : bool
        Whether the PNP dynamics can run on this discretisation (pyscses' weighted Laplacian
        has no flux form).

    Examples
    --------
    >>> conventions("pyscses").gauge_species([False, True])
    0
    """

    name: str | None
    planes: Callable
    grid: Callable
    continuum_grid: Callable
    region_weights: Callable
    gauge_species: Callable
    phi0: Callable
    resistivity: Callable
    dynamics: bool = True


def conventions(compat=None):
    """The :class:`Conventions` of ``compat``: the one place the option is dispatched.

    Parameters
    ----------
    compat : None or "pyscses"

    Returns
    -------
    Conventions

    Raises
    ------
    InputError
        For any other value.

    Examples
    --------
    >>> conventions().name is None, conventions("pyscses").name
    (True, 'pyscses')
    """
    try:
        return _CONVENTIONS[compat]
    except (KeyError, TypeError):
        raise InputError(f"compat must be one of {COMPAT}, got {compat!r}") from None


# ---------------------------------------------------------------------------- ours

def _planes_inside(x, inside, tol):
    plane_x, plane_of = group_planes(x[inside], tol)
    full = np.full(x.size, -1)
    full[inside] = plane_of
    return plane_x, full


def _grid(plane_x, x_min, x_max, area, boundary, permittivity):
    return Grid.from_planes(plane_x, x_min, x_max, area, boundary=boundary, permittivity=permittivity)


def _continuum_grid(plane_x, x_min, x_max, n_points, area, boundary, permittivity):
    return Grid.regular(x_min, x_max, n_points, area, boundary=boundary, permittivity=permittivity)


def _first_mobile(mobile):
    return int(np.flatnonzero(mobile)[0]) if np.any(mobile) else 0


def _signed_extremum(solution):
    return float(solution.phi[np.argmax(np.abs(solution.phi))])


# ---------------------------------------------------------------------------- pyscses

def pyscses_widths(xs, start, stop, *, lower_shift=0, upper_shift=0):
    """The widths pyscses 1.0.0 gives the points ``start .. stop-1`` of the sorted ``xs``.

    Central widths, except that the first point takes the width of the point
    ``lower_shift`` places below it and the last point that of the point ``upper_shift``
    places above it: pyscses' end cells are sized off by one in places.
    """
    dx = central_widths(xs, np.arange(start, stop))
    dx[0] = central_widths(xs, start - lower_shift)
    dx[-1] = central_widths(xs, stop - 1 + upper_shift)
    return dx


def _pyscses_planes(x, inside, tol):
    return group_planes(x, tol)


def _pyscses_grid(all_plane_x, x_min, x_max, area, boundary, permittivity):
    """pyscses' grid: end widths ``(x[m+1] - x[m-1]) / 2`` of the first plane inside and of the
    first plane past the upper end; the wrap-around spacings are the gaps between the first
    plane inside and the one before it (used at the upper end) and between the last plane
    inside and the one after it (used at the lower end)."""
    validate_region(x_min, x_max, area, permittivity, boundary)
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
    h = np.diff(x)
    h_lower = np.concatenate(([xs[hi] - xs[hi - 1]], h))
    h_upper = np.concatenate((h, [xs[lo] - xs[lo - 1]]))
    eps_lower, eps_upper = face_permittivities(permittivity, x.size)
    return Grid(x, dx, h_lower, h_upper, 0.5 * (h_lower + h_upper), eps_lower, eps_upper, float(area), boundary,
                float(x_min), float(x_max))


def _pyscses_continuum_grid(all_plane_x, x_min, x_max, n_points, area, boundary, permittivity):
    """pyscses' continuum grid: ``linspace(x_min, x_max, n)``, end widths equal to the
    spacing, wrap-around spacings from the site file's planes around the region ends."""
    validate_region(x_min, x_max, area, permittivity, boundary)
    xs = np.asarray(all_plane_x, dtype=float)
    lo = int(np.searchsorted(xs, x_min, side="right"))
    hi = int(np.searchsorted(xs, x_max, side="left"))
    gaps = (xs[lo] - xs[lo - 1], xs[hi] - xs[hi - 1])
    x = np.linspace(x_min, x_max, int(n_points))
    h = np.diff(x)
    dx = np.empty_like(x)
    dx[1:-1] = 0.5 * (x[2:] - x[:-2])
    dx[0] = dx[-1] = h[0]
    h_lower = np.concatenate(([gaps[1]], h))
    h_upper = np.concatenate((h, [gaps[0]]))
    eps_lower, eps_upper = face_permittivities(permittivity, x.size)
    return Grid(x, dx, h_lower, h_upper, 0.5 * (h_lower + h_upper), eps_lower, eps_upper, float(area), boundary,
                float(x_min), float(x_max))


def _pyscses_region_weights(plane_x, planes_mask, lo, hi, period):
    """pyscses 1.0.0's ``calculate_average`` over ``lo..hi`` on the planes ``planes_mask``."""
    sub = np.flatnonzero(planes_mask)
    xs = np.asarray(plane_x, float)[sub]
    first = int(np.searchsorted(xs, lo))
    stop = int(np.searchsorted(xs, hi))
    if stop - first < 2 or first < 1 or stop >= xs.size:
        raise InputError(f"the bulk region {lo}..{hi} Å holds too few planes for pyscses' average")
    dx = pyscses_widths(xs, first + 1, stop, lower_shift=1)
    weights = np.zeros(len(plane_x))
    weights[sub[np.arange(first + 1, stop)]] = dx / dx.sum()
    return weights


def _pyscses_phi0(solution):
    return float(solution.phi.max() - (solution.phi[1] if solution.site_charges else 0.0))


def _occupied(solution, d):
    """Occupied sites of species ``d`` per plane."""
    return np.bincount(solution.site_plane, minlength=solution.x.size,
                       weights=solution.site_weight * np.nan_to_num(solution.site_occupancy[:, d]))


def _shifted_blocking(solution, d, planes, inside):
    """The blocking factor's ``p`` on the bulk comparison planes, with pyscses' shifted
    index: bulk plane k reads phi of the full grid's plane k (averaged over its sites)."""
    from .occupancy import fermi_dirac
    k_of_plane = np.full(solution.x.size, -1)
    k_of_plane[planes[inside]] = np.arange(inside.size)
    k = k_of_plane[solution.site_plane]
    on = (k >= 0) & np.isfinite(solution.site_energies[:, d])
    p = fermi_dirac(solution.phi[k[on]], solution.site_energies[on, d], solution.valence[d],
                    solution.input_mole_fractions[d], solution.temperature)
    return np.bincount(k[on], weights=p, minlength=inside.size) / np.bincount(k[on], minlength=inside.size)


def pyscses_resistivity_ratios(solution, *, scr_limit=0.02, species=None):
    """pyscses 1.0.0's resistivity ratios (compatibility mode).

    On the conducting species' planes: the space-charge region is the planes with
    ``phi - phi(first plane) > scr_limit``, minus its two outermost planes, the first of the
    remaining planes taking the width of the dropped one.  The bulk comparison region has
    the same width and starts at the bulk region's lower end; there the conductivity carries
    a blocking factor ``(1 - p)`` with ``p`` evaluated at the potential of the *full* grid's
    k-th plane (pyscses indexes the full potential with the bulk sub-grid's index).  A
    comparison region holding one plane counts it twice, as pyscses 1.0.0 does (warning)::

        r_perp = (sum_scr dx/sigma) (sum_bulk sigma/dx),
        r_par = 1 / ((sum_scr sigma/dx) (sum_bulk dx/sigma)).

    Parameters
    ----------
    solution : SpaceChargeSolution
    scr_limit : float
        V.
    species : str, optional
        Conducting species (default: the first with mobility > 0).

    Returns
    -------
    dict
        ``r_perp``, ``r_par``, ``region_width`` (Å).

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = pyscses_resistivity_ratios(solve(ceria_like_problem(compat="pyscses", x_min=-45.0, x_max=44.0,
    ...                                                          bulk=(-44.0, -30.0)), 773.15), scr_limit=0.01)
    >>> r["r_perp"] > 1.0
    True
    """
    d = transport.conducting_species(solution, species)
    planes = np.flatnonzero(solution.plane_hosts[:, d])
    xs, phi = solution.x[planes], solution.phi[planes]
    occupied = _occupied(solution, d)[planes]
    scr = np.flatnonzero(phi - phi[0] > scr_limit)
    if scr.size < 4:  # fewer: pyscses 1.0.0 fails too (an empty comparison region)
        raise InputError(f"pyscses resistivity: no space-charge region above scr_limit={scr_limit} V")
    s_dx = pyscses_widths(xs, scr[0] + 1, scr[-1], lower_shift=1)
    s_idx = np.arange(scr[0] + 1, scr[-1])
    sigma_scr = occupied[s_idx] / (s_dx * solution.area)
    region_width = xs[s_idx[-1]] - xs[s_idx[0]]
    lo = solution.bulk[0]
    inside = np.flatnonzero((xs > lo) & (xs < lo + region_width))
    first = int(np.searchsorted(xs, lo, side="left"))  # pyscses: bisect_left(x, bulk_x_min)
    if inside.size < 1 or first < 1 or inside[-1] + 1 >= xs.size:
        raise InputError(f"pyscses resistivity: the bulk comparison region {lo}..{lo + region_width} Å "
                         "needs a plane of the conducting species with neighbours on both sides")
    b_dx = central_widths(xs, inside)
    b_dx[0] = central_widths(xs, first)
    sigma_bulk = occupied[inside] / (b_dx * solution.area) * (1.0 - _shifted_blocking(solution, d, planes, inside))
    if inside.size == 1:
        # pyscses builds the widths [cw(first), cw(k)] for the one plane k and broadcasts its one
        # conductivity over them: the plane is counted twice
        warnings.warn(f"pyscses resistivity: the bulk comparison region {lo:.4g}..{lo + region_width:.4g} Å holds "
                      "one plane of the conducting species; pyscses 1.0.0 counts it twice, and so does compat "
                      "mode (use the default mode for the textbook ratios)", SpaceChargeWarning, stacklevel=3)
        b_dx = np.array([b_dx[0], central_widths(xs, inside[0])])
        sigma_bulk = np.repeat(sigma_bulk, 2)
    r_perp = np.sum(s_dx / sigma_scr) * np.sum(sigma_bulk / b_dx)
    r_par = 1.0 / (np.sum(sigma_scr / s_dx) * np.sum(b_dx / sigma_bulk))
    return dict(r_perp=float(r_perp), r_par=float(r_par), region_width=float(region_width))


_CONVENTIONS = {
    None: Conventions(None, _planes_inside, _grid, _continuum_grid, region_weights, _first_mobile,
                      _signed_extremum, transport.resistivity_ratios),
    "pyscses": Conventions("pyscses", _pyscses_planes, _pyscses_grid, _pyscses_continuum_grid,
                           _pyscses_region_weights, lambda mobile: 0, _pyscses_phi0, pyscses_resistivity_ratios, False),
}
