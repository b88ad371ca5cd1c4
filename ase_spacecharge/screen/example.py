"""A small screening study to try the screen on: synthetic CeO2-like columns
(:func:`~ase_spacecharge.examples.ceria_like_atoms`) with segregation wells of different
depths, and a case with a ``[sweep]`` table."""

from __future__ import annotations

import os

__all__ = ["EXAMPLE_CASE", "example_study"]

#: The case :func:`example_study` writes (``{temperatures}``, ``{fractions}`` and the
#: defect tables of :data:`~ase_spacecharge.examples.CERIA_DEFECTS` filled in).
EXAMPLE_CASE = """\
# a screening case: the common settings, and a [sweep] of parameter lists (product)
structure = "gb_*.extxyz"      # the default for --structures
temperature = {temperatures}  # K
permittivity = 55.0
boundaries = [0.5]             # the well sits at the middle of the cell

[sweep]
# Gd and its compensating vacancies vary together (the bulk stays neutral): [x_Gd, x_Vo] pairs
"defects.Gd.mole_fraction, defects.Vo.mole_fraction" = {fractions}

{defects}"""


def example_study(folder, n_structures=3, *, temperatures=(673.15, 773.15), fractions=((0.1, 0.025), (0.2, 0.05)),
                  n_cells=40):
    """Write ``gb_000.extxyz``, ... (wells from -0.15 to -0.45 eV) and ``case.toml``.

    Parameters
    ----------
    folder : str or path-like
    n_structures : int
    temperatures : sequence of float
        The case's temperatures (K).
    fractions : sequence of (float, float)
        The sweep of the Gd and V_O mole fractions (varied together).
    n_cells : int
        Repeats of each column.

    Returns
    -------
    str
        The case file's path.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.path.basename(example_study(folder, 2)), sorted(os.listdir(folder))
    ('case.toml', ['case.toml', 'gb_000.extxyz', 'gb_001.extxyz'])
    """
    from ase.io import write
    from ..examples import CERIA_DEFECTS, ceria_like_atoms, defect_tables
    for i in range(n_structures):
        well = -0.15 - 0.3 * i / max(n_structures - 1, 1)
        write(os.path.join(folder, f"gb_{i:03d}.extxyz"), ceria_like_atoms(n_cells=n_cells, well=well))
    path = os.path.join(folder, "case.toml")
    with open(path, "w") as handle:
        defects = defect_tables(CERIA_DEFECTS)
        handle.write(EXAMPLE_CASE.format(temperatures=list(temperatures), fractions=[list(f) for f in fractions],
                                         defects=defects))
    return path
