"""Adapters: grain-boundary supercells (ASE ``Atoms`` or pymatgen ``Structure``) to the 1D
problem, and the results back onto the atoms.

The modules follow the data flow:

1. :mod:`.data` reads a structure once into plain arrays (:class:`StructureData`);
2. :mod:`.geometry` finds the boundary normal, its spacing ``d = V / |a_i × a_j|``, the
   boundaries and the planes;
3. :mod:`.energies` (and :mod:`.images`, from defective relaxed images) gives each site its
   segregation energies ΔE (eV);
4. :mod:`.projection` projects the sites onto the 1D grid (:class:`Projection`), and
   :mod:`.padding` extends an unfolded projection with bulk;
5. :mod:`.heterointerface` gives planes their materials;
6. :mod:`.pipeline` builds the problem, solves it (the only module that imports the solver);
7. :mod:`.annotate` writes the solution back onto the atoms.

pymatgen is imported only when a pymatgen object is passed in.
"""

from .annotate import annotate, db_data, from_db_row
from .data import StructureData, read_structure
from .energies import segregation_energies
from .geometry import (boundary_axis, cross_section, distance_to_boundaries, find_boundaries, normal_spacing,
                       periodic_planes)
from .images import ImageMatch, image_energies, match_image
from .padding import pad_with_bulk
from .pipeline import auto_padding, default_bulk, solve_structure, structure_problem
from .projection import Projection, project

__all__ = ["StructureData", "read_structure", "normal_spacing", "cross_section", "boundary_axis", "find_boundaries",
           "periodic_planes", "distance_to_boundaries", "segregation_energies", "ImageMatch", "match_image",
           "image_energies", "Projection", "project", "pad_with_bulk", "default_bulk", "structure_problem",
           "solve_structure", "auto_padding", "annotate", "db_data", "from_db_row"]
