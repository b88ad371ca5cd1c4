"""Running case files: build the problem a validated case describes (:mod:`ase_spacecharge.cases.casefile`),
solve every temperature, summarise, write back onto the structure."""

from __future__ import annotations

from dataclasses import dataclass, field

from .casefile import load_case
from ..errors import InputError

__all__ = ["run_case", "CaseResult", "structure_options"]


def problem_from_case(case):
    """Build the :class:`~ase_spacecharge.equilibrium.problem.Problem` of a site-file case."""
    from ..model import build_problem
    from ..sites import DefectSpecies, read_pyscses_sites
    sites = read_pyscses_sites(case["sites"])
    defects = [DefectSpecies.from_dict(d) for d in case["defects"]]
    return build_problem(sites, defects, x_min=case["x_min"], x_max=case["x_max"], area=case["area"],
                         permittivity=case["permittivity"], bulk=tuple(case["bulk"]),
                         approximation=case["approximation"], model=case["model"],
                         boundary=case["boundary"], site_charges=case["site_charges"],
                         statistics=case["statistics"], compat=case["compat"],
                         n_points=case["n_points"], plane_tol=case["plane_tol"],
                         dirichlet=case["dirichlet"], carriers=case["carriers"],
                         equilibration_temperature=case["equilibration_temperature"])


def read_structure_file(path):
    """An ASE ``Atoms`` from any file ``ase.io.read`` reads; a named error otherwise."""
    from ase.io import read
    try:
        atoms = read(path)
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds for unreadable files
        raise InputError(f"{path}: cannot read the structure ({type(exc).__name__}: {exc})") from None
    if isinstance(atoms, list) or len(atoms) == 0:
        raise InputError(f"{path}: the file holds no atoms")
    return atoms


def structure_problem_from_case(case):
    """Read a structure case's structure and build its problem; returns (atoms, problem, projection)."""
    from ..structure import structure_problem
    atoms = read_structure_file(case["structure"])
    problem, proj = structure_problem(atoms, case["defects"], temperature=case["temperatures"][0],
                                      **structure_options(case))
    return atoms, problem, proj


def structure_options(case):
    """The keywords of :func:`~ase_spacecharge.structure.structure_problem` a structure case
    gives: every keyword that is also a case key (``run`` and the screen both build their
    problems from these).

    Parameters
    ----------
    case : dict

    Returns
    -------
    dict

    Examples
    --------
    >>> opts = structure_options({"permittivity": 55.0, "bulk": [-20.0, -10.0], "pad_to": None, "materials": {},
    ...                           "defects": [], "temperature": 773.0})
    >>> opts
    {'permittivity': 55.0, 'bulk': (-20.0, -10.0), 'pad_to': None, 'materials': None}
    """
    import inspect
    from ..structure import structure_problem
    names = inspect.signature(structure_problem).parameters
    opts = {k: case[k] for k in names if k in case and k not in ("structure", "defects", "temperature")}
    for key in ("bulk", "pad_to"):
        if isinstance(opts.get(key), list):
            opts[key] = tuple(opts[key])
    if "materials" in opts:
        opts["materials"] = opts["materials"] or None
    return opts


def layered_problem_from_case(case):
    """The :func:`~.layered.layered_problem` of a layered case (at its first temperature)."""
    from ..layered import layered_problem
    sheets = {i: float(s) for i, s in enumerate(case["sheet_charges"]) if s}
    ends = case["ends"]
    return layered_problem(case["layers"], case["carriers"], temperature=case["temperatures"][0],
                           spacing=case["spacing"], area=case["area"], sheet_charges=sheets,
                           ends=None if ends is None else tuple(ends))


@dataclass
class CaseResult:
    """What :func:`run_case` built and found.

    Attributes
    ----------
    summary : dict
        The summary (one temperature) or ``{"results": [...], ...}`` (a temperature list).
    solutions : list of SpaceChargeSolution
        One per temperature.
    problem : Problem
    projection : Projection or None
        Structure cases: what was projected and padded.
    frames : list
        Structure cases: the annotated structure, one per temperature.
    case : dict
        The validated case.
    dynamics : list of dict
        Per temperature, the ``transient``, ``steady_state`` and ``impedance`` (a
        :class:`~.dynamics.impedance.Spectrum`) runs of the case (if any).

    Examples
    --------
    >>> CaseResult({"phi0": 0.3}, [], None).projection is None
    True
    """

    summary: dict
    solutions: list
    problem: object
    projection: object = None
    frames: list = field(default_factory=list)
    case: dict = field(default_factory=dict)
    dynamics: list = field(default_factory=list)


def run_case(path, progress=None):
    """Run a case file: build the problem, solve every temperature, summarise, write back.

    One temperature: the summary of that solution.  A list: ``{"results": [...],
    "activation_energy_perp": eV, "activation_energy_par": eV}`` with least-squares
    Arrhenius slopes over all temperatures.  A structure case also gets ``projection`` (what
    was projected and padded) and, with ``write_structure``, writes the annotated structure
    (one frame per temperature).

    Parameters
    ----------
    path : str, path-like or dict
        A case file, or a case already loaded by :func:`~ase_spacecharge.cases.casefile.load_case`.
    progress : callable, optional
        ``progress(t, t_end)`` during transients.

    Returns
    -------
    CaseResult

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> case = write_ceria_like_case(tempfile.mkdtemp(), temperature=[773.15, 873.15])
    >>> r = run_case(case)
    >>> len(r.solutions), [round(x["phi0"], 3) for x in r.summary["results"]]
    (2, [0.108, 0.105])
    """
    case = path if isinstance(path, dict) else load_case(path)
    return _run_layered(case, progress) if case["kind"] == "layered" else _run(case, progress)


def _dynamics(case, problem, solutions, results, progress):
    """Run the case's transient / steady state about each equilibrium; adds them to ``results``."""
    if not (case.get("transient") or case.get("steady_state")):
        return []
    from .dynamics import run_dynamics
    runs = []
    for solution, result in zip(solutions, results):
        summary, run = run_dynamics(case, problem, solution, case.get("carrier_tables", ()), progress)
        result.update(summary)
        runs.append(run)
    return runs


def _measurement_problem(case, problem, solution):
    """The problem and equilibrium an impedance linearises about.  Under Gouy–Chapman the
    species without transport data are equilibrated at the measurement temperature but do
    not move on the measurement's time scale: restricted equilibrium at that temperature
    (the same equilibrium, to round-off)."""
    from ..solution import solve
    still = [d for d in case.get("defects", []) if d["mobility"] == 0 and d["diffusivity"] is None
             and d["diffusivity_prefactor"] is None]
    if case.get("approximation") != "gouy-chapman" or not still:
        return problem, solution
    hot = dict(case, approximation="restricted", equilibration_temperature=solution.temperature)
    frozen = structure_problem_from_case(hot)[1] if case["kind"] == "structure" else problem_from_case(hot)
    return frozen, solve(frozen, solution.temperature, rtol=case["tolerance"])


def _impedance(case, problem, solutions, results, runs):
    """The case's impedance spectrum at every temperature; adds them to ``results`` and ``runs``."""
    if not case.get("impedance"):
        return runs
    from .dynamics import run_impedance
    runs = runs or [{} for _ in solutions]
    for solution, result, run in zip(solutions, results, runs):
        measured, equilibrium = _measurement_problem(case, problem, solution)
        result["impedance"], run["impedance"] = run_impedance(case, measured, equilibrium,
                                                              case.get("carrier_tables", ()))
        result.setdefault("bulk_conductivity", result["impedance"].pop("bulk_conductivity"))
    return runs


def _impedance_arrhenius(results):
    """Activation energies (eV) of the bulk and grain-boundary conductivities, from the slopes
    of ln(σT) against 1/kT (σ ∝ 1/R for the one geometry), where every spectrum has its arcs."""
    from .. import transport
    rows = [r.get("impedance") or {} for r in results]
    T = [r["temperature"] for r in results]
    if len(set(T)) < 2 or any(row.get("gb_resistance") is None for row in rows):
        return {}
    return {f"activation_energy_{part}": transport.activation_energy(T, [row[f"{part}_resistance"] / t
                                                                         for row, t in zip(rows, T)])
            for part in ("bulk", "gb")}


def _run_layered(case, progress=None):
    from ..report import layered_summary
    from ..solution import solve_temperatures
    problem = layered_problem_from_case(case)
    solutions = solve_temperatures(problem, case["temperatures"], rtol=case["tolerance"])
    results = [layered_summary(problem, s) for s in solutions]
    runs = _impedance(case, problem, solutions, results, _dynamics(case, problem, solutions, results, progress))
    summary = results[0] if not isinstance(case["temperature"], list) else \
        dict(results=results, **_impedance_arrhenius(results))
    return CaseResult(summary, solutions, problem, case=case, dynamics=runs)


def _arrhenius(results):
    """Activation energies (eV) of the ratios over the temperatures, where they are defined."""
    from .. import transport
    T = [r["temperature"] for r in results]
    if len(set(T)) < 2 or any(r["r_perp"] is None for r in results):
        return {}
    return dict(activation_energy_perp=transport.activation_energy(T, [r["r_perp"] for r in results]),
                activation_energy_par=transport.activation_energy(T, [r["r_par"] for r in results]))


def _sensitivities(case, problem, solutions, results):
    """The case's ``[sensitivity]``: each solution's sensitivities, with the linear σ of Φ0 and
    r_perp from the per-site energy uncertainty (eV) and dΦ0/dT added to its summary."""
    if case.get("sensitivity") is None:
        return [None] * len(solutions)
    from ..sensitivity import sensitivities
    from ..uncertainty import uncertainty
    out = [sensitivities(problem, s, **case["resistivity"]) for s in solutions]
    for sens, result in zip(out, results):
        result.update(uncertainty(sens, case["sensitivity"]["energy_uncertainty"]), dphi0_dT=sens.dphi0_dT)
    return out


def _run(case, progress=None):
    from ..solution import solve_temperatures
    atoms = proj = None
    if case["kind"] == "structure":
        atoms, problem, proj = structure_problem_from_case(case)
    else:
        problem = problem_from_case(case)
    from ..guards import check_bulk
    solutions = solve_temperatures(problem, case["temperatures"], rtol=case["tolerance"])
    for s in solutions:
        check_bulk(s)
    results = [s.summary(**case["resistivity"]) for s in solutions]
    sens = _sensitivities(case, problem, solutions, results)
    runs = _impedance(case, problem, solutions, results, _dynamics(case, problem, solutions, results, progress))
    frames = []
    if proj is not None:
        from ase.io import write
        from ..structure import annotate
        frames = [annotate(atoms, s, proj, summary=r, sensitivities=x) for s, r, x in zip(solutions, results, sens)]
        if case["write_structure"]:
            write(case["write_structure"], frames)
    if not isinstance(case["temperature"], list):
        summary = results[0]
    else:
        summary = dict(results=results, **_arrhenius(results), **_impedance_arrhenius(results))
    if proj is not None:
        summary["projection"] = proj.report()
    return CaseResult(summary, solutions, problem, proj, frames, case, runs)
