"""Bulk padding of a projection: whole repeat units of a grain's plane pattern (ΔE = 0), so
the grains reach bulk without a bigger supercell.

* ``mode="unfold"``: each side's outermost pattern repeated beyond the outermost planes.
* ``mode="cell"``: each grain's middle pattern repeated and inserted at the grain's middle;
  the planes beyond the insertion move outwards (away from the first boundary, which stays
  at x = 0), and so do the domain's edges and the other boundaries.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..grid import group_planes
from ..sites import Sites
from .geometry import edges_between_planes

__all__ = ["pad_with_bulk", "MAX_PADDING_PLANES"]

#: Most bulk planes padding may add on one side.
MAX_PADDING_PLANES = 1_000_000


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


def pad_with_bulk(proj, pad_to, *, plane_tol=0.3):
    """Extend a projection with bulk planes (ΔE = 0) so that bulk reaches ``pad_to`` Å from
    the boundaries.

    A grain repeats its own plane pattern (spacings and site counts per host species) with
    the smallest period found in the supercell, in whole repeat units (so the padding is
    neutral).  Unfolded: each side's outermost pattern, appended up to ``pad_to`` from the
    boundary.  Whole cell: each grain's middle pattern, inserted at its middle so that the
    grain's half-thickness grows to at most ``pad_to`` (a grain already thicker is left alone).

    Parameters
    ----------
    proj : Projection
    pad_to : float or (float, float)
        Distance (Å) from the boundary; unfolded projections also take (lower, upper) as
        positive distances.
    plane_tol : float
        Å, for comparing plane spacings.

    Returns
    -------
    Projection
        A new projection (``padding`` says what was added).

    Raises
    ------
    InputError
        A pair of distances for a whole cell, no repeating bulk pattern, or more than
        ``MAX_PADDING_PLANES`` planes.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import project
    >>> proj = project(ceria_like_atoms(), [dict(label="Vo", site="O")], boundaries=[0.0, 0.5], mode="unfold",
    ...                missing="zero")
    >>> padded = pad_with_bulk(proj, 60.0)
    >>> padded.x_max > 58.0, padded.padding["n_sites"] > 0
    (True, True)
    >>> cell = project(ceria_like_atoms(), [dict(label="Vo", site="O")], boundaries=[0.0, 0.5], missing="zero")
    >>> grown = pad_with_bulk(cell, 60.0)
    >>> round(grown.x_max - grown.x_min, 2), grown.boundary_x.round(2).tolist()
    (237.61, [0.0, 118.8])
    """
    if proj.mode == "cell":
        if not np.isscalar(pad_to):
            raise InputError(f"a whole cell (mode='cell') pads every grain to one distance (Å), got {pad_to!r}")
        return _pad_cell(proj, _distance(pad_to), plane_tol)
    try:
        lower, upper = (pad_to, pad_to) if np.isscalar(pad_to) else pad_to
    except (TypeError, ValueError):
        raise InputError(f"pad_to must be a distance (Å) or a (lower, upper) pair, got {pad_to!r}") from None
    lower, upper = _distance(lower), _distance(upper)
    s = proj.sites
    plane_x, counts, hosts = _plane_counts(s)
    sides = [_pad_side(plane_x, counts, sign, limit, plane_tol) for sign, limit in ((1.0, upper), (-1.0, lower))]
    new_planes = np.concatenate([side[0] for side in sides])
    if not new_planes.size:
        return proj
    sites = _with_bulk_sites(s, new_planes, counts[np.concatenate([side[1] for side in sides])], hosts)
    nx = sites.x[s.x.size:]
    x_min, x_max = min(proj.x_min, sides[1][2]), max(proj.x_max, sides[0][2])
    return replace(proj, sites=sites, atom_index=np.concatenate((proj.atom_index, np.full(nx.size, -1))),
                   site_distance=np.concatenate((proj.site_distance, nx)),
                   boundary_index=np.concatenate((proj.boundary_index, np.full(nx.size, -1))),
                   x_min=float(x_min), x_max=float(x_max),
                   padding=dict(lower=float(x_min), upper=float(x_max), n_sites=int(nx.size),
                                period_lower=sides[1][3], period_upper=sides[0][3]))


def _pad_side(plane_x, counts, sign, limit, plane_tol):
    """Bulk planes (positions Å, the planes they copy) repeating one side's outermost plane
    pattern in whole units up to ``limit`` Å from the boundary, the new domain edge (Å) and
    the period (Å)."""
    idx = np.flatnonzero(sign * plane_x > 0)
    idx = idx[np.argsort(sign * plane_x[idx])]
    xp = sign * plane_x[idx]
    k, period = _bulk_period(xp, [tuple(c) for c in counts[idx]], tol=max(0.05, plane_tol / 4))
    block, block_planes = xp[-k:], idx[-k:]
    units = max(int(np.floor((limit - block[-1]) / period)), 0)  # whole repeat units: no net charge
    if units * k > MAX_PADDING_PLANES:
        raise InputError(f"pad_to = {limit:g} Å would add {units * k} bulk planes on one side (at most "
                         f"{MAX_PADDING_PLANES}); give a smaller distance")
    while units > 0 and block[-1] + units * period > limit:  # round-off at the limit
        units -= 1
    while block[-1] + (units + 1) * period <= limit:
        units += 1
    m = np.arange(1, units + 1)
    pos = (block[None, :] + m[:, None] * period).ravel()
    last = block[-1] + units * period if units else xp[-1]
    edge = sign * 0.5 * (last + block[0] + (units + 1) * period)
    return sign * pos, np.tile(block_planes, units), edge, period



def _distance(value):
    """``value`` as a positive finite distance (Å)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"pad_to must be a distance (Å), got {value!r}") from None
    if not np.isfinite(out) or out <= 0:
        raise InputError(f"pad_to must be a positive distance (Å), got {value!r}")
    return out


def _plane_counts(sites):
    """Plane positions (Å) and the site counts per plane and host species (sorted hosts)."""
    plane_x, plane_of = group_planes(sites.x, 1e-3)  # the grid's planes (build_problem's tolerance)
    hosts = np.unique(sites.label)
    counts = np.zeros((plane_x.size, hosts.size), dtype=int)
    np.add.at(counts, (plane_of, np.searchsorted(hosts, sites.label)), 1)
    return plane_x, counts, hosts


def _with_bulk_sites(s, plane_x, counts, hosts):
    """``s`` with bulk sites appended: ``counts[i, h]`` sites of host ``hosts[h]`` on a plane at
    ``plane_x[i]`` (Å), ΔE = 0 for the defects that their species hosts in ``s``, else NaN."""
    x = np.repeat(np.repeat(plane_x, hosts.size), counts.ravel())
    labels = np.repeat(np.tile(hosts, plane_x.size), counts.ravel())
    E_new = np.full((x.size, len(s.defect_labels)), np.nan)
    for j in range(len(s.defect_labels)):
        hosts_j = np.unique(s.label[np.isfinite(s.energies[:, j])])
        E_new[np.isin(labels, hosts_j), j] = 0.0
    val_of = dict(zip(s.label.tolist(), s.valence.tolist()))
    return Sites(np.concatenate((s.x, x)), np.concatenate((s.label, labels)),
                 np.concatenate((s.valence, [val_of[h] for h in labels])), s.defect_labels,
                 np.vstack((s.energies, E_new)), source=s.source)


def _grain_insert(ring, period, counts, lo, thickness, pad_to, plane_tol):
    """One grain's insertion in ring coordinates (Å from the domain's lower edge, period
    ``period``): the insertion point, its length, the inserted planes' positions (before
    earlier insertions move them) and the planes they copy.  The grain runs from ``lo`` for
    ``thickness``; the pattern next to its middle, on its lower half, repeats."""
    u = np.mod(ring - lo, period)
    idx = np.flatnonzero((u > 0) & (u < 0.5 * thickness))
    idx = idx[np.argsort(u[idx])]
    k, unit = _bulk_period(u[idx], [tuple(c) for c in counts[idx]], tol=max(0.05, plane_tol / 4))
    units = max(int(np.floor((2 * pad_to - thickness) / unit + 1e-9)), 0)
    if units * k > MAX_PADDING_PLANES:
        raise InputError(f"pad_to = {pad_to:g} Å would insert {units * k} bulk planes in one grain (at most "
                         f"{MAX_PADDING_PLANES}); give a smaller distance")
    block = idx[-k:]
    point = ring[block[-1]]
    offsets = (u[block] - u[block[-1]])[None, :] + unit * np.arange(1, units + 1)[:, None]
    return point, units * unit, (point + offsets).ravel(), np.tile(block, units), unit


def _pad_cell(proj, pad_to, plane_tol):
    """:func:`pad_with_bulk` for a whole periodic cell (see the module docstring)."""
    s = proj.sites
    plane_x, counts, hosts = _plane_counts(s)
    period = proj.x_max - proj.x_min
    bx = np.sort(np.mod(proj.boundary_x - proj.x_min, period))
    thick = np.diff(np.append(bx, bx[0] + period))
    inserts = [_grain_insert(plane_x - proj.x_min, period, counts, lo, t, pad_to, plane_tol)
               for lo, t in zip(bx, thick)]
    inserts = [ins for ins in inserts if ins[1] > 0]
    if not inserts:
        return proj
    points = np.array([ins[0] for ins in inserts])
    lengths = np.array([ins[1] for ins in inserts])

    def shifted(r):  # ring positions after the insertions (those at a point stay before it)
        return r + (np.asarray(r)[..., None] > points + 1e-9) @ lengths

    origin = shifted(np.mod(-proj.x_min, period))  # the first boundary, kept at x = 0

    def moved(x):
        return shifted(np.mod(x - proj.x_min, period)) - origin

    new_planes = np.concatenate([ins[2] + shifted(ins[0]) - ins[0] for ins in inserts]) - origin
    sites = _with_bulk_sites(s, new_planes, counts[np.concatenate([ins[3] for ins in inserts])], hosts)
    n_new = sites.x.size - s.x.size
    grown = period + lengths.sum()
    x_sites = np.concatenate((moved(s.x), sites.x[s.x.size:]))
    # the domain of a cell this large: centred on the first boundary, edges between planes
    lo, hi = edges_between_planes(_wrap(x_sites, -0.5 * grown, 0.5 * grown), -0.5 * grown, 0.5 * grown)
    slabs = _wrap_slabs([(shifted(p) - origin, shifted(p) - origin + L) for p, L in zip(points, lengths)], lo, hi)
    return replace(proj, sites=replace(sites, x=_wrap(x_sites, lo, hi)),
                   atom_index=np.concatenate((proj.atom_index, np.full(n_new, -1))),
                   site_distance=np.concatenate((_wrap(moved(proj.site_distance), lo, hi), sites.x[s.x.size:])),
                   boundary_index=np.concatenate((proj.boundary_index, np.full(n_new, -1))),
                   x_min=float(lo), x_max=float(hi), boundary_x=_wrap(moved(proj.boundary_x), lo, hi),
                   padding=dict(n_sites=int(n_new), inserted=slabs, periods=[float(ins[4]) for ins in inserts]))


def _wrap(x, lo, hi):
    """Positions (Å) wrapped into the periodic domain ``(lo, hi]`` (within 1e-9 Å of ``lo``
    counts as ``hi``)."""
    w = hi - np.mod(hi - np.asarray(x, float), hi - lo)
    return np.where(w <= lo + 1e-9, w + (hi - lo), w)


def _wrap_slabs(slabs, lo, hi):
    """Slabs ``(a, b)`` (Å) wrapped into ``(lo, hi]``; one that crosses the edge is split."""
    out = []
    for a, b in slabs:
        a_w = float(_wrap(a, lo, hi)) if a != hi else a
        b_w = a_w + (b - a)
        out += [(a_w, float(min(b_w, hi)))] + ([(float(lo), float(b_w - (hi - lo)))] if b_w > hi + 1e-9 else [])
    return out
