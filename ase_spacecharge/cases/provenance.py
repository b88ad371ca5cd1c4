"""Provenance: what a written structure (``info["sc_params"]``) and a summary
(``package_version``, ``inputs``) carry, so that a result can be traced to its inputs and
re-run from the written structure alone.

``sc_params`` is one JSON string: ``package`` and ``version``, ``case`` (the case file's
table as written), ``case_file`` and ``case_sha256`` (the SHA-256 of its bytes),
``structure`` (the input structure as given and its identity, as the screen computes it:
the SHA-256 of a file's bytes, or the content hash of a database row or a frame),
``images`` (the image files, how many images, and their identity) and ``inputs`` (every
solver input after validation, defaults filled in).  ``ase-spacecharge run out.extxyz`` (or
``run_case("out.extxyz")``) re-runs a written structure from it: the structure carries the
segregation energies (``dE_<defect>``, the images' among them), so ``[images]`` is not read
again and its ``missing`` applies to the arrays.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os

from ..errors import InputError

__all__ = ["case_table", "case_inputs", "case_params", "structure_identity"]

#: Case keys that are not solver inputs (paths, bookkeeping) or are recorded in another form.
_NOT_INPUTS = ("structure", "write_structure", "case_file", "provenance", "kind", "temperatures", "carriers",
               "sites")


def _plain(obj):
    """JSON-ready: dataclasses as dicts, arrays as lists, tuples as lists, NaN/inf as None."""
    from .output.summary_json import json_safe
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _plain(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, tuple) else ",".join(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if callable(obj):
        return repr(obj)
    return json_safe(obj) if isinstance(obj, float) else obj


def case_table(path, read_toml):
    """The raw table of a case and its provenance: a TOML case file, or a structure the
    package wrote (its ``info["sc_params"]``, set up to re-run it).

    Parameters
    ----------
    path : str
    read_toml : callable
        ``path -> dict``, reading a TOML file with named errors.

    Returns
    -------
    raw : dict
    provenance : dict
        ``case_file``, ``case_sha256`` and ``case`` (the table, JSON-ready); a re-run also
        ``rerun_of`` (the structure) and the ``sc_params`` it was written with.

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.cases.casefile import _read_toml
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> raw, prov = case_table(write_ceria_like_case(tempfile.mkdtemp()), _read_toml)
    >>> raw["temperature"], len(prov["case_sha256"])
    ([773.15, 873.15], 64)
    """
    if not path.endswith(".toml") and os.path.isfile(path):
        params = _written_params(path)
        if params is not None:
            return _rerun_table(params, path), dict(case_file=os.path.abspath(path), rerun_of=os.path.abspath(path),
                                                    case=params.get("case"), sc_params=params,
                                                    case_sha256=params.get("case_sha256"))
    raw = read_toml(path)
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return raw, dict(case_file=os.path.abspath(path), case_sha256=digest, case=_plain(raw))


def _written_params(path):
    """``info["sc_params"]`` of a structure file; None when ``path`` is no structure (a case
    file with another suffix); an error for a structure the package did not write."""
    from ..structure.files import read_structure_file
    try:
        atoms = read_structure_file(path)
    except InputError:
        return None
    text = atoms.info.get("sc_params")
    if not isinstance(text, str):
        raise InputError(f"{path}: a structure without info['sc_params'] (not written by `ase-spacecharge run`): give "
                         "the case file (TOML) to run")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: info['sc_params'] is not JSON ({exc})") from None


def _rerun_table(params, path):
    """The case table that re-runs a written structure: its own atoms (with their energies),
    no images to read, nothing written unless asked."""
    raw = copy.deepcopy(params.get("case") or {})
    if "structure" not in raw:
        raise InputError(f"{path}: info['sc_params'] holds no structure case")
    images = raw.pop("images", None) or {}
    if images.get("missing") is not None:
        raw["missing"] = images["missing"]
    raw.pop("write_structure", None)
    raw["structure"] = os.path.abspath(path)
    return raw


def structure_identity(spec, atoms):
    """The input structure's identity, as the screen computes it: the SHA-256 of a file's
    bytes, or the content hash (:func:`~ase_spacecharge.structure.files.structure_hash`) of a
    database row, a frame (``file@k``) or a pymatgen JSON file's structure.

    Parameters
    ----------
    spec : str
        As given (``gb.extxyz``, ``gbs.db@id=3``, ``relax.traj@-1``).
    atoms : ase.Atoms
        As read.

    Returns
    -------
    dict
        ``source`` and ``hash``.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase.io import write
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> path = os.path.join(tempfile.mkdtemp(), "gb.extxyz")
    >>> write(path, ceria_like_atoms())
    >>> len(structure_identity(path, ceria_like_atoms())["hash"])
    32
    """
    from ..structure.files import file_hash, split_spec, structure_hash
    path, index = split_spec(spec)
    whole_file = index is None and not path.endswith((".db", ".json"))
    return dict(source=os.fspath(spec), hash=file_hash(path) if whole_file else structure_hash(atoms))


def case_inputs(case):
    """Every solver input of a validated case, defaults filled in, JSON-ready (paths left
    out: the inputs' identities are recorded beside them).

    Parameters
    ----------
    case : dict
        From :func:`~.casefile.load_case`.

    Returns
    -------
    dict

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.cases.casefile import load_case
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> inputs = case_inputs(load_case(write_ceria_like_case(tempfile.mkdtemp())))
    >>> inputs["tolerance"], inputs["defects"][0]["label"], "sites" in inputs
    (1e-10, 'Vo', False)
    """
    inputs = {k: _plain(v) for k, v in case.items() if k not in _NOT_INPUTS}
    inputs["carriers"] = _plain(case.get("carrier_tables", case.get("carriers", [])))
    inputs.pop("carrier_tables", None)
    if inputs.get("images"):
        inputs["images"]["files"] = (case["provenance"].get("case") or {}).get("images", {}).get("files")
    return inputs


def case_params(case, structure=None, images=None):
    """The provenance of a case's result: what ``info["sc_params"]`` holds (see the module
    docstring).

    Parameters
    ----------
    case : dict
        From :func:`~.casefile.load_case`.
    structure : dict, optional
        :func:`structure_identity` of the input structure.
    images : dict, optional
        The images read (``files``, ``count``, ``hash``).

    Returns
    -------
    dict

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.cases.casefile import load_case
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> params = case_params(load_case(write_ceria_like_case(tempfile.mkdtemp())))
    >>> params["package"], sorted(params)[:3]
    ('ase_spacecharge', ['case', 'case_file', 'case_sha256'])
    """
    from .. import __version__
    prov = case.get("provenance") or {}
    out = dict(package="ase_spacecharge", version=__version__, case=prov.get("case"), case_file=prov.get("case_file"),
               case_sha256=prov.get("case_sha256"), inputs=case_inputs(case))
    if prov.get("rerun_of"):
        out["rerun_of"] = prov["rerun_of"]
    if structure is not None:
        out["structure"] = structure
    if images is not None:
        out["images"] = images
    return out
