"""The annotated structure as a chemiscope dataset (the ``chemiscope`` extra): every ``sc_`` array
as a per-atom property with its unit and description, every ``sc_`` scalar as a structure
property, atoms coloured by log₁₀ of the first defect's site fraction by default, and the map
showing φ against x (one point per atom)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .style import as_atoms, describe_array, result_arrays

__all__ = ["chemiscope_properties", "to_chemiscope"]


def chemiscope_properties(atoms):
    """chemiscope's ``properties`` of annotated atoms: each numeric ``sc_`` array (target
    ``atom``) and scalar (target ``structure``), with ``units`` and ``description``.

    NaN (an atom that cannot host the defect, or was not solved) is kept as NaN: chemiscope
    hides such points from the map and leaves such atoms uncoloured.

    Parameters
    ----------
    atoms : ase.Atoms

    Returns
    -------
    dict

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, _, _ = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0, boundaries=[0.5])
    >>> p = chemiscope_properties(out)
    >>> p["sc_phi"]["units"], p["sc_phi"]["target"], p["sc_phi0"]["target"]
    ('V', 'atom', 'structure')
    """
    props = {}
    for key, values in result_arrays(atoms).items():
        symbol, unit, text = describe_array(key)
        props[key] = dict(target="atom", values=values, units=unit, description=f"{symbol}: {text}")
    for key, value in atoms.info.items():
        if key.startswith("sc_") and key != "sc_axis" and isinstance(value, (float, np.floating)):
            unit = {"sc_phi0": "V", "sc_temperature": "K", "sc_dphi0_dT": "V/K"}.get(key, "")
            props[key] = dict(target="structure", values=[float(value)], units=unit,
                              description=f"{key[3:]} of the space-charge solution")
    return props


def to_chemiscope(atoms, path, *, color_by=None):
    """Write a chemiscope dataset (``.json`` or ``.json.gz``) of annotated atoms.

    Parameters
    ----------
    atoms : ase.Atoms or pymatgen Structure
        Annotated (:func:`~ase_spacecharge.structure.annotate`).
    path : str or path-like
    color_by : str, optional
        The per-atom property the atoms are coloured by (default: the first ``sc_occ_`` array,
        on chemiscope's log₁₀ scale; ``sc_phi`` if there is none, on a linear scale).

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    InputError
        Without chemiscope (``pip install 'ase_spacecharge[chemiscope]'``) or ``sc_`` arrays.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, _, _ = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0, boundaries=[0.5])
    >>> path = to_chemiscope(out, os.path.join(tempfile.mkdtemp(), "gb.json"))  # doctest: +SKIP
    >>> data = json.load(open(path))  # doctest: +SKIP
    >>> data["settings"]["structure"][0]["color"]  # doctest: +SKIP
    {'property': 'sc_occ_Vo', 'transform': 'log', 'palette': 'viridis'}
    """
    try:
        import chemiscope
    except ImportError:
        raise InputError("to_chemiscope needs chemiscope: pip install 'ase_spacecharge[chemiscope]'") from None
    atoms = as_atoms(atoms)
    props = chemiscope_properties(atoms)
    occ = [k for k in props if k.startswith("sc_occ_")]
    colour = color_by or (occ[0] if occ else "sc_phi")
    if colour not in props:
        raise InputError(f"to_chemiscope: {colour!r} is not an sc_ array of the atoms; choose one of {sorted(props)}")
    log = colour.startswith(("sc_occ_", "sc_n_"))
    settings = {"structure": [{"color": {"property": colour, "transform": "log" if log else "linear",
                                         "palette": "viridis" if log else "bwr"}}],
                "map": {"x": {"property": "sc_x"}, "y": {"property": "sc_phi"},
                        "color": {"property": colour, "transform": "log" if log else "linear"}}}
    bare = atoms.copy()  # the properties go in once, with units; not again as raw arrays
    for key in [k for k in bare.arrays if k.startswith("sc_")]:
        del bare.arrays[key]
    chemiscope.write_input(str(path), structures=[bare], properties=props, settings=settings,
                           environments=chemiscope.all_atomic_environments([bare]),
                           metadata=dict(name=f"{atoms.get_chemical_formula()}: space-charge results",
                                         description="ase_spacecharge results per atom; NaN: the atom cannot host "
                                                     "the defect or was not solved"))
    return str(path)
