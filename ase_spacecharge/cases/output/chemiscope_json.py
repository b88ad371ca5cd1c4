"""The annotated cell as a chemiscope dataset (``--chemiscope gb.json``; the ``chemiscope`` extra)."""

from __future__ import annotations

__all__ = ["write"]


def write(path, result, **options):
    """The command line's writer: the first temperature's annotated cell, coloured by log₁₀ of
    the first defect's site fraction (:func:`~ase_spacecharge.visual.chemiscope_export.to_chemiscope`).

    Parameters
    ----------
    path : str or path-like
        ``.json`` or ``.json.gz``.
    result : CaseResult
        Of a structure case.
    **options
        Ignored (the command line passes every writer the same options).

    Returns
    -------
    list of (str, str)

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from ase_spacecharge.errors import InputError
    >>> try:
    ...     write("gb.json", SimpleNamespace(frames=[]))
    ... except InputError as exc:
    ...     print(exc)
    --chemiscope needs a structure case (structure = ...)
    """
    from ...errors import InputError
    from ...visual.chemiscope_export import to_chemiscope
    if not result.frames:
        raise InputError("--chemiscope needs a structure case (structure = ...)")
    to_chemiscope(result.frames[0], path)
    return [("chemiscope dataset", str(path))]
