"""Agreement with pyscses' published cases (converged values from ../shared/reference)."""

import json

import numpy as np
import pytest

from ase_spacecharge.cli import main
from ase_spacecharge import transport
from ase_spacecharge.analytic import mott_schottky_potential
from ase_spacecharge.cases.run import problem_from_case
from ase_spacecharge.cases.casefile import load_case
from ase_spacecharge.solution import solve_temperatures

CONVERGED = {  # phi0, r_perp, r_par (shared/reference/pyscses/README.md)
    "test_1": (0.3351598576, 219992.67, 9.6316716e-3),
    "test_2": (0.33684347, 1.2821586e8, 3.7189297e-5),
    "test_3": (0.2993890861, 4319.3270, 5.0612165e-3),
    "test_4": (0.2860424338, 244250.83, 9.8998752e-3),
}
OPTIONS = {
    "test_1": "",
    "test_2": 'model = "continuum"\nn_points = 1000\n',
    "test_3": 'approximation = "gouy-chapman"\n',
    "test_4": "site_charges = true\n",
}


def write_case(tmp_path, ref, case, temperature="773.15"):
    bulk_hi = -35.02 if case == "test_4" else -25.02
    text = f"""sites = "{ref / 'input_data' / 'Gd_CeO2_111_data.txt'}"
temperature = {temperature}
permittivity = 55.0
area = {7.65327 ** 2!r}
x_min = -60.94
x_max = 51.6
bulk = [-57.83, {bulk_hi}]
compat = "pyscses"
{OPTIONS[case]}
[[defects]]
label = "Vo"
valence = 2
mole_fraction = 0.05
mobility = 1.0
[[defects]]
label = "Gd"
valence = -1
mole_fraction = 0.2
mobility = 0.0
[resistivity]
scr_limit = 0.02
"""
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", sorted(CONVERGED))
def test_pyscses_case_through_cli(case, tmp_path, pyscses_reference):
    path = write_case(tmp_path, pyscses_reference, case)
    out, csv = tmp_path / "out.json", tmp_path / "profile.csv"
    assert main(["run", str(path), "--json", str(out), "--csv", str(csv)]) == 0
    summary = json.loads(out.read_text())
    phi0, r_perp, r_par = CONVERGED[case]
    assert summary["phi0"] == pytest.approx(phi0, rel=2e-6)
    assert summary["r_perp"] == pytest.approx(r_perp, rel=1e-3)
    assert summary["r_par"] == pytest.approx(r_par, rel=1e-3)
    assert summary["residual"] <= 1e-10
    assert summary["iterations"] <= 15
    # profiles agree with pyscses' own output within its stopping error (~3e-4 V in phi0)
    ref = np.genfromtxt(pyscses_reference / case / "output_data.csv", delimiter=",", skip_header=1,
                        usecols=(7, 8, 10, 11))
    prof = summary["profile"]
    np.testing.assert_allclose(prof["x"], ref[:, 0] * 1e10, atol=1e-9)
    np.testing.assert_allclose(prof["phi"], ref[:, 1], atol=1e-3)
    # planes that cannot host a defect: None in the summary (NaN in the arrays), 0 in pyscses
    for label, col in (("Vo", 2), ("Gd", 3)):
        mf = np.array([np.nan if v is None else v for v in prof["mole_fractions"][label]], float)
        np.testing.assert_allclose(np.nan_to_num(mf), ref[:, col], rtol=0.02, atol=1e-4)
    ms = mott_schottky_potential(summary["r_perp"], 2, 773.15)
    assert summary["phi0_mott_schottky"] == pytest.approx(ms, rel=1e-12)


def test_gouy_chapman_fits_bulk_fractions_without_outer_loop(tmp_path, pyscses_reference):
    case = load_case(write_case(tmp_path, pyscses_reference, "test_3"))
    (sol,) = solve_temperatures(problem_from_case(case), [773.15])
    # the input fractions that make the bulk-region averages hit 0.05 / 0.2 (reference README)
    np.testing.assert_allclose(sol.input_mole_fractions, [0.0587235546, 0.2307004226], rtol=1e-8)


def test_temperature_series_activation_energies(tmp_path, pyscses_reference):
    ref = np.genfromtxt(pyscses_reference / "temperature_series_111" / "space_charge_properties_111.csv",
                        delimiter=",", skip_header=1, usecols=(0, 6))
    temps = [673, 773, 873, 973, 1000, 1173, 1273, 1373]
    case = load_case(write_case(tmp_path, pyscses_reference, "test_1", temperature=str(temps)))
    sols = solve_temperatures(problem_from_case(case), [float(t) for t in temps])
    r = [s.summary(profile=False)["r_perp"] for s in sols]
    local = transport.local_activation_energies(temps, r)
    for T, ea in ref:
        assert local[temps.index(int(T))] == pytest.approx(ea, abs=2e-3)
    profiles = np.genfromtxt(pyscses_reference / "temperature_series_111" / "profiles_673-1373K.csv",
                             delimiter=",", skip_header=1, usecols=(4, 7))
    for s in sols:
        ref_phi = profiles[profiles[:, 0] == s.temperature, 1]
        np.testing.assert_allclose(s.phi, ref_phi, atol=1.5e-3)


def test_sweep_case_reports_least_squares_activation_energy(tmp_path, pyscses_reference):
    path = write_case(tmp_path, pyscses_reference, "test_1", temperature="[773.15, 873.15, 973.15]")
    out = tmp_path / "sweep.json"
    assert main(["run", str(path), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert [r["temperature"] for r in summary["results"]] == [773.15, 873.15, 973.15]
    T = np.array([r["temperature"] for r in summary["results"]])
    r = np.array([r["r_perp"] for r in summary["results"]])
    slope = np.polyfit(1 / T, np.log(r), 1)[0] * 8.617333262e-5
    assert summary["activation_energy_perp"] == pytest.approx(slope, rel=1e-6)
    assert 0.5 < summary["activation_energy_perp"] < 1.0
