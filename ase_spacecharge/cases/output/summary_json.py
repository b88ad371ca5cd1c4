"""The case summary as JSON (``--json``; ``--json -`` writes it to standard output): numbers
in the package's units, NaN and inf as ``null``."""

from __future__ import annotations

import json
import math

__all__ = ["json_safe", "write_summary_json", "write"]


def json_safe(obj):
    """NaN and inf become None (JSON has no such numbers), recursively.

    Parameters
    ----------
    obj : dict, list, tuple or scalar

    Returns
    -------
    The same structure with lists for tuples.

    Examples
    --------
    >>> json_safe({"a": [1.0, float("nan")]})
    {'a': [1.0, None]}
    """
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def write_summary_json(path, summary):
    """Write a summary dict (:func:`~ase_spacecharge.report.summarise`, a case's summary) as
    indented JSON, NaN and inf as ``null``.

    Parameters
    ----------
    path : str or path-like
        ``"-"``: standard output.
    summary : dict

    Returns
    -------
    None

    Examples
    --------
    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "s.json")
    >>> write_summary_json(path, {"phi0": 0.1, "r": float("inf")})
    >>> json.load(open(path))
    {'phi0': 0.1, 'r': None}
    """
    if path == "-":
        import sys
        json.dump(json_safe(summary), sys.stdout, indent=1)
        sys.stdout.write("\n")
        sys.stdout.flush()
        return
    with open(path, "w") as handle:
        json.dump(json_safe(summary), handle, indent=1)


def write(path, result, **options):
    """The command line's writer: the summary of a :class:`~ase_spacecharge.cases.CaseResult`.

    Parameters
    ----------
    path : str or path-like
    result : CaseResult
    **options
        Ignored (the command line passes every writer the same options).

    Returns
    -------
    list of (str, str)
        What was written and where.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.cases import load_case, run_case
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> folder = tempfile.mkdtemp()
    >>> result = run_case(load_case(write_ceria_like_case(folder, temperature=773.15)))
    >>> write(os.path.join(folder, "s.json"), result)[0][0]
    'summary'
    """
    write_summary_json(path, result.summary)
    return [] if path == "-" else [("summary", path)]
