"""Symmetry-equivalent sites of a structure (spglib), to spread per-site energies computed
on some sites over the sites the structure's symmetry makes equivalent to them.

Two sites are equivalent when an operation of the structure's space group (found by spglib
from the species and positions, within ``symprec`` Å) maps one onto the other; the
segregation energy of a defect is then the same on both.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import InputError
from .data import read_structure

__all__ = ["equivalent_sites"]


def equivalent_sites(structure, symprec=0.01):
    """The symmetry class of every atom: the index of the first atom equivalent to it
    (spglib's ``equivalent_atoms``).

    Parameters
    ----------
    structure : ase.Atoms, pymatgen Structure or StructureData
    symprec : float
        Å: how far an operation may map an atom from its image (spglib's tolerance; relaxed
        cells whose symmetry the relaxation kept to 1e-3 Å need no more than the default).

    Returns
    -------
    int ndarray (n_atoms,)

    Raises
    ------
    InputError
        A ``symprec`` that is not a positive number, or no symmetry found.

    Examples
    --------
    >>> from ase.build import bulk
    >>> equivalent_sites(bulk("CeO2", "fluorite", a=5.41, cubic=True)).tolist()
    [0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1]
    """
    import spglib
    if not (isinstance(symprec, (int, float)) and not isinstance(symprec, bool) and symprec > 0):
        raise InputError(f"symprec must be a positive distance (Å), got {symprec!r}")
    data = read_structure(structure)
    numbers = np.unique(data.symbols, return_inverse=True)[1] + 1
    try:
        with warnings.catch_warnings():  # spglib >= 2.5 warns about its own error-handling default
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = spglib.get_symmetry_dataset((data.cell, np.mod(data.frac, 1.0), numbers), symprec=symprec)
    except Exception as exc:  # noqa: BLE001 - spglib's SpglibError when its new error handling is on
        dataset, message = None, str(exc)
    else:
        message = spglib.get_error_message() if dataset is None else ""
    if dataset is None:
        raise InputError(f"spglib found no symmetry of the structure within symprec = {symprec} Å "
                         f"({message})")
    return np.asarray(dataset.equivalent_atoms, dtype=int)
