"""A small schema language for case files: every key checked (type, range, choices) before any
work starts, unknown keys named with a suggestion.

A field is a validator: called with ``(value, where)`` it returns the value (normalised: a
float for a number, a list for a list) or raises an :class:`~.errors.InputError` that says
``where`` (file and key), what was expected and what was given.  :func:`check_table` applies
a dict of fields to a TOML table.
"""

from __future__ import annotations

import math

from ..errors import InputError, did_you_mean, is_number

__all__ = ["REQUIRED", "Field", "check_table"]

#: Marks a field without a default.
REQUIRED = object()


class Field:
    """A validator with a description and a default.

    Parameters
    ----------
    check : callable
        ``(value, where) -> value``; returns None when the value does not fit.
    what : str
        What the field expects, for messages (e.g. "a positive number (K)").
    default : object
        Value of an absent key (``REQUIRED``: the key must be given).

    Examples
    --------
    >>> number("K", positive=True)(773.15, "case.toml: temperature")
    773.15
    >>> try:
    ...     number("K", positive=True)("hot", "case.toml: temperature")
    ... except InputError as exc:
    ...     print(exc)
    case.toml: temperature: expected a positive number (K), got 'hot'
    """

    def __init__(self, check, what, default=REQUIRED):
        self.check, self.what, self.default = check, what, default

    def __call__(self, value, where):
        out = self.check(value, where)
        if out is None:
            raise InputError(f"{where}: expected {self.what}, got {value!r}")
        return out

    def optional(self, default=None):
        """The same field with a default."""
        return Field(self.check, self.what, default)


def _is_number(value):
    return is_number(value) and math.isfinite(value)


def number(unit="", *, positive=False, nonnegative=False, minimum=None, maximum=None, default=REQUIRED):
    """A finite number (int or float, never a bool), with an optional range.

    Examples
    --------
    >>> number("V", nonnegative=True)(0, "scr_limit")
    0.0
    """
    kind = "a positive number" if positive else "a non-negative number" if nonnegative else "a number"
    if minimum is not None or maximum is not None:
        kind += f" in [{'-inf' if minimum is None else minimum}, {'inf' if maximum is None else maximum}]"
    what = kind + (f" ({unit})" if unit else "")

    def check(value, where):
        if not _is_number(value) or (positive and value <= 0) or (nonnegative and value < 0) \
                or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            return None
        return float(value)
    return Field(check, what, default)


def integer(*, minimum=None, default=REQUIRED):
    """An integer (a float with an integral value is accepted).

    Examples
    --------
    >>> integer(minimum=3)(1000.0, "n_points")
    1000
    """
    what = "an integer" + (f" >= {minimum}" if minimum is not None else "")

    def check(value, where):
        if not _is_number(value) or value != int(value) or (minimum is not None and value < minimum):
            return None
        return int(value)
    return Field(check, what, default)


def boolean(default=REQUIRED):
    """``true`` or ``false`` (not a string, not a number).

    Examples
    --------
    >>> boolean()(False, "site_charges")
    False
    """
    return Field(lambda value, where: value if isinstance(value, bool) else None, "true or false", default)


def text(default=REQUIRED, what="a string"):
    """A non-empty string.

    Examples
    --------
    >>> text()("gb.extxyz", "structure")
    'gb.extxyz'
    """
    return Field(lambda value, where: value if isinstance(value, str) and value else None, what, default)


def choice(*options, default=REQUIRED):
    """One of ``options``; a near miss is named.

    Examples
    --------
    >>> choice("periodic", "dirichlet")("periodic", "boundary")
    'periodic'
    """
    what = "one of " + ", ".join(repr(o) for o in options)

    def check(value, where):
        if value in options:
            return value
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        raise InputError(f"{where}: expected {what}, got {value!r}{hint}")
    return Field(check, what, default)


def numbers(unit="", *, length=None, min_length=1, positive=False, increasing=False, default=REQUIRED):
    """A list of finite numbers.

    Examples
    --------
    >>> numbers("Å", length=2, increasing=True)([-10, -2.5], "bulk")
    [-10.0, -2.5]
    """
    count = f"{length}" if length is not None else f"at least {min_length}"
    what = (f"a list of {count} {'positive ' if positive else ''}numbers" + (" in increasing order" if increasing
                                                                             else "") + (f" ({unit})" if unit else ""))

    def check(value, where):
        if not isinstance(value, list) or not all(_is_number(v) for v in value):
            return None
        if (length is not None and len(value) != length) or len(value) < min_length:
            return None
        if (positive and any(v <= 0 for v in value)) or (increasing and any(b <= a for a, b in zip(value, value[1:]))):
            return None
        return [float(v) for v in value]
    return Field(check, what, default)


def one_of(*fields, default=REQUIRED):
    """The first of ``fields`` that accepts the value.

    Examples
    --------
    >>> pad = one_of(number("Å", positive=True), numbers("Å", length=2, positive=True), choice("auto"))
    >>> pad("auto", "pad_to"), pad(40, "pad_to")
    ('auto', 40.0)
    """
    what = " or ".join(f.what for f in fields)

    def check(value, where):
        for f in fields:
            try:
                out = f.check(value, where)
            except InputError:
                continue
            if out is not None:
                return out
        return None
    return Field(check, what, default)


def check_table(table, spec, where):
    """Validate a TOML table against a schema.

    Parameters
    ----------
    table : dict
    spec : dict
        Key -> :class:`Field`.
    where : str
        Names the table in messages (file and key path).

    Returns
    -------
    dict
        Every key of ``spec``: the checked value, or the default of an absent optional key.

    Raises
    ------
    InputError
        For an unknown key (with a suggestion), a missing required key, or a value that does
        not fit (naming the key, what was expected and what was given).

    Examples
    --------
    >>> check_table({"scr_limit": 0.05}, {"scr_limit": number("V").optional(0.02), "species": text(None)}, "x")
    {'scr_limit': 0.05, 'species': None}
    """
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a table, got {table!r}")
    unknown = [k for k in table if k not in spec]
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], spec)}; "
                         f"allowed: {', '.join(spec)}")
    missing = [k for k, f in spec.items() if f.default is REQUIRED and k not in table]
    if missing:
        raise InputError(f"{where}: missing {'keys' if len(missing) > 1 else 'key'} {', '.join(missing)}")
    inner = where if where.endswith(":") else where + ":"
    return {k: (f(table[k], f"{inner} {k}") if k in table else f.default) for k, f in spec.items()}


def table(spec, default=REQUIRED):
    """A sub-table checked with :func:`check_table`.

    Examples
    --------
    >>> table({"scr_limit": number("V")})({"scr_limit": 0.02}, "resistivity")
    {'scr_limit': 0.02}
    """
    return Field(lambda value, where: check_table(value, spec, where), "a table", default)


def tables(spec, default=REQUIRED, min_length=1):
    """An array of tables (``[[name]]``), each checked with :func:`check_table`.

    Examples
    --------
    >>> tables({"label": text()})([{"label": "Vo"}], "defects")
    [{'label': 'Vo'}]
    """
    def check(value, where):
        if not isinstance(value, list) or len(value) < min_length:
            return None
        return [check_table(item, spec, f"{where} entry {i}") for i, item in enumerate(value)]
    return Field(check, f"an array of at least {min_length} tables", default)


def named_tables(spec, default=REQUIRED):
    """A table of named tables (``[name.label]``), each checked with :func:`check_table`.

    Examples
    --------
    >>> named_tables({"permittivity": number()})({"A": {"permittivity": 10}}, "materials")
    {'A': {'permittivity': 10.0}}
    """
    def check(value, where):
        if not isinstance(value, dict):
            return None
        return {name: check_table(item, spec, f"{where}.{name}") for name, item in value.items()}
    return Field(check, "a table of tables", default)
