"""Segregation energies from defective relaxed images: match each image to the pristine
site it came from (fixed-frame minimum-image assignment) and subtract energies."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .data import read_structure
from .energies import segregation_energies

__all__ = ["ImageMatch", "match_image", "image_energies"]


@dataclass
class ImageMatch:
    """Where a defective image came from.

    Attributes
    ----------
    site : int
        Pristine index.
    kind : {"vacancy", "substitution"}
    host : str
        Pristine species.
    new : str or None
        The substituting species (None for a vacancy).
    drift : ndarray (3,)
        The rigid drift removed (Å).
    max_displacement : float
        Largest remaining displacement (Å).
    margin : float
        By how much (Å²) the next-best assignment is worse.
    source : str
        Where the image came from (``relax/vac_3.extxyz``, ``images.db@id=7``, ``images[2]``).

    Examples
    --------
    >>> ImageMatch(3, "vacancy", "O", None, np.zeros(3), 0.1, 2.0).kind
    'vacancy'
    """

    site: int
    kind: str
    host: str
    new: str | None
    drift: np.ndarray
    max_displacement: float
    margin: float
    source: str = "image"


def _image_frame(pristine, image, name):
    try:
        img = read_structure(image)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
    diff = np.abs(img.cell - pristine.cell)
    if diff.max() > 1e-3 * np.abs(pristine.cell).max():
        i, j = np.unravel_index(np.argmax(diff), diff.shape)
        raise InputError(f"{name}: its cell differs from the pristine cell by up to {diff.max():.4g} Å (lattice "
                         f"vector {'abc'[i]}, component {'xyz'[j]}: {img.cell[i, j]:.6g} against "
                         f"{pristine.cell[i, j]:.6g} Å); fixed-frame matching needs the pristine cell (relax the "
                         "images at fixed cell)")
    return img


def _assignment(pr, img, penalty):
    """Minimum-image assignment of the image's atoms to the pristine sites with the rigid
    drift removed (three rounds); returns rows, cols, the cost matrix (Å²), the displacement
    vectors (Å) and the drift (fractional)."""
    from scipy.optimize import linear_sum_assignment
    drift = np.zeros(3)
    for _ in range(3):
        df = img.frac[:, None, :] - drift[None, None, :] - pr.frac[None, :, :]
        df -= np.round(df)
        vec = df @ pr.cell
        cost = np.einsum("ijk,ijk->ij", vec, vec) + penalty * (img.symbols[:, None] != pr.symbols[None, :])
        rows, cols = linear_sum_assignment(cost)
        new_drift = drift + (df[rows, cols].mean(axis=0))
        if np.allclose(new_drift, drift, atol=1e-9):
            break
        drift = new_drift
    return rows, cols, cost, vec, drift


def _defect_site(pr, img, rows, cols, cost, name):
    """The defect's pristine site, its kind, the new species and the margin (Å²) by which
    the best assignment that avoids that answer is worse."""
    from scipy.optimize import linear_sum_assignment
    total = cost[rows, cols].sum()
    alt = cost.copy()
    if len(img.symbols) == len(pr.symbols) - 1:
        site = int(np.setdiff1d(np.arange(len(pr.symbols)), cols)[0])
        alt[:, site] -= 1e6  # force the found site to be taken: some other site goes empty
        r2, c2 = linear_sum_assignment(alt)
        return site, "vacancy", None, float(alt[r2, c2].sum() + 1e6 - total)
    changed = cols[img.symbols[rows] != pr.symbols[cols]]
    if changed.size != 1:
        raise InputError(f"{name}: matches no single defect site: {changed.size} sites changed species")
    site = int(changed[0])
    row = int(rows[cols == site][0])
    alt[row, site] += 1e6
    r2, c2 = linear_sum_assignment(alt)
    return site, "substitution", str(img.symbols[row]), float(alt[r2, c2].sum() - total)


def match_image(pristine, image, *, penalty=100.0, warn_displacement=1.0, tie_margin=0.05, name="image"):
    """Match one defective image to the pristine site it came from.

    Fixed-frame minimum-image assignment (``scipy.optimize.linear_sum_assignment``) of the
    image's atoms to the pristine sites, cost = squared distance (Å²) + ``penalty`` for a
    species change; a rigid drift is removed and the assignment repeated.  A vacancy is the
    pristine site left unassigned, a substitution the one whose species changed.  An
    explicit ``info['site_index']`` on the image wins.

    Parameters
    ----------
    pristine, image : ase.Atoms, pymatgen Structure or StructureData
        Same cell; the image has one atom fewer (vacancy) or one changed species.
    penalty : float
        Cost (Å²) of a species change.
    warn_displacement : float
        Warn when an atom moved more than this (Å).
    tie_margin : float
        Warn when the next-best assignment is within this (Å²).
    name : str
        Names the image in messages (its file).

    Returns
    -------
    ImageMatch

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> pristine = ceria_like_atoms()
    >>> image = pristine.copy()
    >>> del image[7]
    >>> m = match_image(pristine, image)
    >>> m.site, m.kind, m.host
    (7, 'vacancy', 'O')
    """
    pr = read_structure(pristine)
    img = _image_frame(pr, image, name)
    n_p, n_i = len(pr.symbols), len(img.symbols)
    if n_i not in (n_p, n_p - 1):
        raise InputError(f"{name}: has {n_i} atoms and the pristine cell {n_p}: only single vacancies and "
                         "substitutions can be matched")
    rows, cols, cost, vec, drift = _assignment(pr, img, penalty)
    disp = np.sqrt(np.einsum("ij,ij->i", vec[rows, cols], vec[rows, cols]))
    site, kind, new, margin = _defect_site(pr, img, rows, cols, cost, name)
    explicit = img.info.get("site_index")
    if explicit is not None:
        explicit = int(explicit)
        if not 0 <= explicit < n_p:
            raise InputError(f"{name}: info['site_index'] = {explicit} is out of range 0..{n_p - 1}")
        if explicit != site:
            warnings.warn(f"{name}: info['site_index'] = {explicit} overrides the matched site {site}", stacklevel=2)
        site = explicit
    if disp.max() > warn_displacement:
        warnings.warn(f"{name}: atom {int(rows[np.argmax(disp)])} moved {disp.max():.2f} Å from its site "
                      f"(more than {warn_displacement} Å): check the match of site {site}", stacklevel=2)
    if margin < tie_margin and explicit is None:
        warnings.warn(f"{name}: ambiguous image: matching it to another site costs only {margin:.3g} Å² more than "
                      f"to site {site}; give info['site_index']", stacklevel=2)
    return ImageMatch(site, kind, str(pr.symbols[site]), new, drift @ pr.cell, float(disp.max()), margin, name)


def _energy_of(obj, name, what="image"):
    """Total energy (eV) and structure of an ASE Atoms (calculator or ``info["energy"]``), a
    pymatgen ComputedStructureEntry, Vasprun or Structure (``properties["energy"]``);
    ``(structure, None)`` when it has none."""
    if hasattr(obj, "final_structure") and hasattr(obj, "final_energy"):  # pymatgen Vasprun
        return obj.final_structure, float(obj.final_energy)
    if hasattr(obj, "structure") and hasattr(obj, "energy"):  # ComputedStructureEntry
        return obj.structure, float(obj.energy)
    energy = None
    if getattr(obj, "calc", None) is not None:
        try:
            energy = obj.get_potential_energy()
        except Exception:  # noqa: BLE001 - no stored energy on this calculator
            energy = None
    if energy is None:
        energy = (getattr(obj, "info", None) or getattr(obj, "properties", None) or {}).get("energy")
    if energy is not None and not (isinstance(energy, (int, float, np.number)) and np.isfinite(energy)):
        raise InputError(f"{name}: the {what}'s energy is {energy!r}, not a finite number (eV)")
    return obj, None if energy is None else float(energy)


def _pristine(pristine, pristine_energy, reference):
    """The pristine structure and its energy (eV): given, its own, or (when ``reference``
    cancels it: "far" or a site index) 0."""
    if pristine_energy is not None:
        return pristine, float(pristine_energy)
    struct, e0 = _energy_of(pristine, "the pristine structure", "pristine structure")
    if e0 is None and (reference is None or not isinstance(reference, (str, int, np.integer))):
        raise InputError(f"the pristine structure has no energy, and reference = {reference!r} needs it (ΔE = "
                         "E(image) - E(pristine) - reference): attach its energy (calculator, info['energy']), give "
                         "pristine_energy (eV), or use reference = 'far' or a site index, where it cancels")
    return struct, 0.0 if e0 is None else e0


def image_energies(pristine, images, defects, *, reference="far", pristine_energy=None, select=None, axis=None,
                   boundaries=None, plane_tol=0.3, **match_kw):
    """Per-site segregation energies (eV) from defective relaxed images.

    Each image is matched with :func:`match_image`;
    ``ΔE = E(image) - E(pristine) - reference`` (see :func:`~.energies.segregation_energies`).

    Parameters
    ----------
    pristine : ase.Atoms or pymatgen Structure or ComputedStructureEntry
        The relaxed pristine boundary; its energy is needed only when ``reference`` is a
        number or None (with "far" or a site index it cancels).
    images : str, path-like, object, or a list of them
        Defective images with energies (calculator results, ``info["energy"]``, pymatgen
        entries or ``Vasprun``): ``Atoms``/pymatgen objects, or files, globs, ``file@SLICE``,
        ase.db files and pymatgen JSON files (:func:`~.files.read_images`: every frame of
        a structure file, the last of a program's output such as OUTCAR or vasprun.xml).
    defects : dict
        Defect label -> ``(host, new)``: ``("O", None)`` for an O vacancy, ``("Ce", "Gd")`` for
        Gd on Ce.
    reference : see :func:`~.energies.segregation_energies` (default ``"far"``)
    pristine_energy : float, optional
        eV, if ``pristine`` carries none.
    select : str, optional
        ase.db selection for database images (``"relaxed=1"``).
    axis, boundaries, plane_tol, **match_kw
        As in :func:`~.projection.project` and :func:`match_image`.

    Returns
    -------
    energies : dict
        ``{label: per-site array}`` (NaN where no image; everywhere for a defect without any).
    matches : list of ImageMatch
        One per image, with its ``source``.

    Raises
    ------
    InputError
        Naming the image (its file): no energy, another cell, no single defect, a defect
        none of ``defects``, or a site another image already has.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> pristine = ceria_like_atoms()
    >>> image = pristine.copy()
    >>> del image[7]
    >>> image.info["energy"] = 5.0
    >>> dE, matches = image_energies(pristine, [image], {"Vo": ("O", None)}, pristine_energy=0.0, reference=0.0)
    >>> float(dE["Vo"][7]), matches[0].site, matches[0].source
    (5.0, 7, 'images[0]')
    """
    from .files import read_images
    pr_struct, e0 = _pristine(pristine, pristine_energy, reference)
    pr = read_structure(pr_struct)
    raw = {lab: np.full(len(pr.symbols), np.nan) for lab in defects}
    first = {lab: {} for lab in defects}
    matches = []
    for name, item in read_images(images, select):
        struct, e = _energy_of(item, name)
        if e is None:
            raise InputError(f"{name}: the image has no energy (attach a calculator result, info['energy'], or use a "
                             "ComputedStructureEntry)")
        m = match_image(pr, struct, name=name, **match_kw)
        label = [lab for lab, (host, new) in defects.items() if host == m.host and new == m.new]
        if not label:
            raise InputError(f"{name}: a {m.kind} on {m.host!r} site {m.site}"
                             f"{'' if m.new is None else ' by ' + repr(m.new)} is none of the defects {defects}")
        if m.site in first[label[0]]:
            raise InputError(f"{first[label[0]][m.site]} and {name} are both a {label[0]!r} image of site {m.site}: "
                             "give each site one image (the steps of one relaxation? take its last frame: file@-1)")
        raw[label[0]][m.site], first[label[0]][m.site] = e - e0, name
        matches.append(m)
    out = {lab: segregation_energies(pr, arr, reference=reference, axis=axis, boundaries=boundaries,
                                     plane_tol=plane_tol) if np.isfinite(arr).any() else arr
           for lab, arr in raw.items()}  # a defect without images: NaN everywhere (``missing`` says what it means)
    return out, matches
