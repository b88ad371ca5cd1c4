"""The parameter sets of a screen: the ``[sweep]`` table checked against the case schema,
expanded as a product, and applied to the case.

A sweep key is a top-level key of a structure case (``temperature``, ``permittivity``,
``approximation``, ``pad_to``, ...) or ``defects.<label>.<field>`` for one defect's field
(``mole_fraction``, ``valence``, ``mobility``, ...).  Each value is checked by the same field
as in a case file, so a sweep accepts exactly what a case would.  Keys joined by commas vary
together (their values are lists, one value per key): the bulk must stay neutral, so a
dopant's fraction and its compensating vacancies' fraction are swept as one entry,
``"defects.Gd.mole_fraction, defects.Vo.mole_fraction" = [[0.1, 0.025], [0.2, 0.05]]``.
The parameter sets are the product over the entries.
"""

from __future__ import annotations

import itertools
import json

from ..cases.casefile import DEFECT, SCREEN, load_case
from ..errors import InputError, did_you_mean
from ..cases.schema import number

__all__ = ["sweep_keys", "check_sweep", "expand_sweep", "apply_params", "load_study"]

#: Case keys a sweep cannot vary: where structures and results go, and whole tables (a
#: defect's field is swept as ``defects.<label>.<field>``).
FIXED = ("structure", "sweep", "write_structure", "defects", "carriers", "materials", "resistivity", "transient",
         "steady_state", "impedance", "onsager", "area", "compat")
#: One temperature of a sweep (K).
TEMPERATURE = number("K", positive=True)


def sweep_keys(case):
    """The keys a sweep of ``case`` may vary.

    Parameters
    ----------
    case : dict
        A screening case (:func:`~ase_spacecharge.cases.casefile.load_case` with ``screen=True``).

    Returns
    -------
    list of str
        Top-level case keys, then ``defects.<label>.<field>`` for every defect.

    Examples
    --------
    >>> keys = sweep_keys({"defects": [{"label": "Gd"}]})
    >>> "temperature" in keys, "defects.Gd.mole_fraction" in keys, "defects" in keys
    (True, True, False)
    """
    top = [k for k in SCREEN if k not in FIXED]
    return top + [f"defects.{d['label']}.{f}" for d in case["defects"] for f in DEFECT if f != "label"]


def _field(key, case, where):
    """The schema field that checks one value of sweep key ``key``."""
    if key == "temperature":
        return TEMPERATURE
    if key in SCREEN and key not in FIXED:
        return SCREEN[key]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "defects" and parts[2] in DEFECT and parts[2] != "label":
        labels = [d["label"] for d in case["defects"]]
        if parts[1] in labels:
            return DEFECT[parts[2]]
        raise InputError(f"{where}: {key!r}: the case has no defect labelled {parts[1]!r}"
                         f"{did_you_mean(parts[1], labels)}; its defects are {labels}")
    why = (f"{key!r} cannot be swept (sweep one field: defects.<label>.<field>)" if key in FIXED else
           f"unknown sweep key {key!r}{did_you_mean(key, sweep_keys(case))}")
    raise InputError(f"{where}: {why}; a sweep varies a top-level case key (temperature, permittivity, "
                     "approximation, ...) or defects.<label>.<field>")


def _distinct(key, values, where):
    seen = set()
    for v in values:
        text = json.dumps(v, sort_keys=True)
        if text in seen:
            raise InputError(f"{where}: {key}: the value {v!r} is given twice (each parameter set is one row)")
        seen.add(text)
    return values


def _linked(key, values, fields, where):
    """The values of an entry whose keys vary together: one list of values per set."""
    out = []
    for i, value in enumerate(values):
        if not isinstance(value, (list, tuple)) or len(value) != len(fields):
            raise InputError(f"{where}: {key} entry {i}: expected a list of {len(fields)} values (one per key), "
                             f"got {value!r}")
        out.append([f(v, f"{where}: {key} entry {i}") for f, v in zip(fields, value)])
    return out


def check_sweep(sweep, case, where="sweep"):
    """Check every key and value of a sweep against the case schema.

    Parameters
    ----------
    sweep : dict
        key -> list of values; keys joined by commas vary together (each value a list of
        one value per key).
    case : dict
        The screening case the sweep varies.
    where : str
        Names the sweep in messages (file and table).

    Returns
    -------
    dict
        key -> list of checked (normalised) values, in the order given.

    Raises
    ------
    InputError
        An unknown key (with a suggestion), a key that cannot be swept, an empty list, a
        value the key's field rejects, or a value given twice.

    Examples
    --------
    >>> case = {"defects": [{"label": "Gd"}]}
    >>> check_sweep({"temperature": [673, 773]}, case)
    {'temperature': [673.0, 773.0]}
    >>> try:
    ...     check_sweep({"temprature": [673]}, case)
    ... except InputError as exc:
    ...     print(str(exc)[:60])
    sweep: unknown sweep key 'temprature' (did you mean 'tempera
    """
    if not isinstance(sweep, dict):
        raise InputError(f"{where}: expected a table of key = [values], got {sweep!r}")
    out, seen = {}, set()
    for entry, values in sweep.items():
        keys = [k.strip() for k in str(entry).split(",")]
        fields = [_field(k, case, where) for k in keys]
        repeated = [k for k in keys if k in seen] or [k for k in keys if keys.count(k) > 1]
        if repeated:
            raise InputError(f"{where}: {repeated[0]!r} is swept twice")
        seen.update(keys)
        key = ", ".join(keys)
        if not isinstance(values, (list, tuple)) or not values:
            raise InputError(f"{where}: {key}: expected a non-empty list of values, got {values!r}")
        out[key] = _distinct(key, _linked(key, values, fields, where) if len(keys) > 1 else
                             [fields[0](v, f"{where}: {key} entry {i}") for i, v in enumerate(values)], where)
    return out


def expand_sweep(sweep, case):
    """The parameter sets of a sweep: the product of its entries (keys joined by commas vary
    together), temperatures last (the case's temperature list when the sweep does not vary
    it).

    Parameters
    ----------
    sweep : dict
        Checked by :func:`check_sweep`.
    case : dict

    Returns
    -------
    list of dict
        One dict per parameter set, each with ``temperature``.

    Examples
    --------
    >>> sets = expand_sweep({"defects.Gd.mole_fraction": [0.1, 0.2]}, {"temperatures": [673.0, 773.0]})
    >>> len(sets), sets[1]
    (4, {'defects.Gd.mole_fraction': 0.1, 'temperature': 773.0})
    """
    linked = any("temperature" in entry.split(", ") for entry in sweep if entry != "temperature")
    temperatures = [] if linked else sweep.get("temperature", case["temperatures"])
    _distinct("temperature", temperatures, "temperatures")
    entries = [k for k in sweep if k != "temperature"]
    out = []
    for values in itertools.product(*(sweep[k] for k in entries)):
        params = {}
        for entry, value in zip(entries, values):
            keys = entry.split(", ")
            params.update(zip(keys, value) if len(keys) > 1 else [(entry, value)])
        out += [dict(params, temperature=t) for t in temperatures] if not linked else [params]
    return out


def apply_params(case, params):
    """The case of one parameter set (the input is not modified).

    Parameters
    ----------
    case : dict
    params : dict
        Sweep key -> value; ``temperature`` sets ``temperature`` and ``temperatures``.

    Returns
    -------
    dict

    Examples
    --------
    >>> case = {"permittivity": 55.0, "temperatures": [773.0], "defects": [{"label": "Gd", "mole_fraction": 0.2}]}
    >>> row = apply_params(case, {"defects.Gd.mole_fraction": 0.1, "temperature": 673.0})
    >>> row["defects"][0]["mole_fraction"], row["temperatures"], case["defects"][0]["mole_fraction"]
    (0.1, [673.0], 0.2)
    """
    out = dict(case, defects=[dict(d) for d in case["defects"]])
    for key, value in params.items():
        if key == "temperature":
            out["temperature"], out["temperatures"] = value, [value]
        elif key.startswith("defects."):
            _, label, name = key.split(".")
            next(d for d in out["defects"] if d["label"] == label)[name] = value
        else:
            out[key] = value
    return out


def load_study(case, sweep=None):
    """A screening case and its parameter sets.

    Parameters
    ----------
    case : str, path-like or dict
        A case file, or a case loaded with ``load_case(path, screen=True)``.
    sweep : dict, optional
        Replaces the case's ``[sweep]`` table.

    Returns
    -------
    dict
        ``case`` (validated), ``sweep`` (checked) and ``params`` (:func:`expand_sweep`).

    Raises
    ------
    InputError
        A bad case or sweep, named.

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.screen.example import example_study
    >>> study = load_study(example_study(tempfile.mkdtemp(), 1))
    >>> list(study["sweep"]), len(study["params"])
    (['defects.Gd.mole_fraction, defects.Vo.mole_fraction'], 4)
    """
    if not isinstance(case, dict):
        path = str(case)
        case = load_case(path, screen=True)
        where = f"{path}: [sweep]"
    elif case.get("kind") != "structure" or "sweep" not in case:
        raise InputError("case: expected a case file or a screening case from load_case(path, screen=True)")
    else:
        where = "[sweep]"
    checked = check_sweep(case["sweep"] if sweep is None else sweep, case, where if sweep is None else "sweep")
    return dict(case=case, sweep=checked, params=expand_sweep(checked, case))
