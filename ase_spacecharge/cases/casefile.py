"""Case files (TOML): the schema and its validation.

See the README ("Case files") for the format.  Paths inside a case file are relative to the
case file; lengths are in Å, temperatures in K, potentials in V.  Every key is checked
against the schema below (types, ranges, choices; unknown keys named with a suggestion) and
every input file and output folder is checked before any work starts.
"""

from __future__ import annotations

import os

from ..errors import InputError, check_writable
from .dynamics_tables import DYNAMICS, KINETIC, dynamics_checks
from .images import IMAGES, MISSING, images_checks
from .schema import (Field, boolean, check_table, choice, integer, named_tables, number, numbers, one_of, table,
                     tables, text)

__all__ = ["load_case", "CASE_KINDS", "check_write_structure"]


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


TEMPERATURE = one_of(number("K", positive=True), numbers("K", positive=True))
DEFECT = dict(label=text(), valence=number("e"), mole_fraction=number(minimum=0.0, maximum=1.0),
              mobility=number(nonnegative=True, default=0.0), site=text(None, "a host species (string)"),
              interaction=number("eV", default=None), diffusivity_prefactor=number("m²/s", positive=True, default=None),
              migration_energy=number("eV", default=None), **KINETIC)
CARRIER = dict(label=text(), valence=number("e"), density=number("Å⁻³", positive=True),
               dos=number("Å⁻³", positive=True, default=None),
               statistics=choice("boltzmann", "fermi-dirac", default="boltzmann"),
               mobility=number(nonnegative=True, default=0.0), drift_mobility=number("m²/(V s)", nonnegative=True,
                                                                                       default=None), **KINETIC)
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
    missing=choice(*MISSING, default="error"), average_energies=boolean(False),
    symprec=number("Å", positive=True, default=0.01), images=table(IMAGES, None),
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
              images=_forbidden("a screen's structures carry their own dE_<defect> arrays; [images] is for `run` and "
                                "`energies`"),
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
    """The input file, resolved against the case's folder; a structure may carry ASE's
    ``@SLICE`` (``relax.traj@-1``, ``gbs.db@id=3``)."""
    full = os.path.join(folder, name)
    if key == "structure":
        from ..structure.files import split_spec
        if not os.path.isfile(split_spec(full)[0]):
            raise InputError(f"{path}: {key}: no such file {split_spec(full)[0]!r}")
        return full
    if not os.path.isfile(full):
        raise InputError(f"{path}: {key}: no such file {full!r}")
    return full


def check_write_structure(case, path=None):
    """Raise unless the annotated structure can be written to ``path`` (default: the case's
    ``write_structure``); checked before any work starts, by ``run`` and the command line.

    Parameters
    ----------
    case : dict
        A loaded case.
    path : str, optional

    Returns
    -------
    str or None
        The path that will be written.

    Examples
    --------
    >>> try:
    ...     check_write_structure({"case_file": "case.toml", "write_structure": "/no/such/dir/out.extxyz"})
    ... except InputError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    case.toml: write_structure: cannot write '/no/such/dir/out.extxyz': the folder ... does not exist or is not writable
    """
    target = path or case.get("write_structure")
    if target:
        what = (f"--write-structure {target}" if path
                else f"{case.get('case_file')}: write_structure: cannot write {target!r}")
        check_writable(os.path.dirname(os.path.abspath(target)), what)
    return target


_CARRIER_FIELDS = ("label", "valence", "density", "dos", "statistics", "mobility")


def _cross_checks(case, path):
    """Checks that span keys (the schema checks each key alone)."""
    restricted = case.get("approximation") == "restricted"
    if restricted and case.get("equilibration_temperature") is None:
        raise InputError(f"{path}: approximation = \"restricted\" needs equilibration_temperature (K), where the "
                         "frozen species were equilibrated")
    if not restricted and case.get("equilibration_temperature") is not None:
        raise InputError(f"{path}: equilibration_temperature applies to approximation = \"restricted\" only (this "
                         f"case has {case.get('approximation', 'layers')!r})")
    dynamics_checks(case, path)
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
    from .provenance import case_table
    path = os.fspath(path)
    raw, provenance = case_table(path, _read_toml)
    kind, schema = _screen_kind(raw, path, screen)
    case = check_table(raw, schema, path)
    case["kind"], case["case_file"], case["provenance"] = kind, path, provenance
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
            case["write_structure"] = os.path.join(folder, case["write_structure"])
        images_checks(case, folder, path, "missing" in raw)
        case["materials"] = {name: Material(name, **m) for name, m in case["materials"].items()}
    return case
