"""Transport consequences and analytic Mott–Schottky relations.

Resistivity ratios compare the mobile species' conductivity ``sigma ∝ n`` (uniform
mobility) in the space-charge region with the bulk value ``n_b``:

* perpendicular (series): ``r_perp = <n_b / n>``, the control-volume-weighted mean over
  the region;
* parallel: ``r_par = 1 / <n / n_b>``.

Both use the mobile species' own planes with that sublattice's control volumes.  The
region is the set of those planes where ``|phi| > scr_limit`` (V), so the ratios depend on
``scr_limit``; the region-independent excess thicknesses

    perp_excess = sum_k dx_k (n_b / n_k - 1),   par_excess = sum_k dx_k (n_k / n_b - 1)

(Å, over the whole cell) are reported too: the boundary adds the resistance of a slab of
bulk ``perp_excess`` thick in series, and a sheet of bulk conductance ``par_excess`` thick in
parallel.  ``compat="pyscses"`` evaluates pyscses 1.0.0's formulas instead (see
:func:`~.conventions.pyscses_resistivity_ratios`).
"""

from __future__ import annotations

import math

import numpy as np

from .constants import BOLTZMANN_EV
from .errors import InputError
from .grid import control_volume_widths

__all__ = ["species_density", "bulk_density", "conducting_species", "resistivity_ratios", "activation_energy",
           "local_activation_energies"]


def species_density(solution, d):
    """Planes of species ``d``, its density there and its sublattice control volumes.

    Parameters
    ----------
    solution : SpaceChargeSolution
    d : int
        Column of the species in ``solution.defect_labels``.

    Returns
    -------
    planes : int ndarray
        Grid planes that host the species.
    x, dx : ndarray
        Their positions and widths (Å), the widths over that sublattice alone.
    n : ndarray
        Density on each of them (Å⁻³).

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> planes, x, dx, n = species_density(solve(ceria_like_problem(), 773.15), 0)
    >>> planes.size, round(float(dx.sum()), 3)
    (60, 93.72)
    """
    hosts = solution.plane_hosts[:, d]
    planes = np.flatnonzero(hosts)
    occupied = np.bincount(solution.site_plane, minlength=solution.x.size,
                           weights=solution.site_weight * np.nan_to_num(solution.site_occupancy[:, d]))
    x = solution.x[planes]
    if solution.boundary == "periodic":
        dx = control_volume_widths(x, period=solution.x_max - solution.x_min)
    else:
        dx = control_volume_widths(x, walls=(solution.x_min, solution.x_max))
    return planes, x, dx, occupied[planes] / (dx * solution.area)


def bulk_density(solution, d):
    """Control-volume-weighted mean density (Å⁻³) of species ``d`` over the bulk region.

    Parameters
    ----------
    solution : SpaceChargeSolution
    d : int
        Column of the species.

    Returns
    -------
    float

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem, CERIA_AREA
    >>> n_b = bulk_density(solve(ceria_like_problem(), 773.15), 0)
    >>> round(n_b * CERIA_AREA * 3.124 / 2, 4)  # V_O per O site in bulk: 0.05
    0.05
    """
    planes, x, dx, n = species_density(solution, d)
    lo, hi = solution.bulk
    inside = (x > lo) & (x < hi)
    if not inside.any():
        raise InputError(f"the bulk region {lo}..{hi} Å holds no planes of {solution.defect_labels[d]!r}")
    return float(np.sum(n[inside] * dx[inside]) / np.sum(dx[inside]))


def conducting_species(solution, species=None):
    """Index of the conducting species: ``species`` (a label) or the first with mobility > 0.

    Parameters
    ----------
    solution : SpaceChargeSolution
    species : str, optional

    Returns
    -------
    int

    Raises
    ------
    InputError
        For an unknown label, or when no species has a nonzero mobility.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> conducting_species(solve(ceria_like_problem(), 773.15))
    0
    """
    if species is not None:
        if species not in solution.defect_labels:
            raise InputError(f"unknown species {species!r}; defined: {solution.defect_labels}")
        return solution.defect_labels.index(species)
    mobile = np.flatnonzero(solution.mobility > 0)
    if mobile.size == 0:
        raise InputError("no species has a nonzero mobility: resistivity ratios are undefined")
    return int(mobile[0])


def resistivity_ratios(solution, *, scr_limit=0.02, species=None):
    """Textbook series/parallel resistivity ratios of the conducting species.

    Parameters
    ----------
    solution : SpaceChargeSolution
    scr_limit : float
        The space-charge region is the species' planes with ``|phi| > scr_limit`` (V).
    species : str, optional
        Conducting species (default: the first with mobility > 0).

    Returns
    -------
    dict
        ``r_perp``, ``r_par`` (NaN when no plane exceeds ``scr_limit``), ``perp_excess`` and
        ``par_excess`` (Å) and ``region_width`` (Å).

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> r = resistivity_ratios(solve(ceria_like_problem(), 773.15))
    >>> round(r["r_perp"], 4), round(r["perp_excess"], 3)
    (1.2941, 9.147)
    """
    if not (isinstance(scr_limit, (int, float, np.integer, np.floating)) and math.isfinite(scr_limit)
            and scr_limit >= 0):
        raise InputError(f"scr_limit must be a non-negative number of volts, got {scr_limit!r}")
    d = conducting_species(solution, species)
    planes, x, dx, n = species_density(solution, d)
    n_b = bulk_density(solution, d)
    region = np.abs(solution.phi[planes]) > scr_limit
    out = dict(perp_excess=float(np.sum(dx * (n_b / n - 1.0))),
               par_excess=float(np.sum(dx * (n / n_b - 1.0))),
               region_width=float(dx[region].sum()))
    if region.any():
        w = dx[region] / dx[region].sum()
        out["r_perp"] = float(np.sum(w * n_b / n[region]))
        out["r_par"] = float(1.0 / np.sum(w * n[region] / n_b))
    else:
        out["r_perp"] = out["r_par"] = float("nan")
    return out


def activation_energy(temperatures, ratios):
    """Least-squares Arrhenius slope ``E = k_B d ln r / d(1/T)`` (eV) over all points.

    Parameters
    ----------
    temperatures : array_like
        K, at least two different values.
    ratios : array_like
        Resistivity ratios (or any Arrhenius quantity).

    Returns
    -------
    float
        eV.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([700.0, 800.0, 900.0])
    >>> round(activation_energy(T, np.exp(0.5 / (8.617333262e-5 * T))), 6)
    0.5
    """
    T = np.asarray(temperatures, float)
    r = np.asarray(ratios, float)
    if np.unique(T).size < 2:
        raise InputError(f"an activation energy needs at least two different temperatures, got {T.tolist()}")
    slope = np.polyfit(1.0 / T, np.log(r), 1)[0]
    return float(BOLTZMANN_EV * slope)


def local_activation_energies(temperatures, ratios):
    """Local slopes ``k_B d ln r / d(1/T)`` (eV) by second-order central differences on the
    irregular 1/T grid (pyscses' formula); NaN at the two end points.

    Parameters
    ----------
    temperatures, ratios : array_like

    Returns
    -------
    ndarray
        eV.

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([700.0, 800.0, 900.0])
    >>> local_activation_energies(T, np.exp(0.5 / (8.617333262e-5 * T))).round(6).tolist()
    [nan, 0.5, nan]
    """
    T = np.asarray(temperatures, float)
    y = np.log(np.asarray(ratios, float))
    x = 1.0 / T
    out = np.full(T.size, np.nan)
    if T.size >= 3:
        x0, x1, x2 = x[:-2], x[1:-1], x[2:]
        f = (x2 - x1) / (x2 - x0)
        out[1:-1] = (1 - f) * (y[2:] - y[1:-1]) / (x2 - x1) + f * (y[1:-1] - y[:-2]) / (x1 - x0)
    return BOLTZMANN_EV * out
