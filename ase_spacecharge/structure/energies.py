"""Per-site segregation energies ΔE (eV): from per-atom arrays, (site, energy) pairs, or raw
defect energies with a reference.

ΔE is ``E(defect at site) - E(defect in bulk)``; negative attracts the defect.  NaN means
"not computed" (or "cannot host").
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..sites import DefectSpecies
from .data import read_structure
from .geometry import boundary_axis, distance_to_boundaries, find_boundaries

__all__ = ["segregation_energies"]


def _energy_array(data, energies, name):
    """Per-site array from an array or (site index, energy) pairs; NaN where not given."""
    n = len(data.symbols)
    arr = np.asarray(energies, dtype=float) if not isinstance(energies, dict) else None
    if isinstance(energies, dict):
        pairs = list(energies.items())
    elif arr.ndim == 1 and arr.size == n:
        return arr.copy()
    elif arr.ndim == 2 and arr.shape[1] == 2:
        pairs = list(zip(arr[:, 0], arr[:, 1]))
    elif arr.size == 0:
        pairs = []
    else:
        raise InputError(f"{name}: expected one energy per site ({n}) or (site index, energy) pairs, "
                         f"got shape {arr.shape}")
    idx, e = (np.array(v, dtype=float) for v in zip(*pairs)) if pairs else (np.zeros(0), np.zeros(0))
    bad = ~np.isfinite(idx) | (idx != np.round(idx)) | (idx < 0) | (idx >= n)
    if bad.any():
        raise InputError(f"{name}: site index {idx[bad][0]:g} is out of range 0..{n - 1}")
    if not np.all(np.isfinite(e)):
        k = int(np.flatnonzero(~np.isfinite(e))[0])
        raise InputError(f"{name}: energy of site {int(idx[k])} is {e[k]!r}")
    out = np.full(n, np.nan)
    out[idx.astype(int)] = e
    return out


def segregation_energies(structure, energies, *, reference=None, axis=None, boundaries=None,
                         plane_tol=0.3):
    """Per-site segregation energies ΔE (eV, NaN where not given).

    Parameters
    ----------
    structure : ase.Atoms, pymatgen Structure or StructureData
    energies : array_like or dict
        Raw per-site defect energies ``E(defect at site) - E(pristine)`` (eV), as a per-site
        array (NaN where not computed) or (site index, energy) pairs.
    reference : None, float, int or "far"
        The bulk defect formation term subtracted: a number (eV), a site index (that site's
        energy), or ``"far"`` (the mean over the sites on the planes furthest from every
        boundary); ``None`` means the energies are segregation energies already.
    axis, boundaries, plane_tol
        As in :func:`~.projection.project` (for ``"far"``).

    Returns
    -------
    ndarray (n_sites,)

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> atoms = ceria_like_atoms()
    >>> dE = segregation_energies(atoms, [(0, 1.7), (1, 2.0)], reference=0)
    >>> dE[:3].tolist()
    [0.0, 0.30000000000000004, nan]
    """
    data = read_structure(structure)
    e = _energy_array(data, energies, "energies")
    if reference is None:
        return e
    if isinstance(reference, str):
        if reference != "far":
            raise InputError(f"reference must be a number, a site index or 'far', got {reference!r}")
        ax = boundary_axis(data, axis)
        b = find_boundaries(data, ax, boundaries)
        have = np.flatnonzero(np.isfinite(e))
        if have.size == 0:
            raise InputError("reference='far': no site has an energy")
        dist = np.abs(distance_to_boundaries(data, ax, b)[0][have])
        far = have[dist >= dist.max() - plane_tol]
        return e - float(np.mean(e[far]))
    if isinstance(reference, (int, np.integer)):
        if not 0 <= reference < e.size or not np.isfinite(e[reference]):
            raise InputError(f"reference site {reference} has no energy")
        return e - e[reference]
    ref = float(reference)
    if not np.isfinite(ref):
        raise InputError(f"reference energy must be finite, got {reference!r}")
    return e - ref


def defect_hosts(defects, hosts=None):
    """Host species of each defect: ``hosts`` mapping label -> species, or a ``site``
    attribute / key on the defects."""
    out = []
    for d in defects:
        label = d.label if isinstance(d, DefectSpecies) else d["label"]
        host = (hosts or {}).get(label)
        if host is None and isinstance(d, dict):
            host = d.get("site")
        if host is None:
            raise InputError(f"defect {label!r}: no host species given (site = 'O', say)")
        out.append((label, str(host)))
    return out


def site_energy_matrix(data, pairs, energies, missing):
    """ΔE (n_sites, n_defects), NaN where a site cannot host the defect; checks host species."""
    n = len(data.symbols)
    E = np.full((n, len(pairs)), np.nan)
    for j, (lab, host) in enumerate(pairs):
        on_host = data.symbols == host
        if not on_host.any():
            raise InputError(f"defect {lab!r}: the structure has no {host!r} sites "
                             f"(species present: {sorted(set(data.symbols.tolist()))})")
        if energies is not None and lab in energies:
            e = _energy_array(data, energies[lab], f"energies[{lab!r}]")
        elif f"dE_{lab}" in data.arrays:
            e = np.asarray(data.arrays[f"dE_{lab}"], float)
        else:
            raise InputError(f"defect {lab!r}: no energies given and no per-site array 'dE_{lab}'")
        wrong = np.flatnonzero(np.isfinite(e) & ~on_host)
        if wrong.size:
            i = int(wrong[0])
            raise InputError(f"defect {lab!r}: site {i} is {str(data.symbols[i])!r}, not {host!r}, but has an "
                             f"energy ({float(e[i])!r} eV); {wrong.size} such site(s)")
        gaps = np.flatnonzero(on_host & ~np.isfinite(e))
        if gaps.size and missing == "error":
            raise InputError(f"defect {lab!r}: {gaps.size} {host!r} site(s) have no energy (first: site "
                             f"{int(gaps[0])}); pass missing='zero' or 'drop' to say what they mean")
        if missing == "zero":
            e = np.where(on_host & ~np.isfinite(e), 0.0, e)
        E[:, j] = np.where(on_host, e, np.nan)
    return E
