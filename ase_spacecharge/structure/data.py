"""Reading a structure once: ASE ``Atoms`` or pymatgen ``Structure`` to plain arrays.

pymatgen is imported only when a pymatgen object is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ..errors import InputError

__all__ = ["StructureData", "read_structure"]


@dataclass
class StructureData:
    """What the adapters need from a structure, as plain arrays; read once by
    :func:`read_structure` and passed on.

    Attributes
    ----------
    cell : ndarray (3, 3)
        Lattice vectors as rows (Å).
    frac : ndarray (n, 3)
        Fractional coordinates.
    symbols : ndarray of str (n,)
    arrays : dict
        Per-site arrays (ASE ``arrays`` / pymatgen ``site_properties``).
    info : dict
        ASE ``info`` / pymatgen ``properties``.
    kind : {"ase", "pymatgen"}
    is_grain_boundary : bool
        A pymatgen ``GrainBoundary``.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> sorted(read_structure(ceria_like_atoms()).arrays)
    ['dE_Gd', 'dE_Vo']
    """

    cell: np.ndarray          # (3, 3) Å, rows are lattice vectors
    frac: np.ndarray          # (n, 3) fractional coordinates
    symbols: np.ndarray       # (n,) str
    arrays: dict              # per-site arrays (ASE arrays / pymatgen site_properties)
    info: dict                # ASE info / pymatgen properties
    kind: str                 # "ase" or "pymatgen"
    is_grain_boundary: bool = False


def is_pymatgen(obj):
    """A pymatgen Structure (not an ``Atoms`` subclass such as pymatgen's ``MSONAtoms``)."""
    return not isinstance(obj, Atoms) and type(obj).__module__.startswith("pymatgen")


def read_structure(structure) -> StructureData:
    """Plain arrays from an ASE ``Atoms`` or a pymatgen ``Structure``/``GrainBoundary``.

    Parameters
    ----------
    structure : ase.Atoms, pymatgen Structure or StructureData
        A :class:`StructureData` is returned as it is.

    Returns
    -------
    StructureData

    Raises
    ------
    InputError
        For anything else, a cell without volume, or an atom at a non-finite position.

    Examples
    --------
    >>> from ase.build import bulk
    >>> d = read_structure(bulk("CeO2", "fluorite", a=5.41, cubic=True))
    >>> d.kind, d.symbols[:3].tolist(), d.frac.shape
    ('ase', ['Ce', 'O', 'O'], (12, 3))
    """
    if isinstance(structure, StructureData):
        return structure
    if is_pymatgen(structure):
        if not hasattr(structure, "lattice"):
            raise InputError(f"expected a pymatgen Structure, got {type(structure).__name__}")
        props = {k: np.asarray(v) for k, v in structure.site_properties.items()}
        return _checked(StructureData(np.array(structure.lattice.matrix, float), np.array(structure.frac_coords, float),
                                      np.array([site.specie.symbol for site in structure]), props,
                                      dict(getattr(structure, "properties", {}) or {}), "pymatgen",
                                      type(structure).__name__ == "GrainBoundary"))
    if not hasattr(structure, "get_scaled_positions"):
        raise InputError(f"expected an ASE Atoms or a pymatgen Structure, got {type(structure).__name__}")
    cell = np.array(structure.cell, float)
    if not np.all(np.isfinite(cell)) or abs(np.linalg.det(cell)) < 1e-9:
        raise InputError("the structure has no 3D cell (its lattice vectors are degenerate)")
    arrays = {k: v for k, v in structure.arrays.items() if k not in ("numbers", "positions")}
    return _checked(StructureData(cell, structure.get_scaled_positions(wrap=False),
                                  np.array(structure.get_chemical_symbols()), arrays, dict(structure.info), "ase"))


def _checked(data):
    """``data``, unless an atom sits at a non-finite position (named)."""
    bad = np.flatnonzero(~np.all(np.isfinite(data.frac), axis=1))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"atom {i} ({str(data.symbols[i])}) has a non-finite position "
                         f"{(data.frac[i] @ data.cell).tolist()} Å ({bad.size} such atoms)")
    return data
