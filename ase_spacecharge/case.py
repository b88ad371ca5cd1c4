"""Case files (TOML): read, run, and summarise.

See the README for the format.  Paths inside a case file are relative to it; lengths are in
Å, temperatures in K, potentials in V.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from .errors import InputError
from .layered import layered_problem
from .materials import Carrier, Material
from .model import build_problem
from .report import layered_summary
from .sites import DefectSpecies, read_pyscses_sites
from .solution import solve_temperatures
from . import transport

__all__ = ["load_case", "run_case", "CaseResult", "problem_from_case", "structure_problem_from_case",
           "layered_problem_from_case"]

_REQUIRED = ("sites", "temperature", "permittivity", "area", "x_min", "x_max", "bulk", "defects")
_OPTIONAL = {"approximation": "mott-schottky", "model": "site-explicit", "boundary": "periodic",
             "site_charges": False, "compat": None, "statistics": "fermi-dirac", "n_points": 1000,
             "plane_tol": 0.2, "dirichlet": None, "resistivity": {}, "carriers": []}
# a structure case replaces ``sites`` (and the region keys become optional signed distances)
_STRUCTURE_REQUIRED = ("structure", "temperature", "defects")
_STRUCTURE_OPTIONAL = {"approximation": "mott-schottky", "model": "site-explicit", "boundary": "periodic",
                       "site_charges": False, "statistics": "fermi-dirac", "plane_tol": 0.3, "resistivity": {},
                       "axis": None, "boundaries": None, "pad_to": None, "write_structure": None, "mode": None,
                       "missing": "error", "x_min": None, "x_max": None, "bulk": None, "area": None,
                       "permittivity": None, "carriers": [], "materials": {}, "material_of": "material"}
# a layered case: materials stacked along x with band carriers (no sites)
_LAYERED_REQUIRED = ("layers", "temperature", "carriers")
_LAYERED_OPTIONAL = {"spacing": 0.1, "area": 1.0, "sheet_charges": [], "ends": None}
_DEFECT_KEYS = {"label", "valence", "mole_fraction", "mobility", "site", "interaction"}
_CARRIER_KEYS = {"label", "valence", "density", "dos", "statistics", "mobility"}
_MATERIAL_KEYS = {"permittivity", "background", "offsets", "dos"}
_LAYER_KEYS = _MATERIAL_KEYS | {"label", "thickness"}
_RESISTIVITY_KEYS = {"scr_limit", "species"}


def load_case(path):
    """Read and validate a case file; returns a dict with resolved paths and defaults."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            case = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    kind = "structure" if "structure" in case else "layered" if "layers" in case else "sites"
    required, optional = {"structure": (_STRUCTURE_REQUIRED, _STRUCTURE_OPTIONAL),
                          "layered": (_LAYERED_REQUIRED, _LAYERED_OPTIONAL),
                          "sites": (_REQUIRED, _OPTIONAL)}[kind]
    structure = kind == "structure"
    unknown = set(case) - set(required) - set(optional)
    if unknown:
        raise InputError(f"{path}: unknown keys {sorted(unknown)}"
                         + ("" if kind != "sites" or "sites" in case
                            else " (a case needs `sites`, `structure` or `layers`)"))
    missing = [k for k in required if k not in case]
    if missing:
        raise InputError(f"{path}: missing keys {missing}")
    out = dict(optional)
    out.update(case)
    out["kind"] = kind
    out["carriers"] = [_carrier(c, path, i) for i, c in enumerate(out["carriers"])]
    out["temperatures"] = _temperatures(out["temperature"], path)
    if kind == "layered":
        out["layers"] = [_layer(layer, path, i) for i, layer in enumerate(case["layers"])]
        return out
    here = os.path.dirname(os.path.abspath(path))
    key = "structure" if structure else "sites"
    out[key] = os.path.join(here, case[key])
    if structure:
        if out["write_structure"]:
            out["write_structure"] = os.path.join(here, out["write_structure"])
        if case.get("area") is not None:
            raise InputError(f"{path}: `area` comes from the structure's cell; remove it")
        if "compat" in case:
            raise InputError(f"{path}: compat applies to site files only")
        out["materials"] = {name: _material(name, m, path) for name, m in out["materials"].items()}
        if out["permittivity"] is None and not out["materials"]:
            raise InputError(f"{path}: missing keys ['permittivity'] (or give [materials.<label>] tables)")
        if isinstance(out["material_of"], list):
            out["material_of"] = [tuple(r) for r in out["material_of"]]
        for i, d in enumerate(case["defects"]):
            if "site" not in d:
                raise InputError(f"{path}: [[defects]] entry {i} ({d.get('label')!r}) needs `site`, the host species")
    for i, d in enumerate(case["defects"]):
        bad = set(d) - _DEFECT_KEYS
        if bad or not {"label", "valence", "mole_fraction"} <= set(d):
            raise InputError(f"{path}: [[defects]] entry {i} needs label, valence, mole_fraction "
                             f"(and optional mobility); unknown keys {sorted(bad)}")
    bad = set(out["resistivity"]) - _RESISTIVITY_KEYS
    if bad:
        raise InputError(f"{path}: unknown [resistivity] keys {sorted(bad)}")
    return out


def _temperatures(temps, path):
    temps = [float(t) for t in (temps if isinstance(temps, list) else [temps])]
    if not temps:
        raise InputError(f"{path}: temperature list is empty")
    for t in temps:
        if not np.isfinite(t) or t <= 0:
            raise InputError(f"{path}: temperature must be > 0 K, got {t!r}")
    return temps


def _carrier(table, path, i):
    bad = set(table) - _CARRIER_KEYS
    if bad or not {"label", "valence", "density"} <= set(table):
        raise InputError(f"{path}: [[carriers]] entry {i} needs label, valence, density (Å⁻³) and optional "
                         f"dos, statistics, mobility; unknown keys {sorted(bad)}")
    return Carrier(**table)


def _material(name, table, path):
    bad = set(table) - _MATERIAL_KEYS
    if bad or "permittivity" not in table:
        raise InputError(f"{path}: material {name!r} needs permittivity and optional background, offsets, dos; "
                         f"unknown keys {sorted(bad)}")
    return Material(name, table["permittivity"], table.get("background", 0.0), dict(table.get("offsets", {})),
                    dict(table.get("dos", {})))


def _layer(table, path, i):
    bad = set(table) - _LAYER_KEYS
    if bad or not {"thickness", "permittivity"} <= set(table):
        raise InputError(f"{path}: [[layers]] entry {i} needs thickness (Å) and permittivity, optional label, "
                         f"background, offsets, dos; unknown keys {sorted(bad)}")
    name = table.get("label", f"layer {i}")
    material = _material(name, {k: v for k, v in table.items() if k in _MATERIAL_KEYS}, path)
    return material, float(table["thickness"])


def problem_from_case(case):
    """Build the :class:`~.solver.Problem` a case describes."""
    sites = read_pyscses_sites(case["sites"])
    defects = [DefectSpecies.from_dict(d) for d in case["defects"]]
    return build_problem(sites, defects, x_min=case["x_min"], x_max=case["x_max"], area=case["area"],
                         permittivity=case["permittivity"], bulk=tuple(case["bulk"]),
                         approximation=case["approximation"], model=case["model"],
                         boundary=case["boundary"], site_charges=case["site_charges"],
                         statistics=case["statistics"], compat=case["compat"],
                         n_points=case["n_points"], plane_tol=case["plane_tol"],
                         dirichlet=case["dirichlet"], carriers=case["carriers"])


def structure_problem_from_case(case):
    """Read a structure case's structure and build its problem; returns (atoms, problem, projection)."""
    from ase.io import read
    from .structure import structure_problem
    try:
        atoms = read(case["structure"])
    except (OSError, ValueError, StopIteration) as exc:
        raise InputError(f"{case['structure']}: cannot read the structure: {exc}") from None
    pad = case["pad_to"]
    problem, proj = structure_problem(
        atoms, case["defects"], permittivity=case["permittivity"], temperature=case["temperatures"][0],
        bulk=None if case["bulk"] is None else tuple(case["bulk"]), x_min=case["x_min"], x_max=case["x_max"],
        approximation=case["approximation"], model=case["model"], boundary=case["boundary"],
        statistics=case["statistics"], site_charges=case["site_charges"], axis=case["axis"],
        boundaries=case["boundaries"], mode=case["mode"], plane_tol=case["plane_tol"], missing=case["missing"],
        pad_to=tuple(pad) if isinstance(pad, list) else pad, carriers=case["carriers"],
        materials=case["materials"] or None, material_of=case["material_of"])
    return atoms, problem, proj


def layered_problem_from_case(case):
    """The :func:`~.interfaces.layered_problem` of a layered case (first temperature)."""
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
    """

    summary: dict
    solutions: list
    problem: object
    projection: object = None
    frames: list = field(default_factory=list)
    case: dict = field(default_factory=dict)


def run_case(path):
    """Run a case file.

    One temperature: the summary of that solution.  A list: ``{"results": [...],
    "activation_energy_perp": eV, "activation_energy_par": eV}`` with least-squares
    Arrhenius slopes over all temperatures.  A structure case also gets ``projection`` (what
    was projected and padded) and, with ``write_structure``, writes the annotated structure
    (one frame per temperature).

    Returns
    -------
    CaseResult

    Examples
    --------
    >>> from pathlib import Path
    >>> import ase_spacecharge
    >>> case = Path(ase_spacecharge.__file__).parents[1] / "example_structures/ceria_111_column/case.toml"
    >>> r = run_case(case)  # doctest: +SKIP
    >>> len(r.solutions), round(r.summary["results"][0]["phi0"], 3)  # doctest: +SKIP
    (6, 0.4)
    """
    case = load_case(path)
    if case["kind"] == "layered":
        problem = layered_problem_from_case(case)
        solutions = solve_temperatures(problem, case["temperatures"])
        results = [layered_summary(problem, s) for s in solutions]
        summary = results[0] if not isinstance(case["temperature"], list) else dict(results=results)
        return CaseResult(summary, solutions, problem, case=case)
    atoms = proj = None
    if case["kind"] == "structure":
        atoms, problem, proj = structure_problem_from_case(case)
    else:
        problem = problem_from_case(case)
    solutions = solve_temperatures(problem, case["temperatures"])
    opts = dict(scr_limit=case["resistivity"].get("scr_limit", 0.02), species=case["resistivity"].get("species"))
    results = [s.summary(**opts) for s in solutions]
    frames = []
    if proj is not None:
        from ase.io import write
        from .structure import annotate
        frames = [annotate(atoms, s, proj, summary=r) for s, r in zip(solutions, results)]
        if case["write_structure"]:
            write(case["write_structure"], frames)
    if not isinstance(case["temperature"], list):
        summary = results[0]
    else:
        summary = dict(results=results)
        if len(results) > 1 and all(r["r_perp"] is not None for r in results):
            T = [r["temperature"] for r in results]
            summary["activation_energy_perp"] = transport.activation_energy(T, [r["r_perp"] for r in results])
            summary["activation_energy_par"] = transport.activation_energy(T, [r["r_par"] for r in results])
    if proj is not None:
        summary["projection"] = proj.report()
    return CaseResult(summary, solutions, problem, proj, frames, case)
