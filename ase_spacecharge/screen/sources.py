"""Where a screen's structures come from: structure files (one structure each, as
``ase-spacecharge run`` reads them), globs of them, ase.db databases (one structure a row,
optionally a selection), or ``Atoms`` objects.

Each structure gets an identity from its content: the SHA-256 of a file's bytes, or of an
``Atoms``' species, positions, cell, periodicity and per-atom arrays (a database row's, with
the arrays its ``data`` holds).  Rows of a study are keyed by it, so a renamed file is the
same structure and an edited one is a new one.
"""

from __future__ import annotations

import hashlib
import os

from ..errors import InputError
from ..structure.files import db_row_atoms, expand_paths, file_hash, read_db, split_spec, structure_hash

__all__ = ["structure_hash", "find_structures", "load_structure"]


def _db_sources(path, select):
    full = os.path.abspath(path)
    return [dict(name=f"{path}@id={i}", ref=(full, i), hash=structure_hash(atoms))
            for i, atoms in read_db(path, select, f"--structures {path}")]


def _spec_hash(spec):
    """The identity of a file, or of one frame of it (``file@k``)."""
    path, index = split_spec(spec)
    digest = file_hash(path)
    return digest if index is None else hashlib.sha256(f"{digest}@{index}".encode()).hexdigest()[:32]


def _path_sources(spec, select, exclude):
    from ..structure.files import read_images
    out = []
    for name in expand_paths(spec, "--structures"):
        path, index = split_spec(name)
        if exclude is not None and os.path.exists(exclude) and os.path.samefile(path, exclude):
            raise InputError(f"--structures {path}: this is the results database (--out); give another --out")
        if path.endswith(".db"):
            out += _db_sources(path, index if isinstance(index, str) else select)
        elif index is None:
            out.append(dict(name=path, ref=os.path.abspath(path), hash=file_hash(path)))
        else:  # file@SLICE: one source per frame
            for frame, _ in read_images(name):
                ref = os.path.abspath(path) + frame[len(path):]
                out.append(dict(name=frame, ref=ref, hash=_spec_hash(ref)))
    return out


def find_structures(structures, select=None, exclude=None):
    """Every structure of a screen, with its name, a reference the workers load it from and
    its content identity.

    Parameters
    ----------
    structures : str, path-like, ase.Atoms or a list of them
        A structure file, a glob (``"dir/*.extxyz"``, quoted on the command line) or an
        ase.db file (``*.db``; one structure a row, read as
        :func:`~ase_spacecharge.structure.from_db_row` does, with any top-level per-atom
        entry of ``data`` as an array).
    select : str, optional
        An ase.db selection (``"natoms<400,sigma=5"``) for the databases.
    exclude : str, optional
        The results database, which must not also be a source.

    Returns
    -------
    list of dict
        ``name``, ``ref`` (an absolute path, ``(database, id)`` or the ``Atoms``) and
        ``hash``, in the order given (glob matches sorted).

    Raises
    ------
    InputError
        A glob that matches nothing, a missing file, an unreadable database or an empty
        selection.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> [s["name"] for s in find_structures([ceria_like_atoms(), ceria_like_atoms(well=-0.2)])]
    ['atoms[0]', 'atoms[1]']
    >>> try:
    ...     find_structures("nowhere/*.extxyz")
    ... except InputError as exc:
    ...     print(exc)
    --structures 'nowhere/*.extxyz': no file matches
    """
    items = structures if isinstance(structures, (list, tuple)) else [structures]
    if not items:
        raise InputError("--structures: no structures given")
    out = []
    for i, item in enumerate(items):
        if hasattr(item, "get_scaled_positions"):
            out.append(dict(name=f"atoms[{i}]", ref=item, hash=structure_hash(item)))
        elif isinstance(item, (str, os.PathLike)):
            out += _path_sources(item, select, exclude)
        else:
            raise InputError(f"--structures: expected a file, a glob, an ase.db or an ASE Atoms, got "
                             f"{type(item).__name__}")
    return out


def load_structure(ref, expected=None):
    """Load one structure where a worker runs.

    Parameters
    ----------
    ref : str, (str, int) or ase.Atoms
        From :func:`find_structures`.
    expected : str, optional
        Its identity when the screen was planned; a structure that changed since is refused.

    Returns
    -------
    ase.Atoms

    Raises
    ------
    InputError
        An unreadable file or row (named), or a structure that changed since it was planned.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> len(load_structure(ceria_like_atoms()))
    90
    """
    from ..structure.files import read_structure_file
    if hasattr(ref, "get_scaled_positions"):
        atoms, now, name = ref, (structure_hash(ref) if expected else None), "the structure"
    elif isinstance(ref, tuple):
        from ase.db import connect
        atoms = db_row_atoms(connect(ref[0], type="db").get(id=ref[1]))
        now, name = structure_hash(atoms), f"{ref[0]}@id={ref[1]}"
    else:
        atoms = read_structure_file(ref)
        now, name = _spec_hash(ref), ref
    if expected is not None and now != expected:
        raise InputError(f"{name}: changed since the screen was planned (its content identity is {now}, was "
                         f"{expected}); rerun the screen")
    return atoms
