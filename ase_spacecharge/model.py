"""Build a :class:`~ase_spacecharge.equilibrium.problem.Problem` from sites, defect species and modelling options.

Options (all lengths in Å):

approximation
    ``"mott-schottky"``: species with zero mobility stay at their bulk fraction;
    ``"gouy-chapman"``: every species equilibrates and each species' chemical potential is
    solved for (as one more bordered unknown) so that its bulk-region average equals the
    given mole fraction; ``"restricted"``: the frozen species at their site fractions of a
    Gouy–Chapman equilibrium at ``equilibration_temperature`` (:mod:`.restricted`), the
    mobile ones fitted as under Gouy–Chapman.
model
    ``"site-explicit"``: every site keeps its own ΔE on its own plane; ``"continuum"``: a
    regular grid of ``n_points`` cells, each carrying every host sublattice at its mean
    density, with ΔE averaged per plane and sublattice and mapped to the nearest plane.
compat
    ``None`` or ``"pyscses"``: pyscses 1.0.0's discretisation (:mod:`.conventions`).
boundary, statistics
    ``"periodic"``/``"dirichlet"`` ends; ``"fermi-dirac"``/``"boltzmann"`` site statistics.

The bulk region ``bulk = (lo, hi)`` fixes the potential zero: the mean of phi over the planes
with ``lo < x < hi`` (control-volume weighted) vanishes.  Under Mott–Schottky the mean is
taken on the planes of the first mobile species (so that it has its nominal bulk fraction
there); under Gouy–Chapman on all planes.

:func:`build_problem` runs named steps: :func:`check_options`, :func:`ordered_energies`,
:func:`discretise` (planes and grid), :func:`site_statistics`, :func:`gauge_weights`,
:func:`fitted_targets`, :func:`carrier_arrays` and :func:`~.materials.check_bulk_neutral`; under
restricted equilibrium :func:`frozen_in` first solves the Gouy–Chapman problem at the
equilibration temperature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conventions import conventions
from .errors import InputError, check_memory, check_temperature
from .grid import BOUNDARIES
from .materials import bulk_region_charge, check_bulk_neutral
from .occupancy import STATISTICS
from .equilibrium.newton import solve_problem
from .equilibrium.problem import Problem
from .sites import DefectSpecies, Sites

__all__ = ["APPROXIMATIONS", "MODELS", "build_problem"]

APPROXIMATIONS = ("mott-schottky", "gouy-chapman", "restricted")
MODELS = ("site-explicit", "continuum")


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise InputError(f"{name} must be one of {allowed}, got {value!r}")


def check_options(*, approximation, model, statistics, boundary, bulk, x_min, x_max, dirichlet, frozen=None):
    """Validate the modelling options; returns the bulk region as floats ``(lo, hi)`` (Å)."""
    _check_choice("approximation", approximation, APPROXIMATIONS)
    if approximation == "restricted" and frozen is None:
        raise InputError("approximation='restricted' needs equilibration_temperature (K), the temperature at "
                         "which the frozen species were equilibrated (or their per-site frozen_occupancy)")
    _check_choice("model", model, MODELS)
    _check_choice("statistics", statistics, STATISTICS)
    _check_choice("boundary", boundary, BOUNDARIES)
    try:
        lo, hi = (float(v) for v in bulk)
    except (TypeError, ValueError):
        raise InputError(f"bulk must be (lo, hi) in Å, got {bulk!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise InputError(f"bulk must be (lo, hi) with lo < hi in Å, got {bulk!r}")
    if lo < x_min or hi > x_max:
        raise InputError(f"bulk region {lo}..{hi} Å lies outside the region {x_min}..{x_max} Å")
    if dirichlet is not None:
        if boundary != "dirichlet":
            raise InputError(f"dirichlet = {dirichlet!r} fixes end potentials, but boundary is {boundary!r}; "
                             "set boundary = 'dirichlet'")
        try:
            values = [float(v) for v in dirichlet]
        except (TypeError, ValueError):
            raise InputError(f"dirichlet must be two end potentials (V), got {dirichlet!r}") from None
        if len(values) != 2 or not np.all(np.isfinite(values)):
            raise InputError(f"dirichlet must be two finite end potentials (V), got {dirichlet!r}")
    return lo, hi


def ordered_energies(sites, defects):
    """ΔE (n_sites, m) with the columns in the order of ``defects``; raises for site-file
    defect labels no species defines and for species that occupy no site."""
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
        if not np.isfinite(energies[:, j]).any():
            raise InputError(f"defect {lab!r} occupies no site in {sites.source}")
    return energies


@dataclass
class Discretisation:
    """The grid and the sites on it (continuum: one entry per grid point and sublattice).

    Attributes: ``grid``; per site ``plane`` (grid plane), ``x`` (Å), ``label``,
    ``valence`` (e), ``energies`` (eV, NaN where not hosted), ``weight`` (physical sites).
    """

    grid: object
    plane: np.ndarray
    x: np.ndarray
    label: np.ndarray
    valence: np.ndarray
    energies: np.ndarray
    weight: np.ndarray


def _continuum_sites(sites, energies, plane_x, plane_of, grid_x):
    """One site per (grid point, host label) carrying the label's mean plane energies,
    mapped to the nearest plane of that sublattice."""
    xs, labels, valences, rows, weights = [], [], [], [], []
    for lab in np.unique(sites.label):
        on = sites.label == lab
        planes = np.unique(plane_of[on])
        sums = np.zeros((plane_x.size, energies.shape[1]))
        counts = np.bincount(plane_of[on], minlength=plane_x.size)
        np.add.at(sums, plane_of[on], energies[on])
        mean = sums[planes] / counts[planes][:, None]
        px = plane_x[planes]
        nearest = np.clip(np.searchsorted(px, grid_x), 1, px.size - 1)
        nearest -= (grid_x - px[nearest - 1]) <= (px[nearest] - grid_x)
        if px.size == 1:
            nearest = np.zeros(grid_x.size, dtype=int)
        xs.append(grid_x)
        labels.append(np.full(grid_x.size, lab))
        valences.append(np.full(grid_x.size, sites.valence[on].mean()))
        rows.append(mean[nearest])
        weights.append(np.full(grid_x.size, on.sum() / grid_x.size))
    return (np.concatenate(xs), np.concatenate(labels), np.concatenate(valences), np.vstack(rows),
            np.concatenate(weights))


def _check_points(n_points, n_sublattices, n_defects):
    """``n_points`` (continuum grid points) is an integer >= 3 whose problem fits in memory:
    each point carries every sublattice, each site about 25 arrays of its defects, each plane
    about 40 arrays (8 bytes a value)."""
    if not (isinstance(n_points, (int, np.integer)) and not isinstance(n_points, bool) and n_points >= 3):
        raise InputError(f"n_points must be an integer >= 3 (grid points of the continuum model), got {n_points!r}")
    check_memory(8.0 * n_points * (40 + 25 * n_sublattices * max(n_defects, 1)), f"n_points = {n_points}")


def discretise(sites, energies, conv, *, model, x_min, x_max, area, boundary, permittivity, n_points, plane_tol,
               bulk):
    """Planes, grid and the sites on it (:class:`Discretisation`) under conventions ``conv``;
    raises when the bulk region ``(lo, hi)`` (Å) holds no plane."""
    inside = (sites.x > x_min) & (sites.x < x_max)
    if not inside.any():
        raise InputError(f"no sites in the region {x_min} < x < {x_max} Å of {sites.source}")
    plane_x, plane_of = conv.planes(sites.x, inside, plane_tol)
    if model == "site-explicit":
        grid = conv.grid(plane_x, x_min, x_max, area, boundary, permittivity)
    else:
        _check_points(n_points, len(np.unique(sites.label[inside])), energies.shape[1])
        grid = conv.continuum_grid(plane_x, x_min, x_max, n_points, area, boundary, permittivity)
    if not ((grid.x > bulk[0]) & (grid.x < bulk[1])).any():
        raise InputError(f"the bulk region {bulk[0]}..{bulk[1]} Å contains no planes")
    if model == "site-explicit":
        plane = np.searchsorted(grid.x, plane_x[plane_of[inside]])
        return Discretisation(grid, plane, sites.x[inside], sites.label[inside], sites.valence[inside],
                              energies[inside], np.ones(inside.sum()))
    sub = sites.select(inside)
    x, label, valence, E, weight = _continuum_sites(sub, energies[inside], plane_x, plane_of[inside], grid.x)
    plane = np.tile(np.arange(grid.n), len(np.unique(sub.label)))
    return Discretisation(grid, plane, x, label, valence, E, weight)


@dataclass
class SiteStatistics:
    """Per-species and per-site inputs of the occupancy (see :class:`~ase_spacecharge.equilibrium.problem.Problem`)."""

    valence: np.ndarray
    mole_fraction: np.ndarray
    mobile: np.ndarray
    log_x: np.ndarray
    fixed_charge: np.ndarray
    capacity: np.ndarray


def site_statistics(disc, defects, *, approximation, statistics, site_charges, frozen_occupancy=None):
    """Which species are mobile, and each site's ``ln(x/A)``, fixed charge and capacity.

    ``A`` is the empty fraction of a bulk site (nominal fractions), so that the mobile species'
    electrochemical potentials equal the bulk's; under restricted equilibrium the frozen
    species' per-site ``frozen_occupancy`` (n_sites, m) sets the capacity and fixed charge."""
    valence = np.array([d.valence for d in defects], dtype=float)
    x_bulk = np.array([d.mole_fraction for d in defects], dtype=float)
    mobile = np.array([d.mobility > 0 or approximation == "gouy-chapman" for d in defects])
    hosted = np.isfinite(disc.energies)
    frozen_fraction = hosted[:, ~mobile] @ x_bulk[~mobile]
    empty = 1.0 - frozen_fraction - hosted[:, mobile] @ x_bulk[mobile]
    if np.any(empty <= 0):
        s = int(np.flatnonzero(empty <= 0)[0])
        names = [defects[j].label for j in np.flatnonzero(hosted[s])]
        raise InputError(f"site at x = {disc.x[s]:.4f} Å ({disc.label[s]!r}): mole fractions of "
                         f"{names} sum to {1 - empty[s]:.6g} >= 1")
    log_x = np.full(disc.energies.shape, -np.inf)
    mob_hosted = hosted & mobile[None, :]
    with np.errstate(divide="ignore"):
        base = np.log(x_bulk)[None, :] - (np.log(empty)[:, None] if statistics == "fermi-dirac" else 0.0)
    log_x[mob_hosted] = np.broadcast_to(base, disc.energies.shape)[mob_hosted]
    frozen = hosted[:, ~mobile] * x_bulk[None, ~mobile]
    if frozen_occupancy is not None:
        frozen = np.where(hosted[:, ~mobile], np.nan_to_num(np.asarray(frozen_occupancy)[:, ~mobile]), 0.0)
    fixed = (disc.valence if site_charges else 0.0) + frozen @ valence[~mobile]
    return SiteStatistics(valence, x_bulk, mobile, log_x, fixed, 1.0 - frozen.sum(axis=1))


def plane_hosts(disc, n_defects):
    """Bool (n_planes, m): planes hosting each defect."""
    hosts = np.zeros((disc.grid.n, n_defects), dtype=bool)
    np.logical_or.at(hosts, disc.plane, np.isfinite(disc.energies))
    return hosts


def gauge_weights(grid, hosts, mobile, conv, *, approximation, bulk):
    """Weights of the bulk-region mean of phi that the gauge sets to zero: on the planes of
    the conventions' gauge species under Mott–Schottky, on all planes under Gouy–Chapman."""
    lo, hi = bulk
    period = grid.x_max - grid.x_min
    if approximation == "mott-schottky":
        mask = hosts[:, conv.gauge_species(mobile)]
    else:
        mask = np.ones(grid.n, dtype=bool)
    return conv.region_weights(grid.x, mask, lo, hi, period)


def fitted_targets(disc, hosts, mobile, defects, conv, *, approximation, bulk):
    """Gouy–Chapman: the fitted species, their target fractions and per-site weights of
    their bulk-region averages (empty under Mott–Schottky)."""
    fitted = np.flatnonzero(mobile) if approximation != "mott-schottky" else np.zeros(0, dtype=int)
    grid = disc.grid
    hosted = np.isfinite(disc.energies)
    counts = np.zeros((grid.n, len(defects)))
    np.add.at(counts, disc.plane, hosted * disc.weight[:, None])
    target_weight = np.zeros((len(fitted), len(disc.plane)))
    for k, d in enumerate(fitted):
        plane_w = conv.region_weights(grid.x, hosts[:, d], bulk[0], bulk[1], grid.x_max - grid.x_min)
        per_site = plane_w[disc.plane] / np.where(counts[disc.plane, d] > 0, counts[disc.plane, d], 1.0)
        target_weight[k] = np.where(hosted[:, d], per_site * disc.weight, 0.0)
    target = np.array([defects[d].mole_fraction for d in fitted], float)
    return fitted, target, target_weight


def carrier_arrays(grid, carriers, carrier_dos=None, carrier_offset=None):
    """Per-plane densities of states (k, n; default each carrier's own) and offsets (zero)."""
    k = len(carriers)
    dos = (np.array([np.full(grid.n, c.reference_dos) for c in carriers]).reshape(k, grid.n)
           if carrier_dos is None else np.asarray(carrier_dos, float).reshape(k, grid.n))
    offset = np.zeros((k, grid.n)) if carrier_offset is None else np.asarray(carrier_offset, float).reshape(k, grid.n)
    return dos, offset


def _species(defects):
    defects = [DefectSpecies.from_dict(d) for d in defects]
    if not defects:
        raise InputError("no defect species given")
    return defects


def _background(grid, background_density):
    """Fixed charge per plane (e) of a background density (e/Å³), or None."""
    if background_density is None:
        return None
    values = np.asarray(background_density, float)
    if values.size not in (1, grid.n) or not np.all(np.isfinite(values)):
        raise InputError(f"background_density: expected a finite number or one value per plane ({grid.n}), "
                         f"got {values.size} values")
    return np.broadcast_to(values.reshape(-1) if values.ndim else values, (grid.n,)) * grid.dx * grid.area


def _dirichlet_option(boundary, dirichlet):
    """The Problem's ``dirichlet``: fixed end potentials, "floating" ends, or None (periodic)."""
    if dirichlet is not None:
        return tuple(float(v) for v in dirichlet)
    return "floating" if boundary == "dirichlet" else None


def _carrier_fields(carriers, dos, offset):
    """The band-carrier fields of a :class:`~ase_spacecharge.equilibrium.problem.Problem`."""
    return dict(carrier_labels=tuple(c.label for c in carriers),
                carrier_valence=np.array([c.valence for c in carriers], float), carrier_dos=dos,
                carrier_eta=np.array([c.eta() for c in carriers], float), carrier_offset=offset,
                carrier_statistics=tuple(c.statistics for c in carriers))


def build_problem(sites: Sites, defects, *, x_min, x_max, area, permittivity, bulk,
                  approximation="mott-schottky", model="site-explicit", boundary="periodic",
                  site_charges=False, statistics="fermi-dirac", compat=None, n_points=1000,
                  plane_tol=0.2, dirichlet=None, carriers=None, carrier_dos=None, carrier_offset=None,
                  background_density=None, frozen_occupancy=None, equilibration_temperature=None):
    """Discretise a space-charge problem (options as in the module docstring).

    Parameters
    ----------
    sites : Sites
        All sites (positions in Å); those with ``x_min < x < x_max`` are solved.
    defects : sequence of DefectSpecies (or dicts, see :meth:`DefectSpecies.from_dict`)
    x_min, x_max : float
        Region (Å); for a periodic boundary the period is ``x_max - x_min``.
    area, permittivity : float
        Cross-section of the column (Å²); relative permittivity (or one per face, n_planes + 1).
    bulk : (float, float)
        Bulk region (Å) where the potential averages to zero.
    approximation, model, compat, boundary, statistics : see the module docstring
    site_charges : bool
        Include the host-site valences in the charge.
    n_points, plane_tol : int, float
        Grid points of the continuum model; sites closer than ``plane_tol`` (Å) form one plane.
    dirichlet : (phi_lower, phi_upper), optional
        Fixed end potentials (V) of a Dirichlet grid (default: they float with the gauge).
    carriers : sequence of :class:`~.materials.Carrier`, optional
        Band carriers solved with the defects (a mixed conductor), at their bulk densities;
        ``carrier_dos``, ``carrier_offset`` (k, n_planes): per-plane density of states (Å⁻³)
        and energy offset (eV) of each.
    background_density : array (n_planes,), optional
        Fixed charge density (e/Å³) per plane (frozen continuum dopants).
    frozen_occupancy, equilibration_temperature : array (n_sites, m), float; optional
        Restricted equilibrium: the frozen species' site fractions, by default those of a
        Gouy–Chapman equilibrium at ``equilibration_temperature`` (K; :mod:`.restricted`).

    Returns
    -------
    Problem

    Examples
    --------
    >>> from ase_spacecharge import DefectSpecies
    >>> from ase_spacecharge.examples import ceria_like_column
    >>> sites, lo, hi = ceria_like_column()
    >>> problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.2)],
    ...                         x_min=lo, x_max=hi, area=58.57, permittivity=55.0, bulk=(lo + 2, lo + 15))
    >>> problem.grid.n, problem.approximation
    (90, 'mott-schottky')
    """
    if approximation == "restricted" and frozen_occupancy is None and equilibration_temperature is not None:
        options = dict(locals())  # the keywords given, for the equilibration solve
        frozen_occupancy, equilibration_temperature = frozen_in(sites, defects, equilibration_temperature, options)
    lo, hi = check_options(approximation=approximation, model=model, statistics=statistics, boundary=boundary,
                           bulk=bulk, x_min=x_min, x_max=x_max, dirichlet=dirichlet, frozen=frozen_occupancy)
    conv, defects, carriers = conventions(compat), _species(defects), list(carriers or [])
    disc = discretise(sites, ordered_energies(sites, defects), conv, model=model, x_min=x_min, x_max=x_max,
                      area=area, boundary=boundary, permittivity=permittivity, n_points=n_points, plane_tol=plane_tol,
                      bulk=(lo, hi))
    grid = disc.grid
    stats = site_statistics(disc, defects, approximation=approximation, statistics=statistics,
                            site_charges=site_charges, frozen_occupancy=frozen_occupancy)
    hosts = plane_hosts(disc, len(defects))
    gauge = None if dirichlet is not None else gauge_weights(grid, hosts, stats.mobile, conv,
                                                             approximation=approximation, bulk=(lo, hi))
    fitted, target, target_weight = fitted_targets(disc, hosts, stats.mobile, defects, conv,
                                                   approximation=approximation, bulk=(lo, hi))
    background = _background(grid, background_density)
    check_bulk_neutral(disc, stats, defects, (lo, hi), extra=bulk_region_charge(grid, carriers, background, (lo, hi)))
    dos, offset = carrier_arrays(grid, carriers, carrier_dos, carrier_offset)
    return Problem(
        grid=grid, site_plane=disc.plane, site_weight=disc.weight, energies=disc.energies, valence=stats.valence,
        mole_fraction=stats.mole_fraction, mobile=stats.mobile, fixed_charge=stats.fixed_charge,
        capacity=stats.capacity, log_x=stats.log_x, gauge=gauge, fitted=fitted, target=target,
        target_weight=target_weight, dirichlet=_dirichlet_option(boundary, dirichlet), statistics=statistics,
        defect_labels=tuple(d.label for d in defects), activities=tuple(d.activity for d in defects),
        background=background, **_carrier_fields(carriers, dos, offset), site_x=disc.x, site_label=disc.label,
        plane_hosts=hosts, mobility=[d.mobility for d in defects], permittivity=permittivity,
        approximation=approximation, model=model, compat=compat, bulk=(lo, hi), site_charges=bool(site_charges),
        frozen_occupancy=frozen_occupancy, equilibration_temperature=equilibration_temperature)


def frozen_in(sites, defects, equilibration_temperature, options):
    """For :func:`~.model.build_problem`: the frozen site fractions at
    ``equilibration_temperature`` (K, checked) under the other build ``options`` (a dict of
    its keywords), and that temperature as a float."""
    T_eq = check_temperature(equilibration_temperature, "equilibration_temperature")
    skip = ("sites", "defects", "approximation", "frozen_occupancy", "equilibration_temperature")
    hot = build_problem(sites, defects, approximation="gouy-chapman", **{k: v for k, v in options.items() if k not in skip})
    phi, _, _, eta = hot.unpack(solve_problem(hot, T_eq).state)
    return hot.occupancies(phi, eta, T_eq, unhosted=np.nan), T_eq
