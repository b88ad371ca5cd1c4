"""Bulk padding of an unfolded projection: whole repeat units of each side's outermost
plane pattern (ΔE = 0), so the grains reach bulk without a bigger supercell."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..grid import group_planes
from ..sites import Sites

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
    """Extend an unfolded projection with bulk planes (ΔE = 0) towards ``pad_to`` Å from the
    boundary on each side.

    Each side repeats its own outermost plane pattern (spacings and site counts per host
    species) with the smallest period found in the supercell, in whole repeat units (so the
    padding is neutral) that end at or before ``pad_to``.

    Parameters
    ----------
    proj : Projection
        ``mode="unfold"``.
    pad_to : float or (float, float)
        Distance (Å) from the boundary, or (lower, upper) as positive distances.
    plane_tol : float
        Å, for comparing plane spacings.

    Returns
    -------
    Projection
        A new projection (``padding`` says what was added).

    Raises
    ------
    InputError
        Not unfolded, no repeating bulk pattern, or more than ``MAX_PADDING_PLANES`` planes.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import project
    >>> proj = project(ceria_like_atoms(), [dict(label="Vo", site="O")], boundaries=[0.0, 0.5], mode="unfold",
    ...                missing="zero")
    >>> padded = pad_with_bulk(proj, 60.0)
    >>> padded.x_max > 58.0, padded.padding["n_sites"] > 0
    (True, True)
    """
    if proj.mode != "unfold":
        raise InputError("padding needs mode='unfold' (one boundary with bulk on both sides)")
    try:
        lower, upper = (pad_to, pad_to) if np.isscalar(pad_to) else pad_to
        lower, upper = float(lower), float(upper)
    except (TypeError, ValueError):
        raise InputError(f"pad_to must be a distance (Å) or a (lower, upper) pair, got {pad_to!r}") from None
    if not (np.isfinite(lower) and np.isfinite(upper)) or lower <= 0 or upper <= 0:
        raise InputError(f"pad_to must be positive distances (Å), got {pad_to!r}")
    s = proj.sites
    plane_x, plane_of = group_planes(s.x, 1e-3)  # the grid's planes (build_problem's tolerance)
    hosts = np.unique(s.label)
    counts = np.zeros((plane_x.size, hosts.size), dtype=int)
    np.add.at(counts, (plane_of, np.searchsorted(hosts, s.label)), 1)
    sides = [_pad_side(plane_x, counts, hosts, sign, limit, plane_tol) for sign, limit in ((1.0, upper), (-1.0, lower))]
    nx = np.concatenate([side[0] for side in sides])
    if not nx.size:
        return proj
    nl = np.concatenate([side[1] for side in sides])
    E_new = np.full((nx.size, len(s.defect_labels)), np.nan)
    for j in range(len(s.defect_labels)):
        # a padded site hosts a defect when sites of its species host it in the cell
        hosts_j = np.unique(s.label[np.isfinite(s.energies[:, j])])
        E_new[np.isin(nl, hosts_j), j] = 0.0
    val_of = dict(zip(s.label.tolist(), s.valence.tolist()))
    sites = Sites(np.concatenate((s.x, nx)), np.concatenate((s.label, nl)),
                  np.concatenate((s.valence, [val_of[h] for h in nl])), s.defect_labels,
                  np.vstack((s.energies, E_new)), source=s.source)
    x_min, x_max = min(proj.x_min, sides[1][2]), max(proj.x_max, sides[0][2])
    return replace(proj, sites=sites, atom_index=np.concatenate((proj.atom_index, np.full(nx.size, -1))),
                   site_distance=np.concatenate((proj.site_distance, nx)),
                   boundary_index=np.concatenate((proj.boundary_index, np.full(nx.size, -1))),
                   x_min=float(x_min), x_max=float(x_max),
                   padding=dict(lower=float(x_min), upper=float(x_max), n_sites=int(nx.size),
                                period_lower=sides[1][3], period_upper=sides[0][3]))


def _pad_side(plane_x, counts, hosts, sign, limit, plane_tol):
    """Bulk sites (positions Å, labels) repeating one side's outermost plane pattern in whole
    units up to ``limit`` Å from the boundary, the new domain edge (Å) and the period (Å)."""
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
    per_plane = counts[np.tile(block_planes, units)]
    x = np.repeat(np.repeat(sign * pos, hosts.size), per_plane.ravel())
    labels = np.repeat(np.tile(hosts, pos.size), per_plane.ravel())
    last = block[-1] + units * period if units else xp[-1]
    edge = sign * 0.5 * (last + block[0] + (units + 1) * period)
    return x, labels, edge, period
