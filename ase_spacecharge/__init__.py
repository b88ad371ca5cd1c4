"""ase_spacecharge: ionic space-charge layers at grain boundaries and interfaces.

Units follow ASE: Å, eV, K, V.  The core solves the site-explicit Poisson–Boltzmann
problem by Newton's method at O(N) cost per iteration.
"""

from .sites import DefectSpecies, InputError, Sites, read_pyscses_sites, write_pyscses_sites
from .model import build_problem
from .solver import ConvergenceError, Problem
from .spacecharge import SpaceChargeSolution, solve, solve_temperatures
from .occupancy import fermi_dirac
from .structure import (annotate, image_energies, match_image, project, segregation_energies, solve_structure,
                        structure_problem)
from .transport import (activation_energy, debye_length, local_activation_energies,
                        mott_schottky_potential, mott_schottky_ratio, screening_length,
                        space_charge_width)

__version__ = "0.1.0"

__all__ = [
    "DefectSpecies", "InputError", "Sites", "read_pyscses_sites", "write_pyscses_sites",
    "build_problem", "ConvergenceError", "Problem", "SpaceChargeSolution", "solve",
    "solve_temperatures", "fermi_dirac", "activation_energy", "debye_length",
    "local_activation_energies", "mott_schottky_potential", "mott_schottky_ratio",
    "screening_length", "space_charge_width", "annotate", "image_energies", "match_image", "project",
    "segregation_energies", "solve_structure", "structure_problem", "__version__",
]
