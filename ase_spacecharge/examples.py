"""Synthetic inputs for tests, benchmarks and documentation: a CeO2 (111)-like column with a
segregation well at x = 0, as sites, as a ready problem, and as ASE atoms."""

import numpy as np

from .sites import Sites

__all__ = ["ceria_like_column", "ceria_like_problem", "ceria_like_atoms", "write_ceria_like_case", "defect_tables",
           "CERIA_DEFECTS", "CERIA_AREA"]

#: V_O (mobile) and Gd_Ce (frozen) in Gd-doped ceria, as dicts with their host species.
CERIA_DEFECTS = (dict(label="Vo", site="O", valence=2, mole_fraction=0.05, mobility=1.0),
                 dict(label="Gd", site="Ce", valence=-1, mole_fraction=0.2, mobility=0.0))
#: Cross-section (Å²) of the column: pyscses' 7.65327 Å × 7.65327 Å.
CERIA_AREA = 58.5725


def ceria_like_column(n_cells=30, well=-0.3, width=3.0, symmetric=True):
    """O-Ce-O trilayers (CeO2 (111)-like, 3.124 Å repeat) filling a periodic cell, mirror-
    symmetric about x = 0, with a Gaussian segregation well at x = 0 for both defects.

    Parameters
    ----------
    n_cells : int
        Repeats in the cell.
    well : float
        Depth of the V_O well (eV); the Gd well is half as deep.
    width : float
        Gaussian width (Å).
    symmetric : bool
        False skews the V_O well (no mirror symmetry).

    Returns
    -------
    sites : Sites
    x_min, x_max : float
        The periodic cell (Å).

    Examples
    --------
    >>> sites, lo, hi = ceria_like_column()
    >>> len(sites), sites.defect_labels, round(hi - lo, 3)
    (90, ('Vo', 'Gd'), 93.72)
    """
    a = 3.1240
    centres = (np.arange(n_cells) - (n_cells - 1) / 2) * a
    x = np.concatenate([centres - 0.78, centres, centres + 0.78])
    label = np.array(["O"] * n_cells + ["Ce"] * n_cells + ["O"] * n_cells)
    E = np.full((x.size, 2), np.nan)
    o = label == "O"
    E[o, 0] = well * np.exp(-x[o] ** 2 / (2 * width ** 2))
    E[~o, 1] = 0.5 * well * np.exp(-x[~o] ** 2 / (2 * width ** 2))
    if not symmetric:
        E[o, 0] *= 1 + 0.3 * np.tanh(x[o])
    half = n_cells * a / 2
    return Sites(x, label, np.where(o, -2.0, 4.0), ("Vo", "Gd"), E), -half, half


def ceria_like_problem(**kw):
    """The Mott–Schottky problem of :func:`ceria_like_column` (V_O mobile, Gd frozen, ε = 55,
    bulk region the first 2–15 Å of the cell).

    Parameters
    ----------
    **kw
        Override keywords of :func:`~ase_spacecharge.model.build_problem`.

    Returns
    -------
    Problem

    Examples
    --------
    >>> ceria_like_problem().grid.n
    90
    """
    from .model import build_problem
    sites, lo, hi = ceria_like_column()
    opts = dict(x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0, bulk=(lo + 2, lo + 15))
    opts.update(kw)
    return build_problem(sites, [{k: v for k, v in d.items() if k != "site"} for d in CERIA_DEFECTS], **opts)


def ceria_like_system(temperature=773.15, diffusivity=1e-11, *, rtol=1e-10, **kw):
    """:func:`ceria_like_problem` between electrodes held at 0 V (Dirichlet ends), as a
    :class:`~ase_spacecharge.dynamics.PNPSystem` about its equilibrium: V_O with
    ``diffusivity`` (m²/s) at ``temperature`` (K).

    Parameters
    ----------
    temperature : float
        K.
    diffusivity : float
        m²/s.
    rtol : float
        Relative residual of the equilibrium solve.
    **kw
        :class:`~ase_spacecharge.dynamics.PNPSystem` keywords (``electrodes``, ``voltage``, ...).

    Returns
    -------
    PNPSystem

    Examples
    --------
    >>> ceria_like_system().n
    90
    """
    from .dynamics import Kinetics, PNPSystem
    from .solution import solve
    p = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
    return PNPSystem(p, Kinetics({"Vo": diffusivity}), temperature=temperature,
                     equilibrium=solve(p, temperature, rtol=rtol), **kw)


def ceria_like_atoms(**kw):
    """:func:`ceria_like_column` as an orthorhombic ASE cell: x along c, the well at the
    fractional coordinate 0.5, per-atom ``dE_Vo`` and ``dE_Gd`` (eV).

    Parameters
    ----------
    **kw
        Keywords of :func:`ceria_like_column`.

    Returns
    -------
    ase.Atoms

    Examples
    --------
    >>> atoms = ceria_like_atoms()
    >>> len(atoms), atoms.cell.lengths().round(3).tolist()
    (90, [7.653, 7.653, 93.72])
    """
    from ase import Atoms
    sites, lo, hi = ceria_like_column(**kw)
    a = np.sqrt(CERIA_AREA)
    pos = np.zeros((sites.x.size, 3))
    pos[:, 2] = sites.x - lo
    pos[:, 0] = np.where(sites.label == "Ce", 0.0, 0.5 * a)
    atoms = Atoms(sites.label.tolist(), positions=pos, cell=[a, a, hi - lo], pbc=True)
    atoms.set_array("dE_Vo", sites.energies[:, 0].copy())
    atoms.set_array("dE_Gd", sites.energies[:, 1].copy())
    return atoms


def write_ceria_like_case(folder, temperature=(773.15, 873.15), extra=""):
    """Write :func:`ceria_like_column` as a site file and a case file into ``folder``.

    Parameters
    ----------
    folder : str or path-like
    temperature : float or sequence of float
        K.
    extra : str
        TOML lines appended to the case (before the defect tables).

    Returns
    -------
    str
        The case file's path.

    Examples
    --------
    >>> import tempfile
    >>> open(write_ceria_like_case(tempfile.mkdtemp())).readline()
    'sites = "sites.txt"\\n'
    """
    import os
    from .sites import write_pyscses_sites
    sites, lo, hi = ceria_like_column()
    write_pyscses_sites(os.path.join(folder, "sites.txt"), sites)
    temps = list(temperature) if np.ndim(temperature) else temperature
    defects = defect_tables(CERIA_DEFECTS, drop=("site",))  # the site file names the hosts
    path = os.path.join(folder, "case.toml")
    with open(path, "w") as handle:
        handle.write(f'sites = "sites.txt"\ntemperature = {temps}\npermittivity = 55.0\narea = {CERIA_AREA}\n'
                     f"x_min = {lo}\nx_max = {hi}\nbulk = [{lo + 2}, {lo + 15}]\n{extra}\n{defects}")
    return path


def defect_tables(defects, drop=()):
    """The ``[[defects]]`` tables of a case file (TOML) for ``defects`` (dicts), without the
    keys in ``drop``.

    Parameters
    ----------
    defects : sequence of dict
    drop : sequence of str

    Returns
    -------
    str

    Examples
    --------
    >>> print(defect_tables(CERIA_DEFECTS[:1], drop=("site", "mobility")))
    <BLANKLINE>
    [[defects]]
    label = 'Vo'
    valence = 2
    mole_fraction = 0.05
    <BLANKLINE>
    """
    return "".join("\n[[defects]]\n" + "".join(f"{k} = {v!r}\n" for k, v in d.items() if k not in drop)
                   for d in defects)
