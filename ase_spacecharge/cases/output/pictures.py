"""Pictures of a case (``--plot``, ``--plot-structure``; matplotlib, the ``plot`` extra): the
profiles, beside them the case's dynamics (transient, I–V, Nyquist and Bode), and the
annotated cell.  The drawing itself is in :mod:`ase_spacecharge.plots`."""

from __future__ import annotations

import os

__all__ = ["write_profile_plots", "write_structure_picture"]


def _dynamics_plots(path, result):
    """``<stem>_transient.png``, ``<stem>_iv.png``, ``<stem>_nyquist.png`` and
    ``<stem>_bode.png`` beside the profile plot."""
    from ...visual.impedance import plot_impedance
    from ...visual.plots import plot_iv, plot_transient
    stem, ext = os.path.splitext(path)
    rows = result.summary.get("results", [result.summary])
    written = []
    if "impedance" in rows[0]:
        nyquist, bode = plot_impedance(stem, rows)
        written += [("Nyquist plot", nyquist), ("Bode plot", bode)]
    for r in rows[:1]:  # the first temperature
        if "transient" in r:
            plot_transient(f"{stem}_transient{ext or '.png'}", r["transient"])
            written.append(("transient plot", f"{stem}_transient{ext or '.png'}"))
        if "steady_state" in r:
            plot_iv(f"{stem}_iv{ext or '.png'}", r["steady_state"])
            written.append(("I–V plot", f"{stem}_iv{ext or '.png'}"))
    return written


def write_profile_plots(path, result, **options):
    """The profile plot of every solved temperature at ``path`` and, beside it, the plots of
    the case's dynamics.

    Parameters
    ----------
    path : str or path-like
        PNG (or any format matplotlib writes).
    result : CaseResult
    **options
        Ignored (the command line passes every writer the same options).

    Returns
    -------
    list of (str, str)
        What was written and where.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.cases import load_case, run_case
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> folder = tempfile.mkdtemp()
    >>> result = run_case(load_case(write_ceria_like_case(folder, temperature=773.15)))
    >>> write_profile_plots(os.path.join(folder, "p.png"), result)[0][0]
    'profile plot'
    """
    from ...visual.plots import boundary_positions, plot_profiles
    marks = None if result.projection is None else boundary_positions(result.projection)
    plot_profiles(path, result.solutions, boundaries=marks)
    return [("profile plot", path)] + _dynamics_plots(path, result)


def write_structure_picture(path, result, *, color_by="sc_phi", **options):
    """A picture of the annotated cell of a structure case, coloured by a per-atom array.

    Parameters
    ----------
    path : str or path-like
    result : CaseResult
        Of a structure case.
    color_by : str
        A per-atom array (:func:`~ase_spacecharge.structure.annotate.result_keys`).
    **options
        Ignored.

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.io import write
    >>> from ase_spacecharge.cases import load_case, run_case
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> folder = tempfile.mkdtemp()
    >>> write(os.path.join(folder, "gb.extxyz"), ceria_like_atoms())
    >>> case = os.path.join(folder, "case.toml")
    >>> _ = open(case, "w").write('structure = "gb.extxyz"\\ntemperature = 773.15\\npermittivity = 55.0\\n'
    ...     '[[defects]]\\nlabel = "Vo"\\nsite = "O"\\nvalence = 2\\nmole_fraction = 0.05\\nmobility = 1.0\\n'
    ...     '[[defects]]\\nlabel = "Gd"\\nsite = "Ce"\\nvalence = -1\\nmole_fraction = 0.2\\n')
    >>> write_structure_picture(os.path.join(folder, "cell.png"), run_case(load_case(case)))[0][0]
    'cell picture'
    """
    from ...visual.cell import plot_structure
    plot_structure(path, result.frames[0], result.projection, color_by=color_by)
    return [("cell picture", path)]
