"""Dynamics from case files: the transport data of a case, and the ``[transient]``,
``[steady_state]`` and ``[impedance]`` runs with their summaries (times in s, currents in
A/m², potentials in V, frequencies in Hz, impedances in Ω·m²)."""

from __future__ import annotations

import numpy as np

from ..constants import EPSILON_0_SI
from ..dynamics.integrate import transient
from ..dynamics.kinetics import Kinetics, arrhenius
from ..dynamics.steady import iv_curve
from ..dynamics.system import PNPSystem

__all__ = ["kinetics_from_case", "run_dynamics", "run_impedance", "bulk_conductivities"]


def kinetics_from_case(case, temperature):
    """The :class:`Kinetics` of a validated case at ``temperature`` (K).

    Parameters
    ----------
    case : dict
        From :func:`~ase_spacecharge.cases.casefile.load_case`.
    temperature : float

    Returns
    -------
    Kinetics

    Examples
    --------
    >>> case = {"defects": [dict(label="Vo", diffusivity=None, diffusivity_prefactor=1e-7, migration_energy=0.6,
    ...                          heat_of_transport=None)], "carriers": [], "onsager": None}
    >>> round(kinetics_from_case(case, 773.15).diffusivity["Vo"] * 1e11, 4)
    1.2272

    ``conductivity`` (S/m) instead: the bulk value at the case temperature, or with
    ``migration_energy`` the prefactor ``σ0`` of ``σ = σ0 exp(-E_m/kT)``:

    >>> case["defects"][0].update(diffusivity_prefactor=None, conductivity=100.0)
    >>> round(kinetics_from_case(case, 773.15).conductivity["Vo"], 5)
    0.01227
    """
    D, sigma, heats = {}, {}, {}
    for d in case.get("defects", []):
        if d["diffusivity"] is not None:
            D[d["label"]] = d["diffusivity"]
        elif d["diffusivity_prefactor"] is not None:
            D[d["label"]] = arrhenius(d["diffusivity_prefactor"], d["migration_energy"], temperature)
        elif d.get("conductivity") is not None:
            energy = d.get("migration_energy")
            sigma[d["label"]] = d["conductivity"] if energy is None else arrhenius(d["conductivity"], energy,
                                                                                    temperature)
        if d["heat_of_transport"] is not None:
            heats[d["label"]] = d["heat_of_transport"]
    mobility = {}
    for c in case.get("carriers", []):
        table = c if isinstance(c, dict) else {}
        if table.get("diffusivity") is not None:
            D[table["label"]] = table["diffusivity"]
        if table.get("drift_mobility") is not None:
            mobility[table["label"]] = table["drift_mobility"]
        if table.get("conductivity") is not None:
            sigma[table["label"]] = table["conductivity"]
    correlation = (case.get("onsager") or {}).get("correlations", {})
    return Kinetics(D, mobility, correlation, heats, sigma)


def _profiles(system, states):
    """φ (V) and, per species, its site fraction per plane (site species; NaN off its planes) or
    its density (Å⁻³, carriers) at each state; and the entropy production (W/(K m²))."""
    from ..dynamics.equations import entropy_production, evaluate
    p = system.problem
    hosted = np.zeros((system.n, system.n_sites))
    np.add.at(hosted, p.active.plane, p.active.weight[:, None] * np.isfinite(p.active.log_x))
    phi = [system.unpack(y)[0].tolist() for y in states]
    amounts, production = {label: [] for label in system.labels}, []
    for y in states:
        ev = evaluate(system, y, 0.0)
        production.append(entropy_production(system, ev))
        N = ev.N
        for k, label in enumerate(system.labels):
            if k < system.n_sites:
                values = np.divide(N[:, k], hosted[:, k], out=np.full(system.n, np.nan), where=hosted[:, k] > 0)
            else:
                values = N[:, k] / (p.grid.dx * p.grid.area)
            amounts[label].append(values.tolist())
    return phi, amounts, production


def run_dynamics(case, problem, solution, carriers_tables=(), progress=None):
    """The ``[transient]`` and ``[steady_state]`` of a case about its equilibrium ``solution``.

    Parameters
    ----------
    case : dict
        Validated case (``transient``, ``steady_state``, ``onsager``, the species' transport data).
    problem : Problem
    solution : SpaceChargeSolution
        The equilibrium of ``problem`` at the case temperature.
    carriers_tables : sequence of dict
        The case's carrier tables (their diffusivities).
    progress : callable, optional
        ``progress(t, t_end)`` during a transient.

    Returns
    -------
    summary : dict
        ``transient`` {``t`` (s), ``current``, ``ionic_current`` (A/m²), ``voltage`` (V), ``phi``
        (V, per output time and plane), ``mole_fractions`` {label: per time and plane},
        ``steps``, ``rejected``, ``newton_iterations``, ``step_t`` (s), ``step_current`` and
        ``step_ionic_current`` (A/m², after every accepted step)} and ``steady_state``
        {``voltage`` (V), ``current`` (A/m²), ``resistance`` (Ω·m²), ``residual`` (the largest
        scaled residual of any equation), ``current_spread`` and ``current_spread_roundoff``
        (relative: the spread of the face currents, and what round-off allows)}, as given; both
        with ``entropy_production`` (W/(K m²)); and ``bulk_conductivity`` (:func:`bulk_conductivities`).
    runs : dict
        The :class:`~.integrate.Transient` and :class:`~.steady.SteadyState` objects.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
    >>> case = {"defects": [dict(label="Vo", diffusivity=1e-11, diffusivity_prefactor=None, migration_energy=None,
    ...                          heat_of_transport=None)], "carriers": [], "onsager": None, "transient": None,
    ...         "steady_state": dict(electrodes="reversible", voltages=[0.001, 0.002])}
    >>> summary, runs = run_dynamics(case, p, solve(p, 773.15))
    >>> len(summary["steady_state"]["current"]), sorted(summary["bulk_conductivity"])
    (2, ['Vo', 'total'])
    """
    T = solution.temperature
    kinetics = kinetics_from_case(dict(case, carriers=list(carriers_tables)), T)
    summary, runs = {}, {}
    if case.get("transient"):
        tr = case["transient"]
        system = PNPSystem(problem, kinetics, temperature=T, electrodes=tr["electrodes"], voltage=tr["voltage"],
                           equilibrium=solution)
        start = system.uniform_state() if tr["start"] == "uniform" else None
        run = transient(system, tr["times"], start=start, rtol=tr["rtol"], progress=progress)
        phi, fractions, production = _profiles(system, run.states)
        summary["transient"] = dict(t=run.t.tolist(), current=run.current.tolist(),
                                    ionic_current=run.ionic_current.tolist(), voltage=run.voltage.tolist(), phi=phi,
                                    mole_fractions=fractions, x=problem.grid.x.tolist(), steps=run.steps,
                                    entropy_production=production,
                                    rejected=run.rejected, newton_iterations=run.newton_iterations,
                                    step_t=run.step_t.tolist(), step_current=run.step_current.tolist(),
                                    step_ionic_current=run.step_ionic_current.tolist())
        runs["transient"] = run
    if case.get("steady_state"):
        ss = case["steady_state"]
        system = PNPSystem(problem, kinetics, temperature=T, electrodes=ss["electrodes"], equilibrium=solution)
        iv = iv_curve(system, ss["voltages"])
        production = [_profiles(system.with_voltage(v), [y])[2][0] for v, y in zip(iv.voltage, iv.states)]
        summary["steady_state"] = dict(voltage=iv.voltage.tolist(), current=iv.current.tolist(),
                                       resistance=iv.resistance.tolist(), electrodes=ss["electrodes"],
                                       entropy_production=production, residual=iv.residual.tolist(),
                                       current_spread=iv.current_spread.tolist(),
                                       current_spread_roundoff=iv.current_spread_roundoff.tolist())
        runs["steady_state"] = iv
    if runs:
        summary["bulk_conductivity"] = bulk_conductivities(system)
    return summary, runs


def bulk_conductivities(system):
    """The bulk conductivity (S/m) of each moving species and their total, as the flux law
    conducts (:meth:`~ase_spacecharge.dynamics.system.PNPSystem.bulk_conductivity`:
    ``z² e² D c (1 - x)/kT`` on Fermi–Dirac sites, ``z² e² D c/kT`` on Boltzmann ones).

    Parameters
    ----------
    system : PNPSystem

    Returns
    -------
    dict
        Label -> S/m, and ``"total"``.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> {k: round(v, 4) for k, v in bulk_conductivities(ceria_like_system()).items()}
    {'Vo': 0.0499, 'total': 0.0499}
    """
    sigma = system.bulk_conductivity()
    return dict({label: float(s) for label, s in zip(system.labels, sigma)}, total=float(sigma.sum()))


def run_impedance(case, problem, solution, carriers_tables=()):
    """The ``[impedance]`` of a case about its equilibrium ``solution``, read as an
    experimentalist would.

    Parameters
    ----------
    case : dict
        Validated case (``impedance`` {``frequencies`` Hz, ``electrodes``, ``grain_size`` m}
        and the species' transport data).
    problem : Problem
        Dirichlet ends; species that do not move on the measurement's time scale are frozen
        in it (Mott–Schottky or restricted equilibrium).
    solution : SpaceChargeSolution
    carriers_tables : sequence of dict

    Returns
    -------
    summary : dict
        ``frequency`` (Hz), ``z_real``, ``z_imag`` (Ω·m²), ``electrodes`` and, when the
        spectrum shows two arcs, ``bulk_resistance``, ``gb_resistance`` (Ω·m²),
        ``bulk_capacitance``, ``gb_capacitance`` (F/m²), ``bulk_apex_frequency``,
        ``gb_apex_frequency`` (Hz), ``r_gb`` and ``phi0_mott_schottky`` (V, None below e/2);
        otherwise these are None and ``arcs`` says why.  With ``grain_size``: ``polycrystal``
        {``grain_size`` (m), ``z_real``, ``z_imag`` (Ω·m)} by the brick-layer model.  And
        ``bulk_conductivity`` (:func:`bulk_conductivities`; the case summary keeps it beside
        the runs, one per temperature).
    spectrum : Spectrum

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
    >>> case = {"defects": [dict(label="Vo", diffusivity=1e-11, diffusivity_prefactor=None, migration_energy=None,
    ...                          heat_of_transport=None)], "carriers": [], "onsager": None,
    ...         "impedance": dict(frequencies=[1e3, 1e6, 1e9], electrodes="reversible", grain_size=None)}
    >>> summary, spectrum = run_impedance(case, p, solve(p, 773.15))
    >>> len(summary["z_real"]), spectrum.temperature
    (3, 773.15)
    """
    from ..errors import InputError
    from ..dynamics.impedance import impedance
    from ..dynamics.spectra import arcs, brick_layer
    imp = case["impedance"]
    T = solution.temperature
    kinetics = kinetics_from_case(dict(case, carriers=list(carriers_tables)), T)
    system = PNPSystem(problem, kinetics, temperature=T, electrodes=imp["electrodes"], equilibrium=solution)
    spectrum = impedance(system, imp["frequencies"])
    summary = dict(frequency=spectrum.frequency.tolist(), z_real=spectrum.z_real.tolist(),
                   z_imag=spectrum.z_imag.tolist(), electrodes=imp["electrodes"],
                   bulk_conductivity=bulk_conductivities(system))
    keys = ("bulk_resistance", "gb_resistance", "bulk_capacitance", "gb_capacitance", "bulk_apex_frequency",
            "gb_apex_frequency", "r_gb", "phi0_mott_schottky")
    moving = [k for k, label in enumerate(system.labels) if kinetics.diffusivity.get(label, 0.0) > 0]
    z_ion = float(system.valence[moving[0]]) if moving else 1.0  # for the Mott–Schottky inversion
    try:
        found = arcs(spectrum, valence=abs(z_ion))
        summary.update({k: getattr(found, k) for k in keys})
    except InputError as exc:
        summary.update(dict.fromkeys(keys), arcs=str(exc))
        found = None
    if imp.get("grain_size") and found is not None:
        g = problem.grid
        length = (g.x_max - g.x_min) * 1e-10
        eps = float(g.eps_lower[0]) * EPSILON_0_SI  # F/m
        z = brick_layer(spectrum, length=length, grain_size=imp["grain_size"],
                        bulk_conductivity=length / found.bulk_resistance, permittivity=eps)
        summary["polycrystal"] = dict(grain_size=imp["grain_size"], z_real=z.real.tolist(), z_imag=z.imag.tolist())
    return summary, spectrum
