"""Per-site segregation energies ΔE (eV): from per-atom arrays, (site, energy) pairs, or raw
defect energies with a reference.

ΔE is ``E(defect at site) - E(defect in bulk)``; negative attracts the defect.  NaN means
"not computed" (or "cannot host").
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, SpaceChargeWarning, is_number
from ..sites import DefectSpecies
from .data import read_structure
from .geometry import boundary_axis, distance_to_boundaries, find_boundaries
from .symmetry import equivalent_sites

__all__ = ["segregation_energies", "spread_over_equivalents", "SOURCES"]


def _numeric(values, name):
    """``values`` as a float array; strings (or other non-numbers) are named, not parsed."""
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    if arr.dtype == object:
        flat = arr.ravel()
        bad = [v for v in flat if not (is_number(v) or v is None)]
        if not bad:
            return np.array([np.nan if v is None else float(v) for v in flat]).reshape(arr.shape)
        first = bad[0]
    else:
        first = arr.ravel()[0] if arr.size else arr
    first = first.item() if isinstance(first, np.generic) else first
    raise InputError(f"{name}: expected energies (eV, numbers), got {arr.dtype.kind in 'US' and 'strings' or 'values'} "
                     f"such as {first!r}")


def _energy_array(data, energies, name):
    """Per-site array (eV) from an array or (site index, energy) pairs: NaN where not given,
    +inf where the site never hosts the defect; -inf and NaN pairs are refused."""
    n = len(data.symbols)
    arr = None if isinstance(energies, dict) else _numeric(energies, name)
    if isinstance(energies, dict):
        pairs = list(energies.items())
    elif arr.ndim == 1 and arr.size == n:
        out = arr.copy()
        if np.any(out == -np.inf):
            raise InputError(f"{name}: site {int(np.flatnonzero(out == -np.inf)[0])} has ΔE = -inf; a site that "
                             "always holds the defect has no finite energy (give a number)")
        return out
    elif arr.ndim == 2 and arr.shape[1] == 2:
        pairs = list(zip(arr[:, 0], arr[:, 1]))
    elif arr.size == 0:
        pairs = []
    else:
        raise InputError(f"{name}: expected one energy per site ({n}) or (site index, energy) pairs, "
                         f"got shape {arr.shape}")
    idx, e = (_numeric(v, name) for v in zip(*pairs)) if pairs else (np.zeros(0), np.zeros(0))
    bad = ~np.isfinite(idx) | (idx != np.round(idx)) | (idx < 0) | (idx >= n)
    if bad.any():
        raise InputError(f"{name}: site index {idx[bad][0]:g} is out of range 0..{n - 1}")
    if not np.all(np.isfinite(e) | (e == np.inf)):
        k = int(np.flatnonzero(~(np.isfinite(e) | (e == np.inf)))[0])
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
        boundary; a :class:`~ase_spacecharge.errors.SpaceChargeWarning` when those sites are
        closer to a boundary than half the distance of the structure's furthest planes of
        their species); ``None`` means the energies are segregation energies already.
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
        all_dist = np.abs(distance_to_boundaries(data, ax, b)[0])
        dist = all_dist[have]
        far = have[dist >= dist.max() - plane_tol]
        _check_far(far, dist.max(), all_dist[np.isin(data.symbols, data.symbols[have])].max())
        return e - float(np.mean(e[far]))
    if isinstance(reference, (int, np.integer)):
        if not 0 <= reference < e.size or not np.isfinite(e[reference]):
            raise InputError(f"reference site {reference} has no energy")
        return e - e[reference]
    ref = float(reference)
    if not np.isfinite(ref):
        raise InputError(f"reference energy must be finite, got {reference!r}")
    return e - ref


def _check_far(far, reached, furthest):
    """Warn when the "far" reference sites, ``reached`` Å from a boundary, are closer than
    half of ``furthest`` (Å), where the structure's furthest planes lie."""
    if reached < 0.5 * furthest:
        import warnings
        sites = ", ".join(str(int(i)) for i in far[:6]) + (", ..." if far.size > 6 else "")
        warnings.warn(f"reference='far': the sites with energies furthest from a boundary (sites {sites}) are "
                      f"{reached:.3g} Å from it, less than half of {furthest:.3g} Å, where the structure's furthest "
                      "planes lie: they are not bulk, so neither is the reference; compute images further from "
                      "the boundary or give the reference energy (eV)", SpaceChargeWarning, stacklevel=3)


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


#: Where a site's ΔE comes from (``sc_dE_source_<defect>``): given for it (an image or an
#: array), copied from a symmetry-equivalent site, filled with 0 eV (``missing="zero"``), or
#: none (the site does not host the defect: not its host species, ``missing="drop"``, or a
#: given ΔE = +inf).
SOURCES = ("computed", "equivalent", "filled", "none")


def _given(data, lab, energies):
    """The energies given for defect ``lab``: ``energies[lab]`` or the array ``dE_<lab>``."""
    if energies is not None and lab in energies:
        return _energy_array(data, energies[lab], f"energies[{lab!r}]")
    if f"dE_{lab}" in data.arrays:
        arr, name = data.arrays[f"dE_{lab}"], f"per-site array 'dE_{lab}'"
        if np.ndim(arr) != 1:
            raise InputError(f"{name}: expected one energy per site ({len(data.symbols)}), got shape {np.shape(arr)}")
        return _energy_array(data, arr, name)
    raise InputError(f"defect {lab!r}: no energies given and no per-site array 'dE_{lab}'")


def site_energy_matrix(data, pairs, energies, missing, symprec=0.01):
    """ΔE (n_sites, n_defects), NaN where a site does not host the defect, and each site's
    source per defect (:data:`SOURCES`); checks host species and applies ``missing``."""
    n = len(data.symbols)
    E = np.full((n, len(pairs)), np.nan)
    sources, classes = {}, None
    for j, (lab, host) in enumerate(pairs):
        on_host = data.symbols == host
        if not on_host.any():
            raise InputError(f"defect {lab!r}: the structure has no {host!r} sites "
                             f"(species present: {sorted(set(data.symbols.tolist()))})")
        e = _given(data, lab, energies)
        wrong = np.flatnonzero(~np.isnan(e) & ~on_host)
        if wrong.size:
            i = int(wrong[0])
            raise InputError(f"defect {lab!r}: site {i} is {str(data.symbols[i])!r}, not {host!r}, but has an "
                             f"energy ({float(e[i])!r} eV); {wrong.size} such site(s)")
        src = np.where(on_host & ~np.isnan(e), "computed", "none").astype("<U10")
        gaps = on_host & np.isnan(e)
        if gaps.any() and missing == "error":
            raise InputError(f"defect {lab!r}: {int(gaps.sum())} {host!r} site(s) have no energy (first: site "
                             f"{int(np.flatnonzero(gaps)[0])}); pass missing='equivalent', 'zero' or 'drop' to say "
                             "what they mean")
        if gaps.any() and missing == "zero":
            e, src = np.where(gaps, 0.0, e), np.where(gaps, "filled", src)
        if gaps.any() and missing == "equivalent":
            classes = equivalent_sites(data, symprec) if classes is None else classes
            e, src = spread_over_equivalents(e, src, gaps, classes, lab)
        src[on_host & (e == np.inf)] = "none"  # +inf: the site never hosts the defect
        E[:, j] = np.where(on_host & np.isfinite(e), e, np.nan)
        sources[lab] = src
    return E, sources


def spread_over_equivalents(e, src, gaps, classes, label="defect"):
    """Each site of ``gaps`` takes the mean energy of the computed sites symmetry-equivalent
    to it (``classes``: :func:`~.symmetry.equivalent_sites`); raises, naming them, for sites
    no computed site is equivalent to.

    Parameters
    ----------
    e : ndarray (n,)
        eV (NaN in the gaps, +inf where a site never hosts the defect).
    src : ndarray of str (n,)
        The sources (:data:`SOURCES`), "computed" where ``e`` was given.
    gaps : bool ndarray (n,)
    classes : int ndarray (n,)
    label : str
        The defect, for messages.

    Returns
    -------
    e, src : ndarray
        New arrays, the gaps filled and marked "equivalent".

    Examples
    --------
    >>> e = np.array([0.3, np.nan, -0.1, np.nan])
    >>> src = np.array(["computed", "none", "computed", "none"])
    >>> spread_over_equivalents(e, src, np.isnan(e), np.array([0, 0, 2, 2]))[0].tolist()
    [0.3, 0.3, -0.1, -0.1]
    """
    given = src == "computed"
    n_class = classes.max() + 1
    count = np.bincount(classes[given], minlength=n_class)
    infinite = np.bincount(classes[given], weights=(e[given] == np.inf), minlength=n_class)
    mixed = np.flatnonzero((infinite > 0) & (infinite < count))
    if mixed.size:
        members = np.flatnonzero(given & (classes == mixed[0]))
        raise InputError(f"defect {label!r}: symmetry-equivalent sites {members.tolist()} have energies "
                         f"{e[members].tolist()} eV: +inf (never hosts) on some and not on others")
    finite = given & np.isfinite(e)
    mean = np.bincount(classes[finite], weights=e[finite], minlength=n_class) / np.maximum(count, 1)
    mean = np.where(infinite > 0, np.inf, mean)
    uncovered = gaps & (count[classes] == 0)
    if uncovered.any():
        reps = np.unique(classes[uncovered])
        raise InputError(f"defect {label!r}: missing='equivalent': {int(uncovered.sum())} site(s) have no computed "
                         f"energy on any symmetry-equivalent site (sites {_first(np.flatnonzero(uncovered))}); compute "
                         f"one site of each of these {reps.size} classes: sites {_first(reps)}")
    _check_spread(e, finite, classes, mean, label)
    return np.where(gaps, mean[classes], e), np.where(gaps, "equivalent", src)


def _first(indices, k=8):
    return ", ".join(str(int(i)) for i in indices[:k]) + (", ..." if len(indices) > k else "")


#: Largest spread (eV) of the computed energies of one class of symmetry-equivalent sites
#: before spreading their mean warns.
EQUIVALENT_SPREAD = 0.05


def _check_spread(e, finite, classes, mean, label):
    """Warn when equivalent computed sites disagree by more than :data:`EQUIVALENT_SPREAD`."""
    dev = np.abs(e[finite] - mean[classes[finite]])
    if dev.size and dev.max() > 0.5 * EQUIVALENT_SPREAD:
        import warnings
        i = int(np.flatnonzero(finite)[np.argmax(dev)])
        warnings.warn(f"defect {label!r}: site {i} has ΔE = {e[i]:.4g} eV but its symmetry-equivalent computed "
                      f"sites average {mean[classes[i]]:.4g} eV; the missing equivalent sites take the mean (is "
                      "the symmetry, or the relaxation, what you think?)", SpaceChargeWarning, stacklevel=4)
