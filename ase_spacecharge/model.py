"""Build a :class:`~.solver.Problem` from sites, defect species and modelling options.

Options (all lengths in Å):

approximation
    ``"mott-schottky"``: species with zero mobility stay at their bulk fraction;
    ``"gouy-chapman"``: every species equilibrates and each species' chemical potential is
    solved for (as one more bordered unknown) so that its bulk-region average equals the
    given mole fraction.
model
    ``"site-explicit"``: every site keeps its own ΔE on its own plane; ``"continuum"``: a
    regular grid of ``n_points`` cells, each carrying every host sublattice at its mean
    density, with ΔE averaged per plane and sublattice and mapped to the nearest plane.
compat
    ``None`` or ``"pyscses"``: reproduce pyscses 1.0.0's discretisation (end cells sized
    from the sites outside the region, its wrap-around spacings, its bulk averages).

The bulk region ``bulk = (lo, hi)`` fixes the potential zero: the mean of phi over the planes
with ``lo < x < hi`` (control-volume weighted) vanishes.  Under Mott–Schottky the mean is
taken on the planes of the first mobile species (so that it has its nominal bulk fraction
there); under Gouy–Chapman on all planes.
"""

from __future__ import annotations

import numpy as np

from .grid import (BOUNDARIES, control_volume_widths, group_planes, make_grid, pyscses_grid, pyscses_regular_grid,
                   pyscses_widths, regular_grid)
from .occupancy import STATISTICS
from .sites import DefectSpecies, InputError, Sites
from .solver import Problem

APPROXIMATIONS = ("mott-schottky", "gouy-chapman")
MODELS = ("site-explicit", "continuum")
COMPAT = (None, "pyscses")


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise InputError(f"{name} must be one of {allowed}, got {value!r}")


def _ordered_energies(sites, defects):
    labels = [d.label for d in defects]
    if len(set(labels)) != len(labels):
        raise InputError(f"duplicate defect labels: {labels}")
    unknown = [lab for lab in sites.defect_labels if lab not in labels]
    if unknown:
        i = int(np.flatnonzero(np.isfinite(sites.energies[:, sites.defect_labels.index(unknown[0])]))[0])
        raise InputError(f"{sites.source}: unknown defect label {unknown[0]!r} (first on site {i}, "
                         f"label {sites.label[i]!r}); defined species: {labels}")
    energies = np.full((len(sites), len(labels)), np.nan)
    for j, lab in enumerate(labels):
        if lab in sites.defect_labels:
            energies[:, j] = sites.energies[:, sites.defect_labels.index(lab)]
    return energies


def pyscses_region_average(xs, lo, hi):
    """Indices and weights of pyscses 1.0.0's ``calculate_average`` over ``lo..hi`` on the
    sorted coordinates ``xs``: it skips the first point inside and gives the next one the
    skipped point's width."""
    first = int(np.searchsorted(xs, lo))
    stop = int(np.searchsorted(xs, hi))
    if stop - first < 2 or first < 1 or stop >= xs.size:
        raise InputError(f"the bulk region {lo}..{hi} Å holds too few planes for pyscses' average")
    idx = np.arange(first + 1, stop)
    dx = pyscses_widths(xs, first + 1, stop, lower_shift=1)
    return idx, dx / dx.sum()


def region_average(xs, lo, hi, period):
    """Indices and control-volume weights of the points ``lo < xs < hi`` of the sorted,
    periodic (period ``period``) coordinates ``xs``."""
    idx = np.flatnonzero((xs > lo) & (xs < hi))
    if idx.size == 0:
        raise InputError(f"the bulk region {lo}..{hi} Å contains no planes")
    dx = control_volume_widths(xs, period=period)[idx]
    return idx, dx / dx.sum()


def _sublattice_weights(plane_x, planes_mask, lo, hi, period, compat):
    """Weights over the grid planes for an average restricted to ``planes_mask``."""
    sub = np.flatnonzero(planes_mask)
    if compat == "pyscses":
        idx, w = pyscses_region_average(plane_x[sub], lo, hi)
    else:
        idx, w = region_average(plane_x[sub], lo, hi, period)
    weights = np.zeros(plane_x.size)
    weights[sub[idx]] = w
    return weights


def _continuum_sites(sites, energies, plane_x_all, plane_of_all, grid_x, n_points):
    """One site per (grid point, host label) carrying the label's mean plane energies."""
    xs, labels, valences, rows, weights = [], [], [], [], []
    for lab in np.unique(sites.label):
        on = sites.label == lab
        planes = np.unique(plane_of_all[on])
        # mean ΔE per plane of this sublattice (before any Boltzmann factor)
        sums = np.zeros((plane_x_all.size, energies.shape[1]))
        counts = np.bincount(plane_of_all[on], minlength=plane_x_all.size)
        np.add.at(sums, plane_of_all[on], energies[on])
        mean = sums[planes] / counts[planes][:, None]
        px = plane_x_all[planes]
        nearest = np.clip(np.searchsorted(px, grid_x), 1, px.size - 1)
        nearest -= (grid_x - px[nearest - 1]) <= (px[nearest] - grid_x)
        if px.size == 1:
            nearest = np.zeros(grid_x.size, dtype=int)
        xs.append(grid_x)
        labels.append(np.full(grid_x.size, lab))
        valences.append(np.full(grid_x.size, sites.valence[on].mean()))
        rows.append(mean[nearest])
        weights.append(np.full(grid_x.size, on.sum() / n_points))
    return (np.concatenate(xs), np.concatenate(labels), np.concatenate(valences), np.vstack(rows),
            np.concatenate(weights))


def build_problem(sites: Sites, defects, *, x_min, x_max, area, permittivity, bulk,
                  approximation="mott-schottky", model="site-explicit", boundary="periodic",
                  site_charges=False, statistics="fermi-dirac", compat=None, n_points=1000,
                  plane_tol=0.2, dirichlet=None, carriers=None, carrier_dos=None, carrier_offset=None,
                  background_density=None):
    """Discretise a space-charge problem.

    Parameters
    ----------
    sites : Sites
        All sites (positions in Å); those with ``x_min < x < x_max`` are solved.
    defects : sequence of DefectSpecies
    x_min, x_max : float
        Region (Å); for a periodic boundary the period is ``x_max - x_min``.
    area : float
        Cross-section of the column (Å²).
    permittivity : float
        Relative permittivity (scalar, or one value per face).
    bulk : (float, float)
        Bulk region (Å) where the potential averages to zero.
    boundary : {"periodic", "dirichlet"}
    dirichlet : None or (phi_lower, phi_upper)
        Fixed end potentials (V) for a Dirichlet grid; by default the ends float together
        with the bulk gauge (pyscses' behaviour).
    site_charges : bool
        Include the host-site valences in the charge.
    statistics : {"fermi-dirac", "boltzmann"}
    compat : None or "pyscses"
    n_points : int
        Grid points of the continuum model.
    plane_tol : float
        Sites closer than this (Å) along x form one plane.
    carriers : sequence of interfaces.Carrier, optional
        Band carriers (electrons, holes) solved with the defects: a mixed conductor.  Their
        densities are those of the bulk region (φ = 0).
    carrier_dos, carrier_offset : arrays (k, n_planes), optional
        Per-plane density of states (Å⁻³) and energy offset (eV) of each carrier, for
        heterostructures; default uniform (the carrier's own) and zero.
    background_density : array (n_planes,), optional
        Fixed charge density (e/Å³) per plane: frozen continuum dopants.
    """
    _check_choice("approximation", approximation, APPROXIMATIONS)
    _check_choice("model", model, MODELS)
    _check_choice("compat", compat, COMPAT)
    _check_choice("statistics", statistics, STATISTICS)
    _check_choice("boundary", boundary, BOUNDARIES)
    defects = [d if isinstance(d, DefectSpecies) else DefectSpecies(**d) for d in defects]
    if not defects:
        raise InputError("no defect species given")
    energies = _ordered_energies(sites, defects)
    labels = tuple(d.label for d in defects)
    for j, lab in enumerate(labels):
        if not np.isfinite(energies[:, j]).any():
            raise InputError(f"defect {lab!r} occupies no site in {sites.source}")
    if bulk is None or len(bulk) != 2 or not bulk[1] > bulk[0]:
        raise InputError(f"bulk must be (lo, hi) with lo < hi in Å, got {bulk!r}")
    lo, hi = float(bulk[0]), float(bulk[1])
    if lo < x_min or hi > x_max:
        raise InputError(f"bulk region {lo}..{hi} Å lies outside the region {x_min}..{x_max} Å")

    inside = (sites.x > x_min) & (sites.x < x_max)
    if not inside.any():
        raise InputError(f"no sites in the region {x_min} < x < {x_max} Å of {sites.source}")

    if compat == "pyscses":
        plane_x_all, plane_of_all = group_planes(sites.x, plane_tol)
    else:
        plane_x_all, plane_of_all = group_planes(sites.x[inside], plane_tol)
        full = np.full(len(sites), -1)
        full[inside] = plane_of_all
        plane_of_all = full

    if model == "site-explicit":
        if compat == "pyscses":
            grid = pyscses_grid(plane_x_all, x_min, x_max, area, boundary=boundary,
                                permittivity=permittivity)
        else:
            grid = make_grid(plane_x_all, x_min, x_max, area, boundary=boundary,
                             permittivity=permittivity)
        site_plane = np.searchsorted(grid.x, plane_x_all[plane_of_all[inside]])
        site_x, site_label, site_valence = sites.x[inside], sites.label[inside], sites.valence[inside]
        site_E = energies[inside]
        site_weight = np.ones(inside.sum())
    else:
        if compat == "pyscses":
            lo_i = int(np.searchsorted(plane_x_all, x_min, side="right"))
            hi_i = int(np.searchsorted(plane_x_all, x_max, side="left"))
            gaps = (plane_x_all[lo_i] - plane_x_all[lo_i - 1], plane_x_all[hi_i] - plane_x_all[hi_i - 1])
            grid = pyscses_regular_grid(x_min, x_max, n_points, area, gaps, boundary=boundary,
                                        permittivity=permittivity)
        else:
            grid = regular_grid(x_min, x_max, n_points, area, boundary=boundary,
                                permittivity=permittivity)
        sub = sites.select(inside)
        site_x, site_label, site_valence, site_E, site_weight = _continuum_sites(
            sub, energies[inside], plane_x_all, plane_of_all[inside], grid.x, grid.n)
        site_plane = np.tile(np.arange(grid.n), len(np.unique(sub.label)))

    valence = np.array([d.valence for d in defects], dtype=float)
    x_bulk = np.array([d.mole_fraction for d in defects], dtype=float)
    if approximation == "mott-schottky":
        mobile = np.array([d.mobility > 0 for d in defects])
    else:
        mobile = np.ones(len(defects), dtype=bool)
    hosted = np.isfinite(site_E)
    frozen_fraction = hosted[:, ~mobile] @ x_bulk[~mobile]
    mobile_fraction = hosted[:, mobile] @ x_bulk[mobile]
    empty = 1.0 - frozen_fraction - mobile_fraction
    if np.any(empty <= 0):
        s = int(np.flatnonzero(empty <= 0)[0])
        names = [labels[j] for j in np.flatnonzero(hosted[s])]
        raise InputError(f"site at x = {site_x[s]:.4f} Å ({site_label[s]!r}): mole fractions of "
                         f"{names} sum to {1 - empty[s]:.6g} >= 1")
    log_x = np.full(site_E.shape, -np.inf)
    mob_hosted = hosted & mobile[None, :]
    with np.errstate(divide="ignore"):
        base = np.log(x_bulk)[None, :] - (np.log(empty)[:, None] if statistics == "fermi-dirac" else 0.0)
    log_x[mob_hosted] = np.broadcast_to(base, site_E.shape)[mob_hosted]
    fixed_charge = (site_valence if site_charges else 0.0) + hosted[:, ~mobile].astype(float) @ (
        valence[~mobile] * x_bulk[~mobile])
    capacity = 1.0 - frozen_fraction

    # planes hosting each defect
    plane_hosts = np.zeros((grid.n, len(defects)), dtype=bool)
    np.logical_or.at(plane_hosts, site_plane, hosted)

    period = x_max - x_min
    if not ((grid.x > lo) & (grid.x < hi)).any():
        raise InputError(f"the bulk region {lo}..{hi} Å contains no planes")
    if boundary == "dirichlet" and dirichlet is not None:
        gauge = None
        dirichlet = tuple(float(v) for v in dirichlet)
    else:
        if boundary == "dirichlet":
            dirichlet = "floating"
        if approximation == "mott-schottky":
            first = int(np.flatnonzero(mobile)[0]) if mobile.any() else 0
            if compat == "pyscses":
                first = 0
            gauge = _sublattice_weights(grid.x, plane_hosts[:, first], lo, hi, period, compat)
        else:
            gauge = _sublattice_weights(grid.x, np.ones(grid.n, dtype=bool), lo, hi, period, compat)

    fitted = np.flatnonzero(mobile) if approximation == "gouy-chapman" else np.zeros(0, dtype=int)
    target_weight = np.zeros((len(fitted), len(site_plane)))
    counts = np.zeros((grid.n, len(defects)))
    np.add.at(counts, site_plane, hosted * site_weight[:, None])
    for k, d in enumerate(fitted):
        plane_w = _sublattice_weights(grid.x, plane_hosts[:, d], lo, hi, period, compat)
        per_site = plane_w[site_plane] / np.where(counts[site_plane, d] > 0, counts[site_plane, d], 1.0)
        target_weight[k] = np.where(hosted[:, d], per_site * site_weight, 0.0)

    carriers = list(carriers or [])
    k = len(carriers)
    c_dos = np.array([np.full(grid.n, c.reference_dos) for c in carriers]).reshape(k, grid.n) \
        if carrier_dos is None else np.asarray(carrier_dos, float).reshape(k, grid.n)
    c_off = np.zeros((k, grid.n)) if carrier_offset is None else np.asarray(carrier_offset, float).reshape(k, grid.n)
    in_bulk_planes = (grid.x > lo) & (grid.x < hi)
    carrier_bulk = sum(c.valence * c.density for c in carriers) * float(
        np.sum(grid.dx[in_bulk_planes]) * grid.area)
    background = None
    if background_density is not None:
        background = np.asarray(background_density, float).reshape(grid.n) * grid.dx * grid.area
        carrier_bulk += float(background[in_bulk_planes].sum())
    _check_bulk_neutral(grid, site_plane, site_weight, fixed_charge, hosted, mobile, valence, x_bulk,
                        lo, hi, labels, extra=carrier_bulk)

    return Problem(grid=grid, site_plane=site_plane, site_weight=site_weight, energies=site_E,
                   valence=valence, mole_fraction=x_bulk, mobile=mobile, fixed_charge=fixed_charge,
                   capacity=capacity, log_x=log_x, gauge=gauge, fitted=fitted,
                   target=x_bulk[fitted], target_weight=target_weight, dirichlet=dirichlet,
                   statistics=statistics, defect_labels=labels,
                   activities=tuple(d.activity for d in defects),
                   carrier_labels=tuple(c.label for c in carriers),
                   carrier_valence=np.array([c.valence for c in carriers], float), carrier_dos=c_dos,
                   carrier_eta=np.array([c.eta() for c in carriers], float), carrier_offset=c_off,
                   carrier_statistics=tuple(c.statistics for c in carriers), background=background,
                   info=dict(site_x=site_x, site_label=site_label, approximation=approximation,
                             model=model, compat=compat, bulk=(lo, hi), site_charges=site_charges,
                             plane_hosts=plane_hosts, site_counts=counts,
                             mobility=[d.mobility for d in defects], permittivity=permittivity))


def _check_bulk_neutral(grid, site_plane, site_weight, fixed_charge, hosted, mobile, valence, x_bulk,
                        lo, hi, labels, extra=0.0):
    """Raise if the bulk composition is not charge neutral in the bulk region.

    The bulk region may cut a repeat unit, so a net charge up to that of one plane is
    tolerated; a non-neutral composition grows with the number of planes in the region.
    """
    in_bulk = (grid.x[site_plane] > lo) & (grid.x[site_plane] < hi)
    q = site_weight * (fixed_charge + (hosted[:, mobile] * x_bulk[mobile]) @ valence[mobile])
    gross = site_weight * (np.abs(fixed_charge) + (hosted[:, mobile] * x_bulk[mobile]) @ np.abs(valence[mobile]))
    plane_gross = np.bincount(site_plane[in_bulk], weights=gross[in_bulk], minlength=grid.n)
    net = q[in_bulk].sum() + extra
    if abs(net) > plane_gross.max() * (1 + 1e-9) + 1e-12:
        raise InputError(
            f"the bulk is not charge neutral under the given mole fractions: the bulk region "
            f"{lo}..{hi} Å holds a net charge of {net:+.6g} e "
            f"({', '.join(f'{lab}: z={z:+g}, x={x:g}' for lab, z, x in zip(labels, valence, x_bulk))})")
