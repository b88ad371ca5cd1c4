"""The static picture of an annotated cell (``--plot-structure``): atoms seen along an in-plane
lattice vector, drawn at their species' radii, coloured by a per-atom result on the scale
:func:`~.style.colour_scale` chooses (log for site fractions, centred at 0 V for φ), atoms
the array does not apply to in grey and named ("Ce: cannot host Vo").

Needs matplotlib (the ``plot`` extra).  Lengths in Å.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .style import colour_scale, pyplot, species_radii, unhosted_reason

__all__ = ["plot_structure", "boundary_frame"]


def boundary_frame(atoms, axis):
    """Atoms in the cell, seen along the third lattice vector.

    Parameters
    ----------
    atoms : ase.Atoms
    axis : int
        The lattice vector normal to the boundaries.

    Returns
    -------
    across, up, depth : ndarray
        Distance along the boundary normal (0 .. d, Å), distance in the boundary plane
        perpendicular to the viewing direction (Å), and the fractional coordinate along the
        viewing direction (drawing order).
    height : float
        The cell's height in the picture (Å).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> across, up, depth, height = boundary_frame(ceria_like_atoms(), 2)
    >>> across.shape, float(across.min()) >= 0.0
    ((90,), True)
    """
    from ..structure.geometry import normal_spacing
    i, j = [k for k in range(3) if k != axis]
    cell = np.asarray(atoms.cell, float)
    frac = np.mod(atoms.get_scaled_positions(wrap=False), 1.0)
    view = cell[j] / np.linalg.norm(cell[j])
    normal = np.cross(cell[i], cell[j])
    normal /= np.linalg.norm(normal)
    up = np.cross(normal, view)  # in the boundary plane, perpendicular to the viewing direction
    height = abs(cell[i] @ up)
    return frac[:, axis] * normal_spacing(cell, axis), frac[:, i] * height, frac[:, j], height


def _norm(scale):
    from matplotlib import colors as mcolors
    if scale.kind == "log":
        return mcolors.LogNorm(scale.vmin, scale.vmax, clip=True)
    return mcolors.Normalize(scale.vmin, scale.vmax)  # "centred": the limits are ±max|v|, 0 in the middle


def _tiled(atoms, axis):
    """The picture's coordinates, the cell repeated in the plane until the slab is >= 10 Å high."""
    x, y, depth, height = boundary_frame(atoms, axis)
    reps = max(1, int(np.ceil(10.0 / height)))
    y = (y[None, :] + height * np.arange(reps)[:, None]).ravel()
    return np.tile(x, reps), y, np.tile(depth, reps), reps, height


def _circles(ax, x, y, r, order, frame, **style):
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle
    patches = PatchCollection([Circle((x[k], y[k]), r[k]) for k in order], clip_path=frame, linewidth=0.3,
                              edgecolor="k", **style)
    ax.add_collection(patches)
    return patches


def _legend(fig, symbols, radii, reasons):
    """Species (drawn in proportion to their radii) and the grey groups, above the picture."""
    from matplotlib.lines import Line2D
    handles = []
    for s in dict.fromkeys(symbols):
        r = float(radii[list(symbols).index(s)])
        handles.append(Line2D([], [], ls="", marker="o", mfc="white", mec="k", ms=14 * r / radii.max(), label=f"{s} (r = {r:.2f} Å)"))
    for reason in sorted(set(reasons) - {""}):
        handles.append(Line2D([], [], ls="", marker="o", mfc="0.8", mec="k", ms=8, label=reason))
    fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), fontsize="small", frameon=False)


def plot_structure(path, atoms, projection, *, color_by="sc_phi"):
    """Picture of an annotated cell, seen along an in-plane lattice vector, the atoms at their
    species' radii (ASE's covalent radii × 0.4) coloured by a per-atom result with a colour bar;
    axes in Å, nothing drawn outside the cell, the boundaries dashed.

    φ, ΔE and other signed arrays use a diverging map centred at 0 (limits ±max|value|), site
    fractions and densities a log scale; atoms without a value are grey, named in the legend
    (a species that cannot host the defect, or atoms outside the solved region).

    Parameters
    ----------
    path : str or path-like
        PNG.
    atoms : ase.Atoms
        Annotated (see :func:`~ase_spacecharge.structure.annotate`).
    projection : Projection
        Its axis and boundaries.
    color_by : str
        Per-atom array, e.g. ``"sc_phi"`` (default) or ``"sc_occ_Vo"``.

    Returns
    -------
    dict
        What was drawn: ``scale`` (:class:`~.style.ColourScale`), ``radius`` {species: Å},
        ``grey`` {reason: number of atoms in one cell}.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> path = os.path.join(tempfile.mkdtemp(), "cell.png")
    >>> drawn = plot_structure(path, out, proj, color_by="sc_occ_Vo")
    >>> drawn["scale"].kind, drawn["grey"], os.path.getsize(path) > 10000
    ('log', {'Ce: cannot host Vo': 30}, True)
    """
    plt = pyplot()
    if color_by not in atoms.arrays or not color_by.startswith("sc_"):
        have = sorted(k for k in atoms.arrays if k.startswith("sc_"))
        raise InputError(f"--color-by {color_by!r}: not a per-atom result; choose one of {have}")
    symbols = np.asarray(atoms.get_chemical_symbols())
    values = np.asarray(atoms.arrays[color_by], float)
    scale = colour_scale(color_by, values)
    reasons = unhosted_reason(color_by, symbols, values)
    radii = species_radii(symbols)
    x, y, depth, reps, height = _tiled(atoms, projection.axis)
    n = len(atoms)
    v, why, r = np.tile(values, reps), np.tile(reasons, reps), np.tile(radii, reps)
    d, top = projection.spacing, reps * height
    order = np.argsort(depth, kind="stable")
    ok = np.isfinite(v)
    fig, ax = plt.subplots(figsize=(11.0, min(8.0, max(3.4, 11.0 * top / d + 2.2))), constrained_layout=True)
    frame = plt.Rectangle((0, 0), d, top, fill=False, lw=1.0, color="k")
    ax.add_patch(frame)
    _circles(ax, x, y, r, order[~ok[order]], frame, facecolor="0.8")
    coloured = _circles(ax, x, y, r, order[ok[order]], frame, cmap=scale.cmap, norm=_norm(scale))
    coloured.set_array(v[order][ok[order]])
    for xb in np.asarray(projection.boundaries) * d:  # the picture is in the cell's own frame
        ax.axvline(xb, color="0.3", ls="--", lw=0.8)
    ax.set_xlim(0, d)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("distance along the boundary normal (Å)")
    ax.set_ylabel("in the boundary plane (Å)")
    bar = fig.colorbar(coloured, ax=ax, label=scale.label + ("" if scale.kind != "log" else ", log scale"),
                       orientation="horizontal", fraction=0.08, pad=0.02, aspect=50)
    if scale.kind == "centred":
        bar.set_ticks(np.linspace(scale.vmin, scale.vmax, 5))
    _legend(fig, symbols, radii, reasons)
    ax.set_title(f"{n} atoms ({reps} cells in the plane), coloured by {color_by}; dashed: boundaries",
                 fontsize="medium")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    grey = {str(k): int(c) for k, c in zip(*np.unique(reasons[reasons != ""], return_counts=True))}
    return dict(scale=scale, radius={s: float(radii[symbols == s][0]) for s in dict.fromkeys(symbols)}, grey=grey)
