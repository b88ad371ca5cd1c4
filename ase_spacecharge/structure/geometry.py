"""Geometry of a grain-boundary cell: the normal, its spacing, the boundaries, the planes.

* The boundary planes are normal to the lattice vector ``axis`` (0, 1, 2 = a, b, c).  The
  coordinate along the normal is the fractional coordinate times ``d = V / |a_i × a_j|``
  (the interplanar spacing of the cell, never the length of the lattice vector), so
  non-orthogonal cells are projected correctly.
* Boundary positions are fractional coordinates along ``axis``; a site's coordinate is its
  signed distance (Å) to a boundary, positive on the side of increasing fractional
  coordinate.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..grid import group_planes
from .data import StructureData

__all__ = ["edges_between_planes", "normal_spacing", "cross_section", "boundary_axis", "find_boundaries", "boundary_gaps",
           "periodic_planes", "distance_to_boundaries", "overlapping_atoms"]


def normal_spacing(cell, axis):
    """``d = V / |a_i × a_j|`` (Å): the cell's extent along the normal of the plane spanned by
    the two lattice vectors other than ``axis``.

    Parameters
    ----------
    cell : array_like (3, 3)
        Lattice vectors as rows (Å).
    axis : int
        0, 1 or 2.

    Returns
    -------
    float

    Examples
    --------
    >>> round(normal_spacing([[3.0, 0, 0], [0, 4.0, 0], [1.0, 0, 10.0]], 2), 12)  # oblique c: d < |c|
    10.0
    """
    i, j = [k for k in range(3) if k != axis]
    cell = np.asarray(cell, float)
    return float(abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[i], cell[j])))


def cross_section(cell, axis):
    """Area (Å²) of the boundary plane of the cell: ``|a_i × a_j|``.

    Parameters
    ----------
    cell : array_like (3, 3)
    axis : int

    Returns
    -------
    float

    Examples
    --------
    >>> cross_section(np.diag([3.0, 4.0, 10.0]), 2)
    12.0
    """
    i, j = [k for k in range(3) if k != axis]
    return float(np.linalg.norm(np.cross(np.asarray(cell)[i], np.asarray(cell)[j])))


def boundary_axis(data: StructureData, axis=None):
    """The lattice-vector index normal to the boundaries.

    Given: checked (0, 1, 2 or "a", "b", "c").  Otherwise c (2) for a pymatgen
    ``GrainBoundary``, else the axis with the largest normal spacing (grain-boundary
    supercells are long along the normal).

    Parameters
    ----------
    data : StructureData
    axis : int or str, optional

    Returns
    -------
    int

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import read_structure
    >>> boundary_axis(read_structure(ceria_like_atoms())), boundary_axis(read_structure(ceria_like_atoms()), "b")
    (2, 1)
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


def _listed_boundaries(boundaries):
    """User boundaries modulo 1, in the order given; coinciding ones raise."""
    b = np.atleast_1d(np.asarray(boundaries, float))
    if b.size == 0 or not np.all(np.isfinite(b)):
        raise InputError(f"boundaries must be finite fractional positions, got {boundaries!r}")
    b = np.mod(b, 1.0)
    s = np.sort(b)
    gaps = np.diff(np.concatenate((s, [s[0] + 1.0])))
    if b.size > 1 and np.any(gaps < 1e-9):
        raise InputError(f"boundaries {list(boundaries)!r}: two boundaries coincide at fractional position "
                         f"{s[int(np.argmin(gaps))]:.6g} (positions are taken modulo 1)")
    return b


def _labelled_boundaries(data, axis):
    """Boundaries from a pymatgen-style ``grain_label``: the middle of each gap between
    neighbouring atoms of different grains."""
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
    return np.mod(0.5 * (fs[change] + gap_end), 1.0)


def _reference_first(data, axis, listed):
    """The boundaries in cyclic order, starting with the one that ends the reference grain:
    the thickest grain; among grains equally thick (1e-6), the one whose atoms' grain_label
    comes first, then the one ending at the boundary listed first.  Independent of the
    cell's origin and of the order of the atoms."""
    order = np.argsort(listed, kind="stable")
    b = listed[order]
    thickness = np.mod(b - np.roll(b, 1), 1.0) if b.size > 1 else np.ones(1)  # grain ending at b[k]
    label = np.full(b.size, "")
    if "grain_label" in data.arrays and b.size > 1:
        names, grain = _grain_ids(data.arrays["grain_label"])
        f = np.mod(data.frac[:, axis], 1.0)
        k_of_atom = np.searchsorted(b, f) % b.size  # the grain of an atom ends at the next boundary
        label = np.array([min((str(names[g]) for g in grain[k_of_atom == k]), default="") for k in range(b.size)])
    keys = [(-round(float(t), 6), lab, int(o)) for t, lab, o in zip(thickness, label, order)]
    first = min(range(b.size), key=keys.__getitem__)
    return np.roll(b, -first)


def find_boundaries(data: StructureData, axis, boundaries=None):
    """Fractional positions (in [0, 1)) of the boundaries along ``axis``, in cyclic order
    starting with the boundary that ends the reference grain.

    From ``boundaries`` if given (duplicates raise); else from a ``grain_label`` site array
    (pymatgen's ``GrainBoundary``: the middle of each gap between neighbouring atoms of
    different grains); else (0, 0.5).  The reference grain (where the default bulk region
    lies) is the thickest; ties go to the grain whose ``grain_label`` sorts first, then to
    the grain ending at the boundary listed first.  The choice does not depend on the
    cell's origin or on the order of the atoms.

    Parameters
    ----------
    data : StructureData
    axis : int
    boundaries : sequence of float, optional

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import read_structure
    >>> find_boundaries(read_structure(ceria_like_atoms()), 2, [1.25, 0.5])  # grain 0.5 .. 1.25 is thicker
    array([0.25, 0.5 ])
    """
    if boundaries is not None:
        listed = _listed_boundaries(boundaries)
    elif "grain_label" in data.arrays:
        listed = _labelled_boundaries(data, axis)
    else:
        listed = np.array([0.0, 0.5])
    return _reference_first(data, axis, listed)


def boundary_gaps(boundaries):
    """Fractional widths of the grains: from each boundary to the next (cyclic order).

    Parameters
    ----------
    boundaries : ndarray
        In cyclic order (as :func:`find_boundaries` returns them).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> boundary_gaps(np.array([0.75, 0.25])).tolist()
    [0.5, 0.5]
    """
    cyclic = np.mod(boundaries - boundaries[0], 1.0)
    return np.diff(np.concatenate((cyclic, [1.0])))


def periodic_planes(x, period, tol):
    """Group coordinates ``x`` (Å) on a circle of circumference ``period`` into planes.

    :func:`~ase_spacecharge.grid.group_planes` (sort-and-split with ``tol``), then the first
    and last planes merge when the wrap-around gap is within ``tol``.

    Parameters
    ----------
    x : array_like
        Å.
    period : float
        Å.
    tol : float
        Å.

    Returns
    -------
    centres : ndarray
        The planes' mean positions (near the range of ``x``, sorted).
    plane_of : int ndarray
        Each coordinate's plane.

    Examples
    --------
    >>> periodic_planes([0.05, 5.0, 9.98], 10.0, 0.2)
    (array([0.015, 5.   ]), array([0, 1, 0]))
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


def distance_to_boundaries(data: StructureData, axis, boundaries):
    """Signed distance (Å) of every site to its nearest boundary, and that boundary's index
    (ties: the boundary listed first).

    Parameters
    ----------
    data : StructureData
    axis : int
    boundaries : array_like
        Fractional positions.

    Returns
    -------
    distance : ndarray
        Å, positive on the side of increasing fractional coordinate.
    nearest : int ndarray

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import read_structure
    >>> dist, nearest = distance_to_boundaries(read_structure(ceria_like_atoms()), 2, [0.5])
    >>> round(float(abs(dist).max()), 3)
    46.078
    """
    d = normal_spacing(data.cell, axis)
    f = data.frac[:, axis]
    delta = np.mod(f[:, None] - np.asarray(boundaries)[None, :] + 0.5, 1.0) - 0.5
    nearest = np.argmin(np.round(np.abs(delta) * d, 9), axis=1)  # argmin takes the first of ties
    return delta[np.arange(f.size), nearest] * d, nearest


def edges_between_planes(x_plane, lo_edge, hi_edge, tol=1e-6):
    """Domain edges (Å) that no plane lies on: unchanged unless a plane is within ``tol`` of
    an edge; then both edges move, the period kept, to the middle of the gap that wraps
    around (a plane on the edge of a periodic cell is an ordinary plane).

    Parameters
    ----------
    x_plane : ndarray
        Plane positions (Å).
    lo_edge, hi_edge : float
        The periodic domain (Å).
    tol : float
        Å.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> edges_between_planes(np.array([0.0, 1.0, 2.0]), 0.0, 3.0)
    (-0.5, 2.5)
    """
    if x_plane.size == 0 or (x_plane.min() > lo_edge + tol and x_plane.max() < hi_edge - tol):
        return lo_edge, hi_edge
    period = hi_edge - lo_edge
    upper = 0.5 * (x_plane.max() + x_plane.min() + period)
    return float(upper - period), float(upper)


def overlapping_atoms(data: StructureData, tol=0.3):
    """Pairs of atoms closer than ``tol`` (Å, minimum image): two atoms at one position.

    O(N log N) by sorting: the fractional coordinates scaled by the cell's spacings ``d_i``
    normal to each lattice plane (a Cartesian distance below ``tol`` bounds each scaled
    difference by ``tol``) are binned into periodic cells at least ``2 tol`` wide, in the eight
    grids shifted by half a cell along any axes; two atoms closer than ``tol`` share a cell in
    one of them.  The candidates' Cartesian minimum-image distances decide.

    Parameters
    ----------
    data : StructureData
    tol : float
        Å.

    Returns
    -------
    pairs : int ndarray (k, 2)
        ``i < j``, sorted.
    distances : ndarray (k,)
        Å.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import read_structure
    >>> atoms = ceria_like_atoms()
    >>> atoms += atoms[:1]   # atom 0 twice
    >>> pairs, dist = overlapping_atoms(read_structure(atoms))
    >>> pairs.tolist(), dist.tolist()
    ([[0, 90]], [0.0])
    """
    import itertools
    f = np.mod(data.frac, 1.0)
    d = np.array([normal_spacing(data.cell, k) for k in range(3)])
    n = np.maximum(np.floor(d / (2 * tol)), 1).astype(np.int64)
    scaled = f * n  # in cells
    found = []
    for shift in itertools.product((0.0, 0.5), repeat=3):
        cell = np.floor(scaled + shift).astype(np.int64) % n
        key = (cell[:, 0] * n[1] + cell[:, 1]) * n[2] + cell[:, 2]
        order = np.argsort(key)
        ordered = key[order]
        for gap in (1, 2, 3):  # neighbours in the sorted order: every pair of a cell of up to four atoms
            same = np.flatnonzero(ordered[gap:] == ordered[:-gap])
            found.append(np.stack([order[same], order[same + gap]], axis=1))
    pairs = np.unique(np.sort(np.concatenate(found), axis=1), axis=0)
    if pairs.size == 0:
        return np.zeros((0, 2), dtype=int), np.zeros(0)
    delta = f[pairs[:, 0]] - f[pairs[:, 1]]
    delta -= np.round(delta)
    dist = np.linalg.norm(delta @ data.cell, axis=1)
    return pairs[dist < tol], dist[dist < tol]
