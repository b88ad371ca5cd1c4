"""The interactive viewer of a structure case's annotated cell (``--view cell.html``): one
self-contained HTML file (plotly, which pymatgen installs; its JavaScript embedded)."""

from __future__ import annotations

__all__ = ["write"]


def write(path, result, *, color_by="sc_phi", **options):
    """The command line's writer: the first temperature's annotated cell beside its profile.

    Parameters
    ----------
    path : str or path-like
        HTML.
    result : CaseResult
        Of a structure case.
    color_by : str
        The array shown first (the menu switches).
    **options
        Ignored (the command line passes every writer the same options).

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.io import write as write_atoms
    >>> from ase_spacecharge.cases import load_case, run_case
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> folder = tempfile.mkdtemp()
    >>> write_atoms(os.path.join(folder, "gb.extxyz"), ceria_like_atoms())
    >>> case = os.path.join(folder, "case.toml")
    >>> _ = open(case, "w").write('structure = "gb.extxyz"\\ntemperature = 773.15\\npermittivity = 55.0\\n'
    ...     '[[defects]]\\nlabel = "Vo"\\nsite = "O"\\nvalence = 2\\nmole_fraction = 0.05\\nmobility = 1.0\\n'
    ...     '[[defects]]\\nlabel = "Gd"\\nsite = "Ce"\\nvalence = -1\\nmole_fraction = 0.2\\n')
    >>> write(os.path.join(folder, "cell.html"), run_case(load_case(case)))[0][0]
    'interactive viewer'
    """
    from ...visual.viewer import view
    view(result.frames[0], path, projection=result.projection, solution=result.solutions[0], color_by=color_by)
    return [("interactive viewer", str(path))]
