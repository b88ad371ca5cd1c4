"""What every picture of an annotated structure shares: what each ``sc_`` array means (symbol,
unit, description), how it is coloured (a log scale for site fractions and densities, a
scale centred at 0 for signed quantities such as φ and ΔE) and how big and what colour each
species is (ASE's covalent radii and Jmol colours, as ``ase gui`` draws them).

The static picture (:mod:`.cell`), the interactive viewer (:mod:`.viewer`) and the chemiscope
export (:mod:`.chemiscope_export`) all take these from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["pyplot", "as_atoms", "describe_array", "ColourScale", "colour_scale", "species_radii", "species_colours", "result_arrays",
           "unhosted_reason"]

def pyplot():
    """matplotlib's pyplot on the Agg backend (files, no display), or a named error.

    Returns
    -------
    module

    Raises
    ------
    InputError
        Without matplotlib (the ``plot`` extra).

    Examples
    --------
    >>> pyplot().get_backend().lower()
    'agg'
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("plots need matplotlib: pip install 'ase_spacecharge[plot]'") from None
    return plt


def as_atoms(structure):
    """ASE Atoms of an ASE or pymatgen structure, the pymatgen site properties as arrays and its
    ``properties`` as ``info`` (ASE Atoms are returned as they are).

    Parameters
    ----------
    structure : ase.Atoms or pymatgen Structure

    Returns
    -------
    ase.Atoms

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> s = Structure(Lattice.cubic(3.0), ["O"], [[0, 0, 0]], site_properties={"sc_phi": [0.1]})
    >>> as_atoms(s).arrays["sc_phi"].tolist()
    [0.1]
    """
    from ase import Atoms
    if isinstance(structure, Atoms):
        return structure
    atoms = Atoms([site.specie.symbol for site in structure], positions=structure.cart_coords,
                  cell=structure.lattice.matrix, pbc=True)
    for key, values in structure.site_properties.items():
        atoms.set_array(key, np.asarray(values))
    atoms.info.update(getattr(structure, "properties", None) or {})
    return atoms


# prefix -> (symbol, unit, description); the longest prefixes first
_MEANINGS = (
    ("sc_log10_occ_", "log₁₀ x({})", "", "log₁₀ of the site fraction of {} on this site (NaN: cannot host it)"),
    ("sc_dE_source_", "ΔE source ({})", "", "where the segregation energy of {} on this site came from"),
    ("sc_dphi0_dE_", "dΦ0/dΔE({})", "V/eV", "change of Φ0 per eV raised on this site's ΔE of {} (adjoint sensitivity)"),
    ("sc_occ_", "x({})", "", "site fraction of {} on this site, between 0 and 1 (NaN: the site cannot host it)"),
    ("sc_dE_", "ΔE({})", "eV", "segregation energy of {}: E(defect on this site) − E(defect in bulk); negative "
                               "attracts the defect"),
    ("sc_n_", "n({})", "Å⁻³", "density of the band carrier {} on this atom's plane"),
    ("sc_edge_", "E − E_F ({})", "eV", "band edge of carrier {} minus the Fermi level (band bending)"),
)
_FIXED = {
    "sc_phi": ("φ", "V", "electrostatic potential on this atom's plane, relative to the bulk region"),
    "sc_x": ("x", "Å", "signed distance from the boundary along its normal (the plane centre the 1D model uses)"),
    "sc_plane": ("plane", "", "the 1D model's plane of this atom (-1: not solved)"),
}


def describe_array(key):
    """Symbol, unit and a one-line description of a per-atom result array.

    Parameters
    ----------
    key : str
        An ``sc_`` array name (:func:`~ase_spacecharge.structure.annotate.result_keys`); unknown
        ``sc_`` names get a generic description.

    Returns
    -------
    symbol, unit, description : str
        ``unit`` is ``""`` for dimensionless quantities.

    Examples
    --------
    >>> describe_array("sc_phi")[:2]
    ('φ', 'V')
    >>> describe_array("sc_occ_Vo")[0], describe_array("sc_dE_Gd")[1]
    ('x(Vo)', 'eV')
    """
    if key in _FIXED:
        return _FIXED[key]
    for prefix, symbol, unit, text in _MEANINGS:
        if key.startswith(prefix):
            label = key[len(prefix):]
            return symbol.format(label), unit, text.format(label)
    return key[3:] if key.startswith("sc_") else key, "", f"per-atom result {key} of ase_spacecharge"


@dataclass(frozen=True)
class ColourScale:
    """How an array is coloured.

    Attributes
    ----------
    kind : {"log", "centred", "linear"}
        ``log``: colours by log₁₀ of the value (site fractions, densities); ``centred``: a
        diverging map whose midpoint is 0 (limits ±max|value|: φ, ΔE, band bending);
        ``linear``: a sequential map over the values' range.
    vmin, vmax : float
        Limits in the array's own unit (not its logarithm).
    cmap : str
        A colour map name both matplotlib and plotly know (``"RdBu_r"``, ``"viridis"``).
    label : str
        The colour bar's title: symbol and unit.

    Examples
    --------
    >>> s = colour_scale("sc_phi", [0.1, -0.02, 0.5])
    >>> s.kind, s.vmin, s.vmax, s.cmap
    ('centred', -0.5, 0.5, 'RdBu_r')
    """

    kind: str
    vmin: float
    vmax: float
    cmap: str
    label: str


def _is_signed(key):
    return key == "sc_phi" or key.startswith(("sc_dE_", "sc_dphi0_dE_", "sc_edge_")) and \
        not key.startswith("sc_dE_source_")


def colour_scale(key, values):
    """The colour scale of a per-atom array: log for site fractions and densities, centred at
    0 for signed quantities (φ, ΔE, dΦ0/dΔE, band edges), linear otherwise.

    Parameters
    ----------
    key : str
    values : array_like
        The array; NaN (atoms it does not apply to) is ignored.

    Returns
    -------
    ColourScale

    Examples
    --------
    >>> colour_scale("sc_occ_Vo", [1e-16, 0.05, np.nan]).kind
    'log'
    >>> colour_scale("sc_x", [-3.0, 4.0]).kind
    'linear'
    """
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    symbol, unit, _ = describe_array(key)
    label = f"{symbol} ({unit})" if unit else symbol
    if v.size == 0:
        return ColourScale("linear", 0.0, 1.0, "viridis", label)
    if key.startswith(("sc_occ_", "sc_n_")) and np.any(v > 0):
        positive = v[v > 0]
        lo, hi = float(positive.min()), float(positive.max())
        return ColourScale("log", lo, hi if hi > lo else lo * 10, "viridis", label)
    if _is_signed(key):
        top = float(np.max(np.abs(v))) or 1.0
        return ColourScale("centred", -top, top, "RdBu_r", label)
    lo, hi = float(v.min()), float(v.max())
    return ColourScale("linear", lo, hi if hi > lo else lo + 1.0, "viridis", label)


def species_radii(symbols, scale=0.4):
    """Drawing radius of each atom (Å): ASE's covalent radius of its species times ``scale``.

    Parameters
    ----------
    symbols : sequence of str
    scale : float

    Returns
    -------
    ndarray

    Examples
    --------
    >>> species_radii(["Ce", "O"]).round(3).tolist()
    [0.816, 0.264]
    """
    from ase.data import atomic_numbers, covalent_radii
    return np.array([covalent_radii[atomic_numbers[s]] for s in symbols]) * scale


def species_colours(symbols):
    """Each atom's Jmol colour (RGB in 0..1), as ``ase gui`` draws its species.

    Parameters
    ----------
    symbols : sequence of str

    Returns
    -------
    ndarray (n, 3)

    Examples
    --------
    >>> species_colours(["O"]).round(2).tolist()
    [[1.0, 0.05, 0.05]]
    """
    from ase.data import atomic_numbers
    from ase.data.colors import jmol_colors
    return np.array([jmol_colors[atomic_numbers[s]] for s in symbols]).reshape(-1, 3)


def result_arrays(atoms):
    """The numeric per-atom ``sc_`` arrays of annotated atoms, in the order annotate wrote them.

    Parameters
    ----------
    atoms : ase.Atoms

    Returns
    -------
    dict
        name -> float ndarray; string arrays are left out.

    Examples
    --------
    >>> from ase import Atoms
    >>> a = Atoms("O2", positions=[[0, 0, 0], [1, 0, 0]])
    >>> a.set_array("sc_phi", np.array([0.1, 0.2]))
    >>> list(result_arrays(a))
    ['sc_phi']
    """
    out = {}
    for key, value in atoms.arrays.items():
        if key.startswith("sc_") and np.asarray(value).dtype.kind in "fiub" and np.ndim(value) == 1:
            out[key] = np.asarray(value, float)
    return out


def unhosted_reason(key, symbols, values):
    """Why each atom has no value of ``key``: ``""`` where it has one, ``"cannot host <defect>"``
    for a species that never carries it, ``"not solved"`` for the others (outside the solved
    region, or on no solved sublattice).

    Parameters
    ----------
    key : str
    symbols : sequence of str
    values : array_like

    Returns
    -------
    ndarray of str

    Examples
    --------
    >>> unhosted_reason("sc_occ_Vo", ["O", "Ce", "O"], [0.05, np.nan, np.nan]).tolist()
    ['', 'Ce: cannot host Vo', 'not solved']
    """
    symbols = np.asarray(symbols, dtype=str)
    values = np.asarray(values, float)
    ok = np.isfinite(values)
    carrying = set(symbols[ok])
    prefix = next((p for p in ("sc_log10_occ_", "sc_dE_source_", "sc_dphi0_dE_", "sc_occ_", "sc_dE_")
                   if key.startswith(p)), None)
    what = key[len(prefix):] if prefix else None
    out = np.full(symbols.size, "", dtype=object)
    for k in np.flatnonzero(~ok):
        s = symbols[k]
        if s not in carrying:
            out[k] = f"{s}: cannot host {what}" if what else f"{s}: hosts no defect"
        else:
            out[k] = "not solved"
    return out.astype(str)
