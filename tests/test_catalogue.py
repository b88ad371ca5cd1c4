"""A catalogue of bad inputs (issue 9): each gives an InputError that names the key, site,
species or value and says why; through the command line, exit status 2 and no traceback."""

import re

import numpy as np
import pytest

from ase_spacecharge import (Carrier, DefectSpecies, InputError, Material, Sites, build_problem, layered_problem,
                             mott_schottky_potential, read_pyscses_sites, solve)
from ase_spacecharge.cli import main
from ase_spacecharge.examples import (CERIA_DEFECTS, ceria_like_atoms, ceria_like_problem, defect_tables,
                                     write_ceria_like_case)

SITE_CASE = "site"
STRUCTURE_CASE = "structure"
LAYERED_CASE = "layered"

# (id, kind, edit, expected message): ``edit`` is (old, new) text replacements or extra lines
def _reversible_system():
    from ase_spacecharge.examples import ceria_like_system
    return ceria_like_system()


CASES = [
    ("temperature-string", SITE_CASE, ("temperature = 773.15", 'temperature = "hot"'),
     r"temperature: expected a positive number \(K\) or a list .* got 'hot'"),
    ("temperature-bool", SITE_CASE, ("temperature = 773.15", "temperature = true"), r"temperature: .* got True"),
    ("temperature-negative", SITE_CASE, ("temperature = 773.15", "temperature = -5"), r"temperature: .* got -5"),
    ("temperature-empty", SITE_CASE, ("temperature = 773.15", "temperature = []"), r"temperature: .* got \[\]"),
    ("x_min-string", SITE_CASE, ("x_min = -46.86", 'x_min = "abc"'), r"x_min: expected a number \(Å\), got 'abc'"),
    ("x_min-above-x_max", SITE_CASE, ("x_min = -46.86", "x_min = 50.0"), r"x_min = 50.0 must be below x_max"),
    ("scr_limit-string", SITE_CASE, "[resistivity]\nscr_limit = \"x\"", r"resistivity: scr_limit: .* got 'x'"),
    ("scr_limit-negative", SITE_CASE, "[resistivity]\nscr_limit = -0.1", r"scr_limit: expected a non-negative"),
    ("resistivity-unknown", SITE_CASE, "[resistivity]\nspecie = \"Vo\"", r"unknown key 'specie' \(did you mean 'species'"),
    ("sites-number", SITE_CASE, ('sites = "sites.txt"', "sites = 5"), r"sites: expected a string, got 5"),
    ("sites-missing-file", SITE_CASE, ('sites = "sites.txt"', 'sites = "nope.txt"'), r"sites: no such file"),
    ("dirichlet-strings", SITE_CASE, 'boundary = "dirichlet"\ndirichlet = ["a", "b"]',
     r"dirichlet: expected a list of 2 numbers \(V\), got \['a', 'b'\]"),
    ("dirichlet-one-value", SITE_CASE, 'boundary = "dirichlet"\ndirichlet = [0.1]', r"dirichlet: .* got \[0.1\]"),
    ("dirichlet-periodic", SITE_CASE, "dirichlet = [0.3, -0.3]", r"dirichlet = \[0.3, -0.3\] .* boundary is 'periodic'"),
    ("site_charges-string", SITE_CASE, 'site_charges = "false"', r"site_charges: expected true or false, got 'false'"),
    ("unknown-key", SITE_CASE, "temprature = 800", r"unknown key 'temprature' \(did you mean 'temperature'"),
    ("approximation-typo", SITE_CASE, 'approximation = "mott-shottky"', r"did you mean 'mott-schottky'"),
    ("model-unknown", SITE_CASE, 'model = "continuous"', r"model: expected one of 'site-explicit', 'continuum'"),
    ("boundary-unknown", SITE_CASE, 'boundary = "fixed"', r"boundary: expected one of 'periodic', 'dirichlet'"),
    ("statistics-unknown", SITE_CASE, 'statistics = "bose"', r"statistics: expected one of"),
    ("n_points-small", SITE_CASE, 'model = "continuum"\nn_points = 2', r"n_points: expected an integer >= 3"),
    ("n_points-fraction", SITE_CASE, "n_points = 10.5", r"n_points: expected an integer"),
    ("area-negative", SITE_CASE, ("area = 58.5725", "area = -1"), r"area: expected a positive number \(Å²\)"),
    ("permittivity-zero", SITE_CASE, ("permittivity = 55.0", "permittivity = 0"), r"permittivity: expected a positive"),
    ("bulk-decreasing", SITE_CASE, ("bulk = [-44.86, -31.86]", "bulk = [-31.86, -44.86]"), r"bulk: .*increasing order"),
    ("bulk-one-value", SITE_CASE, ("bulk = [-44.86, -31.86]", "bulk = [-44.86]"), r"bulk: expected a list of 2"),
    ("bulk-outside", SITE_CASE, ("bulk = [-44.86, -31.86]", "bulk = [-60.0, -50.0]"), r"bulk region .* lies outside"),
    ("defect-missing-valence", SITE_CASE, ("valence = 2\n", ""), r"defects entry 0: missing key valence"),
    ("defect-fraction", SITE_CASE, ("mole_fraction = 0.05", "mole_fraction = 1.5"), r"defects entry 0: mole_fraction"),
    ("defect-fraction-one", SITE_CASE, ("mole_fraction = 0.05", "mole_fraction = 1.0"),
     r"defect 'Vo': mole_fraction must lie in \(0, 1\)"),
    ("defect-mobility", SITE_CASE, ("mobility = 1.0", "mobility = -1.0"), r"defects entry 0: mobility"),
    ("defect-interaction", SITE_CASE, ("mobility = 1.0", 'mobility = 1.0\ninteraction = "strong"'),
     r"interaction: expected a number \(eV\)"),
    ("defect-typo", SITE_CASE, ("mobility = 1.0", "mobilty = 1.0"), r"unknown key 'mobilty' \(did you mean 'mobility'"),
    ("carrier-density", SITE_CASE, "[[carriers]]\nlabel = \"e\"\nvalence = -1\ndensity = -1.0",
     r"carriers entry 0: density: expected a positive number"),
    ("carrier-statistics", SITE_CASE, "[[carriers]]\nlabel = \"e\"\nvalence = -1\ndensity = 1e-6\nstatistics = \"fd\"",
     r"statistics: expected one of 'boltzmann', 'fermi-dirac'"),
    ("carrier-fd-without-dos", SITE_CASE,
     "[[carriers]]\nlabel = \"e\"\nvalence = -1\ndensity = 1e-6\nstatistics = \"fermi-dirac\"",
     r"carrier 'e': Fermi–Dirac statistics need the density of states"),
    ("compat-unknown", SITE_CASE, 'compat = "pyscses2"', r"compat: expected one of 'pyscses'"),
    ("tolerance-large", SITE_CASE, "tolerance = 0.5", r"tolerance: expected a number in"),
    ("no-kind", SITE_CASE, ('sites = "sites.txt"', ""), r"a case needs exactly one of `sites`"),
    ("two-kinds", SITE_CASE, 'structure = "gb.extxyz"', r"a case needs exactly one of .* it has"),
    ("not-toml", SITE_CASE, "this is = = not toml", r"not valid TOML"),
    ("binary-site-file", SITE_CASE, ('sites = "sites.txt"', 'sites = "binary.txt"'), r"binary.txt.*not a text"),
    ("structure-area", STRUCTURE_CASE, "area = 58.0", r"area: `area` comes from the structure's cell"),
    ("structure-compat", STRUCTURE_CASE, 'compat = "pyscses"', r"compat: compat applies to site files only"),
    ("structure-no-site", STRUCTURE_CASE, ("site = 'O'\n", ""), r"defects entry 0 \('Vo'\) needs `site`"),
    ("structure-pad_to", STRUCTURE_CASE, 'pad_to = "big"', r"pad_to: expected a positive number .* or one of 'auto', got 'big'"),
    ("structure-mode", STRUCTURE_CASE, 'mode = "fold"', r"mode: expected one of 'cell', 'unfold'"),
    ("structure-axis", STRUCTURE_CASE, "axis = 5", r"axis must be 0, 1, 2"),
    ("structure-write-folder", STRUCTURE_CASE, 'write_structure = "nowhere/out.extxyz"',
     r"write_structure: cannot write .* does not exist"),
    ("structure-missing-file", STRUCTURE_CASE, ('structure = "gb.extxyz"', 'structure = "no.extxyz"'),
     r"structure: no such file"),
    ("structure-empty-file", STRUCTURE_CASE, ('structure = "gb.extxyz"', 'structure = "empty.extxyz"'),
     r"empty.extxyz: cannot read the structure"),
    ("structure-material-permittivity", STRUCTURE_CASE, "[materials.A]\nbackground = 0.0",
     r"materials.A: missing key permittivity"),
    ("structure-boundaries-duplicate", STRUCTURE_CASE, "boundaries = [0.0, 1.0]", r"two boundaries coincide"),
    ("transient-periodic", SITE_CASE, "[transient]\ntimes = [1e-9]", r"needs electrodes at the ends: set boundary"),
    ("impedance-periodic", SITE_CASE, "[impedance]\nfrequencies = [1.0, 1e6, 5]",
     r"\[impedance\] needs electrodes at the ends: set boundary"),
    ("impedance-frequency-zero", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = [0.0, 1e6, 5]',
     r"impedance: frequencies: frequencies must be positive and finite \(Hz\), got \[0.0, 1000000.0, 5\]"),
    ("impedance-frequency-range", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = [1e6, 10.0, 20.5]',
     r"\[lowest, highest, count\] needs lowest < highest \(Hz\) and an integer count"),
    ("impedance-frequency-order", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = [1.0, 3.0, 2.0, 5.0]',
     r"a list of frequencies must increase"),
    ("impedance-frequency-string", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = "wide"',
     r"frequencies: expected \[lowest, highest, count\] or an increasing list"),
    ("impedance-no-frequencies", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nelectrodes = "blocking"',
     r"impedance: missing key frequencies"),
    ("impedance-electrodes", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = [1.0, 1e6, 5]\n'
     'electrodes = "ideal"', r"electrodes: expected one of 'reversible', 'blocking', 'mixed'"),
    ("impedance-grain-size", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = [1.0, 1e6, 5]\n'
     'grain_size = -1e-6', r"grain_size: expected a positive number \(m\)"),
    ("impedance-no-transport-data", SITE_CASE, 'boundary = "dirichlet"\n[impedance]\nfrequencies = [1.0, 1e6, 5]',
     r"defect 'Vo' moves but has no diffusivity"),
    ("impedance-blocking-nothing-mobile", SITE_CASE,
     ("mobility = 1.0", 'mobility = 0.0\n[impedance]\nfrequencies = [1.0, 1e6, 5]\nelectrodes = "blocking"'),
     r"\[impedance\] with electrodes = 'blocking' needs a mobile carrier"),
    ("restricted-without-temperature", SITE_CASE, 'approximation = "restricted"',
     r"approximation = \"restricted\" needs equilibration_temperature \(K\)"),
    ("equilibration-temperature-alone", SITE_CASE, "equilibration_temperature = 1673.0",
     r"equilibration_temperature applies to approximation = \"restricted\" only"),
    ("equilibration-temperature-negative", SITE_CASE, 'approximation = "restricted"\nequilibration_temperature = -5.0',
     r"equilibration_temperature: expected a positive number \(K\), got -5.0"),
    ("equilibration-temperature-string", SITE_CASE, 'approximation = "restricted"\nequilibration_temperature = "hot"',
     r"equilibration_temperature: expected a positive number \(K\), got 'hot'"),
    ("transient-no-diffusivity", SITE_CASE, 'boundary = "dirichlet"\n[transient]\ntimes = [1e-9]',
     r"defect 'Vo' moves but has no diffusivity"),
    ("transient-voltage-table", SITE_CASE,
     'boundary = "dirichlet"\n[transient]\ntimes = [1e-9]\nvoltage = [[0.0, 0.0], [1e-6, 0.1], [1e-7, 0.2]]',
     r"transient: voltage: voltage table: the times must increase"),
    ("transient-times", SITE_CASE, 'boundary = "dirichlet"\n[transient]\ntimes = [1e-6, 1e-9]',
     r"transient: times: expected a list of at least 1 positive numbers in increasing order"),
    ("transient-start", SITE_CASE, 'boundary = "dirichlet"\n[transient]\ntimes = [1e-9]\nstart = "cold"',
     r"start: expected one of 'equilibrium', 'uniform'"),
    ("steady-electrodes", SITE_CASE, 'boundary = "dirichlet"\n[steady_state]\nvoltages = [0.1]\nelectrodes = "glue"',
     r"electrodes: expected one of 'reversible', 'blocking', 'mixed'"),
    ("diffusivity-negative", SITE_CASE, ("mobility = 1.0", "mobility = 1.0\ndiffusivity = -1e-11"),
     r"diffusivity: expected a non-negative number \(m²/s\)"),
    ("arrhenius-half", SITE_CASE, ("mobility = 1.0", "mobility = 1.0\ndiffusivity_prefactor = 1e-7"),
     r"give both diffusivity_prefactor and migration_energy"),
    ("onsager-not-psd", SITE_CASE, 'boundary = "dirichlet"\n[onsager]\ncorrelations = [["Vo", "Gd", 1.5]]',
     r"correlations entry 0: expected a number in \[-1.0, 1.0\]"),
    ("images-glob-empty", STRUCTURE_CASE, '[images]\nfiles = ["relax/*.extxyz"]\n[images.defects]\nVo = ["O", ""]',
     r"case.toml: images.files: '.*relax/\*.extxyz': no file matches"),
    ("images-unknown-defect", STRUCTURE_CASE, '[images]\nfiles = ["gb.extxyz"]\n[images.defects]\nVx = ["O", ""]',
     r"images.defects.Vx: no \[\[defects\]\] entry has label 'Vx'"),
    ("images-wrong-host", STRUCTURE_CASE, '[images]\nfiles = ["gb.extxyz"]\n[images.defects]\nVo = ["Ce", ""]',
     r"images.defects.Vo: host 'Ce', but the \[\[defects\]\] entry 'Vo' has site = 'O'"),
    ("images-defect-pair", STRUCTURE_CASE, '[images]\nfiles = ["gb.extxyz"]\n[images.defects]\nVo = ["O"]',
     r"images: defects.Vo: expected \[host species, the species that replaces it\] \(\"\" for a vacancy\)"),
    ("images-reference", STRUCTURE_CASE, '[images]\nfiles = ["gb.extxyz"]\nreference = "near"\n[images.defects]\n'
     'Vo = ["O", ""]', r"images: reference: expected \"far\", a site index \(an integer\) or an energy"),
    ("images-missing-twice", STRUCTURE_CASE, 'missing = "zero"\n[images]\nfiles = ["gb.extxyz"]\nmissing = "drop"\n'
     '[images.defects]\nVo = ["O", ""]', r"missing is given twice \(top level and in \[images\]\)"),
    ("images-and-arrays", STRUCTURE_CASE, '[images]\nfiles = ["gb.extxyz"]\n[images.defects]\nVo = ["O", ""]',
     r"the structure already has per-site energies dE_Vo, and \[images\] computes them"),
    ("missing-typo", STRUCTURE_CASE, 'missing = "equivalnt"', r"missing: .* \(did you mean 'equivalent'"),
    ("symprec-negative", STRUCTURE_CASE, "symprec = -0.01", r"symprec: expected a positive number \(Å\), got -0.01"),
    ("structure-plane_tol-negative", STRUCTURE_CASE, "plane_tol = -0.1", r"plane_tol: expected a positive number"),
    ("structure-slice-file", STRUCTURE_CASE, ('structure = "gb.extxyz"', 'structure = "gb.extxyz@5"'),
     r"gb.extxyz@5: no frame 5 \(the file holds 1\)"),
    ("n_points-huge", SITE_CASE, 'model = "continuum"\nn_points = 10000000000000',
     r"n_points = 10000000000000 would need about .* GiB\), more than the .* GiB available"),
    ("defect-uncharged", SITE_CASE, ("valence = 2", "valence = 0"), r"defect 'Vo': valence 0: an uncharged defect"),
    ("layered-thickness", LAYERED_CASE, ("thickness = 100.0", "thickness = 0"), r"layers entry 0: thickness"),
    ("layered-sheets", LAYERED_CASE, "sheet_charges = [0.01, 0.02]", r"sheet_charges: 2 values for 1 interfaces"),
    ("layered-spacing", LAYERED_CASE, ("spacing = 0.5", "spacing = -0.1"), r"spacing: expected a positive number"),
]

SITE_LINES = "O -2 1.0e-10 Vo 0.1\n"


def _structure_case(folder):
    from ase.io import write
    write(folder / "gb.extxyz", ceria_like_atoms())
    (folder / "empty.extxyz").write_text("")
    defects = defect_tables(CERIA_DEFECTS)
    path = folder / "case.toml"
    path.write_text(f'structure = "gb.extxyz"\ntemperature = 773.15\npermittivity = 55.0\n\n{defects}')
    return path


def _layered_case(folder):
    path = folder / "case.toml"
    path.write_text('temperature = 500.0\nspacing = 0.5\n[[layers]]\nthickness = 100.0\npermittivity = 10.0\n'
                    '[[layers]]\nthickness = 100.0\npermittivity = 30.0\noffsets = { p = -0.2 }\n'
                    '[[carriers]]\nlabel = "p"\nvalence = 1\ndensity = 1e-6\n'
                    '[[carriers]]\nlabel = "m"\nvalence = -1\ndensity = 1e-6\n')
    return path


def _case(kind, edit, folder):
    if kind == SITE_CASE:
        path = type(folder)(write_ceria_like_case(folder, temperature=773.15))
        (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    else:
        path = _structure_case(folder) if kind == STRUCTURE_CASE else _layered_case(folder)
    text = path.read_text()
    if isinstance(edit, tuple):
        assert edit[0] in text, edit
        text = text.replace(edit[0], edit[1], 1)
    else:  # extra lines: top-level keys first, tables at the end
        lines = edit.split("\n")
        first = next((i for i, line in enumerate(lines) if line.startswith("[")), len(lines))
        text = "\n".join(lines[:first]) + "\n" + text + "\n" + "\n".join(lines[first:]) + "\n"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name, kind, edit, message", CASES, ids=[c[0] for c in CASES])
def test_bad_case_files_get_named_errors_without_traceback(name, kind, edit, message, tmp_path, capsys):
    case = _case(kind, edit, tmp_path)
    assert main(["run", str(case)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ase-spacecharge: error: ") and "Traceback" not in err
    assert re.search(message, err), err


@pytest.mark.parametrize("option, extra", [("--json", []), ("--csv", []), ("--plot", []), ("--plot-structure", [])])
def test_output_into_a_missing_folder_fails_before_the_solve(option, extra, tmp_path, capsys):
    case = _structure_case(tmp_path)
    assert main(["run", str(case), option, str(tmp_path / "missing" / "out")] + extra) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and not (tmp_path / "out.extxyz").exists()


def test_bad_color_and_structure_picture_fail_before_the_solve(tmp_path, capsys):
    case = _structure_case(tmp_path)
    assert main(["run", str(case), "--plot-structure", str(tmp_path / "c.png"), "--color-by", "sc_occ_Xx"]) == 2
    assert "--color-by 'sc_occ_Xx'" in capsys.readouterr().err
    site = write_ceria_like_case(tmp_path / "s" if (tmp_path / "s").mkdir() is None else tmp_path)
    assert main(["run", site, "--plot-structure", str(tmp_path / "c.png")]) == 2
    assert "needs a structure case" in capsys.readouterr().err


def _column():
    from ase_spacecharge.examples import ceria_like_column
    return ceria_like_column()


API = [
    ("defect-typo", lambda: build_problem(_column()[0], [dict(label="Vo", valence=2, mole_fraction=0.05, mobilty=1.0),
                                                         dict(label="Gd", valence=-1, mole_fraction=0.2)],
                                          x_min=-46.0, x_max=46.0, area=58.0, permittivity=55.0, bulk=(-45, -30)),
     r"defect 'Vo': unknown keys \['mobilty'\] \(did you mean 'mobility'"),
    ("permittivity-length", lambda: ceria_like_problem(permittivity=np.full(7, 55.0)),
     r"permittivity: expected a number or one value per face \(91 for 90 planes\), got 7"),
    ("initial-length", lambda: solve(ceria_like_problem(), 773.15, initial=np.zeros(5)),
     r"initial: expected a solution of the same problem \(state of 91 values\), got 5"),
    ("scr_limit-nan", lambda: solve(ceria_like_problem(), 773.15).resistivity(scr_limit=float("nan")),
     r"scr_limit must be a non-negative number of volts, got nan"),
    ("equal-temperatures", lambda: __import__("ase_spacecharge").activation_energy([800, 800], [2.0, 3.0]),
     r"at least two different temperatures, got \[800.0, 800.0\]"),
    ("pad_to-huge", lambda: __import__("ase_spacecharge").solve_structure(
        ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0, boundaries=[0.5], pad_to=1e8),
     r"pad_to = 1e\+08 Å would add .* bulk planes"),
    ("boundaries-duplicate", lambda: __import__("ase_spacecharge").project(
        ceria_like_atoms(), CERIA_DEFECTS, boundaries=[0.0, 1.0]), r"two boundaries coincide at fractional position 0"),
    ("valence-bool", lambda: DefectSpecies("Vo", True, 0.05), r"defect 'Vo': valence must be a finite number, got True"),
    ("label-empty", lambda: DefectSpecies("", 2, 0.05), r"defect label must be a non-empty string"),
    ("site-nan", lambda: Sites([1.0, np.nan], ["O", "O"], [0, 0], ("Vo",), [[0.0], [0.0]]),
     r"site 1 has a non-finite position nan"),
    ("temperature-negative", lambda: solve(ceria_like_problem(), -5.0), r"temperature must be a positive number"),
    ("rtol", lambda: solve(ceria_like_problem(), 773.15, rtol=2.0), r"rtol must be a number in \(0, 1\), got 2.0"),
    ("ms-ratio", lambda: mott_schottky_potential(1.0, 2, 773.15), r"ratio >= e/2 = 1.359141, got 1.0"),
    ("carrier-valence", lambda: Carrier("e", 0, 1e-6), r"carrier 'e': valence must be non-zero"),
    ("material-permittivity", lambda: Material("x", -1.0), r"material 'x': permittivity must be positive, got -1.0"),
    ("sheet-index", lambda: layered_problem([(Material("A", 10.0), 50.0), (Material("B", 20.0), 50.0)],
                                            [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)], temperature=500.0,
                                            sheet_charges={3: 0.01}), r"sheet charge at interface 3: there are 1"),
    ("reference", lambda: __import__("ase_spacecharge").segregation_energies(ceria_like_atoms(), np.zeros(90),
                                                                             reference="near"),
     r"reference must be a number, a site index or 'far', got 'near'"),
    ("mode", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS, mode="fold"),
     r"mode must be 'cell' or 'unfold', got 'fold'"),
    ("missing", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS, missing="maybe"),
     r"missing must be 'error', 'equivalent', 'zero' or 'drop', got 'maybe'"),
    ("pad-negative", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS, mode="unfold",
                                                                   boundaries=[0.5, 0.0], pad_to=-5.0),
     r"pad_to must be a positive distance \(Å\), got -5.0"),
    ("pad-cell-pair", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS, mode="cell",
                                                                    pad_to=(50.0, 60.0)),
     r"a whole cell \(mode='cell'\) pads every grain to one distance \(Å\), got \(50.0, 60.0\)"),
    ("restricted-temperature-zero", lambda: ceria_like_problem(approximation="restricted",
                                                               equilibration_temperature=0.0),
     r"equilibration_temperature must be a positive number of kelvin, got 0.0"),
    ("restricted-temperature-nan", lambda: ceria_like_problem(approximation="restricted",
                                                              equilibration_temperature=float("nan")),
     r"equilibration_temperature must be a positive number of kelvin, got nan"),
    ("restricted-no-temperature", lambda: ceria_like_problem(approximation="restricted"),
     r"approximation='restricted' needs equilibration_temperature \(K\)"),
    ("impedance-frequency-negative", lambda: __import__("ase_spacecharge.dynamics.impedance", fromlist=["x"]).impedance(
        _reversible_system(), [-1.0, 10.0]), r"frequencies must be positive and finite \(Hz\), got \[-1.0, 10.0\]"),
    ("impedance-frequency-inf", lambda: __import__("ase_spacecharge.dynamics.impedance", fromlist=["x"]).impedance(
        _reversible_system(), [1.0, float("inf")]), r"frequencies must be positive and finite"),
    ("background-length", lambda: ceria_like_problem(background_density=np.zeros(3)),
     r"background_density: expected a finite number or one value per plane \(90\), got 3"),
    ("unknown-species", lambda: solve(ceria_like_problem(), 773.15).resistivity(species="Xx"),
     r"unknown species 'Xx'; defined: \('Vo', 'Gd'\)"),
    ("bulk-empty", lambda: ceria_like_problem(bulk=(-46.8, -46.7)), r"the bulk region -46.8..-46.7 Å contains no planes"),
    ("images-glob-empty", lambda: _images("nowhere/vac_*.extxyz"), r"images 'nowhere/vac_\*.extxyz': no file matches"),
    ("image-cell", lambda: _images([_image(7, cell=1.002)]),
     r"images\[0\]: its cell differs from the pristine cell by up to 0.187\d Å \(lattice vector c, component z: "
     r"93.9074 against 93.72 Å\)"),
    ("image-no-energy", lambda: _images([_image(7, energy=None)]), r"images\[0\]: the image has no energy"),
    ("image-file-no-energy", lambda: _images(_written(_image(7, energy=None))),
     r"/vac_7.extxyz: the image has no energy"),
    ("pristine-no-energy", lambda: _images([_image(7)], pristine_energy=None, reference=0.5),
     r"the pristine structure has no energy, and reference = 0.5 needs it"),
    ("images-one-site-twice", lambda: _images([_image(7), _image(7, energy=-1.0)]),
     r"images\[0\] and images\[1\] are both a 'Vo' image of site 7"),
    ("image-nan-position", lambda: _images([_image(7, nan_atom=3)]),
     r"images\[0\]: atom 3 \(O\) has a non-finite position"),
    ("two-atoms-one-place", lambda: __import__("ase_spacecharge").project(ceria_like_atoms() + ceria_like_atoms()[:1],
                                                                          CERIA_DEFECTS),
     r"atoms 0 \(O\) and 90 \(O\) are 0 Å apart \(closer than 0.3 Å: two atoms at one position"),
    ("dE-strings", lambda: _project_with(dE_Vo=np.array(["0.1"] * 90)),
     r"per-site array 'dE_Vo': expected energies \(eV, numbers\), got strings such as '0.1'"),
    ("dE-shape", lambda: _project_with(dE_Vo=np.zeros((90, 3))),
     r"per-site array 'dE_Vo': expected one energy per site \(90\), got shape \(90, 3\)"),
    ("energies-shape", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS,
                                                                     energies={"Vo": np.zeros(89)}),
     r"energies\['Vo'\]: expected one energy per site \(90\) or \(site index, energy\) pairs, got shape \(89,\)"),
    ("dE-minus-inf", lambda: _project_with(dE_Vo=np.where(np.arange(90) == 3, -np.inf, 0.0)),
     r"per-site array 'dE_Vo': site 3 has ΔE = -inf"),
    ("plane_tol-negative", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS,
                                                                         plane_tol=-0.1),
     r"plane_tol must be a non-negative distance \(Å\), got -0.1"),
    ("plane_tol-nan", lambda: __import__("ase_spacecharge").project(ceria_like_atoms(), CERIA_DEFECTS,
                                                                    plane_tol=float("nan")),
     r"plane_tol must be a non-negative distance \(Å\), got nan"),
    ("n_points-fraction", lambda: ceria_like_problem(model="continuum", n_points=2.5),
     r"n_points must be an integer >= 3 \(grid points of the continuum model\), got 2.5"),
    ("n_points-huge", lambda: ceria_like_problem(model="continuum", n_points=10**13),
     r"n_points = 10000000000000 would need about .* bytes of memory"),
    ("valence-zero", lambda: DefectSpecies("X", 0, 0.05, 1.0), r"defect 'X': valence 0: an uncharged defect neither"),
    ("symprec-negative", lambda: __import__("ase_spacecharge.structure.symmetry", fromlist=["x"]).equivalent_sites(
        ceria_like_atoms(), -1.0), r"symprec must be a positive distance \(Å\), got -1.0"),
]


def _image(site, energy=-5.0, cell=1.0, nan_atom=None):
    """A vacancy image of the ceria-like column (energy eV; cell scaled by ``cell``)."""
    image = ceria_like_atoms()
    del image[site]
    image.set_cell(image.cell * cell, scale_atoms=True)
    if nan_atom is not None:
        image.positions[nan_atom] = np.nan
    if energy is not None:
        image.info["energy"] = energy
    return image


def _written(image):
    import os
    import tempfile
    from ase.io import write
    path = os.path.join(tempfile.mkdtemp(), "vac_7.extxyz")
    write(path, image)
    return path


def _images(images, pristine_energy=0.0, reference="far"):
    from ase_spacecharge import image_energies
    return image_energies(ceria_like_atoms(), images, {"Vo": ("O", None)}, pristine_energy=pristine_energy,
                          reference=reference)


def _project_with(**arrays):
    atoms = ceria_like_atoms()
    for name, value in arrays.items():
        atoms.arrays[name] = value
    return __import__("ase_spacecharge").project(atoms, CERIA_DEFECTS)


@pytest.mark.parametrize("name, call, message", API, ids=[a[0] for a in API])
def test_bad_python_input_gets_named_errors(name, call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_binary_site_file_is_named(tmp_path):
    path = tmp_path / "sites.bin"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"sites.bin.*not a text"):
        read_pyscses_sites(path)


def test_the_catalogue_is_long_enough():
    assert len(CASES) + len(API) >= 23 + 40 + 35
