"""What a solve reports: summaries (dicts, text); files are written by :mod:`.cases.output`.

Summaries are plain dicts with numbers in the package's units (Å, V, K, eV; ``rho`` in
C/m³); the CLI writes them as JSON.
"""

from __future__ import annotations


import numpy as np

from .errors import InputError
from . import analytic, transport

__all__ = ["summarise", "layered_summary", "format_summary"]


def _has_conductor(solution, species):
    return species is not None or bool(np.any(solution.mobility > 0))


def summarise(solution, *, scr_limit=0.02, species=None, profile=True):
    """The summary of a site (or structure) solution.

    Parameters
    ----------
    solution : SpaceChargeSolution
    scr_limit : float
        V, for the resistivity ratios.
    species : str, optional
        Conducting species (default: the first with mobility > 0).
    profile : bool
        Include the per-plane profile.

    Returns
    -------
    dict
        ``temperature`` (K), ``phi0`` (V), ``r_perp``, ``r_par``, ``phi0_mott_schottky`` (V,
        None where the ratio admits no inversion), ``debye_length`` (Å),
        ``space_charge_width`` (Å), ``iterations``, ``residual``; ``perp_excess``,
        ``par_excess`` (Å, default mode); ``screening_length`` and ``thermodynamic_factors``
        with Fermi–Dirac statistics; ``carriers`` with band carriers; ``profile`` {``x`` (Å),
        ``phi`` (V), ``rho`` (C/m³), ``mole_fractions`` {label: per plane, NaN where a plane
        cannot host}}.  Without a conducting species (every mobility zero) the ratios are None.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> s = summarise(solve(ceria_like_problem(), 773.15), profile=False)
    >>> round(s["phi0"], 4), s["r_perp"] > 1, sorted(s)[:4]
    (0.1076, True, ['debye_length', 'iterations', 'par_excess', 'perp_excess'])
    """
    out = dict(temperature=float(solution.temperature), phi0=solution.phi0, r_perp=None, r_par=None,
               phi0_mott_schottky=None, debye_length=solution.debye_length(), space_charge_width=None,
               iterations=int(solution.iterations), residual=float(solution.residual))
    if _has_conductor(solution, species):
        d = transport.conducting_species(solution, species)
        z = float(solution.valence[d])
        res = solution.resistivity(scr_limit=scr_limit, species=species)
        out.update(r_perp=res["r_perp"], r_par=res["r_par"])
        try:
            out["phi0_mott_schottky"] = analytic.mott_schottky_potential(res["r_perp"], z, solution.temperature)
        except InputError:
            pass
        out["space_charge_width"] = analytic.space_charge_width(out["debye_length"], solution.phi0, z,
                                                                 solution.temperature)
        out.update({k: res[k] for k in ("perp_excess", "par_excess") if k in res})
    if solution.thermodynamic_factor.size:
        out["screening_length"] = solution.screening_length()
        out["thermodynamic_factors"] = {solution.defect_labels[j]: float(solution.thermodynamic_factor[j])
                                        for j in np.flatnonzero(solution.mobile)}
    if solution.carrier_labels:
        out["carriers"] = {lab: dict(bulk_density=float(solution.carrier_density[k][-1]),
                                     edge_shift=float(solution.carrier_edge[k][0] - solution.carrier_edge[k][-1]))
                           for k, lab in enumerate(solution.carrier_labels)}
    if profile:
        out["profile"] = dict(x=solution.x.tolist(), phi=solution.phi.tolist(), rho=solution.rho.tolist(),
                              mole_fractions={k: v.tolist() for k, v in solution.mole_fractions.items()})
    return out


def layered_summary(problem, solution):
    """Summary of a layered solution.

    Parameters
    ----------
    problem : Problem
        Built by :func:`~.layered.layered_problem`.
    solution : SpaceChargeSolution

    Returns
    -------
    dict
        ``ends`` (V), ``interface_potentials`` (V), ``carriers`` {label: ``edge_shift`` (eV,
        first plane minus last)}, ``layer_charges`` (e/Å², each layer's carriers and frozen
        background; with the sheet charges they sum to zero), and the ``profile``.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.layered import layered_problem
    >>> from ase_spacecharge.materials import Carrier, Material
    >>> problem = layered_problem([(Material("A", 10.0), 50.0), (Material("B", 20.0, offsets={"p": -0.1}), 50.0)],
    ...                           [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)], temperature=500.0, spacing=0.5)
    >>> s = layered_summary(problem, solve(problem, 500.0))
    >>> len(s["interface_potentials"]), len(s["layer_charges"]), sorted(s["carriers"])
    (1, 2, ['m', 'p'])
    """
    from .layered import interface_potential, layer_charges
    labels = solution.carrier_labels
    return dict(
        temperature=float(solution.temperature), iterations=int(solution.iterations),
        residual=float(solution.residual), ends=list(problem.dirichlet),
        interface_potentials=[interface_potential(solution, problem, i)
                              for i in range(len(problem.stack.labels) - 1)],
        layer_charges=layer_charges(solution, problem),
        carriers={lab: dict(edge_shift=float(solution.carrier_edge[k][0] - solution.carrier_edge[k][-1]))
                  for k, lab in enumerate(labels)},
        profile=dict(x=solution.x.tolist(), phi=solution.phi.tolist(), rho=solution.rho.tolist(),
                     carrier_density={lab: solution.carrier_density[k].tolist() for k, lab in enumerate(labels)},
                     band_edge={lab: solution.carrier_edge[k].tolist() for k, lab in enumerate(labels)}))


def _num(value, fmt):
    return format(float("nan") if value is None or (isinstance(value, float) and value != value) else value, fmt)


def _format_layered(rows):
    lines = [f"{'T (K)':>8} {'ends (V)':>24} {'interface potentials (V)':>30} {'iter':>5}"]
    for r in rows:
        ends = ", ".join(f"{v:.8f}" for v in r["ends"])
        faces = ", ".join(f"{v:.8f}" for v in r["interface_potentials"]) or "-"
        lines.append(f"{r['temperature']:8.2f} {ends:>24} {faces:>30} {r['iterations']:5d}")
        for lab, c in r["carriers"].items():
            lines.append(f"{'':8} {lab}: band edge shift {c['edge_shift']:+.6f} eV (first plane - last)")
    return "\n".join(lines)


def _format_dynamics(rows):
    """Lines for the transient and steady-state parts of the summaries."""
    lines = []
    for r in rows:
        if "transient" in r:
            tr = r["transient"]
            lines.append(f"transient at {r['temperature']:g} K ({tr['steps']} steps, {tr['newton_iterations']} Newton "
                         f"iterations):")
            lines.append(f"{'t (s)':>12} {'V (V)':>10} {'I (A/m²)':>14} {'I_ion (A/m²)':>14}")
            lines += [f"{t:12.4g} {v:10.4g} {i:14.6g} {ii:14.6g}"
                      for t, v, i, ii in zip(tr["t"], tr["voltage"], tr["current"], tr["ionic_current"])]
        if "steady_state" in r:
            ss = r["steady_state"]
            lines.append(f"steady state at {r['temperature']:g} K, {ss['electrodes']} electrodes:")
            lines.append(f"{'V (V)':>10} {'I (A/m²)':>14} {'R (Ω m²)':>14}")
            lines += [f"{v:10.4g} {i:14.6g} {_num(res, '14.6g')}"
                      for v, i, res in zip(ss["voltage"], ss["current"], ss["resistance"])]
    return lines + _format_impedance(rows)


def _format_impedance(rows):
    """Lines for the impedance arcs of the summaries (one row per temperature)."""
    rows = [r for r in rows if "impedance" in r]
    if not rows:
        return []
    imp = rows[0]["impedance"]
    lines = [f"impedance ({imp['electrodes']} electrodes, {len(imp['frequency'])} frequencies "
             f"{min(imp['frequency']):.3g}–{max(imp['frequency']):.3g} Hz): arcs fitted as two RC elements",
             f"{'T (K)':>8} {'R_b (Ω m²)':>12} {'C_b (F/m²)':>12} {'R_gb (Ω m²)':>12} {'C_gb (F/m²)':>12} "
             f"{'f_gb (Hz)':>10} {'r_gb':>10} {'phi0_MS (V)':>12} {'phi0 (V)':>10}"]
    for r in rows:
        z = r["impedance"]
        if z.get("r_gb") is None:
            lines.append(f"{r['temperature']:8.2f}  {z.get('arcs', 'no arcs')}")
            continue
        lines.append(f"{r['temperature']:8.2f} {z['bulk_resistance']:12.4g} {z['bulk_capacitance']:12.4g} "
                     f"{z['gb_resistance']:12.4g} {z['gb_capacitance']:12.4g} {z['gb_apex_frequency']:10.4g} "
                     f"{z['r_gb']:10.4g} {_num(z['phi0_mott_schottky'], '12.6f')} {r['phi0']:10.6f}")
    return lines


def format_summary(summary):
    """A summary (one temperature, or ``{"results": [...]}``) as the text table the CLI prints.

    Parameters
    ----------
    summary : dict

    Returns
    -------
    str

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> print(format_summary(summarise(solve(ceria_like_problem(), 773.15))).splitlines()[0].split()[:4])
    ['T', '(K)', 'phi0', '(V)']
    """
    rows = summary.get("results", [summary])
    if "interface_potentials" in rows[0]:
        return "\n".join([_format_layered(rows)] + _format_dynamics(rows))
    lines = [f"{'T (K)':>8} {'phi0 (V)':>12} {'r_perp':>12} {'r_par':>12} {'phi0_MS (V)':>12} "
             f"{'L_D (Å)':>9} {'width (Å)':>10} {'iter':>5}"]
    for r in rows:
        lines.append(f"{r['temperature']:8.2f} {r['phi0']:12.8f} {_num(r['r_perp'], '12.6g')} "
                     f"{_num(r['r_par'], '12.6g')} {_num(r['phi0_mott_schottky'], '12.6f')} "
                     f"{r['debye_length']:9.4f} {_num(r['space_charge_width'], '10.4f')} {r['iterations']:5d}")
    if "activation_energy_perp" in summary:
        lines.append(f"activation energy: perpendicular {summary['activation_energy_perp']:.4f} eV, "
                     f"parallel {summary['activation_energy_par']:.4f} eV")
    tail = []
    if "activation_energy_bulk" in summary:
        tail.append(f"activation energies from the spectra (ln σT against 1/kT): bulk "
                    f"{summary['activation_energy_bulk']:.4f} eV, grain boundary {summary['activation_energy_gb']:.4f} eV")
    return "\n".join(lines + _format_dynamics(rows) + tail)

