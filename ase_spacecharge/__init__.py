"""ase_spacecharge: ionic space-charge layers at grain boundaries and interfaces.

Units follow ASE: Å, eV, K, V (SI only where a name or docstring says so: ``rho`` in C/m³).
The data flow, one module per step:

1. **Structure** (:mod:`.structure`): an ASE ``Atoms`` or pymatgen ``Structure`` with per-atom
   defect energies is read once, its boundaries found and its sites projected onto the
   boundary normal (:func:`project`, :func:`segregation_energies`, :func:`image_energies`).
2. **Sites** (:mod:`.sites`): plain arrays of positions, host labels and segregation energies
   ΔE (:class:`Sites`, :class:`DefectSpecies`; :func:`read_pyscses_sites` for site files).
3. **Grid** (:mod:`.grid`): planes, control volumes, face permittivities (:class:`~.grid.Grid`).
4. **Problem** (:mod:`.model`, :mod:`.layered`): :func:`build_problem` discretises sites and
   species into a :class:`Problem` (Mott–Schottky, Gouy–Chapman or restricted equilibrium
   (:mod:`.restricted`), site-explicit or continuum; :mod:`.materials` for band carriers and
   heterointerfaces).
5. **Solve** (:mod:`ase_spacecharge.equilibrium.newton`, :mod:`.solution`): :func:`solve` runs Newton (O(N) per step)
   and returns a :class:`SpaceChargeSolution`; failures raise :class:`ConvergenceError`.
6. **Analysis** (:mod:`.transport`, :mod:`.report`): Φ0, resistivity ratios, Debye length,
   Mott–Schottky inversion, activation energies, summaries and plots.
7. **Atoms** (:func:`annotate`, :func:`solve_structure`): the results written back per atom.
8. **Out of equilibrium** (:mod:`.dynamics`): Poisson–Nernst–Planck with Onsager fluxes on
   the same planes — transients, steady states under bias, impedance spectra and their
   reading as an experimentalist would (SI: s, m²/s, A/m², Ω·m²).

Case files and the ``ase-spacecharge`` command (:mod:`ase_spacecharge.cases.run`, :mod:`.cli`) run the whole chain.

Examples
--------
>>> from ase_spacecharge import DefectSpecies, build_problem, solve
>>> from ase_spacecharge.examples import ceria_like_column
>>> sites, lo, hi = ceria_like_column()
>>> problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.2)],
...                         x_min=lo, x_max=hi, area=58.57, permittivity=55.0, bulk=(lo + 2, lo + 15))
>>> round(solve(problem, 773.15).phi0, 4)
0.1076

Names are loaded on first use, so ``import ase_spacecharge`` (and the command line's
``--help``) stays fast.
"""

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "InputError": "errors", "ConvergenceError": "errors", "SpaceChargeWarning": "errors",
    "restricted_problem": "restricted",
    "DefectSpecies": "sites", "Sites": "sites", "read_pyscses_sites": "sites", "write_pyscses_sites": "sites",
    "build_problem": "model", "Problem": "equilibrium.problem", "layered_problem": "layered",
    "Carrier": "materials", "Material": "materials",
    "SpaceChargeSolution": "solution", "solve": "solution", "solve_temperatures": "solution",
    "fermi_dirac": "occupancy", "RegularSolution": "occupancy",
    "activation_energy": "transport", "local_activation_energies": "transport", "debye_length": "analytic",
    "mott_schottky_potential": "analytic", "mott_schottky_ratio": "analytic",
    "screening_length": "analytic", "space_charge_width": "analytic",
    "annotate": "structure", "image_energies": "structure", "match_image": "structure", "project": "structure",
    "segregation_energies": "structure", "solve_structure": "structure", "structure_problem": "structure",
    "run_case": "cases.run", "solve_batch": "equilibrium.batch", "sensitivities": "sensitivity",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

#: The floor plan, bottom up: a module imports only modules on its own floor or below (on
#: one floor, without a circle); tests/test_layout.py holds the tree to it.  Wings
#: (``equilibrium``, ``dynamics``, ``structure``, ``visual``, ``cases``, ``screen``) are whole floors.
FLOOR_PLAN = (
    ("base", ("errors", "constants")),
    ("physics", ("occupancy", "grid", "transport", "analytic")),
    ("inputs", ("sites", "materials", "conventions")),
    ("equilibrium", ("equilibrium",)),
    ("problems", ("model", "layered", "restricted")),
    ("solutions", ("guards", "report", "solution", "sensitivity", "uncertainty")),
    ("dynamics", ("dynamics",)),
    ("structures", ("structure",)),
    ("pictures", ("visual",)),
    ("examples", ("examples",)),
    ("cases", ("cases",)),
    ("screening", ("screen",)),
    ("command line", ("cli", "__main__")),
)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ase_spacecharge' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
