"""The annotated structure (``write_structure``, ``-o/--write-structure``): any format
``ase.io.write`` writes (extxyz keeps every per-atom array, one frame per temperature), or an
ase.db (``*.db``: one row per frame, with every array and ``info`` entry in ``data`` as
:func:`~ase_spacecharge.structure.db_data` stores them, which ``ase.io.write`` would drop).
"""

from __future__ import annotations

__all__ = ["write_structure_file", "write"]


def write_structure_file(path, frames):
    """Write annotated structures (one frame each) to ``path``.

    Parameters
    ----------
    path : str or path-like
        ``*.db`` for an ase.db (rows appended); anything else through ``ase.io.write``.
    frames : sequence of ase.Atoms

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.db import connect
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> path = os.path.join(tempfile.mkdtemp(), "out.db")
    >>> atoms = ceria_like_atoms()
    >>> atoms.info["sc_phi0"] = 0.1
    >>> write_structure_file(path, [atoms])
    >>> row = connect(path).get(id=1)
    >>> row.sc_phi0, sorted(row.data["arrays"])
    (0.1, ['dE_Gd', 'dE_Vo'])
    """
    import os
    if os.fspath(path).endswith(".db"):
        from ase.db import connect
        from ...structure import db_data
        with connect(path, type="db") as db:
            for atoms in frames:
                kv, data = db_data(atoms)
                db.write(atoms, key_value_pairs=kv, data=data)
        return
    from ase.io import write as ase_write
    ase_write(path, list(frames))


def write(path, result, **options):
    """The command line's writer: the annotated structure of a structure case.

    Parameters
    ----------
    path : str or path-like
    result : CaseResult
    **options
        Ignored.

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> write("out.extxyz", type("R", (), {"frames": []})())
    []
    """
    if not result.frames:
        return []
    write_structure_file(path, result.frames)
    return [("annotated structure", path)]
