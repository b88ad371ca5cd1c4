"""Running case files: build the problem a validated case describes (:mod:`ase_spacecharge.cases.casefile`),
solve every temperature, summarise, write back onto the structure."""

from __future__ import annotations

from dataclasses import dataclass, field

from monty.json import MSONable

from .casefile import load_case
from ..errors import InputError

__all__ = ["run_case", "CaseResult", "structure_options", "case_energies"]


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


def structure_problem_from_case(case):
    """Read a structure case's structure (with its ``[images]``' energies as ``dE_<defect>``
    arrays) and build its problem; returns (atoms, problem, projection)."""
    return _structure_case(case)[:3]


def _structure_case(case):
    """Atoms, problem, projection and provenance (``sc_params``) of a structure case."""
    from ..structure import structure_problem
    from ..structure.files import read_structure_file
    from .images import apply_images
    from .provenance import case_params, structure_identity
    atoms = read_structure_file(case["structure"])
    identity = structure_identity(case["structure"], atoms)
    images = apply_images(case, atoms)
    problem, proj = structure_problem(atoms, case["defects"], temperature=case["temperatures"][0],
                                      **structure_options(case))
    return atoms, problem, proj, case_params(case, identity, images)


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
class CaseResult(MSONable):
    """What :func:`run_case` built and found.

    MSONable: ``monty.serialization.dumpfn(result, "r.json")`` and ``loadfn`` round-trip
    everything but the ``problem`` (rebuild it from the ``case``), which comes back None.

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
    >>> CaseResult.from_dict(CaseResult({"phi0": 0.3}, [], None).as_dict()).summary
    {'phi0': 0.3}
    """

    summary: dict
    solutions: list
    problem: object
    projection: object = None
    frames: list = field(default_factory=list)
    case: dict = field(default_factory=dict)
    dynamics: list = field(default_factory=list)

    def as_dict(self):
        """A dict monty's encoder writes as JSON (the problem left out, the frames as
        ``Atoms.todict()``)."""
        return {"@module": type(self).__module__, "@class": type(self).__name__, "summary": self.summary,
                "solutions": [s.as_dict() for s in self.solutions], "problem": None,
                "projection": None if self.projection is None else self.projection.as_dict(),
                "frames": [a.todict() for a in self.frames], "case": self.case, "dynamics": self.dynamics}

    @classmethod
    def from_dict(cls, d):
        """The result of :meth:`as_dict` (``problem`` None)."""
        from ..solution import SpaceChargeSolution, decoded
        from ..structure.projection import Projection
        solutions = [s if isinstance(s, SpaceChargeSolution) else SpaceChargeSolution.from_dict(s)
                     for s in decoded(d["solutions"])]
        projection = decoded(d.get("projection"))
        if isinstance(projection, dict):
            projection = Projection.from_dict(projection)
        frames = []
        if d.get("frames"):
            from ase import Atoms
            frames = [Atoms.fromdict(decoded(f)) for f in d["frames"]]
        return cls(decoded(d["summary"]), solutions, None, projection, frames, decoded(d.get("case", {})),
                   decoded(d.get("dynamics", [])))


def run_case(path, progress=None, *, write=True, write_structure=None):
    """Run a case file: build the problem, solve every temperature, summarise, write back.

    One temperature: the summary of that solution.  A list: ``{"results": [...],
    "activation_energy_perp": eV, "activation_energy_par": eV}`` with least-squares
    Arrhenius slopes over all temperatures.  Every summary has ``package_version`` and
    ``inputs`` (every solver input, defaults filled in).  A structure case also gets
    ``projection`` (what was projected and padded) and ``energy_sources`` (per defect, how
    many host sites have a computed, equivalent, filled or no ΔE) and, with
    ``write_structure``, writes the annotated structure (one frame per temperature, each
    with its provenance ``sc_params``).

    Parameters
    ----------
    path : str, path-like or dict
        A case file, a structure the package wrote (re-run from its ``sc_params``), or a case
        already loaded by :func:`~ase_spacecharge.cases.casefile.load_case`.
    progress : callable, optional
        ``progress(t, t_end)`` during transients.
    write : bool
        Write the annotated structure (False: nothing is written; ``frames`` has it).
    write_structure : str, optional
        Where to write it instead of the case's ``write_structure`` (checked before the solve).

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
    from .casefile import check_write_structure
    case = path if isinstance(path, dict) else load_case(path)
    target = check_write_structure(case, write_structure) if write and case["kind"] == "structure" else None
    result = _run_layered(case, progress) if case["kind"] == "layered" else _run(case, progress)
    if target and result.frames:
        from .output.structure_file import write_structure_file
        write_structure_file(target, result.frames)
    return result


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
    return CaseResult(_with_provenance(summary, case), solutions, problem, case=case, dynamics=runs)


def _with_provenance(summary, case, params=None):
    """The summary with ``package_version`` and ``inputs`` (and the structure's and images'
    identities, with ``params``)."""
    from .. import __version__
    from .provenance import case_inputs
    summary["package_version"] = __version__
    summary["inputs"] = params["inputs"] if params else case_inputs(case)
    for key in ("structure", "images"):
        if params and key in params:
            summary[key] = params[key]
    return summary


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
    atoms = proj = params = None
    if case["kind"] == "structure":
        atoms, problem, proj, params = _structure_case(case)
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
        from ..structure import annotate
        frames = [annotate(atoms, s, proj, summary=r, sensitivities=x, params=params)
                  for s, r, x in zip(solutions, results, sens)]
    if not isinstance(case["temperature"], list):
        summary = results[0]
    else:
        summary = dict(results=results, **_arrhenius(results), **_impedance_arrhenius(results))
    if proj is not None:
        summary["projection"] = proj.report()
        summary["energy_sources"] = proj.source_counts()
    return CaseResult(_with_provenance(summary, case, params), solutions, problem, proj, frames, case, runs)


def case_energies(case):
    """The pristine structure of a structure case with its segregation energies, as the solve
    would take them, without solving: ``dE_<defect>`` (eV, the images' and given ones; NaN
    where none), ``sc_dE_<defect>`` (after ``missing``, and ``average_energies``) and
    ``sc_dE_source_<defect>`` per atom, ``sc_params`` in ``info``.

    Parameters
    ----------
    case : dict
        From :func:`~.casefile.load_case`.

    Returns
    -------
    atoms : ase.Atoms
    projection : Projection
        Its ``report()`` and ``source_counts()`` say where the energies came from.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.io import write
    >>> from ase_spacecharge.cases.casefile import load_case
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS, defect_tables
    >>> folder = tempfile.mkdtemp()
    >>> write(os.path.join(folder, "gb.extxyz"), ceria_like_atoms())
    >>> _ = open(os.path.join(folder, "case.toml"), "w").write(
    ...     'structure = "gb.extxyz"\\ntemperature = 773.15\\npermittivity = 55.0\\n' + defect_tables(CERIA_DEFECTS))
    >>> atoms, proj = case_energies(load_case(os.path.join(folder, "case.toml")))
    >>> proj.source_counts()["Vo"]
    {'computed': 60, 'equivalent': 0, 'filled': 0, 'none': 0}
    """
    from ..structure import project
    from ..structure.annotate import annotate_energies
    from ..structure.files import read_structure_file
    from .images import apply_images
    from .provenance import case_params, structure_identity
    if case["kind"] != "structure":
        raise InputError(f"{case.get('case_file')}: `energies` needs a structure case (structure = ...)")
    atoms = read_structure_file(case["structure"])
    identity = structure_identity(case["structure"], atoms)
    images = apply_images(case, atoms)
    opts = structure_options(case)
    opts["mode"] = opts.get("mode") or ("cell" if opts.get("pad_to") is None else "unfold")
    keys = ("hosts", "energies", "axis", "boundaries", "mode", "plane_tol", "missing", "valences", "average_energies",
            "symprec")
    proj = project(atoms, case["defects"], **{k: opts[k] for k in keys if k in opts and opts[k] is not None})
    params = case_params(case, identity, images)
    return annotate_energies(atoms, proj, params=params), proj
