"""Pictures of the profiles and of the dynamics: φ and site fractions against x, transients and
I–V curves (the cell is drawn by :mod:`.cell`, impedance spectra by :mod:`.impedance`).

Needs matplotlib (the ``plot`` extra).  Lengths in Å, potentials in V.
"""

from __future__ import annotations

import numpy as np

from .style import pyplot

__all__ = ["plot_profiles", "boundary_positions", "plot_transient", "plot_iv"]


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


def _mark(ax, solutions, boundaries):
    """Shade the bulk region and draw the boundaries that lie in the solved domain."""
    lo, hi = solutions[0].bulk
    ax.axvspan(lo, hi, color="0.9", zorder=0, label="bulk region")
    inside = [xb for xb in np.atleast_1d(boundaries if boundaries is not None else [])
              if solutions[0].x_min <= xb <= solutions[0].x_max]
    for k, xb in enumerate(inside):
        ax.axvline(xb, color="0.35", ls="--", lw=0.8, label="boundary" if k == 0 else None)
    return inside


def _title(solutions):
    if len(solutions) == 1:
        s = solutions[0]
        return f"T = {s.temperature:g} K, Φ0 = {s.phi0:.3f} V"
    phi0 = [s.phi0 for s in solutions]
    temps = [s.temperature for s in solutions]
    return f"{len(solutions)} temperatures, {min(temps):g}–{max(temps):g} K; Φ0 = {min(phi0):.3f}–{max(phi0):.3f} V"


#: Line styles of the temperatures of a sweep (up to four; more get lighter shades instead).
TEMPERATURE_STYLES = ("-", "--", ":", "-.")


def _temperature_styles(temperatures):
    """(line style, shade) per temperature: styles for up to four, else solid lines whose shade
    (0 = full colour, towards 0.7 = pale) falls with temperature."""
    n = len(temperatures)
    if n <= len(TEMPERATURE_STYLES):
        return [(TEMPERATURE_STYLES[k], 0.0) for k in range(n)]
    order = np.argsort(np.argsort(temperatures))
    return [("-", 0.7 * (1 - order[k] / (n - 1))) for k in range(n)]


def _shaded(colour, shade):
    from matplotlib import colors as mcolors
    rgb = np.array(mcolors.to_rgb(colour))
    return tuple(rgb + (1 - rgb) * shade)


def plot_profiles(path, solutions, *, boundaries=None):
    """Plot φ(x) and every defect's site fraction per plane to a PNG, over the solved domain.

    The bulk region is shaded, the boundaries inside the domain are dashed lines; each species
    has its own colour, each temperature of a sweep its own line style (more than four: its
    own shade, darker when hotter).

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
    dict
        What was drawn: ``xlim`` (Å), ``colour`` {species: colour}, ``boundaries`` (Å, those
        inside the domain), ``style`` {T: (line style, shade)}.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> path = os.path.join(tempfile.mkdtemp(), "profile.png")
    >>> drawn = plot_profiles(path, [solve(ceria_like_problem(), 773.15)], boundaries=[0.0])
    >>> drawn["colour"], os.path.getsize(path) > 10000
    ({'Vo': 'C0', 'Gd': 'C1'}, True)
    """
    from matplotlib.lines import Line2D
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(8, 6.5), constrained_layout=True)
    first = solutions[0]
    colour = {label: f"C{j}" for j, label in enumerate(first.defect_labels)}
    styles = _temperature_styles([s.temperature for s in solutions])
    for ax in (ax1, ax2):
        drawn = _mark(ax, solutions, boundaries)
    for sol, (ls, shade) in zip(solutions, styles):
        ax1.plot(sol.x, sol.phi, ls=ls, color=_shaded("k", shade), lw=1.2)
        fractions = sol.mole_fractions
        for j, label in enumerate(sol.defect_labels):
            hosts = sol.plane_hosts[:, j]
            ax2.semilogy(sol.x[hosts], fractions[label][hosts], ls=ls, color=_shaded(colour[label], shade),
                         marker=".", ms=3, lw=1.0)
    species = [Line2D([], [], color=colour[lab], marker=".", label=lab + ("" if first.mobile[j] else " (frozen)"))
               for j, lab in enumerate(first.defect_labels)]
    temps = [Line2D([], [], color=_shaded("k", shade), ls=ls, label=f"{s.temperature:g} K")
             for s, (ls, shade) in zip(solutions, styles)] if len(solutions) > 1 else []
    ax1.set_ylabel("φ (V)")
    ax2.set_ylabel("site fraction per plane")
    ax2.set_xlabel("x, distance along the boundary normal (Å)")
    ax2.set_xlim(first.x_min, first.x_max)
    ax1.set_title(_title(solutions))
    ax1.legend(handles=ax1.get_legend_handles_labels()[0] + temps, fontsize="small", loc="best")
    ax2.legend(handles=species, fontsize="small", loc="best")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return dict(xlim=(first.x_min, first.x_max), colour=colour, boundaries=[float(b) for b in drawn],
                style={s.temperature: st for s, st in zip(solutions, styles)})


def plot_transient(path, transient):
    """Profiles over time and the current of a transient (the summary's ``transient`` dict).

    Parameters
    ----------
    path : str or path-like
        PNG.
    transient : dict
        ``t`` (s), ``x`` (Å), ``phi`` (V, per time and plane), ``mole_fractions``,
        ``current`` and ``ionic_current`` (A/m²); optional ``step_t``, ``step_current`` and
        ``step_ionic_current``: the currents after every accepted step, drawn as the curve
        (the output times are marked on it).

    Returns
    -------
    int
        The number of points the current curve was drawn through.

    Examples
    --------
    >>> import os, tempfile
    >>> tr = dict(t=[1e-9, 1e-6], x=[0.0, 1.0, 2.0], phi=[[0, 0.1, 0], [0, 0.2, 0]], current=[1.0, 0.5],
    ...           ionic_current=[0.5, 0.5], mole_fractions={"Vo": [[0.05, 0.04, 0.05], [0.05, 0.03, 0.05]]})
    >>> path = os.path.join(tempfile.mkdtemp(), "transient.png")
    >>> plot_transient(path, tr), os.path.getsize(path) > 10000
    (2, True)
    >>> tr.update(step_t=[1e-10, 1e-9, 1e-7, 1e-6], step_current=[2.0, 1.0, 0.7, 0.5], step_ionic_current=[0.5] * 4)
    >>> plot_transient(path, tr)
    4
    >>> os.path.getsize(path) > 10000
    True
    """
    plt = pyplot()
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
    steps = transient.get("step_t") is not None and len(transient["step_t"]) > 0
    curve_t = np.asarray(transient["step_t"] if steps else t, float)
    for key, style, name in (("current", "-", "total |I|"), ("ionic_current", "--", "ionic |I|")):
        curve = np.abs(np.asarray(transient[f"step_{key}"] if steps else transient[key], float))
        line, = axes[2].loglog(curve_t, np.maximum(curve, 1e-300), style, lw=1.0,
                               label=name + (f", {curve_t.size} accepted steps" if steps else ""))
        axes[2].loglog(t, np.maximum(np.abs(transient[key]), 1e-300), "o", mfc="white", color=line.get_color(),
                       ms=5)
    axes[2].set_xlabel("t (s); circles: the output times")
    axes[2].set_ylabel("current density (A/m²)")
    axes[2].legend(fontsize="small")
    fig.colorbar(mappable, ax=axes[:2], label="t (s)")
    axes[0].set_title("transient: profiles at the output times")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return int(curve_t.size)


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
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5), constrained_layout=True)
    ax.plot(steady["voltage"], steady["current"], "o-")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel("V, upper end minus lower end (V)")
    ax.set_ylabel("I (A/m²)")
    ax.set_title(f"steady state, {steady.get('electrodes', '')} electrodes")
    fig.savefig(path, dpi=150)
    plt.close(fig)
