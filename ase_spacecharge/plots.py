"""Pictures: the potential and defect profiles, and the cell coloured by a per-atom result.

Needs matplotlib (the ``plot`` extra).  Lengths in Å, potentials in V.
"""

from __future__ import annotations

import numpy as np

from .errors import InputError

__all__ = ["plot_profiles", "plot_structure", "boundary_positions", "plot_transient", "plot_iv", "plot_impedance"]


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("plots need matplotlib: pip install 'ase_spacecharge[plot]'") from None
    return plt


def boundary_positions(projection):
    """Positions (Å) of the boundaries on a projection's 1D axis.

    Parameters
    ----------
    projection : Projection

    Returns
    -------
    ndarray
        0 for an unfolded projection (all boundaries stacked at x = 0); the boundaries'
        signed distances from the first one, wrapped into the domain, for a whole cell.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import project
    >>> proj = project(ceria_like_atoms(), [dict(label="Vo", site="O")], boundaries=[0.5, 0.0], missing="zero")
    >>> boundary_positions(proj).round(3).tolist()
    [0.0, 46.86]
    """
    return np.asarray(projection.boundary_x, float).copy()


def _colours(plt, values):
    """A colour for each value and the colour bar's mappable (None for one value)."""
    from matplotlib import colors as mcolors
    if len(values) == 1:
        return ["C0"], None
    norm = mcolors.Normalize(min(values), max(values))
    mappable = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
    mappable.set_array([])
    return [mappable.to_rgba(v) for v in values], mappable


def _mark(ax, solutions, boundaries):
    """Shade the bulk region and draw the boundaries."""
    lo, hi = solutions[0].bulk
    ax.axvspan(lo, hi, color="0.9", zorder=0, label="bulk region")
    for k, xb in enumerate(np.atleast_1d(boundaries) if boundaries is not None else []):
        ax.axvline(xb, color="0.35", ls="--", lw=0.8, label="boundary" if k == 0 else None)


def _title(solutions):
    if len(solutions) == 1:
        s = solutions[0]
        return f"T = {s.temperature:g} K, Φ0 = {s.phi0:.3f} V"
    phi0 = [s.phi0 for s in solutions]
    temps = [s.temperature for s in solutions]
    return f"{len(solutions)} temperatures, {min(temps):g}–{max(temps):g} K; Φ0 = {min(phi0):.3f}–{max(phi0):.3f} V"


def plot_profiles(path, solutions, *, boundaries=None):
    """Plot φ(x) and every defect's site fraction per plane to a PNG.

    The bulk region is shaded, the boundaries are dashed lines; mobile species are solid
    lines, frozen ones dashed; several temperatures are coloured by T with a colour bar.

    Parameters
    ----------
    path : str or path-like
        PNG.
    solutions : sequence of SpaceChargeSolution
        One or several (a temperature sweep) of the same problem.
    boundaries : array_like, optional
        Boundary positions (Å) to mark (e.g. :func:`boundary_positions`).

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> path = os.path.join(tempfile.mkdtemp(), "profile.png")
    >>> plot_profiles(path, [solve(ceria_like_problem(), 773.15)], boundaries=[0.0])
    >>> os.path.getsize(path) > 10000
    True
    """
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(8, 6.5), constrained_layout=True)
    colours, mappable = _colours(plt, [s.temperature for s in solutions])
    for ax in (ax1, ax2):
        _mark(ax, solutions, boundaries)
    for sol, colour in zip(solutions, colours):
        ax1.plot(sol.x, sol.phi, "-", color=colour, lw=1.2)
        fractions = sol.mole_fractions
        for j, label in enumerate(sol.defect_labels):
            hosts = sol.plane_hosts[:, j]
            ax2.semilogy(sol.x[hosts], fractions[label][hosts], "-" if sol.mobile[j] else "--", color=colour,
                         marker=".", ms=3, lw=1.0, label=label if sol is solutions[0] else None)
    ax1.set_ylabel("φ (V)")
    ax2.set_ylabel("site fraction per plane")
    ax2.set_xlabel("x, distance along the boundary normal (Å)")
    ax1.set_title(_title(solutions))
    ax1.legend(fontsize="small", loc="best")
    if mappable is None:
        for j, label in enumerate(solutions[0].defect_labels):  # one colour per species
            for line in [ln for ln in ax2.get_lines() if ln.get_label() == label]:
                line.set_color(f"C{j}")
    ax2.legend(fontsize="small", loc="best", title="solid: mobile, dashed: frozen", title_fontsize="x-small")
    if mappable is not None:
        fig.colorbar(mappable, ax=[ax1, ax2], label="T (K)")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _view_coordinates(atoms, axis):
    """Atoms in the cell, seen along the third lattice vector: horizontal the distance along
    the boundary normal (0 .. d), vertical the distance along the first in-plane vector
    perpendicular to the viewing direction (Å); depth for drawing order."""
    from .structure.geometry import normal_spacing
    i, j = [k for k in range(3) if k != axis]
    cell = np.asarray(atoms.cell, float)
    frac = np.mod(atoms.get_scaled_positions(wrap=False), 1.0)
    view = cell[j] / np.linalg.norm(cell[j])
    normal = np.cross(cell[i], cell[j])
    normal /= np.linalg.norm(normal)
    across = np.cross(normal, view)  # in the boundary plane, perpendicular to the viewing direction
    height = abs(cell[i] @ across)
    return frac[:, axis] * normal_spacing(cell, axis), frac[:, i] * height, frac[:, j], height


def plot_structure(path, atoms, projection, *, color_by="sc_phi"):
    """Picture of an annotated cell, seen along an in-plane lattice vector, atoms coloured by a
    per-atom result with a colour bar; axes in Å, nothing drawn outside the cell.

    Parameters
    ----------
    path : str or path-like
        PNG.
    atoms : ase.Atoms
        Annotated (see :func:`~ase_spacecharge.structure.annotate`).
    projection : Projection
        Its axis and boundaries.
    color_by : str
        Per-atom array, e.g. ``"sc_phi"`` (default) or ``"sc_occ_Vo"``; NaN atoms are grey.

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> path = os.path.join(tempfile.mkdtemp(), "cell.png")
    >>> plot_structure(path, out, proj, color_by="sc_occ_Vo")
    >>> os.path.getsize(path) > 10000
    True
    """
    plt = _pyplot()
    from matplotlib import colors as mcolors
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle
    if color_by not in atoms.arrays or not color_by.startswith("sc_"):
        have = sorted(k for k in atoms.arrays if k.startswith("sc_"))
        raise InputError(f"--color-by {color_by!r}: not a per-atom result; choose one of {have}")
    values = np.asarray(atoms.arrays[color_by], float)
    x, y, depth, height = _view_coordinates(atoms, projection.axis)
    d = projection.spacing
    ok = np.isfinite(values)
    positive = ok & (values > 0)
    log = color_by.startswith(("sc_occ_", "sc_n_")) and positive.any() and \
        values[positive].max() > 100 * values[positive].min()
    norm = (mcolors.LogNorm(values[positive].min(), values[positive].max()) if log
            else mcolors.Normalize(*(values[ok].min(), values[ok].max()) if ok.any() else (0, 1)))
    reps = max(1, int(np.ceil(10.0 / height)))  # a slab at least 10 Å high
    x, y, depth = np.tile(x, reps), (y[None, :] + height * np.arange(reps)[:, None]).ravel(), np.tile(depth, reps)
    values, ok = np.tile(values, reps), np.tile(ok, reps)
    top = reps * height
    radius = 0.45
    order = np.argsort(depth, kind="stable")
    fig, ax = plt.subplots(figsize=(11.0, min(8.0, max(3.0, 11.0 * top / d + 1.6))), constrained_layout=True)
    frame = plt.Rectangle((0, 0), d, top, fill=False, lw=1.0, color="k")
    ax.add_patch(frame)
    grey = PatchCollection([Circle((x[k], y[k]), radius) for k in order if not ok[k]], facecolor="0.75",
                           edgecolor="k", linewidth=0.3, clip_path=frame)
    circles = PatchCollection([Circle((x[k], y[k]), radius) for k in order if ok[k]], cmap="coolwarm", norm=norm,
                              edgecolor="k", linewidth=0.3, clip_path=frame)
    circles.set_array(values[order][ok[order]])
    ax.add_collection(grey)
    ax.add_collection(circles)
    for xb in np.asarray(projection.boundaries) * d:  # the picture is in the cell's own frame
        ax.axvline(xb, color="0.3", ls="--", lw=0.8)
    ax.set_xlim(0, d)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("distance along the boundary normal (Å)")
    ax.set_ylabel("in the boundary plane (Å)")
    label = {"sc_phi": "φ (V)", "sc_x": "x (Å)", "sc_plane": "plane"}.get(color_by, color_by[3:])
    fig.colorbar(circles, ax=ax, label=label, orientation="horizontal", fraction=0.08, pad=0.02, aspect=50)
    ax.set_title(f"{len(atoms)} atoms ({reps} cells in the plane), coloured by {color_by}; dashed: boundaries; "
                 "grey: not solved", fontsize="medium")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_transient(path, transient):
    """Profiles over time and the current of a transient (the summary's ``transient`` dict).

    Parameters
    ----------
    path : str or path-like
        PNG.
    transient : dict
        ``t`` (s), ``x`` (Å), ``phi`` (V, per time and plane), ``mole_fractions``,
        ``current`` and ``ionic_current`` (A/m²).

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> tr = dict(t=[1e-9, 1e-6], x=[0.0, 1.0, 2.0], phi=[[0, 0.1, 0], [0, 0.2, 0]], current=[1.0, 0.5],
    ...           ionic_current=[0.5, 0.5], mole_fractions={"Vo": [[0.05, 0.04, 0.05], [0.05, 0.03, 0.05]]})
    >>> path = os.path.join(tempfile.mkdtemp(), "transient.png")
    >>> plot_transient(path, tr)
    >>> os.path.getsize(path) > 10000
    True
    """
    plt = _pyplot()
    from matplotlib import colors as mcolors
    t = np.asarray(transient["t"], float)
    x = np.asarray(transient["x"], float)
    norm = mcolors.LogNorm(t.min(), t.max()) if t.size > 1 else mcolors.LogNorm(t[0] / 10, t[0] * 10)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
    fig, axes = plt.subplots(3, 1, figsize=(8, 8.5), constrained_layout=True)
    for k, tk in enumerate(t):
        colour = mappable.to_rgba(tk)
        axes[0].plot(x, transient["phi"][k], color=colour, lw=1.0)
        for j, (label, values) in enumerate(transient["mole_fractions"].items()):
            v = np.asarray(values[k], float)
            ok = np.isfinite(v) & (v > 0)
            axes[1].semilogy(x[ok], v[ok], color=colour, lw=1.0, ls=["-", "--", ":", "-."][j % 4],
                             label=label if k == 0 else None)
    axes[0].set_ylabel("φ (V)")
    axes[1].set_ylabel("site fraction (carriers: Å⁻³)")
    axes[1].set_xlabel("x (Å)")
    axes[1].legend(fontsize="small")
    axes[2].loglog(t, np.abs(transient["current"]), "o-", label="total |I|")
    axes[2].loglog(t, np.maximum(np.abs(transient["ionic_current"]), 1e-300), "s--", label="ionic |I|")
    axes[2].set_xlabel("t (s)")
    axes[2].set_ylabel("current density (A/m²)")
    axes[2].legend(fontsize="small")
    fig.colorbar(mappable, ax=axes[:2], label="t (s)")
    axes[0].set_title("transient: profiles at the output times")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_iv(path, steady):
    """The I–V curve of a steady-state sweep (the summary's ``steady_state`` dict).

    Parameters
    ----------
    path : str or path-like
        PNG.
    steady : dict
        ``voltage`` (V), ``current`` (A/m²), ``electrodes``.

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "iv.png")
    >>> plot_iv(path, dict(voltage=[0.0, 0.1, 0.2], current=[0.0, 1.0, 2.5], electrodes="reversible"))
    >>> os.path.getsize(path) > 10000
    True
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    ax.plot(steady["voltage"], steady["current"], "o-")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel("V, upper end minus lower end (V)")
    ax.set_ylabel("I (A/m²)")
    ax.set_title(f"steady state, {steady.get('electrodes', '')} electrodes")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_impedance(stem, rows):
    """Nyquist (equal axes; the whole spectrum and the bulk arc) and Bode plots of impedance
    spectra, one colour per temperature: ``<stem>_nyquist.png`` and ``<stem>_bode.png``.

    Parameters
    ----------
    stem : str
        Path without the suffix.
    rows : list of dict
        Summaries with ``temperature`` (K) and ``impedance`` {``frequency`` (Hz), ``z_real``,
        ``z_imag`` (Ω·m²), ``bulk_resistance``}.

    Returns
    -------
    list of str
        The two paths.

    Examples
    --------
    >>> import os, tempfile
    >>> f = np.logspace(0, 8, 41)
    >>> z = 1 / (1 + 2j * np.pi * f * 1e-6) + 50 / (1 + 2j * np.pi * f * 50e-4)
    >>> row = dict(temperature=773.15, impedance=dict(frequency=f, z_real=z.real, z_imag=z.imag, bulk_resistance=1.0))
    >>> paths = plot_impedance(os.path.join(tempfile.mkdtemp(), "z"), [row])
    >>> [os.path.getsize(p) > 10000 for p in paths]
    [True, True]
    """
    plt = _pyplot()
    temps = [r["temperature"] for r in rows]
    colours, mappable = _colours(plt, temps)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), constrained_layout=True)
    for r, c in zip(rows, colours):
        imp = r["impedance"]
        for ax in axes:
            ax.plot(imp["z_real"], -np.asarray(imp["z_imag"]), ".-", color=c, ms=3, lw=0.8,
                    label=f"{r['temperature']:g} K")
    zoom = [r["impedance"].get("bulk_resistance") for r in rows]
    zoom = 1.3 * max([z for z in zoom if z] or [max(rows[0]["impedance"]["z_real"]) / 20])
    axes[1].set_xlim(0, zoom)
    axes[1].set_ylim(0, zoom / 2)
    for ax, title in zip(axes, ("whole spectrum", "high frequencies (bulk arc)")):
        ax.set_aspect("equal", adjustable="datalim" if ax is axes[0] else "box")
        ax.set_xlabel("Z′ (Ω·m²)")
        ax.set_ylabel("−Z″ (Ω·m²)")
        ax.set_title(title)
    _legend_or_colourbar(fig, axes, mappable, "T (K)")
    paths = [f"{stem}_nyquist.png", f"{stem}_bode.png"]
    fig.savefig(paths[0], dpi=150)
    plt.close(fig)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True, constrained_layout=True)
    for r, c in zip(rows, colours):
        imp = r["impedance"]
        z = np.asarray(imp["z_real"]) + 1j * np.asarray(imp["z_imag"])
        top.loglog(imp["frequency"], np.abs(z), color=c, label=f"{r['temperature']:g} K")
        bottom.semilogx(imp["frequency"], -np.degrees(np.angle(z)), color=c)
    top.set_ylabel("|Z| (Ω·m²)")
    bottom.set_ylabel("−phase (°)")
    bottom.set_xlabel("frequency (Hz)")
    _legend_or_colourbar(fig, [top, bottom], mappable, "T (K)")
    fig.savefig(paths[1], dpi=150)
    plt.close(fig)
    return paths


def _legend_or_colourbar(fig, axes, mappable, label):
    """A colour bar for several temperatures, a legend for one."""
    if mappable is None:
        axes[0].legend()
    else:
        fig.colorbar(mappable, ax=axes, label=label, shrink=0.8)
