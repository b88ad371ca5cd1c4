"""Structures and defect images from files, named as ASE users name them.

* A path is read by ``ase.io`` (any format it reads: extxyz, traj, OUTCAR, vasprun.xml, ...),
  with ASE's ``file@SLICE`` (``relax.traj@-1``, ``images.extxyz@:``, ``images.extxyz@0:9``);
* ``*.db`` is an ase.db database, one structure a row, its per-atom arrays restored from
  ``data`` (``data["arrays"]`` as :func:`~.annotate.db_data` writes them, or top-level
  entries with one value per atom); ``x.db@id=3`` or ``x.db@natoms<400`` selects rows;
* ``*.json`` holding a pymatgen object (``Structure.to("x.json")``, a
  ``ComputedStructureEntry``'s ``to_json()``, a list of them) is read by pymatgen; other
  JSON files are ASE's;
* globs (``relax/*/OUTCAR``) expand to their matches, sorted.

Which frames a file gives: one structure (:func:`read_structure_file`) is the last frame, as
``ase.io.read`` gives it.  Images (:func:`read_images`) are every frame of a structure file
(an extxyz or traj of images), but the last frame of a program's output (a format ASE reads
but does not write: OUTCAR, vasprun.xml, espresso/gpaw/aims/castep output), which is the
relaxed image; ``file@SLICE`` overrides both.

The identity of a structure (as the screen keys its rows) is the SHA-256 of a file's bytes,
or :func:`structure_hash` of an ``Atoms``.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os

from ..errors import InputError

__all__ = ["structure_hash", "file_hash", "split_spec", "expand_paths", "db_row_atoms", "read_db",
           "read_structure_file", "read_images"]


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


def file_hash(path):
    """SHA-256 (32 hexadecimal digits) of a file's bytes.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(path, "w").write("x")
    >>> file_hash(path)
    '2d711642b726b04401627ca9fbac32f5'
    """
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:32]


def split_spec(spec):
    """``(path, index)`` of ``file@SLICE`` as ASE parses it (``ase.io.formats.parse_filename``):
    an int, a slice, an ase.db selection string, or None without ``@``.

    Parameters
    ----------
    spec : str or path-like

    Returns
    -------
    (str, int or slice or str or None)

    Examples
    --------
    >>> split_spec("relax.traj@-1"), split_spec("images.extxyz@0:9"), split_spec("gbs.db@id=3")
    (('relax.traj', -1), ('images.extxyz', slice(0, 9, None)), ('gbs.db', 'id=3'))
    """
    from ase.io.formats import parse_filename
    return parse_filename(os.fspath(spec))


def expand_paths(spec, what="structures"):
    """The files a path or glob names (``@SLICE`` kept on each), sorted.

    Parameters
    ----------
    spec : str or path-like
        A file, ``file@SLICE``, or a glob (``relax/*/OUTCAR``, ``vac_*.extxyz@-1``).
    what : str
        Names the input in messages.

    Returns
    -------
    list of str

    Raises
    ------
    InputError
        A glob that matches nothing, or a file that does not exist.

    Examples
    --------
    >>> try:
    ...     expand_paths("nowhere/*.extxyz", "images")
    ... except InputError as exc:
    ...     print(exc)
    images 'nowhere/*.extxyz': no file matches
    """
    spec = os.fspath(spec)
    path, index = split_spec(spec)
    suffix = spec[len(path):]  # "@SLICE" or ""
    if any(c in path for c in "*?["):
        paths = sorted(glob.glob(path))
        if not paths:
            raise InputError(f"{what} {spec!r}: no file matches")
        return [p + suffix for p in paths]
    if not os.path.isfile(path):
        raise InputError(f"{what} {spec}: no such file")
    return [spec]


def db_row_atoms(row):
    """A database row's atoms with every per-atom array its ``data`` holds: those of
    :func:`~.annotate.db_data` (``data["arrays"]``) and any top-level entry with one value
    per atom.

    Parameters
    ----------
    row : ase.db row

    Returns
    -------
    ase.Atoms

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ase.db import connect
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> db = connect(os.path.join(tempfile.mkdtemp(), "gbs.db"))
    >>> atoms = ceria_like_atoms()
    >>> row = db.get(id=db.write(atoms, data={"dE_Vo": atoms.arrays["dE_Vo"]}))
    >>> bool(np.array_equal(db_row_atoms(row).arrays["dE_Vo"], atoms.arrays["dE_Vo"], equal_nan=True))
    True
    """
    import numpy as np
    from .annotate import from_db_row
    atoms = from_db_row(row)
    for key, value in (row.get("data", {}) or {}).items():
        if key not in ("arrays", "info") and key not in atoms.arrays and np.ndim(value) >= 1 \
                and len(value) == len(atoms):
            atoms.set_array(key, np.asarray(value))
    return atoms


def read_db(path, select=None, what=None):
    """``(row id, atoms)`` of every row of an ase.db (with :func:`db_row_atoms`' arrays).

    Parameters
    ----------
    path : str
    select : str, optional
        An ase.db selection (``"natoms<400,sigma=5"``).
    what : str, optional
        Names the input in messages (default: the path).

    Returns
    -------
    list of (int, ase.Atoms)

    Raises
    ------
    InputError
        An unreadable database or selection, or no rows.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.db import connect
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> path = os.path.join(tempfile.mkdtemp(), "gbs.db")
    >>> _ = connect(path).write(ceria_like_atoms(), sigma=5)
    >>> [(i, len(a)) for i, a in read_db(path, "sigma=5")]
    [(1, 90)]
    """
    from ase.db import connect
    what = path if what is None else what
    how = "" if select is None else f" with selection {select!r}"
    try:
        rows = list(connect(path, type="db").select(select, include_data=True))
    except Exception as exc:  # noqa: BLE001 - ase.db raises many kinds for files and selections
        raise InputError(f"{what}: cannot read it as an ase.db database{how} ({type(exc).__name__}: {exc})") from None
    if not rows:
        raise InputError(f"{what}: no rows" + ("" if select is None else f" match the selection {select!r}"))
    return [(row.id, db_row_atoms(row)) for row in rows]


def _pymatgen_json(path):
    """The pymatgen object(s) of a JSON file written by pymatgen (``@module`` names pymatgen),
    else None (an ASE JSON file)."""
    try:
        with open(path) as handle:
            raw = json.load(handle)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    first = raw[0] if isinstance(raw, list) and raw else raw
    if not (isinstance(first, dict) and str(first.get("@module", "")).startswith("pymatgen")):
        return None
    from monty.json import MontyDecoder
    return MontyDecoder().process_decoded(raw)


def _as_atoms(obj, name):
    """An ASE ``Atoms`` of a pymatgen ``Structure`` (site properties become arrays, properties
    ``info``), or the ``Atoms`` itself."""
    if hasattr(obj, "get_scaled_positions"):
        return obj
    if hasattr(obj, "lattice") and hasattr(obj, "sites"):
        from pymatgen.io.ase import AseAtomsAdaptor
        return AseAtomsAdaptor.get_atoms(obj)
    raise InputError(f"{name}: holds a {type(obj).__name__}, not a structure")


def _program_output(fmt):
    """Whether ASE format ``fmt`` is a program's output (a format ASE reads but cannot write)."""
    from ase.io.formats import ioformats
    io = ioformats.get(fmt)
    return io is not None and io.can_read and not io.can_write


def _format(path, formats):
    """ASE's format of ``path`` (``ase.io.formats.filetype``), detected once per file name
    extension (or name, for OUTCAR and the like) in ``formats``: detection reads the file's
    head and matches it against every format's signature, which costs more than reading a
    small structure."""
    base = os.path.basename(path)
    key = os.path.splitext(base)[1] or base
    if key not in formats:
        from ase.io.formats import filetype
        try:
            formats[key] = filetype(path)
        except Exception:  # noqa: BLE001 - ase.io.iread names the problem when it reads the file
            return None
    return formats[key]


def _file_frames(spec, select, default_index, what="structure", formats=None):
    """``(name, object)`` of each frame ``spec`` (a file, ``file@SLICE``, a database) holds;
    frames of a file with several are named ``file@k``."""
    path, index = split_spec(spec)
    if path.endswith(".db"):
        return [(f"{path}@id={i}", atoms) for i, atoms in read_db(path, index if isinstance(index, str) else select,
                                                                  spec)]
    objs = _pymatgen_json(path) if path.endswith(".json") else None
    fmt = None
    if objs is None:
        from ase.io import iread
        fmt = _format(path, {} if formats is None else formats)
        try:
            objs = list(iread(path, index=":", format=fmt))
        except Exception as exc:  # noqa: BLE001 - ASE raises many kinds for unreadable files
            raise InputError(f"{spec}: cannot read the {what} ({type(exc).__name__}: {exc})") from None
    objs = objs if isinstance(objs, list) else [objs]
    index = default_index(fmt) if index is None else index
    try:
        picked = range(len(objs))[index]
    except (IndexError, TypeError):
        raise InputError(f"{spec}: no frame {index!r} (the file holds {len(objs)})") from None
    picked = [picked] if isinstance(picked, int) else list(picked)
    return [(f"{path}@{k}" if len(objs) > 1 else path, objs[k]) for k in picked]


def read_structure_file(spec, select=None):
    """One structure from a file: the last frame (as ``ase.io.read``), ``file@SLICE`` of one
    frame, one row of an ase.db (with its ``data`` arrays), or a pymatgen JSON structure.

    Parameters
    ----------
    spec : str or path-like
    select : str, optional
        ase.db selection (also ``x.db@id=3``).

    Returns
    -------
    ase.Atoms

    Raises
    ------
    InputError
        An unreadable file, no atoms, or a selection of more than one structure (named).

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.io import write
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> path = os.path.join(tempfile.mkdtemp(), "two.extxyz")
    >>> write(path, [ceria_like_atoms(), ceria_like_atoms()[:60]])
    >>> len(read_structure_file(path)), len(read_structure_file(path + "@0"))
    (60, 90)
    """
    spec = os.fspath(spec)
    frames = _file_frames(spec, select, lambda fmt: -1)
    if len(frames) != 1:
        raise InputError(f"{spec}: holds {len(frames)} structures ({', '.join(n for n, _ in frames[:3])}"
                         f"{', ...' if len(frames) > 3 else ''}); select one (file@-1, x.db@id=3)")
    atoms = _as_atoms(frames[0][1], spec)
    if len(atoms) == 0:
        raise InputError(f"{spec}: the file holds no atoms")
    return atoms


def read_images(sources, select=None):
    """Every defect image ``sources`` name, with a name for messages.

    Parameters
    ----------
    sources : str, path-like, Atoms, pymatgen object, or a list of them
        Files, ``file@SLICE``, globs, ase.db files (every row, or ``select``), pymatgen JSON
        files (entries or structures), or objects (``Atoms``, ``ComputedStructureEntry``,
        ``Vasprun``), in any mix.  A structure file gives every frame, a program's output its
        last (see the module docstring).
    select : str, optional
        ase.db selection for the databases.

    Returns
    -------
    list of (str, object)
        In the order given, glob matches sorted; objects named ``images[k]``.

    Raises
    ------
    InputError
        Nothing given, a glob that matches nothing, a missing or unreadable file.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.io import write
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> folder = tempfile.mkdtemp()
    >>> write(os.path.join(folder, "vac_1.extxyz"), [ceria_like_atoms()[1:], ceria_like_atoms()[2:]])
    >>> [os.path.basename(n) for n, _ in read_images(os.path.join(folder, "vac_*.extxyz"))]
    ['vac_1.extxyz@0', 'vac_1.extxyz@1']
    """
    items = sources if isinstance(sources, (list, tuple)) else [sources]
    out, formats = [], {}
    for k, item in enumerate(items):
        if isinstance(item, (str, os.PathLike)):
            for spec in expand_paths(item, "images"):
                out += _file_frames(spec, select, lambda fmt: -1 if _program_output(fmt) else slice(None), "image",
                                    formats)
        else:
            out.append((f"images[{k}]", item))
    if not out:
        raise InputError("images: none given")
    return out
