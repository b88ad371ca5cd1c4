"""ASE's viewer plugin: ``ase.visualize.view(atoms, viewer="spacecharge")`` writes the
interactive viewer (:func:`~.viewer.view`) of annotated atoms and opens it in the browser.

Registered in ASE's ``ase.visualize`` entry-point group (see ``ase/visualize/viewers.py``) by
this distribution's ``pyproject.toml``: ``spacecharge = "ase_spacecharge.visual.ase_viewer:VIEWER_ENTRYPOINT"``.
"""

from __future__ import annotations

import os
import tempfile

from ase.utils.plugins import ExternalViewer

__all__ = ["VIEWER_ENTRYPOINT", "view_spacecharge"]

#: What ASE's entry point loads: ASE calls :func:`view_spacecharge` of this module.
VIEWER_ENTRYPOINT = ExternalViewer(desc="Space-charge results on the atoms: an interactive HTML viewer (plotly)",
                                   module="ase_spacecharge.visual.ase_viewer")


def view_spacecharge(atoms, data=None, repeat=None, *, path=None, open_browser=True, **kwargs):
    """Write the interactive viewer of annotated atoms and open it (ASE's ``view_<name>`` hook).

    Parameters
    ----------
    atoms : ase.Atoms
        Annotated (:func:`~ase_spacecharge.structure.annotate`, or read back from a written
        ``write_structure`` file).
    data : None
        ASE passes it to every viewer; unused.
    repeat : (int, int, int), optional
        Repeat the cell (``atoms.repeat``) before drawing.
    path : str, optional
        The HTML file; default a new file in the temporary directory.
    open_browser : bool
        Open it with :mod:`webbrowser`.
    **kwargs
        Passed to :func:`~.viewer.view` (``projection``, ``solution``, ``color_by``).

    Returns
    -------
    str
        The path of the HTML file.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.visualize import view
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, _, _ = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0, boundaries=[0.5])
    >>> path = view(out, viewer="spacecharge", path=os.path.join(tempfile.mkdtemp(), "v.html"), open_browser=False)
    >>> os.path.getsize(path) > 1e6
    True
    """
    from .viewer import view
    if repeat is not None:
        atoms = atoms.repeat(repeat)
    if path is None:
        handle, path = tempfile.mkstemp(prefix="spacecharge-", suffix=".html")
        os.close(handle)
    view(atoms, path, **kwargs)
    if open_browser:
        import webbrowser
        webbrowser.open("file://" + os.path.abspath(path))
    return path
