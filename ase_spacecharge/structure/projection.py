"""Projection of a structure's sites onto the 1D grid along the boundary normal.

* ``mode="cell"``: the whole periodic cell, centred on the first boundary (domain
  ``-d/2 .. d/2``).  ``mode="unfold"``: every site measured from its *nearest* boundary, so
  the boundaries are stacked onto one (cross-section ``n_boundaries × area``).  A site
  exactly midway between two boundaries is measured from the one listed first.
* Sites are grouped into planes per sublattice (host species) by periodic sort-and-split
  with ``plane_tol`` (Å); each site keeps its own segregation energy ΔE (eV), and its
  1D position is the centre of its plane.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, fields

import numpy as np

from ..errors import InputError, SpaceChargeWarning
from ..grid import group_planes
from ..sites import Sites
from .data import read_structure
from .energies import defect_hosts, site_energy_matrix
from .geometry import (boundary_axis, edges_between_planes, boundary_gaps, cross_section, distance_to_boundaries, find_boundaries,
                       normal_spacing, overlapping_atoms, periodic_planes)

__all__ = ["Projection", "project"]


@dataclass
class Projection:
    """Sites of a structure on the 1D grid (see the module docstring for conventions).

    Attributes
    ----------
    sites : Sites
        Feeds :func:`~ase_spacecharge.model.build_problem` (positions are plane centres, Å).
    atom_index : int ndarray
        The structure's atom behind each site (-1 for bulk padding).
    site_distance : ndarray
        Each site's own signed distance to its boundary (Å).
    boundary_index : int ndarray
        The boundary each site is measured from (-1 for padding).
    x_min, x_max : float
        The domain (Å).
    area : float
        Cross-section (Å²; times the number of boundaries when unfolded).
    axis : int
        Lattice vector normal to the boundaries.
    spacing : float
        ``d = V / |a_i × a_j|`` (Å).
    boundaries : ndarray
        Fractional positions.
    mode : {"cell", "unfold"}
    symbols, frac : ndarray
        The projected structure's species and fractional coordinates, so that
        :func:`~.annotate.annotate` can check that it writes onto the same atoms.
    mirror_spread : dict
        Unfold mode: the largest spread between the boundaries' mirror planes, ``position``
        (Å) and ``energy`` (eV).
    padding : dict
        What :func:`~.padding.pad_with_bulk` added.
    boundary_x : ndarray
        The boundaries' positions on the 1D axis (Å), in the order of ``boundaries``: 0 for
        the first; one 0 for an unfolded projection (all boundaries stacked at x = 0).
    sources : dict
        Defect label -> where each atom's ΔE came from (str array over the structure's
        atoms: "computed", "equivalent", "filled" or "none"; see
        :data:`~.energies.SOURCES`).
    hosts : dict
        Defect label -> host species.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> proj = project(ceria_like_atoms(), [dict(label="Vo", site="O")], boundaries=[0.0, 0.5], mode="unfold")
    >>> proj.mode, round(proj.area, 2), proj.mirror_spread["position"] < 1e-9
    ('unfold', 117.15, True)
    >>> Projection.from_dict(proj.as_dict()).sites.x.tolist() == proj.sites.x.tolist()
    True
    """

    sites: Sites
    atom_index: np.ndarray
    site_distance: np.ndarray       # each site's own signed distance (Å)
    boundary_index: np.ndarray      # boundary each site is measured from (-1 padding)
    x_min: float
    x_max: float
    area: float
    axis: int
    spacing: float                  # d = V / |a_i x a_j|
    boundaries: np.ndarray          # fractional
    mode: str
    symbols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    frac: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    mirror_spread: dict = field(default_factory=dict)
    padding: dict = field(default_factory=dict)
    boundary_x: np.ndarray = field(default_factory=lambda: np.zeros(1))
    sources: dict = field(default_factory=dict)
    hosts: dict = field(default_factory=dict)

    def source_counts(self):
        """Per defect, how many of its host sites have each source (:data:`~.energies.SOURCES`).

        Returns
        -------
        dict
            ``{label: {"computed": n, "equivalent": n, "filled": n, "none": n}}``.
        """
        from .energies import SOURCES
        return {lab: {name: int(np.sum(src[self.symbols == self.hosts[lab]] == name)) for name in SOURCES}
                for lab, src in self.sources.items()}

    def as_dict(self):
        """JSON-ready dict (lists for arrays) with ``@module``/``@class``, as pymatgen's MSONable
        objects have; :meth:`from_dict` restores it (also from what monty's ``dumpfn`` writes)."""
        out = {"@module": type(self).__module__, "@class": type(self).__name__}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "sites":
                v = {g.name: getattr(v, g.name) for g in fields(v)}
                v = {k: x.tolist() if isinstance(x, np.ndarray) else list(x) if isinstance(x, tuple) else x
                     for k, x in v.items()}
            if isinstance(v, dict):  # sources: per-atom arrays by defect
                v = {k: x.tolist() if isinstance(x, np.ndarray) else x for k, x in v.items()}
            out[f.name] = v.tolist() if isinstance(v, np.ndarray) else v
        return out

    @classmethod
    def from_dict(cls, d):
        """The projection of :meth:`as_dict` (arrays with their dtypes restored)."""
        from ..solution import decoded
        kwargs = {f.name: decoded(d[f.name]) for f in fields(cls) if f.name in d}
        sites = kwargs["sites"]
        if not isinstance(sites, Sites):
            sites = Sites(**{k: decoded(v) for k, v in sites.items() if not k.startswith("@")})
        kwargs["sites"] = sites
        for name, dtype in _PROJECTION_DTYPES.items():
            if name in kwargs:
                kwargs[name] = np.asarray(kwargs[name], dtype=dtype)
        kwargs["frac"] = kwargs["frac"].reshape(-1, 3)
        if "sources" in kwargs:
            kwargs["sources"] = {k: np.asarray(decoded(v), dtype=str) for k, v in kwargs["sources"].items()}
        return cls(**kwargs)

    def report(self):
        """One-paragraph description of what was projected and padded."""
        n_atoms = int((self.atom_index >= 0).sum())
        text = (f"{n_atoms} sites from the structure, axis {'abc'[self.axis]} (d = {self.spacing:.4f} Å), "
                f"boundaries at {np.round(self.boundaries, 6).tolist()}, mode {self.mode!r}, "
                f"domain {self.x_min:.3f} .. {self.x_max:.3f} Å, cross-section {self.area:.4f} Å²")
        if self.mirror_spread:
            text += (f"; mirror-plane spread between boundaries: position {self.mirror_spread['position']:.3g} Å, "
                     f"ΔE {self.mirror_spread['energy']:.3g} eV")
        pad = self.padding
        if pad and self.mode == "unfold":
            text += (f"; padded with {pad['n_sites']} bulk sites to {pad['lower']:.2f} .. {pad['upper']:.2f} Å "
                     f"(bulk period {pad['period_lower']:.4f} / {pad['period_upper']:.4f} Å)")
        elif pad:
            slabs = ", ".join(f"{lo:.2f} .. {hi:.2f}" for lo, hi in pad["inserted"])
            text += f"; padded with {pad['n_sites']} bulk sites inserted in the grains' middles at {slabs} Å"
        for lab, counts in self.source_counts().items():
            text += f"; ΔE of {lab} on {self.hosts[lab]}: " + ", ".join(f"{n} {name}" for name, n in counts.items())
        return text


# dtypes of Projection's arrays, to restore them from JSON lists
_PROJECTION_DTYPES = {"atom_index": int, "site_distance": float, "boundary_index": int, "boundaries": float,
                      "symbols": str, "frac": float, "boundary_x": float}


def _mirror_spread(on, plane_of, from_b, x_raw, E, n_boundaries):
    """Largest spread (Å, eV) between the boundaries' contributions to one unfolded plane:
    their mean positions and their mean ΔE per defect (planes all boundaries reach)."""
    n_planes = plane_of.max() + 1
    key = plane_of * n_boundaries + from_b[on]

    def means(values, mask):
        total = np.bincount(key[mask], weights=values[mask], minlength=n_planes * n_boundaries)
        count = np.bincount(key[mask], minlength=n_planes * n_boundaries)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (total / count).reshape(n_planes, n_boundaries)

    def spread(m):
        full = np.all(np.isfinite(m), axis=1)
        return float(np.max(np.ptp(m[full], axis=1), initial=0.0))

    spread_pos = spread(means(x_raw[on], np.ones(on.size, dtype=bool)))
    spread_E = max((spread(means(np.nan_to_num(E[on, j]), np.isfinite(E[on, j]))) for j in range(E.shape[1])),
                   default=0.0)
    return spread_pos, spread_E


def _raw_coordinates(data, mode, ax, b, d):
    """Each atom's signed distance (Å) and the boundary it is measured from, the domain
    edges and the number of boundaries stacked onto one."""
    if mode == "cell":
        s = np.mod(data.frac[:, ax] - b[0] + 0.5, 1.0) - 0.5
        return s * d, np.zeros(len(data.symbols), dtype=int), -d / 2, d / 2, 1
    dist, nearest = distance_to_boundaries(data, ax, b)
    gaps_b = boundary_gaps(b) * d
    return dist, nearest, -0.5 * float(np.min(np.roll(gaps_b, 1))), 0.5 * float(np.min(gaps_b)), b.size


def _plane_centres(sym, x_raw, from_b, E, lo_edge, hi_edge, plane_tol, n_boundaries):
    """Plane centre (Å) of every site, per host species, and the largest mirror spread."""
    period = hi_edge - lo_edge
    x_plane = np.empty(sym.size)
    spread_pos, spread_E = 0.0, 0.0
    for host in np.unique(sym):
        on = np.flatnonzero(sym == host)
        centres, plane_of = periodic_planes(x_raw[on], period, plane_tol)
        c = centres[plane_of]
        # keep plane centres inside the half-open domain (lo_edge, hi_edge]
        x_plane[on] = np.where(c <= lo_edge, c + period, np.where(c > hi_edge, c - period, c))
        if n_boundaries > 1:
            pos, energy = _mirror_spread(on, plane_of, from_b, x_raw, E, n_boundaries)
            spread_pos, spread_E = max(spread_pos, pos), max(spread_E, energy)
    return x_plane, spread_pos, spread_E


def _boundary_positions(b, d, mode, lo_edge, hi_edge):
    """The boundaries on the 1D axis (Å): signed distances from the first, wrapped into the
    domain ``(lo_edge, hi_edge]`` (cell), or one 0 (unfold)."""
    if mode == "unfold":
        return np.zeros(1)
    x = (np.mod(b - b[0] + 0.5, 1.0) - 0.5) * d
    return np.where(x > hi_edge, x - d, np.where(x <= lo_edge, x + d, x))


def _plane_mean_energies(x_plane, E, real):
    """Each site's ΔE replaced by the mean over the sites of its plane hosting the defect whose
    ΔE is real (``real``: computed or equivalent, not filled); a plane without any keeps
    its sites' own (filled) ΔE."""
    E = E.copy()
    plane_id = group_planes(x_plane, 1e-3)[1]  # the grid's planes (build_problem's tolerance)
    for j in range(E.shape[1]):
        ok, use = np.isfinite(E[:, j]), np.isfinite(E[:, j]) & real[:, j]
        total = np.bincount(plane_id[use], weights=E[use, j], minlength=plane_id.max() + 1)
        count = np.bincount(plane_id[use], minlength=plane_id.max() + 1)
        has = ok & (count[plane_id] > 0)
        E[has, j] = total[plane_id[has]] / count[plane_id[has]]
    return E


def project(structure, defects, *, hosts=None, energies=None, axis=None, boundaries=None, mode="cell",
            plane_tol=0.3, missing="error", valences=None, pad_to=None, average_energies=False, symprec=0.01):
    """Project a structure's sites onto the 1D grid.

    Parameters
    ----------
    structure : ase.Atoms, pymatgen Structure or StructureData
    defects : sequence of DefectSpecies or dicts (with ``site``, the host species)
    hosts : dict, optional
        Defect label -> host species (overrides ``site``).
    energies : dict, optional
        Defect label -> per-site ΔE (eV) as an array or (site index, energy) pairs.  Default:
        the structure's per-site array ``dE_<label>``.
    axis, boundaries : see :func:`~.geometry.boundary_axis`, :func:`~.geometry.find_boundaries`.
    mode : {"cell", "unfold"}
    plane_tol : float
        Sites of one host species closer than this (Å) along the normal form one plane.
    missing : {"error", "equivalent", "zero", "drop"}
        What a NaN energy on a host site means: an error (default), the energy of the
        computed sites symmetry-equivalent to it (spglib; an error naming the sites no
        computed site is equivalent to), a bulk-like site (ΔE = 0), or a site that cannot
        host the defect.  A ΔE of +inf means the site never hosts the defect.  Each atom's
        source is kept in ``Projection.sources``.
    valences : dict, optional
        Host species -> formal charge (e), for site charges; default 0.
    pad_to : float or (float, float), optional
        Extend the grid with bulk planes so that bulk reaches these distances (Å) from the
        boundary (see :func:`~.padding.pad_with_bulk`): beyond the outermost planes
        (unfold), or inserted in every grain's middle (cell, one distance).
    average_energies : bool
        Replace each site's ΔE by the mean over the sites of its plane that host the defect
        and have a computed (or equivalent) ΔE, never a filled one (by default every site
        keeps its own ΔE inside the Boltzmann factor).
    symprec : float
        Å, the symmetry tolerance of ``missing="equivalent"``
        (:func:`~.symmetry.equivalent_sites`).

    Returns
    -------
    Projection

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> proj = project(ceria_like_atoms(), [dict(label="Vo", site="O"), dict(label="Gd", site="Ce")],
    ...                boundaries=[0.5])
    >>> proj.sites.x.size, round(proj.x_max - proj.x_min, 3), proj.mode
    (90, 93.72, 'cell')
    """
    from .padding import pad_with_bulk
    data = read_structure(structure)
    _check_options(data, mode, missing)
    ax = boundary_axis(data, axis)
    b = find_boundaries(data, ax, boundaries)
    d = normal_spacing(data.cell, ax)
    pairs = defect_hosts(defects, hosts)
    E, sources = site_energy_matrix(data, pairs, energies, missing, symprec)
    keep = np.flatnonzero(np.isfinite(E).any(axis=1))
    if keep.size == 0:
        raise InputError("no site hosts any of the defects")
    x_raw, from_b, lo_edge, hi_edge, n_stack = _raw_coordinates(data, mode, ax, b, d)
    x_raw, from_b, sym, E = x_raw[keep], from_b[keep], data.symbols[keep], E[keep]
    x_plane, spread_pos, spread_E = _plane_centres(sym, x_raw, from_b, E, lo_edge, hi_edge, plane_tol, n_stack)
    lo_edge, hi_edge = edges_between_planes(x_plane, lo_edge, hi_edge)
    if average_energies:
        E = _plane_mean_energies(x_plane, E, np.stack([np.isin(sources[lab][keep], REAL) for lab, _ in pairs], 1))
    valence = np.zeros(sym.size)
    for species, charge in (valences or {}).items():
        valence[sym == species] = charge
    sites = Sites(x_plane, sym, valence, tuple(lab for lab, _ in pairs), E, source="structure")
    proj = Projection(sites, keep, x_raw, from_b, float(lo_edge), float(hi_edge),
                      cross_section(data.cell, ax) * n_stack, ax, d, b, mode, data.symbols.copy(), data.frac.copy(),
                      mirror_spread=dict(position=spread_pos, energy=spread_E) if n_stack > 1 else {},
                      boundary_x=_boundary_positions(b, d, mode, lo_edge, hi_edge), sources=sources,
                      hosts=dict(pairs))
    _check_mirror_spread(proj)
    if pad_to is not None:
        proj = pad_with_bulk(proj, pad_to, plane_tol=plane_tol)
    return proj


#: What a missing ΔE on a host site may mean (``missing``).
MISSING = ("error", "equivalent", "zero", "drop")

#: Atoms closer than this (Å) are "two atoms at one position".
OVERLAP = 0.3


#: The sources (:data:`~.energies.SOURCES`) of a real ΔE, which ``average_energies`` averages.
REAL = ("computed", "equivalent")


def _check_options(data, mode, missing):
    """Raise for an unknown ``mode`` or ``missing``, or two atoms at one position."""
    if mode not in ("cell", "unfold"):
        raise InputError(f"mode must be 'cell' or 'unfold', got {mode!r}")
    if missing not in MISSING:
        raise InputError(f"missing must be 'error', 'equivalent', 'zero' or 'drop', got {missing!r}")
    _check_overlaps(data)


def _check_overlaps(data):
    """Raise when two atoms sit at one position (closer than :data:`OVERLAP`): each would be a
    site of its plane, silently doubling the plane's site density."""
    pairs, dist = overlapping_atoms(data, OVERLAP)
    if pairs.size:
        i, j = (int(v) for v in pairs[0])
        raise InputError(f"atoms {i} ({str(data.symbols[i])}) and {j} ({str(data.symbols[j])}) are {dist[0]:.3g} Å "
                         f"apart (closer than {OVERLAP} Å: two atoms at one position, {len(pairs)} such pair(s)); "
                         "each would count as a site of its plane: remove the duplicates")


#: Largest spread (Å, eV) between the boundaries' mirror planes before unfolding warns.
MIRROR_TOLERANCE = (0.1, 0.05)


def _check_mirror_spread(proj):
    """Warn when the unfolded boundaries are not alike: their mirror planes differ by more
    than :data:`MIRROR_TOLERANCE` in position or in segregation energy."""
    spread = proj.mirror_spread
    if spread and (spread["position"] > MIRROR_TOLERANCE[0] or spread["energy"] > MIRROR_TOLERANCE[1]):
        warnings.warn(f"the {proj.boundaries.size} boundaries stacked by mode='unfold' differ: their mirror planes "
                      f"are up to {spread['position']:.3g} Å apart and their segregation energies up to "
                      f"{spread['energy']:.3g} eV; the unfolded model averages them (use mode='cell' to keep "
                      "them apart)", SpaceChargeWarning, stacklevel=3)
