"""``[images]`` of a structure case: the defect images' segregation energies become the
pristine structure's ``dE_<defect>`` arrays (NaN where no image), so that everything after
(projection, ``missing``, the solve, the written structure and its re-run) treats them as
energies given per atom.

```toml
structure = "gb.extxyz"            # the relaxed pristine boundary
[images]
files = ["relax/vac_*.extxyz"]     # globs, file@SLICE or an ase.db path, relative to the case file
reference = "far"                  # "far", an energy (eV, a float) or a site index (an integer)
missing = "equivalent"             # "error" (default), "zero", "equivalent", "drop"
[images.defects]
Vo = ["O", ""]                     # host species, the species that replaces it ("" = vacancy)
Gd = ["Ce", "Gd"]
```
"""

from __future__ import annotations

import hashlib
import math
import os

from ..errors import InputError, did_you_mean
from .schema import Field, choice, number, text

__all__ = ["IMAGES", "MISSING", "images_checks", "apply_images"]


def _strings():
    """A non-empty list of non-empty strings (paths, globs)."""
    def check(value, where):
        if not (isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)):
            return None
        return value
    return Field(check, "a list of paths, globs, file@SLICE or ase.db files (strings)")


def _image_defects():
    """``[images.defects]``: label = [host species, the species replacing it ("" = vacancy)]."""
    def check(value, where):
        if not isinstance(value, dict) or not value:
            return None
        for label, pair in value.items():
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair) and pair[0]):
                raise InputError(f"{where}.{label}: expected [host species, the species that replaces it] (\"\" for a "
                                 f"vacancy), got {pair!r}")
        return {label: (host, new or None) for label, (host, new) in value.items()}
    return Field(check, 'a table of label = [host, new] ("" = vacancy)')


def _reference():
    """``"far"``, a site index (a TOML integer) or an energy (eV, a TOML float)."""
    def check(value, where):
        if value == "far" or (type(value) is int and value >= 0):
            return value
        if type(value) is float and math.isfinite(value):
            return value
        return None
    return Field(check, '"far", a site index (an integer) or an energy (eV, a float such as 0.0)', "far")


MISSING = ("error", "equivalent", "zero", "drop")
IMAGES = dict(files=_strings(), defects=_image_defects(), reference=_reference(),
              missing=choice(*MISSING, default=None), select=text(None, "an ase.db selection (string)"),
              pristine_energy=number("eV", default=None))
def images_checks(case, folder, path, missing_given):
    """Check a case's ``[images]`` table (after the schema): its files exist (each glob
    matches; paths resolved against ``folder``), its defects are the case's, and ``missing``
    is given once (its value becomes the case's ``missing``).

    Parameters
    ----------
    case : dict
        Being loaded (:func:`~.casefile.load_case`); changed in place.
    folder : str
        The case file's folder.
    path : str
        The case file, for messages.
    missing_given : bool
        Whether the case also gives ``missing`` at the top level.

    Returns
    -------
    None

    Raises
    ------
    InputError
        Naming the file, glob or key.

    Examples
    --------
    >>> case = {"images": {"files": ["vac_*.extxyz"], "defects": {"Vo": ("O", None)}, "missing": None},
    ...         "defects": [{"label": "Vo", "site": "O"}]}
    >>> try:
    ...     images_checks(case, "/nowhere", "case.toml", False)
    ... except InputError as exc:
    ...     print(exc)
    case.toml: images.files: '/nowhere/vac_*.extxyz': no file matches
    """
    images = case["images"]
    if images is None:
        return
    from ..structure.files import expand_paths
    images["files"] = [os.path.join(folder, spec) for spec in images["files"]]
    for spec in images["files"]:
        try:
            expand_paths(spec, "images.files:")
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    sites = {d["label"]: d["site"] for d in case["defects"]}
    for label, (host, _) in images["defects"].items():
        if label not in sites:
            raise InputError(f"{path}: images.defects.{label}: no [[defects]] entry has label {label!r}"
                             f"{did_you_mean(label, sites)}")
        if sites[label] != host:
            raise InputError(f"{path}: images.defects.{label}: host {host!r}, but the [[defects]] entry {label!r} has "
                             f"site = {sites[label]!r}")
    if images["missing"] is not None:
        if missing_given:
            raise InputError(f"{path}: missing is given twice (top level and in [images]): give it once")
        case["missing"] = images["missing"]




def _images_identity(files, names):
    """The image files as given, how many images were read, and one SHA-256 of every image
    file's bytes (and its frame or row)."""
    from ..structure.files import file_hash, split_spec
    h = hashlib.sha256()
    hashes = {}
    for name in names:
        path = split_spec(name)[0]
        hashes.setdefault(path, file_hash(path))
        h.update(f"{hashes[path]} {name[len(path):]}\n".encode())
    return dict(files=files, count=len(names), hash=h.hexdigest()[:32])


def apply_images(case, atoms):
    """Put the segregation energies of the case's ``[images]`` on the pristine ``atoms``, as
    ``dE_<defect>`` arrays (in place).

    Parameters
    ----------
    case : dict
        A structure case (:func:`~.casefile.load_case`).
    atoms : ase.Atoms
        The pristine structure, as read.

    Returns
    -------
    dict or None
        The images' identity (``files``, ``count``, ``hash``); None without ``[images]``.

    Raises
    ------
    InputError
        The structure already has an energy array of a defect the images give, or any image
        problem (named by :func:`~ase_spacecharge.structure.image_energies`).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> apply_images({"images": None}, ceria_like_atoms()) is None
    True
    """
    images = case.get("images")
    if not images:
        return None
    from ..structure import image_energies
    clash = [lab for lab in images["defects"] if f"dE_{lab}" in atoms.arrays]
    if clash:
        raise InputError(f"{case.get('case_file')}: the structure already has per-site energies dE_{clash[0]}, and "
                         f"[images] computes them: remove one of the two")
    dE, matches = image_energies(atoms, images["files"], images["defects"], reference=images["reference"],
                                 pristine_energy=images["pristine_energy"], select=images["select"],
                                 axis=case.get("axis"), boundaries=case.get("boundaries"), plane_tol=case["plane_tol"])
    for label, energies in dE.items():
        atoms.set_array(f"dE_{label}", energies)
    as_given = ((case.get("provenance") or {}).get("case") or {}).get("images", {}).get("files", images["files"])
    return _images_identity(as_given, [m.source for m in matches])
