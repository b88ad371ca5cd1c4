"""Case files (TOML): read, run, and summarise.

See the README for the format.  Paths inside a case file are relative to it; lengths are in
Å, temperatures in K, potentials in V.
"""

from __future__ import annotations

import csv
import os

import numpy as np

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

from .model import build_problem
from .sites import DefectSpecies, InputError, read_pyscses_sites
from .spacecharge import solve_temperatures
from . import transport

_REQUIRED = ("sites", "temperature", "permittivity", "area", "x_min", "x_max", "bulk", "defects")
_OPTIONAL = {"approximation": "mott-schottky", "model": "site-explicit", "boundary": "periodic",
             "site_charges": False, "compat": None, "statistics": "fermi-dirac", "n_points": 1000,
             "plane_tol": 0.2, "dirichlet": None, "resistivity": {}}
_DEFECT_KEYS = {"label", "valence", "mole_fraction", "mobility"}
_RESISTIVITY_KEYS = {"scr_limit", "species"}


def load_case(path):
    """Read and validate a case file; returns a dict with resolved paths and defaults."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            case = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(case) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise InputError(f"{path}: unknown keys {sorted(unknown)}")
    missing = [k for k in _REQUIRED if k not in case]
    if missing:
        raise InputError(f"{path}: missing keys {missing}")
    out = dict(_OPTIONAL)
    out.update(case)
    out["sites"] = os.path.join(os.path.dirname(os.path.abspath(path)), case["sites"])
    for i, d in enumerate(case["defects"]):
        bad = set(d) - _DEFECT_KEYS
        if bad or not {"label", "valence", "mole_fraction"} <= set(d):
            raise InputError(f"{path}: [[defects]] entry {i} needs label, valence, mole_fraction "
                             f"(and optional mobility); unknown keys {sorted(bad)}")
    bad = set(out["resistivity"]) - _RESISTIVITY_KEYS
    if bad:
        raise InputError(f"{path}: unknown [resistivity] keys {sorted(bad)}")
    temps = out["temperature"]
    out["temperatures"] = [float(t) for t in (temps if isinstance(temps, list) else [temps])]
    if not out["temperatures"]:
        raise InputError(f"{path}: temperature list is empty")
    for t in out["temperatures"]:
        if not np.isfinite(t) or t <= 0:
            raise InputError(f"{path}: temperature must be > 0 K, got {t!r}")
    return out


def problem_from_case(case):
    """Build the :class:`~.solver.Problem` a case describes."""
    sites = read_pyscses_sites(case["sites"])
    defects = [DefectSpecies(d["label"], d["valence"], d["mole_fraction"], d.get("mobility", 0.0))
               for d in case["defects"]]
    return build_problem(sites, defects, x_min=case["x_min"], x_max=case["x_max"], area=case["area"],
                         permittivity=case["permittivity"], bulk=tuple(case["bulk"]),
                         approximation=case["approximation"], model=case["model"],
                         boundary=case["boundary"], site_charges=case["site_charges"],
                         statistics=case["statistics"], compat=case["compat"],
                         n_points=case["n_points"], plane_tol=case["plane_tol"],
                         dirichlet=case["dirichlet"])


def run_case(path):
    """Run a case file.  Returns ``(summary, solutions)``.

    One temperature: the summary of that solution.  A list: ``{"results": [...],
    "activation_energy_perp": eV, "activation_energy_par": eV}`` with least-squares
    Arrhenius slopes over all temperatures.
    """
    case = load_case(path)
    problem = problem_from_case(case)
    solutions = solve_temperatures(problem, case["temperatures"])
    opts = dict(scr_limit=case["resistivity"].get("scr_limit", 0.02),
                species=case["resistivity"].get("species"))
    results = [s.summary(**opts) for s in solutions]
    if not isinstance(case["temperature"], list):
        return results[0], solutions
    summary = dict(results=results)
    if len(results) > 1:
        T = [r["temperature"] for r in results]
        summary["activation_energy_perp"] = transport.activation_energy(T, [r["r_perp"] for r in results])
        summary["activation_energy_par"] = transport.activation_energy(T, [r["r_par"] for r in results])
    return summary, solutions


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
