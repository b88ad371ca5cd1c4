"""Where a screen's structures come from: structure files (one structure each, as
``ase-spacecharge run`` reads them), globs of them, ase.db databases (one structure a row,
optionally a selection), or ``Atoms`` objects.

Each structure gets an identity from its content: the SHA-256 of a file's bytes, or of an
``Atoms``' species, positions, cell, periodicity and per-atom arrays (a database row's, with
the arrays its ``data`` holds).  Rows of a study are keyed by it, so a renamed file is the
same structure and an edited one is a new one.
"""

from __future__ import annotations

import glob
import hashlib
import os

from ..errors import InputError

__all__ = ["structure_hash", "find_structures", "load_structure"]


def structure_hash(atoms):
    """The content identity of an ``Atoms``: SHA-256 of its species, positions, cell,
    periodicity and per-atom arrays (numbers and strings; sorted by name).

    Parameters
    ----------
    atoms : ase.Atoms

    Returns
    -------
    str
        32 hexadecimal digits.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> a, b = ceria_like_atoms(), ceria_like_atoms(well=-0.2)
    >>> structure_hash(a) == structure_hash(a.copy()), structure_hash(a) == structure_hash(b)
    (True, False)
    """
    import numpy as np
    h = hashlib.sha256()
    parts = [("cell", np.asarray(atoms.cell)), ("pbc", np.asarray(atoms.pbc))]
    parts += sorted((k, np.asarray(v)) for k, v in atoms.arrays.items())
    for name, value in parts:
        if value.dtype.kind not in "biufcUS":
            value = np.asarray(repr(value.tolist()))
        h.update(f"{name}:{value.dtype.str}:{value.shape}:".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    return h.hexdigest()[:32]


def _file_hash(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:32]


def _row_atoms(row):
    """A database row's atoms with every per-atom array its ``data`` holds: those of
    :func:`~ase_spacecharge.structure.db_data` (``data["arrays"]``) and any top-level entry
    with one value per atom."""
    import numpy as np
    from ..structure import from_db_row
    atoms = from_db_row(row)
    for key, value in (row.get("data", {}) or {}).items():
        if key not in ("arrays", "info") and key not in atoms.arrays and np.ndim(value) >= 1 \
                and len(value) == len(atoms):
            atoms.set_array(key, np.asarray(value))
    return atoms


def _db_sources(path, select):
    from ase.db import connect
    try:
        rows = list(connect(path, type="db").select(select, include_data=True))
    except Exception as exc:  # noqa: BLE001 - ase.db raises many kinds for files and selections
        raise InputError(f"--structures {path}: cannot read it as an ase.db database"
                         f"{'' if select is None else f' with --select {select!r}'} "
                         f"({type(exc).__name__}: {exc})") from None
    if not rows:
        raise InputError(f"--structures {path}: no rows" + ("" if select is None else f" match --select {select!r}"))
    full = os.path.abspath(path)
    return [dict(name=f"{path}@id={row.id}", ref=(full, row.id), hash=structure_hash(_row_atoms(row)))
            for row in rows]


def _path_sources(spec, select, exclude):
    spec = os.fspath(spec)
    if any(c in spec for c in "*?["):
        paths = sorted(glob.glob(spec))
        if not paths:
            raise InputError(f"--structures {spec!r}: no file matches")
    elif not os.path.isfile(spec):
        raise InputError(f"--structures {spec}: no such file")
    else:
        paths = [spec]
    out = []
    for path in paths:
        if exclude is not None and os.path.exists(exclude) and os.path.samefile(path, exclude):
            raise InputError(f"--structures {path}: this is the results database (--out); give another --out")
        if path.endswith(".db"):
            out += _db_sources(path, select)
        else:
            out.append(dict(name=path, ref=os.path.abspath(path), hash=_file_hash(path)))
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
    from ..cases.run import read_structure_file
    if hasattr(ref, "get_scaled_positions"):
        atoms, now, name = ref, (structure_hash(ref) if expected else None), "the structure"
    elif isinstance(ref, tuple):
        from ase.db import connect
        atoms = _row_atoms(connect(ref[0], type="db").get(id=ref[1]))
        now, name = structure_hash(atoms), f"{ref[0]}@id={ref[1]}"
    else:
        atoms = read_structure_file(ref)
        now, name = _file_hash(ref), ref
    if expected is not None and now != expected:
        raise InputError(f"{name}: changed since the screen was planned (its content identity is {now}, was "
                         f"{expected}); rerun the screen")
    return atoms
