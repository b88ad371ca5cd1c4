"""The case-file tables of the dynamics: ``[transient]``, ``[steady_state]``, ``[impedance]``,
``[onsager]`` and the transport keys of ``[[defects]]`` and ``[[carriers]]`` (their schema and
the checks across them), beside :mod:`.casefile`, which reads the rest.

Units: diffusivities in m²/s, conductivities in S/m (the bulk value at the case temperature;
with ``migration_energy`` the Arrhenius prefactor), times in s, voltages in V, frequencies in Hz.
"""

from __future__ import annotations

from ..errors import InputError
from .schema import Field, choice, number, numbers, table

__all__ = ["KINETIC", "ELECTRODE", "DYNAMICS", "dynamics_checks"]


def _voltage():
    """A voltage (V) or a table [[t (s), V], ...] with increasing times."""
    def check(value, where):
        from ..dynamics.kinetics import Voltage
        try:
            Voltage(value)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        return value
    return Field(check, "a voltage (V) or a table [[t (s), V (V)], ...]", 0.0)


def _correlations():
    """Onsager cross coefficients as [[label_a, label_b, r], ...]."""
    def check(value, where):
        if not isinstance(value, list):
            return None
        out = {}
        for i, item in enumerate(value):
            if not (isinstance(item, list) and len(item) == 3 and all(isinstance(v, str) for v in item[:2])):
                raise InputError(f"{where} entry {i}: expected [label_a, label_b, r], got {item!r}")
            out[(item[0], item[1])] = number(minimum=-1.0, maximum=1.0)(item[2], f"{where} entry {i}")
        return out
    return Field(check, "a list of [label_a, label_b, r]", {})


def _frequencies():
    """Hz: ``[lowest, highest, count]`` (log-spaced; three values, not increasing, an integer
    count of at least 2 last) or an increasing list of positive frequencies."""
    def check(value, where):
        import numpy as np
        if not isinstance(value, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                  for v in value) or not value:
            return None
        v = [float(x) for x in value]
        if not all(np.isfinite(v)) or min(v) <= 0:
            raise InputError(f"{where}: frequencies must be positive and finite (Hz), got {value}")
        if len(v) == 3 and not v[0] < v[1] < v[2]:
            lo, hi, count = v
            if not (lo < hi and isinstance(value[2], int) and count >= 2):
                raise InputError(f"{where}: [lowest, highest, count] needs lowest < highest (Hz) and an integer count "
                                 f"of at least 2, got {value}")
            return np.logspace(np.log10(lo), np.log10(hi), int(count)).tolist()
        if not all(a < b for a, b in zip(v, v[1:])):
            raise InputError(f"{where}: a list of frequencies must increase (Hz), got {value}")
        return v
    return Field(check, "[lowest, highest, count] or an increasing list of frequencies (Hz)")


KINETIC = dict(diffusivity=number("m²/s", nonnegative=True, default=None),
               conductivity=number("S/m", positive=True, default=None), heat_of_transport=number("eV", default=None))


ELECTRODE = choice("reversible", "blocking", "mixed", default="reversible")


TRANSIENT = dict(start=choice("equilibrium", "uniform", default="equilibrium"), electrodes=ELECTRODE,
                 voltage=_voltage(), times=numbers("s", positive=True, increasing=True),
                 rtol=number(minimum=1e-10, maximum=1e-1, default=1e-4))


STEADY_STATE = dict(electrodes=ELECTRODE, voltages=numbers("V"))


IMPEDANCE = dict(frequencies=_frequencies(), electrodes=ELECTRODE, grain_size=number("m", positive=True, default=None))


DYNAMICS = dict(transient=table(TRANSIENT, None), steady_state=table(STEADY_STATE, None),
                impedance=table(IMPEDANCE, None),
                onsager=table(dict(correlations=_correlations()), None))


def dynamics_checks(case, path):
    """A transient, steady state or impedance needs electrodes and transport data for every
    moving species (one of ``diffusivity``, ``diffusivity_prefactor`` with ``migration_energy``,
    or ``conductivity`` for a defect; ``diffusivity``, ``drift_mobility`` or ``conductivity`` for
    a carrier).

    Parameters
    ----------
    case : dict
        A case after the schema (:func:`~.casefile.load_case`).
    path : str
        The case file, for messages.

    Returns
    -------
    None

    Raises
    ------
    InputError
        Naming the species and the keys.

    Examples
    --------
    >>> case = {"defects": [dict(label="Vo", diffusivity=1e-11, diffusivity_prefactor=None, conductivity=1.0,
    ...                          migration_energy=None, mobility=1.0)], "carriers": [], "transient": None,
    ...         "steady_state": None, "impedance": None, "kind": "sites", "boundary": "dirichlet"}
    >>> try:
    ...     dynamics_checks(case, "case.toml")
    ... except InputError as exc:
    ...     print(exc)
    case.toml: defect 'Vo': give one of diffusivity, diffusivity_prefactor (with migration_energy) and conductivity, not diffusivity and conductivity
    """
    for d in case.get("defects", []):
        given = [k for k in ("diffusivity", "diffusivity_prefactor", "conductivity") if d[k] is not None]
        if len(given) > 1:
            raise InputError(f"{path}: defect {d['label']!r}: give one of diffusivity, diffusivity_prefactor (with "
                             f"migration_energy) and conductivity, not {' and '.join(given)}")
        if d["migration_energy"] is not None and not {"diffusivity_prefactor", "conductivity"} & set(given):
            raise InputError(f"{path}: defect {d['label']!r}: migration_energy needs a prefactor: "
                             "diffusivity_prefactor (m²/s) or conductivity (S/m)")
        if d["diffusivity_prefactor"] is not None and d["migration_energy"] is None:
            raise InputError(f"{path}: defect {d['label']!r}: give both diffusivity_prefactor and migration_energy")
    for c in case["carriers"]:
        given = [k for k in ("diffusivity", "drift_mobility", "conductivity") if c.get(k) is not None]
        if len(given) > 1:
            raise InputError(f"{path}: carrier {c['label']!r}: give one of diffusivity, drift_mobility and "
                             f"conductivity, not {' and '.join(given)}")
    runs = [name for name in ("transient", "steady_state", "impedance") if case[name] is not None]
    if not runs:
        return
    _impedance_checks(case, path)
    if case["kind"] != "layered" and case["boundary"] != "dirichlet":
        raise InputError(f"{path}: [{runs[0]}] needs electrodes at the ends: set boundary = \"dirichlet\" (a periodic "
                         "cell has no ends to apply a voltage to)")
    # under Gouy–Chapman every species moves in a transient; an impedance holds the species
    # without transport data at their equilibrium profile (frozen on its time scale)
    gc = case.get("approximation") == "gouy-chapman" and (case["transient"] or case["steady_state"])
    for d in case.get("defects", []):
        moving = gc or d["mobility"] > 0
        if moving and d["diffusivity"] is None and d["diffusivity_prefactor"] is None and d["conductivity"] is None:
            raise InputError(f"{path}: defect {d['label']!r} moves but has no diffusivity (m²/s; or "
                             "diffusivity_prefactor and migration_energy, or its conductivity in S/m)")
    for c in case["carriers"]:
        if c["diffusivity"] is None and c["drift_mobility"] is None and c["conductivity"] is None:
            raise InputError(f"{path}: carrier {c['label']!r} has no diffusivity (m²/s), drift_mobility (m²/(V s)) "
                             "or conductivity (S/m)")


def _impedance_checks(case, path):
    """An impedance needs a species that conducts, and one that crosses blocking electrodes'
    bulk (a mobile carrier) when the electrodes block."""
    imp = case["impedance"]
    if imp is None:
        return
    moving = [d["label"] for d in case.get("defects", []) if d["mobility"] > 0] + \
        [c["label"] for c in case["carriers"] if c["mobility"] > 0 or c["drift_mobility"] or c["diffusivity"]
         or c["conductivity"]]
    if not moving:
        raise InputError(f"{path}: [impedance] with electrodes = {imp['electrodes']!r} needs a mobile carrier: no "
                         "defect has mobility > 0 and no carrier has transport data")
