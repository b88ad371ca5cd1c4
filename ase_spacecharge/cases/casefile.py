"""Case files (TOML): the schema and its validation.

See the README ("Case files") for the format.  Paths inside a case file are relative to the
case file; lengths are in Å, temperatures in K, potentials in V.  Every key is checked
against the schema below (types, ranges, choices; unknown keys named with a suggestion) and
every input file and output folder is checked before any work starts.
"""

from __future__ import annotations

import os

from ..errors import InputError, check_writable
from .schema import (Field, boolean, check_table, choice, integer, named_tables, number, numbers, one_of, table,
                     tables, text)

__all__ = ["load_case", "CASE_KINDS"]


def _number_map(unit, nonnegative=False):
    """A table of species label -> number."""
    inner = number(unit, nonnegative=nonnegative)

    def check(value, where):
        if not isinstance(value, dict):
            return None
        return {k: inner(v, f"{where}.{k}") for k, v in value.items()}
    return Field(check, f"a table of label = number ({unit})", {})


def _regions():
    """``material_of`` as a list of [label, frac_lo, frac_hi] regions."""
    def check(value, where):
        if not isinstance(value, list) or not value:
            return None
        out = []
        for i, r in enumerate(value):
            if not (isinstance(r, list) and len(r) == 3 and isinstance(r[0], str)):
                raise InputError(f"{where} entry {i}: expected [label, frac_lo, frac_hi], got {r!r}")
            out.append((r[0], number()(r[1], f"{where} entry {i}"), number()(r[2], f"{where} entry {i}")))
        return out
    return Field(check, "a list of [label, frac_lo, frac_hi]")


def _forbidden(message):
    """A key that must not appear in this kind of case."""
    def check(value, where):
        raise InputError(f"{where}: {message}")
    return Field(check, "nothing", None)


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


TEMPERATURE = one_of(number("K", positive=True), numbers("K", positive=True))
KINETIC = dict(diffusivity=number("m²/s", nonnegative=True, default=None),
               conductivity=number("S/m", positive=True, default=None), heat_of_transport=number("eV", default=None))
DEFECT = dict(label=text(), valence=number("e"), mole_fraction=number(minimum=0.0, maximum=1.0),
              mobility=number(nonnegative=True, default=0.0), site=text(None, "a host species (string)"),
              interaction=number("eV", default=None), diffusivity_prefactor=number("m²/s", positive=True, default=None),
              migration_energy=number("eV", default=None), **KINETIC)
CARRIER = dict(label=text(), valence=number("e"), density=number("Å⁻³", positive=True),
               dos=number("Å⁻³", positive=True, default=None),
               statistics=choice("boltzmann", "fermi-dirac", default="boltzmann"),
               mobility=number(nonnegative=True, default=0.0), drift_mobility=number("m²/(V s)", nonnegative=True,
                                                                                       default=None), **KINETIC)
ELECTRODE = choice("reversible", "blocking", "mixed", default="reversible")
TRANSIENT = dict(start=choice("equilibrium", "uniform", default="equilibrium"), electrodes=ELECTRODE,
                 voltage=_voltage(), times=numbers("s", positive=True, increasing=True),
                 rtol=number(minimum=1e-10, maximum=1e-1, default=1e-4))
STEADY_STATE = dict(electrodes=ELECTRODE, voltages=numbers("V"))
IMPEDANCE = dict(frequencies=_frequencies(), electrodes=ELECTRODE, grain_size=number("m", positive=True, default=None))
DYNAMICS = dict(transient=table(TRANSIENT, None), steady_state=table(STEADY_STATE, None),
                impedance=table(IMPEDANCE, None),
                onsager=table(dict(correlations=_correlations()), None))
MATERIAL = dict(permittivity=number(positive=True), background=number("e/Å³", default=0.0),
                offsets=_number_map("eV"), dos=_number_map("Å⁻³", nonnegative=True))
LAYER = dict(MATERIAL, thickness=number("Å", positive=True), label=text(None))
COMMON = dict(
    temperature=TEMPERATURE, defects=tables(DEFECT),
    approximation=choice("mott-schottky", "gouy-chapman", "restricted", default="mott-schottky"),
    equilibration_temperature=number("K", positive=True, default=None),
    model=choice("site-explicit", "continuum", default="site-explicit"),
    boundary=choice("periodic", "dirichlet", default="periodic"), site_charges=boolean(False),
    statistics=choice("fermi-dirac", "boltzmann", default="fermi-dirac"),
    dirichlet=numbers("V", length=2, default=None), carriers=tables(CARRIER, [], min_length=0),
    resistivity=table(dict(scr_limit=number("V", nonnegative=True, default=0.02), species=text(None)), {}),
    sensitivity=table(dict(energy_uncertainty=number("eV", nonnegative=True)), None),
    tolerance=number(minimum=1e-15, maximum=1e-3, default=1e-10), **DYNAMICS)
SITES = dict(COMMON, sites=text(), permittivity=number(positive=True), area=number("Å²", positive=True),
             x_min=number("Å"), x_max=number("Å"), bulk=numbers("Å", length=2, increasing=True),
             compat=choice("pyscses", default=None), n_points=integer(minimum=3, default=1000),
             plane_tol=number("Å", positive=True, default=0.2))
STRUCTURE = dict(
    COMMON, structure=text(), permittivity=number(positive=True, default=None),
    plane_tol=number("Å", positive=True, default=0.3),
    axis=one_of(integer(minimum=0), choice("a", "b", "c"), default=None),
    boundaries=numbers(default=None), mode=choice("cell", "unfold", default=None),
    pad_to=one_of(number("Å", positive=True), numbers("Å", length=2, positive=True), choice("auto"), default=None),
    missing=choice("error", "zero", "drop", default="error"), average_energies=boolean(False),
    write_structure=text(None), x_min=number("Å", default=None), x_max=number("Å", default=None),
    bulk=numbers("Å", length=2, increasing=True, default=None),
    materials=named_tables(MATERIAL, {}), material_of=one_of(text(), _regions(), default="material"),
    area=_forbidden("`area` comes from the structure's cell; remove it"),
    compat=_forbidden("compat applies to site files only"))
LAYERED = dict(layers=tables(LAYER), temperature=TEMPERATURE, carriers=tables(CARRIER, min_length=0),
               spacing=number("Å", positive=True, default=0.1), area=number("Å²", positive=True, default=1.0),
               sheet_charges=numbers("e/Å²", min_length=0, default=[]), ends=numbers("V", length=2, default=None),
               tolerance=COMMON["tolerance"], **DYNAMICS)
#: The kinds of case, the key that marks each, and its schema.
CASE_KINDS = {"structure": ("structure", STRUCTURE), "layered": ("layers", LAYERED), "sites": ("sites", SITES)}


def _sweep():
    """``[sweep]``: key = [values] (each key and value checked by :func:`~.screen.plan.check_sweep`)."""
    def check(value, where):
        if not isinstance(value, dict):
            return None
        for key, values in value.items():
            if not isinstance(values, list) or not values:
                raise InputError(f"{where}: {key}: expected a non-empty list of values, got {values!r}")
        return value
    return Field(check, "a table of key = [values]", {})


_SCREENED = "a screen solves equilibria and stores each annotated structure in its --out row"
#: A screening case (``ase-spacecharge screen``): a structure case whose structures come from
#: the command line (``structure``, if given, is the default), with a ``[sweep]`` table.
SCREEN = dict(STRUCTURE, structure=text(None), sweep=_sweep(),
              write_structure=_forbidden(f"{_SCREENED}; remove write_structure"),
              **{k: _forbidden(f"{_SCREENED}; [{k}] is for `ase-spacecharge run`") for k in DYNAMICS})


def _screen_kind(raw, path, screen):
    """The kind and schema: a screen takes structure cases only; ``[sweep]`` is a screen's."""
    if not screen:
        if "sweep" in raw:
            raise InputError(f"{path}: [sweep] is read by `ase-spacecharge screen` (one row per structure and "
                             "parameter set); `run` solves one case: remove [sweep] or use screen")
        kind = _kind(raw, path)
        return kind, CASE_KINDS[kind][1]
    other = [marker for marker in ("sites", "layers") if marker in raw]
    if other:
        raise InputError(f"{path}: a screen takes a structure case (its structures come from --structures); this "
                         f"case has `{other[0]}`")
    return "structure", SCREEN


def _read_toml(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: no such case file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None


def _kind(raw, path):
    kinds = [k for k, (marker, _) in CASE_KINDS.items() if marker in raw]
    if len(kinds) != 1:
        raise InputError(f"{path}: a case needs exactly one of `sites` (a site file), `structure` or `layers`"
                         + (f"; it has {kinds}" if kinds else ""))
    return kinds[0]


def _input_file(folder, name, path, key):
    full = os.path.join(folder, name)
    if not os.path.isfile(full):
        raise InputError(f"{path}: {key}: no such file {full!r}")
    return full


def _output_file(folder, name, path, key):
    full = os.path.join(folder, name)
    check_writable(os.path.dirname(full) or ".", f"{path}: {key}: cannot write {full!r}")
    return full


_CARRIER_FIELDS = ("label", "valence", "density", "dos", "statistics", "mobility")


def _dynamics_checks(case, path):
    """A transient or steady state needs electrodes and transport data for every moving species."""
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


def _cross_checks(case, path):
    """Checks that span keys (the schema checks each key alone)."""
    restricted = case.get("approximation") == "restricted"
    if restricted and case.get("equilibration_temperature") is None:
        raise InputError(f"{path}: approximation = \"restricted\" needs equilibration_temperature (K), where the "
                         "frozen species were equilibrated")
    if not restricted and case.get("equilibration_temperature") is not None:
        raise InputError(f"{path}: equilibration_temperature applies to approximation = \"restricted\" only (this "
                         f"case has {case.get('approximation', 'layers')!r})")
    _dynamics_checks(case, path)
    if case.get("sensitivity") is not None and case["tolerance"] > 1e-6:
        raise InputError(f"{path}: [sensitivity] needs tolerance <= 1e-6 (the derivatives are as accurate as the "
                         f"solve), got {case['tolerance']}")
    if case.get("dirichlet") is not None and case.get("boundary") != "dirichlet":
        raise InputError(f"{path}: dirichlet = {case['dirichlet']} fixes end potentials, but boundary is "
                         f"{case.get('boundary')!r}; set boundary = \"dirichlet\"")
    if case["kind"] == "structure":
        if case["permittivity"] is None and not case["materials"]:
            raise InputError(f"{path}: missing key permittivity (or give [materials.<label>] tables)")
        for i, d in enumerate(case["defects"]):
            if d["site"] is None:
                raise InputError(f"{path}: defects entry {i} ({d['label']!r}) needs `site`, the host species")
    if case["kind"] == "sites" and not case["x_min"] < case["x_max"]:
        raise InputError(f"{path}: x_min = {case['x_min']} must be below x_max = {case['x_max']}")
    if case["kind"] == "layered" and len(case["sheet_charges"]) > len(case["layers"]) - 1:
        raise InputError(f"{path}: sheet_charges: {len(case['sheet_charges'])} values for "
                         f"{len(case['layers']) - 1} interfaces")


def load_case(path, screen=False):
    """Read and validate a case file.

    Parameters
    ----------
    path : str or path-like
        TOML case file (see the README, "Case files").
    screen : bool
        A screening case (:data:`SCREEN`): ``structure`` optional (resolved against the case's
        folder, not checked: it may be a glob or an ase.db), ``[sweep]`` kept unchecked under
        ``sweep`` (see :func:`~.screen.plan.check_sweep`), no dynamics, no ``write_structure``.

    Returns
    -------
    dict
        The case with defaults filled in, paths resolved against the case file's folder,
        ``kind`` ("sites", "structure" or "layered") and ``temperatures`` (a list, K).

    Raises
    ------
    InputError
        Naming the key and the value that is wrong.

    Examples
    --------
    >>> import tempfile
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> case = write_ceria_like_case(tempfile.mkdtemp(), temperature=[773.15, 873.15])
    >>> c = load_case(case)
    >>> c["kind"], c["temperatures"], c["approximation"]
    ('sites', [773.15, 873.15], 'mott-schottky')
    """
    from ..materials import Carrier, Material
    path = os.fspath(path)
    raw = _read_toml(path)
    kind, schema = _screen_kind(raw, path, screen)
    case = check_table(raw, schema, path)
    case["kind"] = kind
    t = case["temperature"]
    case["temperatures"] = t if isinstance(t, list) else [t]
    _cross_checks(case, path)
    case["carrier_tables"] = case["carriers"]
    case["carriers"] = [Carrier(**{k: v for k, v in c.items() if k in _CARRIER_FIELDS}) for c in case["carriers"]]
    if kind == "layered":
        case["layers"] = [(Material(layer["label"] or f"layer {i}", layer["permittivity"], layer["background"],
                                    layer["offsets"], layer["dos"]), layer["thickness"])
                          for i, layer in enumerate(case["layers"])]
        return case
    folder = os.path.dirname(os.path.abspath(path))
    if not screen:
        case[kind] = _input_file(folder, case[kind], path, kind)
    elif case["structure"]:
        case["structure"] = os.path.join(folder, case["structure"])
    if kind == "structure":
        if case["write_structure"]:
            case["write_structure"] = _output_file(folder, case["write_structure"], path, "write_structure")
        case["materials"] = {name: Material(name, **m) for name, m in case["materials"].items()}
    return case
