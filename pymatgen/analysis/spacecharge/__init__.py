"""Ionic space-charge layers at grain boundaries, for pymatgen users: the structure API of
ase_spacecharge on ``Structure`` and ``GrainBoundary`` objects (this add-on is installed with the
``ase_spacecharge`` distribution; ``pymatgen`` and ``pymatgen.analysis`` are namespace packages).

Results come back on a copy of the structure as site properties (``sc_phi`` in V,
``sc_occ_<defect>``, ``sc_dE_<defect>`` in eV, ...) and ``Structure.properties`` (``sc_phi0`` in
V, ``sc_temperature`` in K, ...); the solution and projection are MSONable
(``monty.serialization.dumpfn`` / ``loadfn``).

Examples
--------
>>> from pymatgen.io.ase import AseAtomsAdaptor
>>> from pymatgen.analysis.spacecharge import solve_structure
>>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
>>> gb = AseAtomsAdaptor.get_structure(ceria_like_atoms())
>>> out, sol, proj = solve_structure(gb, CERIA_DEFECTS, 773.15, permittivity=55.0, boundaries=[0.5])
>>> type(out).__name__, round(out.properties["sc_phi0"], 4), len(out.site_properties["sc_phi"])
('Structure', 0.1076, 90)
"""

from ase_spacecharge import DefectSpecies, SpaceChargeSolution, solve
from ase_spacecharge.structure import (Projection, annotate, image_energies, project, segregation_energies,
                                       solve_structure, structure_problem)
from ase_spacecharge.visual.viewer import view

__all__ = ["DefectSpecies", "SpaceChargeSolution", "solve", "Projection", "annotate", "image_energies", "project",
           "segregation_energies", "solve_structure", "structure_problem", "view"]
