"""The interactive viewer: one self-contained HTML file (plotly, its JavaScript embedded, so it
opens without a network) with the annotated atoms in 3D beside their profile.

* The atoms are drawn at their species' radii (:func:`~.style.species_radii`), coloured by any
  numeric ``sc_`` array, chosen from a menu: site fractions and densities on a log scale, φ,
  ΔE and other signed arrays on a diverging scale centred at 0 (:func:`~.style.colour_scale`);
  atoms an array does not apply to are grey ("Ce: cannot host Vo" in their hover text).
* Hovering an atom shows its index, species, x, φ, site fractions and ΔE; the boundary planes
  are drawn in the cell.
* Beside it, φ and the site fractions against x (one point per atom, and the solution's plane
  profile when given); hovering or clicking an atom on either side marks it on the other.

plotly is imported here only (pymatgen installs it).
"""

from __future__ import annotations

import json

import numpy as np

from ..errors import InputError
from .style import as_atoms, colour_scale, describe_array, result_arrays, species_radii, unhosted_reason

__all__ = ["view", "boundary_planes"]


def boundary_planes(atoms, projection=None):
    """The boundary planes of an annotated cell: the lattice vector normal to them and their
    fractional positions along it.

    Parameters
    ----------
    atoms : ase.Atoms
        Annotated (its ``info`` has ``sc_axis`` and ``sc_boundaries``), or any cell with
        ``projection`` given.
    projection : Projection, optional
        Takes precedence over ``info``.

    Returns
    -------
    axis : int or None
    boundaries : ndarray
        Fractional positions (empty when neither source says).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> axis, b = boundary_planes(out)
    >>> axis, b.tolist()
    (2, [0.5])
    """
    if projection is not None:
        return int(projection.axis), np.asarray(projection.boundaries, float)
    axis = atoms.info.get("sc_axis")
    if axis is None:
        return None, np.zeros(0)
    return int(axis), np.atleast_1d(np.asarray(atoms.info.get("sc_boundaries", []), float))


def _hover(atoms, arrays):
    """customdata (index, then one column per shown quantity) and the hover template."""
    columns = [k for k in arrays if k == "sc_x" or k == "sc_phi" or k.startswith(("sc_occ_", "sc_dE_", "sc_n_"))]
    data = np.column_stack([np.arange(len(atoms))] + [arrays[k] for k in columns])
    lines = ["atom %{customdata[0]}: %{text}"]
    for j, key in enumerate(columns, start=1):
        symbol, unit, _ = describe_array(key)
        fmt = ":.3e" if key.startswith(("sc_occ_", "sc_n_")) else ":.4f"
        lines.append(f"{symbol} = %{{customdata[{j}]{fmt}}} {unit}".rstrip())
    return data, "<br>".join(lines) + "<br>%{meta}<extra></extra>"


def _colour_traces(go, atoms, key, values, customdata, template, size, visible):
    """The coloured and the grey scatter3d traces of one colouring array."""
    scale = colour_scale(key, values)
    symbols = np.asarray(atoms.get_chemical_symbols())
    why = unhosted_reason(key, symbols, values)
    ok = np.isfinite(values) & ((values > 0) if scale.kind == "log" else True)
    shown = np.log10(np.where(ok, values, 1.0)) if scale.kind == "log" else values
    lo, hi = (np.log10(scale.vmin), np.log10(scale.vmax)) if scale.kind == "log" else (scale.vmin, scale.vmax)
    bar = dict(title=dict(text=scale.label + (" (log₁₀)" if scale.kind == "log" else ""), side="right"), x=0.525,
               xanchor="left", len=0.85, thickness=14)
    if scale.kind == "log":
        ticks = np.arange(np.floor(lo), np.ceil(hi) + 1, max(1, int((hi - lo) // 8) or 1))
        bar.update(tickvals=ticks.tolist(), ticktext=[f"1e{int(t)}" for t in ticks])
    pos = atoms.positions
    marker = dict(size=size[ok], color=shown[ok], colorscale=scale.cmap, cmin=lo, cmax=hi, colorbar=bar, opacity=1.0,
                  line=dict(width=0.5, color="black"))
    if scale.kind == "centred":
        marker["cmid"] = 0.0
    coloured = go.Scatter3d(x=pos[ok, 0], y=pos[ok, 1], z=pos[ok, 2], mode="markers", marker=marker, name=key,
                            text=symbols[ok], customdata=customdata[ok], hovertemplate=template,
                            meta=f"coloured by {key}", visible=visible, showlegend=False)
    grey = go.Scatter3d(x=pos[~ok, 0], y=pos[~ok, 1], z=pos[~ok, 2], mode="markers", name=f"{key}: no value",
                        marker=dict(size=size[~ok], color="lightgrey", line=dict(width=0.5, color="grey")),
                        text=[f"{s} ({w})" for s, w in zip(symbols[~ok], why[~ok])], customdata=customdata[~ok],
                        hovertemplate=template, meta="", visible=visible, showlegend=False)
    return [coloured, grey]


def _cell_traces(go, atoms, axis, boundaries):
    """The cell's edges and a translucent plane at each boundary."""
    cell = np.asarray(atoms.cell, float)
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], float) @ cell
    edges = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]
    xyz = np.concatenate([np.vstack([corners[a], corners[b], [np.nan] * 3]) for a, b in edges])
    out = [go.Scatter3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="lines", line=dict(color="black", width=2),
                        hoverinfo="skip", name="cell", showlegend=False)]
    if axis is None:
        return out
    i, j = [k for k in range(3) if k != axis]
    for n, b in enumerate(boundaries):
        o = b * cell[axis]
        v = np.array([o, o + cell[i], o + cell[i] + cell[j], o + cell[j]])
        out.append(go.Mesh3d(x=v[:, 0], y=v[:, 1], z=v[:, 2], i=[0, 0], j=[1, 2], k=[2, 3], color="grey",
                             opacity=0.25, hoverinfo="name", name=f"boundary {n} (fractional {b:.3f})",
                             showlegend=n == 0))
    return out


def _profile_traces(go, atoms, arrays, solution):
    """φ and the site fractions against x: one point per atom (by species), and the plane profile."""
    symbols = np.asarray(atoms.get_chemical_symbols())
    x = arrays.get("sc_x")
    out = []
    if x is None:
        return out
    for n, s in enumerate(dict.fromkeys(symbols)):
        on = (symbols == s) & np.isfinite(arrays.get("sc_phi", np.full(len(x), np.nan)))
        out.append((1, go.Scatter(x=x[on], y=arrays["sc_phi"][on], mode="markers", name=f"φ on {s}",
                                  marker=dict(size=5, symbol=["circle", "square", "diamond"][n % 3]),
                                  customdata=np.flatnonzero(on), hovertemplate="atom %{customdata}: x = %{x:.3f} Å, "
                                  "φ = %{y:.4f} V<extra></extra>")))
    for key in [k for k in arrays if k.startswith("sc_occ_")]:
        v = arrays[key]
        on = np.isfinite(v) & (v > 0)
        out.append((2, go.Scatter(x=x[on], y=v[on], mode="markers", name=describe_array(key)[0], marker=dict(size=5),
                                  customdata=np.flatnonzero(on), hovertemplate="atom %{customdata}: x = %{x:.3f} Å, "
                                  f"{describe_array(key)[0]} = %{{y:.3e}}<extra></extra>")))
    if solution is not None:
        out.append((1, go.Scatter(x=solution.x, y=solution.phi, mode="lines", name="φ per plane",
                                  line=dict(color="black", width=1))))
        for label, values in solution.mole_fractions.items():
            ok = np.isfinite(values)
            out.append((2, go.Scatter(x=solution.x[ok], y=values[ok], mode="lines", name=f"x({label}) per plane",
                                      line=dict(width=1))))
    return out


_LINK_JS = """(function () {
  var gd = document.getElementById('{plot_id}');
  var A = __ATOMS__;
  var last = -1;
  function mark(i) {
    if (i === undefined || i === null || i === last) { return; }
    last = i;
    Plotly.restyle(gd, {x: [[A.pos[i][0]]], y: [[A.pos[i][1]]], z: [[A.pos[i][2]]]}, [A.h3]);
    Plotly.restyle(gd, {x: [[A.x[i]]], y: [[A.phi[i]]]}, [A.hphi]);
    Plotly.restyle(gd, {x: [[A.x[i]]], y: [[A.frac[i]]]}, [A.hfrac]);
  }
  function index(p) { var c = p.customdata; return Array.isArray(c) ? c[0] : c; }
  gd.on('plotly_hover', function (ev) { mark(index(ev.points[0])); });
  gd.on('plotly_click', function (ev) { mark(index(ev.points[0])); });
})();"""


def _link_payload(atoms, arrays, first_highlight):
    """What the page's script needs to mark an atom on both sides."""
    n = len(atoms)
    occ = [arrays[k] for k in arrays if k.startswith("sc_occ_")]
    frac = [next((float(v[i]) for v in occ if np.isfinite(v[i])), None) for i in range(n)]
    clean = lambda a: [None if not np.isfinite(v) else float(v) for v in a]  # noqa: E731
    return json.dumps(dict(pos=np.round(atoms.positions, 4).tolist(), x=clean(arrays.get("sc_x", np.full(n, np.nan))),
                           phi=clean(arrays.get("sc_phi", np.full(n, np.nan))), frac=frac, h3=first_highlight,
                           hphi=first_highlight + 1, hfrac=first_highlight + 2))


def _menu(keys, n_colour, n_rest, default):
    """One button per colouring array: its two traces visible, the other arrays' hidden."""
    buttons = []
    for k, key in enumerate(keys):
        visible = [j // 2 == k for j in range(n_colour)] + [True] * n_rest
        buttons.append(dict(label=key, method="restyle", args=[{"visible": visible}]))
    return [dict(buttons=buttons, active=keys.index(default), x=0.0, y=1.08, xanchor="left", yanchor="top",
                 direction="down", showactive=True)]


def view(atoms, path, *, projection=None, solution=None, color_by=None):
    """Write the interactive viewer of an annotated structure: one self-contained HTML file.

    Parameters
    ----------
    atoms : ase.Atoms or pymatgen Structure
        Annotated (:func:`~ase_spacecharge.structure.annotate`): its numeric ``sc_`` arrays are
        the colouring menu; all other arrays are left alone.
    path : str or path-like
        The HTML file (about 5 MB: plotly's JavaScript is embedded, so no network is needed).
    projection : Projection, optional
        Where the boundaries are (default: ``info["sc_axis"]`` and ``info["sc_boundaries"]``).
    solution : SpaceChargeSolution, optional
        Adds its plane profiles (lines) beside the per-atom points.
    color_by : str, optional
        The array shown first (default ``sc_phi``).

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    InputError
        When the atoms carry no ``sc_`` array, or ``color_by`` is not one of them.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> path = view(out, os.path.join(tempfile.mkdtemp(), "cell.html"), solution=sol)
    >>> html = open(path).read()
    >>> "sc_occ_Vo" in html and "plotly" in html and "https://cdn" not in html[:2000]
    True
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    atoms = as_atoms(atoms)
    arrays = result_arrays(atoms)
    if not arrays:
        raise InputError("view: the atoms carry no sc_ array; annotate them first (ase_spacecharge.structure.annotate)")
    default = color_by or ("sc_phi" if "sc_phi" in arrays else next(iter(arrays)))
    if default not in arrays:
        raise InputError(f"view: color_by {default!r} is not a numeric sc_ array of the atoms; choose one of "
                         f"{sorted(arrays)}")
    keys = [k for k in arrays if k != "sc_plane"] + (["sc_plane"] if "sc_plane" in arrays else [])
    customdata, template = _hover(atoms, arrays)
    radii = species_radii(atoms.get_chemical_symbols())
    size = 4.0 + 16.0 * radii / radii.max()
    colour = [t for key in keys for t in _colour_traces(go, atoms, key, arrays[key], customdata, template, size,
                                                          key == default)]
    fig = make_subplots(rows=2, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.1, vertical_spacing=0.1,
                        specs=[[{"type": "scene", "rowspan": 2}, {"type": "xy"}], [None, {"type": "xy"}]],
                        subplot_titles=("", "φ against x", "site fractions against x"))
    for trace in colour + _cell_traces(go, atoms, *boundary_planes(atoms, projection)):
        fig.add_trace(trace, row=1, col=1)
    for row, trace in _profile_traces(go, atoms, arrays, solution):
        fig.add_trace(trace, row=row, col=2)
    first_highlight = len(fig.data)
    ring = dict(symbol="circle-open", size=16, color="black", line=dict(width=3))
    fig.add_trace(go.Scatter3d(x=[None], y=[None], z=[None], mode="markers", marker=dict(symbol="circle-open",
                               size=22, color="black"), hoverinfo="skip", showlegend=False), row=1, col=1)
    for row in (1, 2):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", marker=ring, hoverinfo="skip", showlegend=False),
                      row=row, col=2)
    _layout(fig, atoms, keys, len(colour), len(fig.data) - len(colour), default, boundary_planes(atoms, projection)[0])
    fig.write_html(str(path), include_plotlyjs=True, full_html=True, config={"displaylogo": False},
                   post_script=_LINK_JS.replace("__ATOMS__", _link_payload(atoms, arrays, first_highlight)))
    return str(path)


def _camera(atoms, axis):
    """Look along the in-plane lattice vector, a little from above and from the side so that the
    boundary planes show; the boundary normal across the picture."""
    if axis is None:
        return {}
    cell = np.asarray(atoms.cell, float)
    i, j = [k for k in range(3) if k != axis]
    view = cell[j] / np.linalg.norm(cell[j])
    normal = np.cross(cell[i], cell[j])
    up = np.cross(normal, view)
    up /= np.linalg.norm(up)
    eye = 3.4 * view + 0.8 * up + 0.6 * normal / np.linalg.norm(normal)
    return dict(eye=dict(zip("xyz", eye.tolist())), up=dict(zip("xyz", up.tolist())))


def _layout(fig, atoms, keys, n_colour, n_rest, default, axis):
    info = atoms.info
    title = f"{atoms.get_chemical_formula()}: {len(atoms)} atoms"
    if "sc_temperature" in info:
        title += f", T = {info['sc_temperature']:g} K"
    if "sc_phi0" in info:
        title += f", Φ0 = {info['sc_phi0']:.3f} V"
    fig.update_layout(title=dict(text=title, x=0.12, y=0.985, xanchor="left"), height=860, autosize=True,
                      updatemenus=_menu(keys, n_colour, n_rest, default),
                      scene=dict(aspectmode="data", xaxis_title="x (Å)", yaxis_title="y (Å)", zaxis_title="z (Å)",
                                 camera=_camera(atoms, axis)),
                      legend=dict(x=1.0, y=1.0), margin=dict(l=10, r=10, t=80, b=40))
    fig.update_xaxes(title_text="x, distance from the boundary (Å)", row=2, col=2)
    fig.update_xaxes(matches="x2", row=1, col=2)
    fig.update_yaxes(title_text="φ (V)", row=1, col=2)
    fig.update_yaxes(title_text="site fraction", type="log", exponentformat="power", row=2, col=2)
    fig.add_annotation(text="colour by: the menu; hover or click an atom to mark it on both sides; grey: no value",
                       x=0.0, y=-0.045, xref="paper", yref="paper", showarrow=False, xanchor="left",
                       font=dict(size=12))
