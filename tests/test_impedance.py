"""Small-signal impedance (issue 11): the exact linear theories of uniform slabs, the grain
boundary's DC and high-frequency limits, Kramers–Kronig consistency, named bad input."""

import numpy as np
import pytest

from ase_spacecharge import InputError, solve
from ase_spacecharge.dynamics import Kinetics, PNPSystem
from ase_spacecharge.dynamics.impedance import impedance
from ase_spacecharge.dynamics.steady import iv_curve
from ase_spacecharge.layered import layered_problem
from ase_spacecharge.materials import Carrier, Material

# dynamics.md: T = 823 K, ε_r = 29, z = 2, D = 1e-11 m²/s, c0 = 1e27 m⁻³ (1e-3 Å⁻³), L = 50 nm
T, EPS, D, C0, L = 823.0, 29.0, 1e-11, 1e-3, 500.0
FREQ = np.array([1e0, 1e3, 1e5, 1e7, 1e9])
BLOCKING = np.array([5.47718608971e-7 - 0.208967108299j, 5.47718608797e-7 - 2.08967118052e-4j,
                     5.47716871268e-7 - 2.09064646399e-6j, 5.30876463654e-7 - 1.15433826986e-7j,
                     1.72831935867e-9 - 3.08928518517e-8j])
REVERSIBLE = np.array([5.53314872112e-7 - 9.87873370696e-15j, 5.53314871936e-7 - 9.87873370381e-12j,
                       5.53313108396e-7 - 9.87870221804e-10j, 5.36222478471e-7 - 9.57357074513e-8j,
                       1.73043040449e-9 - 3.08946352717e-8j])


def _slab(spacing, electrodes):
    """One mobile species (z = 2, Boltzmann) in a uniform frozen background between electrodes."""
    material = Material("slab", EPS, background=-2 * C0)
    problem = layered_problem([(material, L)], [Carrier("Vo", 2, C0)], temperature=T, spacing=spacing)
    return PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, electrodes=electrodes,
                     equilibrium=solve(problem, T, rtol=1e-14))


def test_reversible_slab_is_an_ideal_rc_element():
    """Z = R/(1 + iωRC), R = L/σ, C = ε ε0/L, at every frequency (the discrete scheme is exact)."""
    z = impedance(_slab(0.5, "reversible"), FREQ).z
    np.testing.assert_allclose(z.real, REVERSIBLE.real, rtol=1e-8)
    np.testing.assert_allclose(z.imag, REVERSIBLE.imag, rtol=1e-8)


def test_blocking_slab_converges_to_macdonalds_linear_theory():
    """Z = (2/(ε D κ²)) [ℓ + tanh(κℓ)/(κ iωτ)] (Macdonald 1953): the error falls as h², and the
    Richardson extrapolation of two grids agrees to 1e-6 at every frequency."""
    z_coarse = impedance(_slab(0.02, "blocking"), FREQ).z
    z_fine = impedance(_slab(0.01, "blocking"), FREQ).z
    e_coarse, e_fine = np.abs(z_coarse / BLOCKING - 1), np.abs(z_fine / BLOCKING - 1)
    assert np.all(e_fine < 5e-6)
    resolved = e_coarse > 1e-6
    assert np.all(np.abs(np.log2(e_coarse / e_fine)[resolved] - 2) < 0.05)  # second order
    extrapolated = (4 * z_fine - z_coarse) / 3
    np.testing.assert_allclose(extrapolated.real, BLOCKING.real, rtol=1e-6)
    np.testing.assert_allclose(extrapolated.imag, BLOCKING.imag, rtol=1e-6)


def test_blocking_slab_limits():
    """ω → ∞: the geometric capacitance ε/L; ω → 0: (L - 3λ)/σ in series with the two double
    layers ε/λ."""
    from ase_spacecharge.constants import BOLTZMANN_SI, ELEMENTARY_CHARGE, EPSILON_0_SI
    eps, q, c0 = EPS * EPSILON_0_SI, 2 * ELEMENTARY_CHARGE, C0 * 1e30
    lam = np.sqrt(eps * BOLTZMANN_SI * T / (q * q * c0))
    sigma = eps * D / lam ** 2
    z = impedance(_slab(0.02, "blocking"), [1e-2, 1e14]).z
    assert z[1].imag * 2 * np.pi * 1e14 * eps / (L * 1e-10) == pytest.approx(-1.0, rel=1e-6)
    assert z[0].real == pytest.approx((L * 1e-10 - 3 * lam) / sigma, rel=1e-4)
    assert -1 / (2 * np.pi * 1e-2 * z[0].imag) == pytest.approx(eps / (2 * lam), rel=1e-4)


def _gb_system():
    from ase_spacecharge.examples import ceria_like_system
    return ceria_like_system(773.15, 1e-11, rtol=1e-14)


def test_grain_boundary_dc_limit_is_the_steady_state_resistance_and_high_frequency_is_geometric():
    system = _gb_system()
    z = impedance(system, [1e-3, 1e16]).z  # 1e16 Hz: 2.4e8 times the fastest local relaxation rate
    r_dc = iv_curve(system, [1e-7]).resistance[0]
    assert z[0].real == pytest.approx(r_dc, rel=1e-8)
    g = system.problem.grid
    from ase_spacecharge.constants import EPSILON_0_SI
    c_geometric = EPSILON_0_SI * 55.0 / ((g.x_max - g.x_min) * 1e-10)
    assert -1 / (2 * np.pi * 1e16 * z[1].imag) == pytest.approx(c_geometric, rel=1e-6)


def test_spectra_satisfy_kramers_kronig():
    from ase_spacecharge.dynamics.spectra import kramers_kronig_residuals
    f = np.logspace(0, 14, 71)
    for system in (_gb_system(), _slab(0.5, "blocking")):
        spectrum = impedance(system, f)
        assert np.max(np.abs(kramers_kronig_residuals(spectrum))) < 1e-4
        spectrum.z[30] *= 1.01  # one point off by 1 %: the test sees it
        assert np.max(np.abs(kramers_kronig_residuals(spectrum))) > 1e-3


def test_the_impedance_evaluates_its_base_state_once(monkeypatch):
    """One evaluation of the equations at set-up (it was seven: the voltage derivatives by
    finite differences, each part evaluating again); the derivative in V is analytic."""
    import ase_spacecharge.dynamics.equations as equations
    impedance_module = __import__("sys").modules["ase_spacecharge.dynamics.impedance"]
    system = _gb_system()
    calls = []
    real = equations.evaluate
    monkeypatch.setattr(impedance_module, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    z = impedance(system, np.logspace(-2, 12, 29)).z
    assert len(calls) == 1 and np.all(np.isfinite(z))


def test_bad_impedance_input_is_named():
    system = _gb_system()
    for bad in ([0.0, 1.0], [-1.0], [float("nan")], []):
        with pytest.raises(InputError, match="frequencies must be positive and finite"):
            impedance(system, bad)


def test_mixed_conductor_between_ion_blocking_electron_reversible_electrodes():
    """V_O (z = 2, 1e27 m⁻³, D = 1e-11) blocked and electrons (1e26 m⁻³, D = 1e-8) exchanged:
    the exact linear theory (Jamnik & Maier 1999; Lai & Haile 2005; derived for the PNP
    model in tests/reference_impedance.py) to 1e-6."""
    from reference_impedance import mixed_slab
    from ase_spacecharge import DefectSpecies, Sites, build_problem
    n_sites, area = 1000, 100.0
    x = np.linspace(0.01, L - 0.01, n_sites)
    E = np.column_stack((np.concatenate((np.zeros(n_sites), np.full(n_sites, np.nan))),
                         np.concatenate((np.full(n_sites, np.nan), np.zeros(n_sites)))))
    sites = Sites(np.concatenate((x, x)), ["O"] * n_sites + ["Ce"] * n_sites, np.zeros(2 * n_sites), ("Vo", "Gd"), E)
    problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.095, 0.0)],
                            x_min=0.0, x_max=L, area=area, permittivity=EPS, bulk=(100.0, 400.0), model="continuum",
                            n_points=12500, boundary="dirichlet", dirichlet=(0.0, 0.0), statistics="boltzmann",
                            carriers=[Carrier("e", -1, 1e-4)])
    system = PNPSystem(problem, Kinetics({"Vo": D, "e": 1e-8}), temperature=T, electrodes="mixed",
                       equilibrium=solve(problem, T, rtol=1e-14))
    z = impedance(system, FREQ).z
    exact = np.array([mixed_slab(f, T, EPS, 2, D, 1e27, -1, 1e-8, 1e26, L * 1e-10) for f in FREQ])
    np.testing.assert_allclose(z, exact, rtol=1e-6)
    assert z[0].real == pytest.approx(exact[0].real, rel=1e-9)  # DC: the electrons' resistance alone


def _impedance_case(tmp_path, extra=""):
    from ase_spacecharge.examples import write_ceria_like_case
    text = ('boundary = "dirichlet"\n' + extra +
            '[impedance]\nfrequencies = [1e-2, 1e12, 141]\nelectrodes = "reversible"\ngrain_size = 1e-6\n')
    case = write_ceria_like_case(tmp_path, temperature=[673.15, 773.15, 873.15], extra=text)
    body = open(case).read().replace("mobility = 1.0\n", "mobility = 1.0\ndiffusivity_prefactor = 1e-7\n"
                                     "migration_energy = 0.6\n")
    open(case, "w").write(body)
    return case


@pytest.mark.slow
def test_case_file_impedance_reads_the_arcs_and_their_activation_energies(tmp_path, capsys):
    """A temperature list gives a spectrum per temperature with its two arcs; the bulk arc's
    capacitance is the geometric one and its activation energy (ln σT against 1/kT) the
    migration energy; the CLI writes the spectra as three-column CSV and the Nyquist and
    Bode plots."""
    from pathlib import Path
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.cli import main
    from ase_spacecharge.constants import EPSILON_0_SI as EPSILON_0
    case = str(Path(__file__).resolve().parents[1] / "example_structures" / "ceria_sigma3_111" / "impedance.toml")
    result = run_case(case)
    summary = result.summary
    assert summary["activation_energy_bulk"] == pytest.approx(0.6, abs=1e-2)
    assert summary["activation_energy_gb"] > summary["activation_energy_bulk"]
    length = 290e-10
    for row in summary["results"]:
        z = row["impedance"]
        assert set(z) >= {"frequency", "z_real", "z_imag", "bulk_resistance", "gb_resistance", "bulk_capacitance",
                          "gb_capacitance", "gb_apex_frequency", "r_gb", "phi0_mott_schottky", "polycrystal"}
        assert z["bulk_capacitance"] == pytest.approx(55.0 * EPSILON_0 / length, rel=0.05)
        assert z["gb_capacitance"] > z["bulk_capacitance"] and z["r_gb"] > 1
        # the DC limit is the sum of the two arcs
        assert z["z_real"][0] == pytest.approx(z["bulk_resistance"] + z["gb_resistance"], rel=1e-3)
        # brick layer, 1 µm grains: per metre, 1e6 boundaries plus 1 m of bulk (σ_b = L / R_b)
        R_b, g = z["bulk_resistance"], 1e-6
        expected = (z["z_real"][0] - R_b + R_b * g / length) / g
        assert z["polycrystal"]["z_real"][0] == pytest.approx(expected, rel=1e-9)
    assert main(["run", case, "--plot", str(tmp_path / "z.png"), "--spectrum", str(tmp_path / "z.csv")]) == 0
    out = capsys.readouterr().out
    assert "activation energies from the spectra" in out and "wrote Nyquist plot" in out
    first = summary["results"][1]["impedance"]
    assert summary["results"][1]["temperature"] == 773.15
    f, z = np.array(first["frequency"]), np.array(first["z_real"]) + 1j * np.array(first["z_imag"])
    path = tmp_path / "z_773.15K.csv"
    from impedance.preprocessing import readCSV  # impedance.py, as its users read a CSV
    f_read, z_read = readCSV(str(path))
    np.testing.assert_array_equal(f_read, f)
    np.testing.assert_array_equal(z_read, z)
    import pyimpspec  # pyimpspec, as its users read one
    data = pyimpspec.parse_data(str(path))
    assert len(data) == 1
    order = np.argsort(data[0].get_frequencies())  # pyimpspec keeps frequencies in descending order
    np.testing.assert_array_equal(data[0].get_frequencies()[order], f)
    np.testing.assert_array_equal(data[0].get_impedances()[order], z)
    # impedance.py's circuit fit on this spectrum needs weight_by_modulus=True (the README's
    # example): the boundary arc is 5e4 times the bulk's, and unweighted least squares drops it
    from impedance.models.circuits import CustomCircuit
    guess = [2 * first[k] for k in ("bulk_resistance", "bulk_capacitance", "gb_resistance", "gb_capacitance")]
    fitted = {}
    for weighted in (False, True):
        circuit = CustomCircuit("p(R1,C1)-p(R2,C2)", initial_guess=guess)
        circuit.fit(f_read, z_read, weight_by_modulus=weighted)
        fitted[weighted] = circuit.parameters_[0] / first["bulk_resistance"]
    assert first["gb_resistance"] > 1e4 * first["bulk_resistance"]
    assert fitted[True] == pytest.approx(1.0, rel=1e-2) and fitted[False] > 2.0
    assert (tmp_path / "z_bode.png").stat().st_size > 10000


def test_gouy_chapman_impedance_freezes_the_dopants_at_their_equilibrium(tmp_path):
    """Under Gouy–Chapman the dopants without transport data keep their equilibrium profile
    during the measurement: the spectrum is linearised about the Gouy–Chapman equilibrium
    itself (restricted equilibrium at the measurement temperature, the same to 1e-12 V)."""
    from ase_spacecharge.cases.run import _measurement_problem, problem_from_case
    from ase_spacecharge.cases.casefile import load_case
    case = load_case(_impedance_case(tmp_path, 'approximation = "gouy-chapman"\n'))
    problem = problem_from_case(case)
    sol = solve(problem, 773.15)
    frozen, eq = _measurement_problem(case, problem, sol)
    assert frozen.approximation == "restricted" and frozen.equilibration_temperature == 773.15
    np.testing.assert_allclose(eq.phi, sol.phi, atol=1e-12)
    np.testing.assert_allclose(eq.site_occupancy, sol.site_occupancy, atol=1e-12)


def test_restricted_case_files_match_the_python_api(tmp_path):
    """``approximation = "restricted"`` with ``equilibration_temperature`` in a case file is
    the problem of :func:`restricted_problem`, for every temperature of a list."""
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_column
    from ase_spacecharge.restricted import restricted_problem
    from ase_spacecharge.examples import write_ceria_like_case
    case = write_ceria_like_case(tmp_path, extra='approximation = "restricted"\nequilibration_temperature = 1673.0\n')
    result = run_case(case)
    sites, lo, hi = ceria_like_column()
    p = restricted_problem(sites, [{k: v for k, v in d.items() if k != "site"} for d in CERIA_DEFECTS],
                           equilibration_temperature=1673.0, x_min=-46.86, x_max=46.86, area=58.5725,
                           permittivity=55.0, bulk=(-44.86, -31.86))
    for s in result.solutions:
        np.testing.assert_allclose(s.phi, solve(p, s.temperature).phi, atol=1e-12)
    assert result.problem.equilibration_temperature == 1673.0


def test_mott_schottky_analysis_of_restricted_spectra_underestimates_phi0():
    """The shipped Σ3 boundary in three regimes (Usler et al., Solids 5 (2024) 404): the
    Mott–Schottky Φ0 read from the spectra is below the solved Φ0 in every regime, by far
    the most when the dopants are not uniform (Gouy–Chapman, restricted); restricted
    equilibrium lies between Gouy–Chapman and Mott–Schottky; the bulk activation energy is
    the migration energy in every regime."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "example_structures" / "three_regimes.py"
    spec = importlib.util.spec_from_file_location("three_regimes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.run()
    ms, gc, rq = (out[name]["results"] for name in ("Mott–Schottky", "Gouy–Chapman", "restricted (1673 K)"))
    for a, b, c in zip(ms, gc, rq):
        gap = [r["phi0"] - r["impedance"]["phi0_mott_schottky"] for r in (a, b, c)]
        assert 0.1 < gap[0] < gap[2] and gap[2] > 0.4 and gap[1] > 0.4
        assert b["phi0"] < c["phi0"] < a["phi0"]
    for summary in out.values():
        assert summary["activation_energy_bulk"] == pytest.approx(0.6, abs=1e-2)
    assert "| 773.15 | restricted (1673 K) |" in module.table(out)


@pytest.mark.slow
def test_equivalent_circuit_fit_through_impedance_py_recovers_the_arcs():
    """The optional impedance.py fit (weighted by the modulus) of a two-RC spectrum returns
    its elements, and agrees with our own arc fit on the shipped Σ3 spectrum."""
    pytest.importorskip("impedance")
    from pathlib import Path
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.dynamics.impedance import Spectrum
    from ase_spacecharge.dynamics.spectra import arcs, fit_circuit
    f = np.logspace(-2, 10, 121)
    z = 1e-7 / (1 + 2j * np.pi * f * 1e-7 * 0.0176) + 5e-3 / (1 + 2j * np.pi * f * 5e-3 * 0.43)
    fit = fit_circuit(Spectrum(f, z, 773.15))
    assert [fit[k][0] for k in ("R1", "C1", "R2", "C2")] == pytest.approx([1e-7, 0.0176, 5e-3, 0.43], rel=1e-6)
    case = Path(__file__).resolve().parents[1] / "example_structures" / "ceria_sigma3_111" / "impedance.toml"
    spectrum = run_case(case).dynamics[1]["impedance"]
    ours, theirs = arcs(spectrum, valence=2), fit_circuit(spectrum)
    assert theirs["R2"][0] == pytest.approx(ours.gb_resistance, rel=1e-3)
    assert theirs["R1"][0] == pytest.approx(ours.bulk_resistance, rel=1e-3)
    with pytest.raises(InputError, match="give an initial_guess"):
        fit_circuit(spectrum, circuit="R0-p(R1,C1)")


def test_two_dielectrics_in_series_give_the_geometric_capacitance():
    """Above every relaxation rate a slab of two materials (ε 10 | 40) is two capacitors in
    series: C = ε0 / (L1/ε1 + L2/ε2), whatever the permittivity of the first face."""
    from ase_spacecharge.constants import EPSILON_0_SI
    a = Material("A", 10.0, background=-2 * C0)
    b = Material("B", 40.0, background=-2 * C0)
    problem = layered_problem([(a, L / 2), (b, L / 2)], [Carrier("Vo", 2, C0)], temperature=T, spacing=0.5)
    system = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, electrodes="reversible",
                       equilibrium=solve(problem, T, rtol=1e-14))
    f = np.array([1e14, 1e16])
    capacitance = -1.0 / (2 * np.pi * f * impedance(system, f).z.imag)
    np.testing.assert_allclose(capacitance, EPSILON_0_SI / (L / 2 * 1e-10 / 10.0 + L / 2 * 1e-10 / 40.0), rtol=1e-6)
