"""Adapters: grain-boundary supercells (ASE ``Atoms`` or pymatgen ``Structure``) to the 1D
problem, and the results back onto the atoms.

Conventions
-----------
* The boundary planes are normal to the lattice vector ``axis`` (0, 1, 2 = a, b, c).  The
  coordinate along the normal is the fractional coordinate times ``d = V / |a_i × a_j|``
  (the interplanar spacing of the cell, never the length of the lattice vector), so
  non-orthogonal cells are projected correctly.
* Boundary positions are fractional coordinates along ``axis``.  A site's coordinate is its
  signed distance (Å) to a boundary: positive on the side of increasing fractional
  coordinate.
* ``mode="cell"``: the whole periodic cell, centred on the first boundary (domain
  ``-d/2 .. d/2``).  ``mode="unfold"``: every site measured from its *nearest* boundary, so
  the boundaries are stacked onto one (cross-section ``n_boundaries × area``).  A site
  exactly midway between two boundaries is measured from the one listed first.
* Sites are grouped into planes per sublattice (host species) by periodic sort-and-split
  with ``plane_tol`` (Å); each site keeps its own segregation energy ΔE (eV), and its
  1D position is the centre of its plane.
* pymatgen is imported only when a pymatgen object is passed in or asked for.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from ase import Atoms
from scipy.optimize import linear_sum_assignment

from .grid import group_planes
from .model import build_problem
from .sites import DefectSpecies, InputError, Sites, defect_species_from_dict
from .spacecharge import solve
from .transport import space_charge_width


# ---------------------------------------------------------------------------- reading

@dataclass
class StructureData:
    """What the adapters need from a structure, as plain arrays (Å, fractional)."""

    cell: np.ndarray          # (3, 3) Å, rows are lattice vectors
    frac: np.ndarray          # (n, 3) fractional coordinates
    symbols: np.ndarray       # (n,) str
    arrays: dict              # per-site arrays (ASE arrays / pymatgen site_properties)
    info: dict                # ASE info / pymatgen properties
    kind: str                 # "ase" or "pymatgen"
    is_grain_boundary: bool = False


def _is_pymatgen(obj):
    """A pymatgen Structure (not an ``Atoms`` subclass such as pymatgen's ``MSONAtoms``)."""
    return not isinstance(obj, Atoms) and type(obj).__module__.startswith("pymatgen")


def read_structure(structure) -> StructureData:
    """Plain arrays from an ASE ``Atoms`` or a pymatgen ``Structure``/``GrainBoundary``."""
    if _is_pymatgen(structure):
        if not hasattr(structure, "lattice"):
            raise InputError(f"expected a pymatgen Structure, got {type(structure).__name__}")
        props = {k: np.asarray(v) for k, v in structure.site_properties.items()}
        return StructureData(np.array(structure.lattice.matrix, float), np.array(structure.frac_coords, float),
                             np.array([site.specie.symbol for site in structure]), props,
                             dict(getattr(structure, "properties", {}) or {}), "pymatgen",
                             type(structure).__name__ == "GrainBoundary")
    if not hasattr(structure, "get_scaled_positions"):
        raise InputError(f"expected an ASE Atoms or a pymatgen Structure, got {type(structure).__name__}")
    cell = np.array(structure.cell, float)
    if abs(np.linalg.det(cell)) < 1e-9:
        raise InputError("the structure has no 3D cell (its lattice vectors are degenerate)")
    arrays = {k: v for k, v in structure.arrays.items() if k not in ("numbers", "positions")}
    return StructureData(cell, structure.get_scaled_positions(wrap=False), np.array(structure.get_chemical_symbols()),
                         arrays, dict(structure.info), "ase")


def normal_spacing(cell, axis):
    """``d = V / |a_i × a_j|`` (Å): the cell's extent along the normal of the plane spanned by
    the two lattice vectors other than ``axis``."""
    i, j = [k for k in range(3) if k != axis]
    cell = np.asarray(cell, float)
    return float(abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[i], cell[j])))


def cross_section(cell, axis):
    """Area (Å²) of the boundary plane of the cell: ``|a_i × a_j|``."""
    i, j = [k for k in range(3) if k != axis]
    return float(np.linalg.norm(np.cross(np.asarray(cell)[i], np.asarray(cell)[j])))


def boundary_axis(data: StructureData, axis=None):
    """The lattice-vector index normal to the boundaries.

    Given: checked.  Otherwise c (2) for a pymatgen ``GrainBoundary``, else the axis with the
    largest normal spacing (grain-boundary supercells are long along the normal).
    """
    if axis is not None:
        if isinstance(axis, str):
            axis = {"a": 0, "b": 1, "c": 2}.get(axis.lower(), axis)
        if not isinstance(axis, (int, np.integer)) or not 0 <= int(axis) <= 2:
            raise InputError(f"axis must be 0, 1, 2 (or 'a', 'b', 'c'), got {axis!r}")
        return int(axis)
    if data.is_grain_boundary:
        return 2
    return int(np.argmax([normal_spacing(data.cell, k) for k in range(3)]))


def _grain_ids(labels):
    """Grain of each site from a pymatgen-style ``grain_label`` ('top', 'top_incident', ...)."""
    names = np.array([str(s).split("_")[0] for s in labels])
    return np.unique(names, return_inverse=True)


def find_boundaries(data: StructureData, axis, boundaries=None):
    """Fractional positions (sorted, in [0, 1)) of the boundaries along ``axis``.

    From ``boundaries`` if given; else from a ``grain_label`` site array (the middle of each
    gap between neighbouring atoms of different grains); else (0, 0.5).
    """
    if boundaries is not None:
        b = np.atleast_1d(np.asarray(boundaries, float))
        if b.size == 0 or not np.all(np.isfinite(b)):
            raise InputError(f"boundaries must be finite fractional positions, got {boundaries!r}")
        return np.sort(np.mod(b, 1.0))
    if "grain_label" not in data.arrays:
        return np.array([0.0, 0.5])
    names, grain = _grain_ids(data.arrays["grain_label"])
    if names.size < 2:
        raise InputError(f"no boundary found: grain_label names a single grain {names.tolist()}")
    f = np.mod(data.frac[:, axis], 1.0)
    order = np.argsort(f, kind="stable")
    fs, gs = f[order], grain[order]
    nxt = np.roll(np.arange(fs.size), -1)
    change = np.flatnonzero(gs != gs[nxt])
    if change.size == 0:
        raise InputError("no boundary found: the grains of grain_label do not alternate along the axis")
    gap_end = fs[nxt[change]] + (nxt[change] == 0)
    return np.sort(np.mod(0.5 * (fs[change] + gap_end), 1.0))


# ---------------------------------------------------------------------------- planes

def periodic_planes(x, period, tol):
    """Group coordinates ``x`` (Å) on a circle of circumference ``period`` into planes.

    :func:`~.grid.group_planes` (sort-and-split with ``tol``), then the first and last planes
    merge when the wrap-around gap is within ``tol``.  Returns ``(centres, plane_of)``: the
    planes' mean positions (near the range of ``x``, sorted) and each coordinate's plane.
    """
    x = np.asarray(x, float)
    centres, plane_of = group_planes(x, tol)
    n = centres.size
    if n < 2 or x[plane_of == 0].min() + period - x[plane_of == n - 1].max() > tol:
        return centres, plane_of
    last = plane_of == n - 1
    plane_of = np.where(last, 0, plane_of)
    shifted = np.where(last, x - period, x)  # the last plane's members next to the first's
    centres = np.bincount(plane_of, weights=shifted, minlength=n - 1) / np.bincount(plane_of, minlength=n - 1)
    centres = np.where(centres < x.min() - tol, centres + period, centres)
    rank = np.argsort(centres, kind="stable")
    inverse = np.empty(n - 1, dtype=int)
    inverse[rank] = np.arange(n - 1)
    return centres[rank], inverse[plane_of]


# ---------------------------------------------------------------------------- energies

def _energy_array(data: StructureData, energies, name):
    """Per-site array from an array or (site index, energy) pairs; NaN where not given."""
    n = len(data.symbols)
    arr = np.asarray(energies, dtype=float) if not isinstance(energies, dict) else None
    if isinstance(energies, dict):
        pairs = list(energies.items())
    elif arr.ndim == 1 and arr.size == n:
        return arr.copy()
    elif arr.ndim == 2 and arr.shape[1] == 2:
        pairs = list(zip(arr[:, 0], arr[:, 1]))
    elif arr.size == 0:
        pairs = []
    else:
        raise InputError(f"{name}: expected one energy per site ({n}) or (site index, energy) pairs, "
                         f"got shape {arr.shape}")
    idx, e = (np.array(v, dtype=float) for v in zip(*pairs)) if pairs else (np.zeros(0), np.zeros(0))
    bad = ~np.isfinite(idx) | (idx != np.round(idx)) | (idx < 0) | (idx >= n)
    if bad.any():
        raise InputError(f"{name}: site index {idx[bad][0]:g} is out of range 0..{n - 1}")
    if not np.all(np.isfinite(e)):
        k = int(np.flatnonzero(~np.isfinite(e))[0])
        raise InputError(f"{name}: energy of site {int(idx[k])} is {e[k]!r}")
    out = np.full(n, np.nan)
    out[idx.astype(int)] = e
    return out


def distance_to_boundaries(data: StructureData, axis, boundaries):
    """Signed distance (Å) of every site to its nearest boundary, and that boundary's index
    (ties: the boundary listed first)."""
    d = normal_spacing(data.cell, axis)
    f = data.frac[:, axis]
    delta = np.mod(f[:, None] - np.asarray(boundaries)[None, :] + 0.5, 1.0) - 0.5
    nearest = np.argmin(np.round(np.abs(delta) * d, 9), axis=1)  # argmin takes the first of ties
    return delta[np.arange(f.size), nearest] * d, nearest


def segregation_energies(structure, energies, *, reference=None, axis=None, boundaries=None,
                         plane_tol=0.3):
    """Per-site segregation energies ΔE (eV, NaN where not given).

    ``energies``: raw per-site defect energies ``E(defect at site) - E(pristine)`` (eV), as a
    per-site array (NaN where not computed) or (site index, energy) pairs.  ``reference``
    is the bulk defect formation term subtracted from them: a number (eV), a site index
    (that site's energy), or ``"far"`` (the mean over the sites on the planes furthest from
    every boundary); ``None`` means the energies are segregation energies already.
    """
    data = read_structure(structure)
    e = _energy_array(data, energies, "energies")
    if reference is None:
        return e
    if isinstance(reference, str):
        if reference != "far":
            raise InputError(f"reference must be a number, a site index or 'far', got {reference!r}")
        ax = boundary_axis(data, axis)
        b = find_boundaries(data, ax, boundaries)
        have = np.flatnonzero(np.isfinite(e))
        if have.size == 0:
            raise InputError("reference='far': no site has an energy")
        dist = np.abs(distance_to_boundaries(data, ax, b)[0][have])
        far = have[dist >= dist.max() - plane_tol]
        return e - float(np.mean(e[far]))
    if isinstance(reference, (int, np.integer)):
        if not 0 <= reference < e.size or not np.isfinite(e[reference]):
            raise InputError(f"reference site {reference} has no energy")
        return e - e[reference]
    ref = float(reference)
    if not np.isfinite(ref):
        raise InputError(f"reference energy must be finite, got {reference!r}")
    return e - ref


# ---------------------------------------------------------------------------- projection

@dataclass
class Projection:
    """Sites of a structure on the 1D grid (see the module docstring for conventions).

    ``sites`` feeds :func:`~.model.build_problem`; ``atom_index[k]`` is the structure's atom
    behind site ``k`` (-1 for bulk padding).  Lengths in Å.
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
    mirror_spread: dict = field(default_factory=dict)
    padding: dict = field(default_factory=dict)

    def report(self):
        """One-paragraph description of what was projected and padded."""
        n_atoms = int((self.atom_index >= 0).sum())
        text = (f"{n_atoms} sites from the structure, axis {'abc'[self.axis]} (d = {self.spacing:.4f} Å), "
                f"boundaries at {np.round(self.boundaries, 6).tolist()}, mode {self.mode!r}, "
                f"domain {self.x_min:.3f} .. {self.x_max:.3f} Å, cross-section {self.area:.4f} Å²")
        if self.mirror_spread:
            text += (f"; mirror-plane spread between boundaries: position {self.mirror_spread['position']:.3g} Å, "
                     f"ΔE {self.mirror_spread['energy']:.3g} eV")
        if self.padding:
            text += (f"; padded with {self.padding['n_sites']} bulk sites to {self.padding['lower']:.2f} .. "
                     f"{self.padding['upper']:.2f} Å (bulk period {self.padding['period_lower']:.4f} / "
                     f"{self.padding['period_upper']:.4f} Å)")
        return text


def _defect_hosts(defects, hosts):
    """Host species of each defect: ``hosts`` mapping label -> species, or a ``site``
    attribute / key on the defects."""
    out = []
    for d in defects:
        label = d.label if isinstance(d, DefectSpecies) else d["label"]
        host = (hosts or {}).get(label)
        if host is None and isinstance(d, dict):
            host = d.get("site")
        if host is None:
            raise InputError(f"defect {label!r}: no host species given (site = 'O', say)")
        out.append((label, str(host)))
    return out


def _site_energy_matrix(data: StructureData, pairs, energies, missing):
    """ΔE (n_sites, n_defects), NaN where a site cannot host the defect; checks host species."""
    n = len(data.symbols)
    E = np.full((n, len(pairs)), np.nan)
    for j, (lab, host) in enumerate(pairs):
        on_host = data.symbols == host
        if not on_host.any():
            raise InputError(f"defect {lab!r}: the structure has no {host!r} sites "
                             f"(species present: {sorted(set(data.symbols.tolist()))})")
        if energies is not None and lab in energies:
            e = _energy_array(data, energies[lab], f"energies[{lab!r}]")
        elif f"dE_{lab}" in data.arrays:
            e = np.asarray(data.arrays[f"dE_{lab}"], float)
        else:
            raise InputError(f"defect {lab!r}: no energies given and no per-site array 'dE_{lab}'")
        wrong = np.flatnonzero(np.isfinite(e) & ~on_host)
        if wrong.size:
            i = int(wrong[0])
            raise InputError(f"defect {lab!r}: site {i} is {str(data.symbols[i])!r}, not {host!r}, but has an "
                             f"energy ({float(e[i])!r} eV); {wrong.size} such site(s)")
        gaps = np.flatnonzero(on_host & ~np.isfinite(e))
        if gaps.size and missing == "error":
            raise InputError(f"defect {lab!r}: {gaps.size} {host!r} site(s) have no energy (first: site "
                             f"{int(gaps[0])}); pass missing='zero' or 'drop' to say what they mean")
        if missing == "zero":
            e = np.where(on_host & ~np.isfinite(e), 0.0, e)
        E[:, j] = np.where(on_host, e, np.nan)
    return E


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


def project(structure, defects, *, hosts=None, energies=None, axis=None, boundaries=None, mode="cell",
            plane_tol=0.3, missing="error", valences=None, pad_to=None, average_energies=False):
    """Project a structure's sites onto the 1D grid.

    Parameters
    ----------
    structure : ase.Atoms or pymatgen Structure
    defects : sequence of DefectSpecies or dicts (with ``site``, the host species)
    hosts : dict, optional
        Defect label -> host species (overrides ``site``).
    energies : dict, optional
        Defect label -> per-site ΔE (eV) as an array or (site index, energy) pairs.  Default:
        the structure's per-site array ``dE_<label>``.
    axis, boundaries : see :func:`boundary_axis`, :func:`find_boundaries`.
    mode : {"cell", "unfold"}
    plane_tol : float
        Sites of one host species closer than this (Å) along the normal form one plane.
    missing : {"error", "zero", "drop"}
        What a NaN energy on a host site means: an error (default), a bulk-like site
        (ΔE = 0), or a site that cannot host the defect.
    valences : dict, optional
        Host species -> formal charge (e), for site charges; default 0.
    pad_to : float or (float, float), optional
        Unfold mode only: extend the grid with bulk planes to these distances (Å) from the
        boundary (see :func:`pad_with_bulk`).
    average_energies : bool
        Replace each site's ΔE by the mean over the sites of its plane that host the defect
        (by default every site keeps its own ΔE inside the Boltzmann factor).
    """
    data = read_structure(structure)
    if mode not in ("cell", "unfold"):
        raise InputError(f"mode must be 'cell' or 'unfold', got {mode!r}")
    if missing not in ("error", "zero", "drop"):
        raise InputError(f"missing must be 'error', 'zero' or 'drop', got {missing!r}")
    ax = boundary_axis(data, axis)
    b = find_boundaries(data, ax, boundaries)
    d = normal_spacing(data.cell, ax)
    area = cross_section(data.cell, ax)
    pairs = _defect_hosts(defects, hosts)
    labels = [lab for lab, _ in pairs]
    n = len(data.symbols)
    E = _site_energy_matrix(data, pairs, energies, missing)
    keep = np.flatnonzero(np.isfinite(E).any(axis=1))
    if keep.size == 0:
        raise InputError("no site hosts any of the defects")

    dist, nearest = distance_to_boundaries(data, ax, b)
    if mode == "cell":
        s = np.mod(data.frac[:, ax] - b[0] + 0.5, 1.0) - 0.5
        x_raw, from_b = s * d, np.zeros(n, dtype=int)
        lo_edge, hi_edge, n_stack = -d / 2, d / 2, 1
    else:
        x_raw, from_b = dist, nearest
        gaps_b = np.diff(np.concatenate((b, [b[0] + 1.0]))) * d
        lo_edge = -0.5 * float(np.min(np.roll(gaps_b, 1)))
        hi_edge = 0.5 * float(np.min(gaps_b))
        n_stack = b.size
    x_raw, from_b = x_raw[keep], from_b[keep]
    sym = data.symbols[keep]
    period = hi_edge - lo_edge
    x_plane = np.empty(keep.size)
    spread_pos, spread_E = 0.0, 0.0
    for host in np.unique(sym):
        on = np.flatnonzero(sym == host)
        centres, plane_of = periodic_planes(x_raw[on], period, plane_tol)
        c = centres[plane_of]
        # keep plane centres inside the half-open domain (lo_edge, hi_edge]
        c = np.where(c <= lo_edge, c + period, np.where(c > hi_edge, c - period, c))
        x_plane[on] = c
        if mode == "unfold" and b.size > 1:
            pos, energy = _mirror_spread(on, plane_of, from_b, x_raw, E[keep], b.size)
            spread_pos, spread_E = max(spread_pos, pos), max(spread_E, energy)
    valence = np.array([(valences or {}).get(s, 0.0) for s in sym], float)
    E_keep = E[keep]
    if average_energies:
        plane_id = group_planes(x_plane, 1e-3)[1]  # the grid's planes (build_problem's tolerance)
        for j in range(E_keep.shape[1]):
            ok = np.isfinite(E_keep[:, j])
            total = np.bincount(plane_id[ok], weights=E_keep[ok, j], minlength=plane_id.max() + 1)
            count = np.bincount(plane_id[ok], minlength=plane_id.max() + 1)
            E_keep[ok, j] = total[plane_id[ok]] / count[plane_id[ok]]
    sites = Sites(x_plane, sym, valence, tuple(labels), E_keep, source="structure")
    proj = Projection(sites, keep, x_raw, from_b, float(lo_edge), float(hi_edge), area * n_stack, ax, d, b, mode,
                      mirror_spread=dict(position=spread_pos, energy=spread_E) if mode == "unfold" and b.size > 1
                      else {})
    if pad_to is not None:
        proj = pad_with_bulk(proj, pad_to, plane_tol=plane_tol)
    return proj


# ---------------------------------------------------------------------------- padding

def _bulk_period(xp, pattern, tol):
    """Smallest repeat ``k`` (planes) and its length (Å) of the outermost planes ``xp`` (sorted
    from the boundary outwards, per-plane site patterns ``pattern``): the last two blocks of
    ``k`` planes must agree in pattern and in spacings (within ``tol`` Å)."""
    n = xp.size
    gaps = np.diff(xp)
    for k in range(1, (n - 1) // 2 + 1):
        same_sites = all(pattern[n - 2 * k + i] == pattern[n - k + i] for i in range(k))
        g_a, g_b = gaps[n - 2 * k - 1:n - k - 1], gaps[n - k - 1:n - 1]
        if same_sites and np.all(np.abs(g_a - g_b) <= tol):
            return k, float(xp[n - 1] - xp[n - k - 1])
    raise InputError("padding: no repeating bulk plane pattern found in the outermost planes of the cell; "
                     "use a longer supercell or no padding")


def pad_with_bulk(proj: Projection, pad_to, *, plane_tol=0.3):
    """Extend an unfolded projection with bulk planes (ΔE = 0) towards ``pad_to`` Å from the
    boundary on each side (a number, or (lower, upper) as positive distances).

    Each side repeats its own outermost plane pattern (spacings and site counts per host
    species) with the smallest period found in the supercell, in whole repeat units (so the
    padding is neutral) that end at or before ``pad_to``.
    """
    if proj.mode != "unfold":
        raise InputError("padding needs mode='unfold' (one boundary with bulk on both sides)")
    lower, upper = (pad_to, pad_to) if np.isscalar(pad_to) else pad_to
    lower, upper = float(lower), float(upper)
    if not (np.isfinite(lower) and np.isfinite(upper)) or lower <= 0 or upper <= 0:
        raise InputError(f"pad_to must be positive distances (Å), got {pad_to!r}")
    s = proj.sites
    plane_x, plane_of = group_planes(s.x, 1e-3)  # the grid's planes (build_problem's tolerance)
    hosts = np.unique(s.label)
    counts = np.zeros((plane_x.size, hosts.size), dtype=int)
    np.add.at(counts, (plane_of, np.searchsorted(hosts, s.label)), 1)
    pattern = [tuple(c) for c in counts]
    new_x, new_label = [], []
    periods = {}
    edges = {}
    for side, limit in (("upper", upper), ("lower", lower)):
        sign = 1.0 if side == "upper" else -1.0
        idx = np.flatnonzero(sign * plane_x > 0)
        idx = idx[np.argsort(sign * plane_x[idx])]
        xp = sign * plane_x[idx]
        pats = [pattern[i] for i in idx]
        k, period = _bulk_period(xp, pats, tol=max(0.05, plane_tol / 4))
        periods[side] = period
        block, block_planes = xp[-k:], idx[-k:]
        last, m = xp[-1], 1
        # whole repeat units only, so that the padding adds no net charge
        while block[-1] + m * period <= limit:
            for pos, pi in zip(block + m * period, block_planes):
                for h, c in zip(hosts, counts[pi]):
                    new_x += [sign * pos] * int(c)
                    new_label += [h] * int(c)
            last = block[-1] + m * period
            m += 1
        nxt = block[0] + m * period
        edges[side] = sign * 0.5 * (last + nxt)
    if not new_x:
        return proj
    nx = np.array(new_x)
    nl = np.array(new_label)
    E_new = np.full((nx.size, len(s.defect_labels)), np.nan)
    for j in range(len(s.defect_labels)):
        # a padded site hosts a defect when sites of its species host it in the cell
        hosts_j = np.unique(s.label[np.isfinite(s.energies[:, j])])
        E_new[np.isin(nl, hosts_j), j] = 0.0
    val_of = {lab: v for lab, v in zip(s.label, s.valence)}
    sites = Sites(np.concatenate((s.x, nx)), np.concatenate((s.label, nl)),
                  np.concatenate((s.valence, [val_of[h] for h in nl])), s.defect_labels,
                  np.vstack((s.energies, E_new)), source=s.source)
    x_min = min(proj.x_min, edges["lower"])
    x_max = max(proj.x_max, edges["upper"])
    return Projection(sites, np.concatenate((proj.atom_index, np.full(nx.size, -1))),
                      np.concatenate((proj.site_distance, nx)),
                      np.concatenate((proj.boundary_index, np.full(nx.size, -1))),
                      float(x_min), float(x_max), proj.area, proj.axis, proj.spacing, proj.boundaries,
                      proj.mode, proj.mirror_spread,
                      dict(lower=float(x_min), upper=float(x_max), n_sites=int(nx.size),
                           period_lower=periods["lower"], period_upper=periods["upper"]))


# ---------------------------------------------------------------------------- write-back

_SCALARS = ("phi0", "r_perp", "r_par", "temperature")


def annotate(structure, solution, projection: Projection, *, summary=None, inplace=False):
    """Write a solution onto the structure's atoms.

    Per-atom arrays (ASE ``arrays`` / pymatgen ``site_properties``): ``sc_x`` (Å, signed
    distance used in the 1D model), ``sc_plane`` (grid plane, -1 off the solved
    sublattices), ``sc_phi`` (V), ``sc_occ_<defect>`` (site fraction), ``sc_dE_<defect>`` (eV);
    NaN where an atom is not on a solved sublattice (or cannot host that defect).  Scalars
    ``sc_phi0`` (V), ``sc_r_perp``, ``sc_r_par``, ``sc_temperature`` (K) go in ``info`` /
    ``properties``.  Returns a new object unless ``inplace``; nothing the user had is
    dropped or renamed, and keys starting ``sc_`` that this function did not write raise.
    """
    data = read_structure(structure)
    n = len(data.symbols)
    atoms_of = projection.atom_index
    on = atoms_of >= 0
    if solution.site_x.size != atoms_of.size:
        raise InputError("solution and projection do not belong together (site counts differ)")
    if on.any() and atoms_of[on].max() >= n:
        raise InputError("projection refers to atoms the structure does not have (mismatched structure)")
    arrays = {"sc_x": np.full(n, np.nan), "sc_plane": np.full(n, -1, dtype=int), "sc_phi": np.full(n, np.nan)}
    idx = atoms_of[on]
    arrays["sc_x"][idx] = projection.sites.x[on]
    arrays["sc_plane"][idx] = solution.site_plane[on]
    arrays["sc_phi"][idx] = solution.phi[solution.site_plane[on]]
    for j, lab in enumerate(solution.defect_labels):
        occ = np.full(n, np.nan)
        occ[idx] = solution.site_occupancy[on, j]
        dE = np.full(n, np.nan)
        dE[idx] = solution.site_energies[on, j]
        arrays[f"sc_occ_{lab}"], arrays[f"sc_dE_{lab}"] = occ, dE
    for k, lab in enumerate(getattr(solution, "carrier_labels", ())):
        dens = np.full(n, np.nan)
        edge = np.full(n, np.nan)
        dens[idx] = solution.carrier_density[k][solution.site_plane[on]]
        edge[idx] = solution.carrier_edge[k][solution.site_plane[on]]
        arrays[f"sc_n_{lab}"], arrays[f"sc_edge_{lab}"] = dens, edge
    summ = summary if summary is not None else solution.summary(profile=False)
    scalars = {f"sc_{k}": float(summ[k]) for k in _SCALARS if k in summ}
    ours = set(data.info.get("sc_keys", "").split()) if isinstance(data.info.get("sc_keys", ""), str) else set()
    clash = [k for k in list(arrays) + list(scalars) if (k in data.arrays or k in data.info) and k not in ours]
    if clash:
        raise InputError(f"the structure already has {clash} that ase_spacecharge did not write; rename them first")
    keys = " ".join(sorted(set(arrays) | set(scalars)))
    if data.kind == "ase":
        out = structure if inplace else structure.copy()
        for k, v in arrays.items():
            if k in out.arrays:
                del out.arrays[k]
            out.set_array(k, v)
        out.info.update(scalars)
        out.info["sc_keys"] = keys
        return out
    out = structure if inplace else structure.copy()
    for k, v in arrays.items():
        out.add_site_property(k, v.tolist())
    props = getattr(out, "properties", None)
    if props is None:
        out.properties = {}
    out.properties.update(scalars)
    out.properties["sc_keys"] = keys
    return out


def db_data(atoms):
    """The ``sc_*`` per-atom arrays of annotated ``atoms`` as a dict for ``ase.db``'s
    ``data=`` (ase.db keeps only its own per-atom arrays), plus the scalars as key-value
    pairs: ``db.write(atoms, key_value_pairs=kv, data=data)``."""
    data = {k: np.asarray(v) for k, v in atoms.arrays.items() if k.startswith("sc_")}
    kv = {k: v for k, v in atoms.info.items() if k.startswith("sc_") and k != "sc_keys"}
    return kv, data


def from_db_row(row):
    """Atoms of an ``ase.db`` row with the ``sc_*`` arrays restored from its ``data``."""
    atoms = row.toatoms()
    for k, v in row.data.items():
        if k.startswith("sc_"):
            atoms.set_array(k, np.asarray(v))
    for k in row.key_value_pairs:
        if k.startswith("sc_"):
            atoms.info[k] = row.key_value_pairs[k]
    return atoms


# ---------------------------------------------------------------------------- one call

def default_bulk(projection: Projection):
    """Bulk region (Å) used when none is given: the middle quarter of the lower grain
    (``mode="cell"``) or the outer quarter of the lower side (``mode="unfold"``)."""
    if projection.mode == "unfold":
        lo = projection.x_min
        return lo, lo + 0.25 * abs(lo)
    b = projection.boundaries
    gap = (b[0] - b[-1]) % 1.0 or 1.0
    mid = -0.5 * gap * projection.spacing
    half = 0.125 * gap * projection.spacing
    return mid - half, mid + half


def structure_problem(structure, defects, *, permittivity=None, temperature=None, bulk=None, x_min=None,
                      x_max=None, approximation="mott-schottky", model="site-explicit", boundary="periodic",
                      statistics="fermi-dirac", site_charges=False, hosts=None, energies=None, axis=None,
                      boundaries=None, mode=None, plane_tol=0.3, missing="error", valences=None, pad_to=None,
                      carriers=None, materials=None, material_of="material", average_energies=False):
    """Project a structure and build its :class:`~.solver.Problem`.

    ``mode`` defaults to "cell" without padding and "unfold" with ``pad_to`` (Å from the
    boundary, a (lower, upper) pair, or ``"auto"``: ``3 δ + 15 L_D`` from a first solve at
    ``temperature``, with δ the depletion width and L_D the Debye length, at least the cell,
    grown until it no longer grows).  ``x_min``, ``x_max`` and ``bulk`` are signed distances
    (Å) from the boundary; the defaults are the projected domain and :func:`default_bulk`.
    ``carriers`` (:class:`~.interfaces.Carrier`) adds band electrons/holes.

    Heterointerfaces: ``materials`` maps material labels to :class:`~.interfaces.Material`
    and ``material_of`` says which atom is which: the name of a per-atom array of labels
    (default ``"material"``) or a list of ``(label, frac_lo, frac_hi)`` regions along the
    axis.  Each plane takes its atoms' material (mixed planes raise): its permittivity
    (harmonic mean on faces between materials; ``permittivity`` is then not given), its
    per-species energy offsets (added to the defects' ΔE and the carriers' band edges),
    densities of states and background charge.  The bulk region must lie in one material,
    the reference.  Other keywords as in :func:`project` and :func:`~.model.build_problem`.

    Returns ``(problem, projection)``.
    """
    if mode is None:
        mode = "cell" if pad_to is None else "unfold"
    if materials and model != "site-explicit":
        raise InputError(f"materials need the site-explicit model (planes carry the materials), got model={model!r}")
    kw = dict(hosts=hosts, energies=energies, axis=axis, boundaries=boundaries, mode=mode, plane_tol=plane_tol,
              missing=missing, valences=valences, average_energies=average_energies)

    def build(pad):
        proj = project(structure, defects, pad_to=pad, **kw)
        lo = proj.x_min if x_min is None else x_min
        hi = proj.x_max if x_max is None else x_max
        region = default_bulk(proj) if bulk is None else bulk
        extra = {} if not materials else _material_fields(structure, proj, defects, carriers, materials,
                                                           material_of, lo, hi, region)
        eps = extra.pop("permittivity", permittivity)
        if eps is None:
            raise InputError("permittivity is required (or give materials)")
        check = extra.pop("_check", None)
        problem = build_problem(extra.pop("sites", proj.sites), [_species(d) for d in defects], x_min=lo, x_max=hi,
                                area=proj.area, permittivity=eps, bulk=tuple(region), approximation=approximation,
                                model=model, boundary=boundary, site_charges=site_charges,
                                statistics=statistics, plane_tol=1e-3, carriers=carriers, **extra)
        if check is not None and temperature is not None:
            _check_materials_neutral(problem, check["plane_material"], check["bulk_energies"], temperature)
        return problem, proj

    if not isinstance(pad_to, str):
        return build(pad_to)
    if pad_to != "auto":
        raise InputError(f"pad_to must be a distance (Å), a (lower, upper) pair or 'auto', got {pad_to!r}")
    if temperature is None:
        raise InputError("pad_to='auto' needs the temperature (the Debye length depends on it)")
    problem, proj = build(None)
    width = auto_padding(solve(problem, temperature), proj)
    for _ in range(4):  # grow until the automatic width no longer grows
        problem, proj = build(width)
        new = auto_padding(solve(problem, temperature), proj)
        if new <= 1.05 * width:
            break
        width = new
    return problem, proj


def _material_labels(data: StructureData, material_of, axis):
    """Material label of every atom: a per-atom array name, or (label, frac_lo, frac_hi) regions."""
    n = len(data.symbols)
    if isinstance(material_of, str):
        if material_of not in data.arrays:
            raise InputError(f"materials given but the structure has no per-atom array {material_of!r}")
        return np.asarray(data.arrays[material_of]).astype(str)
    labels = np.full(n, "", dtype=object)
    f = np.mod(data.frac[:, axis], 1.0)
    for label, a, b in material_of:
        inside = (f >= a % 1.0) & (f < b % 1.0) if a % 1.0 <= b % 1.0 else (f >= a % 1.0) | (f < b % 1.0)
        labels[inside & (labels == "")] = label
    if np.any(labels == ""):
        i = int(np.flatnonzero(labels == "")[0])
        raise InputError(f"material regions leave atom {i} (fractional {f[i]:.4f}) without a material")
    return labels.astype(str)


def _material_fields(structure, proj, defects, carriers, materials, material_of, lo, hi, bulk):
    """Per-plane permittivity, offsets, densities of states and background for build_problem."""
    data = read_structure(structure)
    atom_mat = _material_labels(data, material_of, proj.axis)
    unknown = sorted(set(atom_mat.tolist()) - set(materials))
    if unknown:
        raise InputError(f"atoms carry material labels {unknown} that `materials` does not define "
                         f"(defined: {sorted(materials)})")
    s = proj.sites
    site_mat = np.empty(s.x.size, dtype=object)
    on = proj.atom_index >= 0
    site_mat[on] = atom_mat[proj.atom_index[on]]
    if (~on).any():  # bulk padding continues the outermost material of its side
        lower = site_mat[on][np.argmin(s.x[on])]
        upper = site_mat[on][np.argmax(s.x[on])]
        site_mat[~on] = np.where(s.x[~on] < 0, lower, upper)
    inside = (s.x > lo) & (s.x < hi)
    plane_x, plane_of = group_planes(s.x[inside], 1e-3)
    names, code = np.unique(site_mat[inside].astype(str), return_inverse=True)
    first = np.full(plane_x.size, -1)
    first[plane_of[::-1]] = code[::-1]  # one label per plane ...
    mixed = np.flatnonzero(np.bincount(plane_of, weights=(code != first[plane_of]), minlength=plane_x.size))
    if mixed.size:  # ... unless its sites disagree
        p = int(mixed[0])
        raise InputError(f"inconsistent material labels on the plane at x = {plane_x[p]:.4f} Å: "
                         f"{sorted(set(names[code[plane_of == p]].tolist()))}")
    plane_mat = names[first].astype(object)
    in_bulk = (plane_x > bulk[0]) & (plane_x < bulk[1])
    ref_labels = set(plane_mat[in_bulk].tolist())
    if len(ref_labels) != 1:
        raise InputError(f"the bulk region {bulk[0]}..{bulk[1]} Å must lie in one material, it spans {sorted(ref_labels)}")
    ref = materials[ref_labels.pop()]
    eps = np.array([materials[m].permittivity for m in plane_mat])
    faces = np.empty(eps.size + 1)
    faces[1:-1] = 2.0 / (1.0 / eps[:-1] + 1.0 / eps[1:])
    faces[0] = faces[-1] = 2.0 / (1.0 / eps[-1] + 1.0 / eps[0])
    energies = s.energies.copy()
    for j, d in enumerate(defects):
        label = d.label if isinstance(d, DefectSpecies) else d["label"]
        for name, mat in materials.items():
            shift = mat.offsets.get(label, 0.0) - ref.offsets.get(label, 0.0)
            rows = site_mat == name
            energies[rows, j] = energies[rows, j] + shift  # NaN stays NaN
    carriers = list(carriers or [])
    dos = np.array([[materials[m].carrier_dos(c) for m in plane_mat] for c in carriers])
    off = np.array([[materials[m].carrier_offset(c) - ref.carrier_offset(c) for m in plane_mat] for c in carriers])
    background = np.array([materials[m].background for m in plane_mat])
    sites = Sites(s.x, s.label, s.valence, s.defect_labels, energies, source=s.source)
    # the bulk of each material: its sites with the material's offsets only (no segregation)
    bulk_energies = np.where(np.isfinite(energies), energies - np.nan_to_num(s.energies), np.nan)
    return dict(sites=sites, permittivity=faces, carrier_dos=dos if carriers else None,
                carrier_offset=off if carriers else None,
                background_density=background if np.any(background) else None,
                _check=dict(plane_material=plane_mat, bulk_energies=bulk_energies[inside]))


def _check_materials_neutral(problem, plane_material, bulk_energies, temperature):
    """Raise when a material's bulk (its sites with only the material's energy offsets, its
    carriers and background) is neutral at no potential: the junction could not settle."""
    bulk = replace(problem, energies=bulk_energies)
    n = problem.grid.n

    def plane_charges(phi):
        y = np.zeros(n + problem.n_extra)
        y[:n] = phi
        return bulk.plane_charges(y, temperature)
    gross = np.abs(plane_charges(0.0)).sum() + 1e-300
    for name in dict.fromkeys(plane_material.tolist()):
        planes = plane_material == name
        span = 1.0
        q_lo, q_hi = plane_charges(-span)[planes].sum(), plane_charges(span)[planes].sum()
        while not q_lo > 0 > q_hi and span < 64:  # the charge falls as phi rises
            span *= 2
            q_lo, q_hi = plane_charges(-span)[planes].sum(), plane_charges(span)[planes].sum()
        if not q_lo > 0 > q_hi and min(abs(q_lo), abs(q_hi)) > 1e-9 * gross:
            raise InputError(f"the bulk of material {name!r} cannot be neutral: its net charge is "
                             f"{q_lo:+.4g} e at -{span:g} V and {q_hi:+.4g} e at +{span:g} V "
                             "(no species of the other sign can compensate)")


def solve_structure(structure, defects, temperature, *, scr_limit=0.02, inplace=False, **kw):
    """Project, solve and write back in one call (keywords as in :func:`structure_problem`).

    Returns ``(annotated structure, SpaceChargeSolution, Projection)``.
    """
    problem, proj = structure_problem(structure, defects, temperature=temperature, **kw)
    sol = solve(problem, temperature)
    summary = sol.summary(scr_limit=scr_limit, profile=False)
    return annotate(structure, sol, proj, summary=summary, inplace=inplace), sol, proj


def auto_padding(solution, projection):
    """Default padding distance (Å): ``3 δ + 15 L_D`` (δ the depletion width at the
    solution's Φ0, L_D its Debye length), and at least the cell's own extent."""
    L = solution.debye_length()
    z = solution.valence[solution.mobile][0] if solution.mobile.any() else 1.0
    delta = space_charge_width(L, solution.phi0, z, solution.temperature)
    delta = 0.0 if not np.isfinite(delta) else delta
    cell = max(abs(projection.x_min), abs(projection.x_max))
    return float(max(cell, 3 * delta + 15 * L))


def _species(d):
    return d if isinstance(d, DefectSpecies) else defect_species_from_dict(d)


# ---------------------------------------------------------------------------- images

@dataclass
class ImageMatch:
    """Where a defective image came from: ``site`` (pristine index), ``kind`` ("vacancy" or
    "substitution"), the pristine ``host`` species and the ``new`` one (None for a
    vacancy), the rigid ``drift`` removed (Å), the largest remaining displacement (Å) and
    the ``margin`` (Å²) by which the next-best assignment is worse."""

    site: int
    kind: str
    host: str
    new: str | None
    drift: np.ndarray
    max_displacement: float
    margin: float


def _image_frame(pristine: StructureData, image):
    img = read_structure(image)
    if img.cell.shape != (3, 3) or not np.allclose(img.cell, pristine.cell, atol=1e-3 * np.abs(pristine.cell).max()):
        raise InputError("image cell does not match the pristine cell (fixed-frame matching needs the same cell)")
    return img


def match_image(pristine, image, *, penalty=100.0, warn_displacement=1.0, tie_margin=0.05):
    """Match one defective image to the pristine site it came from.

    Fixed-frame minimum-image assignment (``scipy.optimize.linear_sum_assignment``) of the
    image's atoms to the pristine sites, cost = squared distance (Å²) + ``penalty`` for a
    species change; a rigid drift is removed and the assignment repeated.  A vacancy is the
    pristine site left unassigned, a substitution the one whose species changed.  An
    explicit ``info['site_index']`` on the image wins.  Warns when an atom moved more than
    ``warn_displacement`` Å or the next-best assignment is within ``tie_margin`` Å².
    """
    pr = pristine if isinstance(pristine, StructureData) else read_structure(pristine)
    img = _image_frame(pr, image)
    n_p, n_i = len(pr.symbols), len(img.symbols)
    if n_i not in (n_p, n_p - 1):
        raise InputError(f"image has {n_i} atoms and the pristine cell {n_p}: only single vacancies and "
                         "substitutions can be matched")
    drift = np.zeros(3)
    for _ in range(3):
        df = img.frac[:, None, :] - drift[None, None, :] - pr.frac[None, :, :]
        df -= np.round(df)
        vec = df @ pr.cell
        cost = np.einsum("ijk,ijk->ij", vec, vec) + penalty * (img.symbols[:, None] != pr.symbols[None, :])
        rows, cols = linear_sum_assignment(cost)
        new_drift = drift + (df[rows, cols].mean(axis=0))
        if np.allclose(new_drift, drift, atol=1e-9):
            break
        drift = new_drift
    total = cost[rows, cols].sum()
    disp = np.sqrt(np.einsum("ij,ij->i", vec[rows, cols], vec[rows, cols]))
    changed = cols[img.symbols[rows] != pr.symbols[cols]]
    if n_i == n_p - 1:
        site = int(np.setdiff1d(np.arange(n_p), cols)[0])
        kind, new = "vacancy", None
        alt = cost.copy()
        alt[:, site] -= 1e6  # force the found site to be taken: some other site goes empty
        r2, c2 = linear_sum_assignment(alt)
        margin = float(alt[r2, c2].sum() + 1e6 - total)
    else:
        if changed.size != 1:
            raise InputError(f"image matches no single defect site: {changed.size} sites changed species")
        site = int(changed[0])
        row = int(rows[cols == site][0])
        kind, new = "substitution", str(img.symbols[row])
        alt = cost.copy()
        alt[row, site] += 1e6
        r2, c2 = linear_sum_assignment(alt)
        margin = float(alt[r2, c2].sum() - total)
    explicit = img.info.get("site_index")
    if explicit is not None:
        explicit = int(explicit)
        if not 0 <= explicit < n_p:
            raise InputError(f"image info['site_index'] = {explicit} is out of range 0..{n_p - 1}")
        if explicit != site:
            warnings.warn(f"image info['site_index'] = {explicit} overrides the matched site {site}", stacklevel=2)
        site = explicit
    if disp.max() > warn_displacement:
        warnings.warn(f"image atom {int(rows[np.argmax(disp)])} moved {disp.max():.2f} Å from its site "
                      f"(more than {warn_displacement} Å): check the match of site {site}", stacklevel=2)
    if margin < tie_margin and explicit is None:
        warnings.warn(f"ambiguous image: matching it to another site costs only {margin:.3g} Å² more than to "
                      f"site {site}; give info['site_index']", stacklevel=2)
    return ImageMatch(site, kind, str(pr.symbols[site]), new, drift @ pr.cell, float(disp.max()), margin)


def _energy_of(obj):
    """Total energy (eV) of an ASE Atoms (calculator or info['energy']) or a pymatgen
    ComputedStructureEntry; returns (structure, energy)."""
    if hasattr(obj, "structure") and hasattr(obj, "energy"):
        return obj.structure, float(obj.energy)
    energy = None
    if getattr(obj, "calc", None) is not None:
        try:
            energy = obj.get_potential_energy()
        except Exception:  # noqa: BLE001 - no stored energy on this calculator
            energy = None
    if energy is None:
        energy = getattr(obj, "info", {}).get("energy")
    if energy is None or not np.isfinite(energy):
        raise InputError("image has no energy (attach a calculator result, info['energy'], or use a "
                         "ComputedStructureEntry)")
    return obj, float(energy)


def image_energies(pristine, images, defects, *, reference="far", pristine_energy=None, axis=None,
                   boundaries=None, plane_tol=0.3, **match_kw):
    """Per-site segregation energies (eV) from defective relaxed images.

    ``defects`` maps a defect label to ``(host, new)``: ``("O", None)`` for an O vacancy,
    ``("Ce", "Gd")`` for Gd on Ce.  Each image is matched with :func:`match_image`;
    ``ΔE = E(image) - E(pristine) - reference`` (see :func:`segregation_energies`).
    Returns ``{label: per-site array}`` (NaN where no image) and the matches.
    """
    pr_struct, e0 = _energy_of(pristine) if pristine_energy is None else (pristine, float(pristine_energy))
    pr = read_structure(pr_struct)
    raw = {lab: np.full(len(pr.symbols), np.nan) for lab in defects}
    matches = []
    for k, item in enumerate(images):
        struct, e = _energy_of(item)
        m = match_image(pr, struct, **match_kw)
        label = [lab for lab, (host, new) in defects.items() if host == m.host and new == m.new]
        if not label:
            raise InputError(f"image {k}: a {m.kind} on {m.host!r} site {m.site}"
                             f"{'' if m.new is None else ' by ' + repr(m.new)} is none of the defects {defects}")
        if np.isfinite(raw[label[0]][m.site]):
            raise InputError(f"image {k}: site {m.site} already has a {label[0]!r} image")
        raw[label[0]][m.site] = e - e0
        matches.append(m)
    out = {lab: segregation_energies(pr_struct, arr, reference=reference, axis=axis, boundaries=boundaries,
                                     plane_tol=plane_tol) for lab, arr in raw.items()}
    return out, matches
