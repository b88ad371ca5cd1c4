"""Case files (TOML): read, run, and summarise.

See the README for the format.  Paths inside a case file are relative to it; lengths are in
Å, temperatures in K, potentials in V.
"""

from __future__ import annotations

import csv
import os

import numpy as np
from ase.io import read, write

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from .interfaces import Carrier, Material, interface_potential, layered_problem
from .model import build_problem
from .sites import InputError, defect_species_from_dict, read_pyscses_sites
from .spacecharge import solve_temperatures
from .structure import annotate, structure_problem
from . import transport

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
    defects = [defect_species_from_dict(d) for d in case["defects"]]
    return build_problem(sites, defects, x_min=case["x_min"], x_max=case["x_max"], area=case["area"],
                         permittivity=case["permittivity"], bulk=tuple(case["bulk"]),
                         approximation=case["approximation"], model=case["model"],
                         boundary=case["boundary"], site_charges=case["site_charges"],
                         statistics=case["statistics"], compat=case["compat"],
                         n_points=case["n_points"], plane_tol=case["plane_tol"],
                         dirichlet=case["dirichlet"], carriers=case["carriers"])


def structure_problem_from_case(case):
    """Read a structure case's structure and build its problem; returns (atoms, problem, projection)."""
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


def layered_summary(problem, sol):
    """Summary of a layered solution: interface potentials (V), band-carrier bulk densities
    (Å⁻³) and band-edge shifts (eV, first plane minus last), charge per area (e/Å²) of each
    layer, and the profile."""
    layer = problem.info["layer"]
    q = problem.plane_charges(sol._state, sol.temperature) - problem.background
    return dict(
        temperature=float(sol.temperature), iterations=int(sol.iterations), residual=float(sol.residual),
        ends=list(problem.dirichlet),
        interface_potentials=[interface_potential(sol, problem, i) for i in range(int(layer.max()))],
        layer_charges=[float(q[layer == i].sum() / problem.grid.area) for i in range(int(layer.max()) + 1)],
        carriers={lab: dict(edge_shift=float(sol.carrier_edge[k][0] - sol.carrier_edge[k][-1]))
                  for k, lab in enumerate(sol.carrier_labels)},
        profile=dict(x=sol.x.tolist(), phi=sol.phi.tolist(), rho=sol.rho.tolist(),
                     carrier_density={lab: sol.carrier_density[k].tolist() for k, lab in enumerate(sol.carrier_labels)},
                     band_edge={lab: sol.carrier_edge[k].tolist() for k, lab in enumerate(sol.carrier_labels)}))


def run_case(path):
    """Run a case file.  Returns ``(summary, solutions)``.

    One temperature: the summary of that solution.  A list: ``{"results": [...],
    "activation_energy_perp": eV, "activation_energy_par": eV}`` with least-squares
    Arrhenius slopes over all temperatures.  A structure case also gets ``projection`` (what
    was projected and padded) and, with ``write_structure``, writes the annotated structure
    (one frame per temperature).
    """
    case = load_case(path)
    if case["kind"] == "layered":
        problem = layered_problem_from_case(case)
        solutions = solve_temperatures(problem, case["temperatures"])
        results = [layered_summary(problem, s) for s in solutions]
        return (results[0] if not isinstance(case["temperature"], list) else dict(results=results)), solutions
    if "structure" in case:
        atoms, problem, proj = structure_problem_from_case(case)
    else:
        problem, proj = problem_from_case(case), None
    solutions = solve_temperatures(problem, case["temperatures"])
    opts = dict(scr_limit=case["resistivity"].get("scr_limit", 0.02),
                species=case["resistivity"].get("species"))
    results = [s.summary(**opts) for s in solutions]
    if proj is not None:
        frames = [annotate(atoms, s, proj, summary=r) for s, r in zip(solutions, results)]
        if case["write_structure"]:
            write(case["write_structure"], frames)
        for s, frame in zip(solutions, frames):
            s._structure = frame
            s._projection_axis = proj.axis
    if not isinstance(case["temperature"], list):
        summary = results[0]
    else:
        summary = dict(results=results)
        if len(results) > 1:
            T = [r["temperature"] for r in results]
            summary["activation_energy_perp"] = transport.activation_energy(T, [r["r_perp"] for r in results])
            summary["activation_energy_par"] = transport.activation_energy(T, [r["r_par"] for r in results])
    if proj is not None:
        summary["projection"] = proj.report()
    return summary, solutions


def plot_structure(path, solutions, *, color_by="sc_phi"):
    """Picture of the annotated cell (ase.io png), atoms coloured by a per-atom ``sc_*`` array
    (potential by default; NaN atoms grey), viewed along the boundary plane."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import colormaps
    except ImportError:
        raise InputError("--plot-structure needs matplotlib: pip install 'ase_spacecharge[plot]'") from None
    atoms = getattr(solutions[0], "_structure", None)
    if atoms is None:
        raise InputError("--plot-structure needs a structure case (structure = ...)")
    if color_by not in atoms.arrays or not color_by.startswith("sc_"):
        have = sorted(k for k in atoms.arrays if k.startswith("sc_"))
        raise InputError(f"--color-by {color_by!r}: not a per-atom result; choose one of {have}")
    values = np.asarray(atoms.arrays[color_by], float)
    ok = np.isfinite(values)
    lo, hi = (values[ok].min(), values[ok].max()) if ok.any() else (0.0, 1.0)
    scaled = (values - lo) / (hi - lo if hi > lo else 1.0)
    cmap = colormaps["coolwarm"]
    colors = [cmap(v)[:3] if np.isfinite(v) else (0.7, 0.7, 0.7) for v in scaled]
    view = atoms.copy()
    view.set_array("_colors", np.array(colors))
    axis = int(solutions[0]._projection_axis) if hasattr(solutions[0], "_projection_axis") else 2
    i, j = [k for k in range(3) if k != axis]
    normal = np.cross(view.cell[i], view.cell[j])
    view.rotate(normal, "x", rotate_cell=True)  # boundary normal horizontal
    reps = [1, 1, 1]
    for k in (i, j):  # widen slim cells in the boundary plane so the picture shows a slab
        reps[k] = max(1, int(np.ceil(8.0 / max(np.linalg.norm(view.cell[k]), 1e-9))))
    view = view.repeat(reps)
    write(path, view, colors=view.arrays["_colors"], scale=15)


def write_profile_csv(path, solutions):
    """Write the plane profiles: temperature, x (Å), phi (V), rho (C/m³), one mole-fraction
    column per defect."""
    labels = solutions[0].defect_labels
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["temperature", "x", "phi", "rho"] + [f"{lab}_mole_fraction" for lab in labels])
        for sol in solutions:
            mf = sol.mole_fractions
            for i in range(sol.x.size):
                writer.writerow([sol.temperature, repr(float(sol.x[i])), repr(float(sol.phi[i])),
                                 repr(float(sol.rho[i]))] + [repr(float(mf[lab][i])) for lab in labels])


def plot_profiles(path, solutions):
    """Plot phi(x) and the mobile species' mole fractions to a PNG (needs matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'ase_spacecharge[plot]'") from None
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(7, 6))
    for sol in solutions:
        ax1.plot(sol.x, sol.phi, ".-", label=f"{sol.temperature:g} K")
        for lab, mf in sol.mole_fractions.items():
            j = sol.defect_labels.index(lab)
            if sol.mobile[j]:
                hosts = sol.plane_hosts[:, j]
                ax2.semilogy(sol.x[hosts], mf[hosts], ".-", label=f"{lab}, {sol.temperature:g} K")
    ax1.set_ylabel("φ (V)")
    ax2.set_ylabel("site fraction")
    ax2.set_xlabel("x (Å)")
    ax1.legend(fontsize="small")
    ax2.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
