"""Write-back: a solution onto the structure's atoms, and the ase.db round trip.

Results are new per-atom arrays (ASE ``arrays`` / pymatgen ``site_properties``) and scalars
(``info`` / ``properties``), all named ``sc_*``; nothing the user had is dropped or altered.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .data import read_structure

__all__ = ["annotate", "annotate_energies", "db_data", "from_db_row", "result_keys"]


def check_same_structure(data, projection):
    """Raise unless ``data`` has the projected structure's atoms: count, species in order and
    fractional positions (to 1e-6, modulo lattice translations)."""
    n = len(data.symbols)
    if projection.symbols.size != n:
        raise InputError(f"the structure has {n} atoms but the projection was made from "
                         f"{projection.symbols.size}: annotate the structure that was projected")
    wrong = np.flatnonzero(data.symbols != projection.symbols)
    if wrong.size:
        i = int(wrong[0])
        raise InputError(f"atom {i} is {str(data.symbols[i])!r} here but {str(projection.symbols[i])!r} in the "
                         f"projected structure ({wrong.size} atoms differ): same atoms, same order needed")
    delta = data.frac - projection.frac
    moved = np.flatnonzero(np.abs(delta - np.round(delta)).max(axis=1) > 1e-6)
    if moved.size:
        raise InputError(f"atom {int(moved[0])} is not where it was when projected ({moved.size} atoms moved); "
                         "annotate the structure that was projected")


def check_same_sites(solution, projection):
    """Which of ``projection``'s sites ``solution`` solved (those inside its region, Å, in
    order); raise unless those are the solution's sites."""
    x = projection.sites.x
    inside = (x > solution.x_min) & (x < solution.x_max)
    if solution.site_x.size != inside.sum() or not np.allclose(solution.site_x, x[inside], rtol=0, atol=1e-9):
        raise InputError(f"the solution has {solution.site_x.size} sites and the projection {int(inside.sum())} "
                         f"inside {solution.x_min:g}..{solution.x_max:g} Å (or their positions differ): they do not "
                         "belong together")
    return inside


def check_sensitivities(sens, solution):
    """Raise unless ``sens`` (:class:`~ase_spacecharge.sensitivity.Sensitivities`) are those of
    ``solution``: same sites and defects, temperature (K) and Φ0 (V)."""
    shape = np.shape(sens.dphi0_dE)
    if shape != solution.site_energies.shape or sens.temperature != solution.temperature or \
            not np.isclose(sens.phi0, solution.phi0, rtol=1e-12, atol=0):
        raise InputError(f"sensitivities: {shape[0]} sites at {sens.temperature:g} K with Φ0 = {sens.phi0:.6g} V, but "
                         f"the solution has {solution.site_x.size} sites at {solution.temperature:g} K with "
                         f"Φ0 = {solution.phi0:.6g} V: they do not belong together")


def _scalars(solution, summary, sensitivities=None):
    """``sc_phi0``, ``sc_temperature``, where defined ``sc_r_perp`` and ``sc_r_par``, and with
    ``sensitivities`` ``sc_dphi0_dT``."""
    out = {"sc_phi0": float(solution.phi0), "sc_temperature": float(solution.temperature)}
    if sensitivities is not None:
        out["sc_dphi0_dT"] = float(sensitivities.dphi0_dT)
    if summary is None and np.any(solution.mobility > 0):
        summary = solution.resistivity()
    for key in ("r_perp", "r_par"):
        if summary is not None and summary.get(key) is not None:
            out[f"sc_{key}"] = float(summary[key])
    return out


def annotate(structure, solution, projection, *, summary=None, inplace=False, sensitivities=None, params=None):
    """Write a solution onto the structure's atoms.

    Per-atom arrays (ASE ``arrays`` / pymatgen ``site_properties``): ``sc_x`` (Å, signed
    distance used in the 1D model), ``sc_plane`` (grid plane, -1 off the solved
    sublattices), ``sc_phi`` (V), ``sc_occ_<defect>`` (site fraction),
    ``sc_log10_occ_<defect>`` (its log10: finite wherever the fraction is positive, so
    files written with 8 decimals, such as extxyz, and viewers keep the depletion layer;
    -inf where it is 0), ``sc_dE_<defect>`` (eV); NaN where an atom is not on a solved
    sublattice (or cannot host that defect); ``sc_dE_source_<defect>`` (text: where each
    atom's ΔE came from, "computed", "equivalent", "filled" or "none", see
    :data:`~.energies.SOURCES`).  Scalars ``sc_phi0`` (V), ``sc_r_perp``, ``sc_r_par``,
    ``sc_temperature`` (K) go in ``info`` / ``properties`` (the ratios only when a species
    conducts, or from ``summary``), with ``sc_axis`` (the lattice vector normal to the
    boundaries, 0..2) and ``sc_boundaries`` (their fractional positions along it), so that
    viewers can draw the boundary planes, and with ``params`` ``sc_params``.

    Parameters
    ----------
    structure : ase.Atoms or pymatgen Structure
        The structure that was projected (same species in the same order, same positions).
    solution : SpaceChargeSolution
        Solved on ``projection``'s sites.
    projection : Projection
    summary : dict, optional
        A summary with ``r_perp``/``r_par`` to record.
    inplace : bool
        Write onto ``structure`` itself instead of a copy.
    sensitivities : Sensitivities, optional
        Of ``solution`` (:func:`~ase_spacecharge.sensitivity.sensitivities`): adds per-atom
        ``sc_dphi0_dE_<defect>`` (dΦ0/dΔE, V/eV; NaN where an atom was not solved or cannot
        host the defect) and the scalar ``sc_dphi0_dT`` (V/K).
    params : dict, optional
        Provenance (package version, every solver input, the inputs' identities), stored as
        one JSON string ``sc_params``.

    Returns
    -------
    Same type as ``structure``
        Nothing the user had is dropped or renamed; keys starting ``sc_`` that this function
        did not write raise.

    Examples
    --------
    >>> from ase_spacecharge import build_problem, solve
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import project
    >>> atoms = ceria_like_atoms()
    >>> proj = project(atoms, [dict(label="Vo", site="O"), dict(label="Gd", site="Ce")], boundaries=[0.5])
    >>> sol = solve(build_problem(proj.sites, [dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0),
    ...                                        dict(label="Gd", valence=-1, mole_fraction=0.2)],
    ...                           x_min=proj.x_min, x_max=proj.x_max, area=proj.area, permittivity=55.0,
    ...                           bulk=(proj.x_min, proj.x_min + 12.0), plane_tol=1e-3), 773.15)
    >>> out = annotate(atoms, sol, proj)
    >>> out.arrays["sc_phi"].shape, round(out.info["sc_phi0"], 4), "sc_phi" in atoms.arrays
    ((90,), 0.1076, False)
    """
    data = read_structure(structure)
    check_same_structure(data, projection)
    inside = check_same_sites(solution, projection)
    if sensitivities is not None:
        check_sensitivities(sensitivities, solution)
    arrays = _result_arrays(solution, projection, inside, len(data.symbols), sensitivities)
    scalars = _scalars(solution, summary, sensitivities)
    # where the boundaries are in the cell, so viewers can draw them from the atoms alone
    scalars.update(sc_axis=int(projection.axis), sc_boundaries=np.asarray(projection.boundaries, float).copy())
    return _write(structure, data, arrays, scalars, params, inplace)


def _write(structure, data, arrays, scalars, params, inplace):
    """Write ``arrays`` and ``scalars`` (and ``params`` as ``sc_params``) onto a new structure
    (or ``structure`` itself), recording them in ``sc_keys``; keys starting ``sc_`` that the
    package did not write raise."""
    if params is not None:
        import json
        scalars["sc_params"] = json.dumps(params, sort_keys=True, allow_nan=False)
    ours = set(data.info.get("sc_keys", "").split()) if isinstance(data.info.get("sc_keys", ""), str) else set()
    clash = [k for k in list(arrays) + list(scalars) if (k in data.arrays or k in data.info) and k not in ours]
    if clash:
        raise InputError(f"the structure already has {clash} that ase_spacecharge did not write; rename them first")
    scalars["sc_keys"] = " ".join(sorted(set(arrays) | set(scalars) | (ours & (set(data.arrays) | set(data.info)))))
    if data.kind == "ase":
        return _write_ase(structure, arrays, scalars, inplace)
    return _write_pymatgen(structure, arrays, scalars, inplace)


def annotate_energies(structure, projection, *, params=None, inplace=False):
    """Write a projection's segregation energies onto the structure, without a solution:
    ``sc_dE_<defect>`` (eV, as the solve takes them: after ``missing`` and
    ``average_energies``; NaN where an atom does not host the defect) and
    ``sc_dE_source_<defect>`` per atom, ``sc_params`` with ``params``.

    Parameters
    ----------
    structure : ase.Atoms or pymatgen Structure
        The structure that was projected.
    projection : Projection
    params : dict, optional
        Provenance, stored as the JSON string ``sc_params``.
    inplace : bool

    Returns
    -------
    Same type as ``structure``

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> from ase_spacecharge.structure import project
    >>> atoms = ceria_like_atoms()
    >>> atoms.arrays["dE_Vo"][3] = np.nan
    >>> proj = project(atoms, [dict(label="Vo", site="O")], missing="zero")
    >>> out = annotate_energies(atoms, proj)
    >>> str(out.arrays["sc_dE_source_Vo"][3]), float(out.arrays["sc_dE_Vo"][3])
    ('filled', 0.0)
    """
    data = read_structure(structure)
    check_same_structure(data, projection)
    on = projection.atom_index >= 0
    arrays = {}
    for j, lab in enumerate(projection.sites.defect_labels):
        values = np.full(len(data.symbols), np.nan)
        values[projection.atom_index[on]] = projection.sites.energies[on, j]
        arrays[f"sc_dE_{lab}"] = values
        arrays[f"sc_dE_source_{lab}"] = np.asarray(projection.sources[lab], dtype="<U10")
    return _write(structure, data, arrays, {}, params, inplace)


def result_keys(defect_labels, carrier_labels=(), sensitivities=False, text=True):
    """The per-atom arrays :func:`annotate` writes for these defects and band carriers (with
    ``sensitivities``, also the dΦ0/dΔE arrays).

    Parameters
    ----------
    defect_labels, carrier_labels : sequence of str
    sensitivities : bool
    text : bool
        Include the text arrays (``sc_dE_source_<defect>``); without, only numbers (what a
        picture can be coloured by).

    Returns
    -------
    list of str

    Examples
    --------
    >>> result_keys(["Vo"], sensitivities=True)
    ['sc_x', 'sc_plane', 'sc_phi', 'sc_occ_Vo', 'sc_log10_occ_Vo', 'sc_dE_Vo', 'sc_dE_source_Vo', 'sc_dphi0_dE_Vo']
    >>> result_keys(["Vo"], text=False)
    ['sc_x', 'sc_plane', 'sc_phi', 'sc_occ_Vo', 'sc_log10_occ_Vo', 'sc_dE_Vo']
    """
    keys = ["sc_x", "sc_plane", "sc_phi"]
    for lab in defect_labels:
        keys += [f"sc_occ_{lab}", f"sc_log10_occ_{lab}", f"sc_dE_{lab}"] + ([f"sc_dE_source_{lab}"] if text else []) \
            + ([f"sc_dphi0_dE_{lab}"] if sensitivities else [])
    for lab in carrier_labels:
        keys += [f"sc_n_{lab}", f"sc_edge_{lab}"]
    return keys


def _result_arrays(solution, projection, inside, n, sensitivities=None):
    """Per-atom result arrays (NaN, or -1 for ``sc_plane``, where an atom was not solved:
    off the solved sublattices or outside the solved region); with ``sensitivities``, dΦ0/dΔE."""
    atoms_of = projection.atom_index[inside]
    on = atoms_of >= 0
    idx = atoms_of[on]
    planes = solution.site_plane[on]

    def per_atom(values, fill=np.nan, dtype=float):
        out = np.full(n, fill, dtype=dtype)
        out[idx] = values
        return out

    arrays = {"sc_x": per_atom(projection.sites.x[inside][on]), "sc_plane": per_atom(planes, -1, int),
              "sc_phi": per_atom(solution.phi[planes])}
    for j, lab in enumerate(solution.defect_labels):
        occ = solution.site_occupancy[on, j]
        arrays[f"sc_occ_{lab}"] = per_atom(occ)
        with np.errstate(divide="ignore", invalid="ignore"):
            arrays[f"sc_log10_occ_{lab}"] = per_atom(np.log10(occ))
        arrays[f"sc_dE_{lab}"] = per_atom(solution.site_energies[on, j])
        if lab in projection.sources:
            arrays[f"sc_dE_source_{lab}"] = np.asarray(projection.sources[lab], dtype="<U10")
        if sensitivities is not None:
            arrays[f"sc_dphi0_dE_{lab}"] = per_atom(sensitivities.dphi0_dE[on, j])
    for k, lab in enumerate(solution.carrier_labels):
        arrays[f"sc_n_{lab}"] = per_atom(solution.carrier_density[k][planes])
        arrays[f"sc_edge_{lab}"] = per_atom(solution.carrier_edge[k][planes])
    return arrays


def _write_ase(atoms, arrays, scalars, inplace):
    out = atoms if inplace else _copy_with_results(atoms)
    for k, v in arrays.items():
        if k in out.arrays:
            del out.arrays[k]
        out.set_array(k, v)
    out.info.update(scalars)
    return out


def _copy_with_results(atoms):
    """``atoms.copy()`` that keeps the calculator's results (energy, forces, stress, ...) as a
    :class:`~ase.calculators.singlepoint.SinglePointCalculator` (``copy`` drops the calculator)."""
    out = atoms.copy()
    results = getattr(atoms.calc, "results", None) or {}
    if results:
        from ase.calculators.calculator import all_properties
        from ase.calculators.singlepoint import SinglePointCalculator
        kept = {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in results.items()
                if k in all_properties}
        out.calc = SinglePointCalculator(out, **kept)
    return out


def _write_pymatgen(structure, arrays, scalars, inplace):
    out = structure if inplace else structure.copy()
    for k, v in arrays.items():
        out.add_site_property(k, v.tolist())
    # a new dict: Structure.copy() shares ``properties`` with the original
    out.properties = {**(getattr(out, "properties", None) or {}), **scalars}
    return out


_DB_ARRAYS = ("numbers", "positions", "tags", "momenta", "masses", "initial_magmoms", "initial_charges")


def db_data(atoms):
    """Key-value pairs and data for ``ase.db``: ``db.write(atoms, key_value_pairs=kv, data=data)``.

    ase.db stores the standard per-atom arrays, the constraints and the calculator's
    results itself, but neither other per-atom arrays nor ``info``: they go into ``data``
    (``data["arrays"]``, ``data["info"]``), all of them, the user's own included; string
    arrays as lists of strings and NumPy scalars as Python numbers, which ase.db can encode.  The
    ``sc_*`` scalars (but the ``sc_params`` JSON) also become key-value pairs, so rows can be
    queried by them.

    Parameters
    ----------
    atoms : ase.Atoms

    Returns
    -------
    kv, data : dict

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.db import connect
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> kv, data = db_data(out)
    >>> sorted(kv), sorted(data["arrays"])[:3]
    (['sc_axis', 'sc_phi0', 'sc_r_par', 'sc_r_perp', 'sc_temperature'], ['dE_Gd', 'dE_Vo', 'sc_dE_Gd'])
    """
    arrays = {k: _encodable(np.array(v)) for k, v in atoms.arrays.items() if k not in _DB_ARRAYS}
    kv = {k: v for k, v in atoms.info.items() if k.startswith("sc_") and k not in ("sc_keys", "sc_params")
          and isinstance(v, (int, float, str, bool, np.number))}
    return kv, {"arrays": arrays, "info": {k: _encodable(v) for k, v in atoms.info.items()}}


def _encodable(value):
    """``value`` in a form ase.db encodes and reads back: string arrays (object arrays, as
    ASE's extxyz reader gives them, or fixed-width ones, which ase.db writes but cannot read)
    as lists of strings, NumPy scalars as Python numbers."""
    if isinstance(value, np.ndarray) and (value.dtype.kind in "US" or value.dtype == object and
                                          all(isinstance(v, str) for v in value.ravel())):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def from_db_row(row):
    """The atoms of an ``ase.db`` row written with :func:`db_data`, with every per-atom array
    and ``info`` entry restored (and the calculator's results, constraints as ase.db keeps them).

    Parameters
    ----------
    row : ase.db row

    Returns
    -------
    ase.Atoms

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.db import connect
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> from ase_spacecharge.structure import solve_structure
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> db = connect(os.path.join(tempfile.mkdtemp(), "gb.db"))
    >>> kv, data = db_data(out)
    >>> back = from_db_row(db.get(id=db.write(out, key_value_pairs=kv, data=data)))
    >>> bool(np.array_equal(back.arrays["sc_phi"], out.arrays["sc_phi"], equal_nan=True)), back.info["sc_axis"]
    (True, 2)
    >>> back.info["sc_boundaries"].tolist()
    [0.5]
    """
    atoms = row.toatoms()
    data = row.get("data", {}) or {}
    arrays = data.get("arrays", {k: v for k, v in data.items() if k.startswith("sc_")})  # older rows: sc_* only
    for k, v in arrays.items():
        if k not in atoms.arrays:
            atoms.set_array(k, np.asarray(v))
    atoms.info.update(data.get("info", {}))
    for k, v in row.key_value_pairs.items():
        atoms.info.setdefault(k, v)
    return atoms
