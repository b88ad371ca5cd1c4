"""The output room: one writer per format (in the manner of ``ase.io``), and the table the
command line dispatches from.

Each format module has a public writer taking plain objects (``write_summary_json(path,
summary)``, ``write_profile_csv(path, solutions)``, ``write_spectrum_csv(path, spectrum)``,
...) and ``write(path, result)``, the command line's entry, which takes a
:class:`~ase_spacecharge.cases.CaseResult` and returns what it wrote as ``(what, path)`` pairs.

"""

from __future__ import annotations

import importlib

__all__ = ["FORMATS", "write_outputs"]

#: Command-line option -> (module of this package, its writer, what it writes).  Every writer
#: takes ``(path, result, **options)`` and returns the ``(what, path)`` pairs it wrote.  The order is the order
#: in which the files are written.
FORMATS = {
    "write_structure": ("structure_file", "write", "the annotated structure (extxyz, ase.db, ...)"),
    "json": ("summary_json", "write", "the summary as JSON"),
    "csv": ("profile_csv", "write", "the plane profiles as CSV"),
    "plot": ("pictures", "write_profile_plots", "the profile plot and the plots of the case's dynamics"),
    "spectrum": ("spectrum_csv", "write", "the impedance spectra as CSV"),
    "plot_structure": ("pictures", "write_structure_picture", "a picture of the annotated cell"),
    "view": ("view_html", "write", "the interactive viewer of the annotated cell (HTML)"),
    "chemiscope": ("chemiscope_json", "write", "the annotated cell as a chemiscope dataset"),
}


def write_outputs(result, paths, **options):
    """Write every output of ``paths`` (an option of :data:`FORMATS` -> path; None or missing
    options are skipped).

    Parameters
    ----------
    result : CaseResult
    paths : dict
    **options
        Passed to every writer (``color_by``: the per-atom array of the cell picture).

    Returns
    -------
    list of (str, str)
        What was written and where, in the order of :data:`FORMATS`.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.cases import load_case, run_case
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> folder = tempfile.mkdtemp()
    >>> result = run_case(load_case(write_ceria_like_case(folder, temperature=773.15)))
    >>> write_outputs(result, {"json": os.path.join(folder, "s.json"), "csv": os.path.join(folder, "p.csv")})
    ... # doctest: +ELLIPSIS
    [('summary', '.../s.json'), ('profiles', '.../p.csv')]
    """
    written = []
    for option, (module, function, _) in FORMATS.items():
        if paths.get(option):
            writer = getattr(importlib.import_module(f".{module}", __name__), function)
            written += writer(paths[option], result, **options)
    return written
