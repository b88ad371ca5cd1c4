"""Poisson–Nernst–Planck (issue 10): equilibrium is stationary, relaxation ends on it, the
linear theory of uniform slabs (Nernst–Einstein, blocking electrodes), the grain-boundary DC
resistance, conservation, Onsager reciprocity and entropy production, named bad input."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ase_spacecharge import DefectSpecies, InputError, Sites, build_problem, solve
from ase_spacecharge.constants import BOLTZMANN_SI, ELEMENTARY_CHARGE, EPSILON_0_SI, thermal_voltage
from ase_spacecharge.dynamics import Kinetics, PNPSystem, Voltage
from ase_spacecharge.dynamics.equations import entropy_production, evaluate
from ase_spacecharge.dynamics.integrate import transient
from ase_spacecharge.dynamics.steady import iv_curve, steady_state
from ase_spacecharge.examples import ceria_like_problem, ceria_like_system

T_GB = 773.15


def _gb_system(**kw):
    return ceria_like_system(T_GB, 1e-11, rtol=1e-14, **kw)


def test_equilibrium_stays_put_for_a_million_relaxation_times():
    system = _gb_system()
    tau = system.relaxation_time  # the ceria-like column's bulk relaxes in 1e-8 s
    run = transient(system, [tau, 1e3 * tau, 1e6 * tau])
    phi_eq, _ = system.unpack(system.y_eq)
    assert max(np.max(np.abs(system.unpack(y)[0] - phi_eq)) for y in run.states) <= 1e-12


def test_a_uniform_start_relaxes_onto_the_equilibrium():
    system = _gb_system()
    run = transient(system, [1e-12, 1e-9, 1e-6, 1e-3, 1.0], start=system.uniform_state())
    phi, nu = system.unpack(run.states[-1])
    phi_eq, _ = system.unpack(system.y_eq)
    assert np.max(np.abs(phi - phi_eq)) <= 1e-8 and np.max(np.abs(nu)) <= 1e-8
    assert np.max(np.abs(system.unpack(run.states[0])[0] - phi_eq)) > 1e-3  # it did start far away


def _slab(statistics="boltzmann", n_points=400, length=200.0, area=100.0, sites_per_a3=0.02, dE=None):
    """Vo (z = +2, x = 0.05) on O sites and frozen Gd (z = -1, x = 0.1) on Ce sites, both at
    ``sites_per_a3``, between electrodes at 0 and ``length`` (Å)."""
    n = int(round(sites_per_a3 * area * length))
    x = np.linspace(0.05, length - 0.05, n)
    e_vo = np.zeros(n) if dE is None else dE(x)
    energies = np.column_stack((np.concatenate((e_vo, np.full(n, np.nan))), np.concatenate((np.full(n, np.nan), np.zeros(n)))))
    sites = Sites(np.concatenate((x, x)), ["O"] * n + ["Ce"] * n, np.zeros(2 * n), ("Vo", "Gd"), energies)
    return build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.1, 0.0)], x_min=0.0,
                         x_max=length, area=area, permittivity=29.0, bulk=(0.1 * length, 0.3 * length),
                         model="continuum", n_points=n_points, boundary="dirichlet", dirichlet=(0.0, 0.0),
                         statistics=statistics)


@pytest.mark.parametrize("statistics, blocking", [("boltzmann", 1.0), ("fermi-dirac", 0.95)])
def test_uniform_slab_follows_nernst_einstein(statistics, blocking):
    """σ = z² e² D c / kT (Boltzmann); a lattice gas conducts (1 - x) less (site blocking)."""
    T, D, L = 823.0, 1e-11, 200.0
    problem = _slab(statistics)
    system = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, equilibrium=solve(problem, T))
    iv = iv_curve(system, [1e-6, 1e-4])
    c = 0.05 * 0.02  # Vo per Å³
    sigma = 4 * ELEMENTARY_CHARGE ** 2 * D * c * 1e30 / (BOLTZMANN_SI * T) * blocking  # S/m
    np.testing.assert_allclose(iv.current, sigma * iv.voltage / (L * 1e-10), rtol=1e-6)


def test_grain_boundary_dc_resistance_is_the_series_sum_to_second_order():
    """At small bias the steady resistance equals Σ dx / σ(x) over the equilibrium profile (the
    textbook perpendicular ratio times the bulk resistance), the difference falling as h²."""
    T, D, L = 823.0, 1e-11, 200.0
    well = lambda x: -0.3 * np.exp(-(x - L / 2) ** 2 / 8.0)  # noqa: E731
    gaps = []
    for n in (400, 800, 1600):
        problem = _slab(n_points=n, area=6667.0, sites_per_a3=0.03, dE=well)
        eq = solve(problem, T)
        system = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, equilibrium=eq)
        r_dc = iv_curve(system, [1e-7]).resistance[0]  # Ω m²
        c = eq.mole_fractions["Vo"] * 0.03  # Vo per Å³ on each plane
        sigma = 4 * D * 1e20 * c / thermal_voltage(T) * ELEMENTARY_CHARGE * 1e10  # S/m
        series = np.sum(eq.dx * 1e-10 / sigma)
        gaps.append(abs(r_dc / series - 1))
    assert gaps[-1] < 1e-6
    assert np.log2(gaps[1] / gaps[2]) > 1.7


def _blocking_current_exact(t, V, T, D, c0, eps_r, length):
    """Linear theory of a unipolar conductor between blocking electrodes (Macdonald 1953):
    the current after a voltage step, I(t) = L⁻¹[V / (s Z(s))] with
    Z(s) = (2/(ε D κ²)) [ℓ + tanh(κℓ)/(κ s τ)], κ² = (1 + sτ)/λ² (SI)."""
    eps, q = eps_r * EPSILON_0_SI, 2 * ELEMENTARY_CHARGE
    lam = np.sqrt(eps * BOLTZMANN_SI * T / (q * q * c0))
    tau, ell = lam ** 2 / D, length / 2

    def current(s):
        kappa = mpmath.sqrt(1 + s * tau) / lam
        Z = 2 / (eps * D * kappa ** 2) * (ell + mpmath.tanh(kappa * ell) / (kappa * s * tau))
        return V / (s * Z)
    return float(mpmath.invertlaplace(current, t, method="talbot")), tau


def test_blocking_electrodes_charge_as_the_linear_theory_says_and_conserve_ions():
    T, D, V, L = 823.0, 1e-11, 1e-4, 500.0
    problem = _slab(n_points=2000, length=L)
    eq = solve(problem, T)
    system = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, electrodes="blocking", voltage=V,
                       equilibrium=eq)
    tau = _blocking_current_exact(1e-9, V, T, D, 1e27, 29.0, L * 1e-10)[1]
    assert system.relaxation_time == pytest.approx(tau, rel=1e-9)  # ε/σ (it was τ/area)
    run = transient(system, np.array([1, 10, 100, 300]) * tau, rtol=1e-6, atol=1e-10)
    exact = [_blocking_current_exact(t, V, T, D, 1e27, 29.0, L * 1e-10)[0] for t in run.t]
    np.testing.assert_allclose(run.current, exact, rtol=1e-2)  # h = λ/6.7; the error falls as h²
    assert run.current[-1] < 0.2 * run.current[0]  # the double layers charge (time λℓ/D = 148 τ)
    total = [evaluate(system, y, 0.0).N[:, 0].sum() for y in run.states]
    np.testing.assert_allclose(total, evaluate(system, system.y_eq, 0.0).N[:, 0].sum(), rtol=1e-12)
    assert np.all(run.ionic_current == 0.0)


def test_blocking_steady_state_is_the_end_of_the_transient():
    T, D, V = 823.0, 1e-11, 0.05
    problem = _slab(n_points=400, length=100.0)
    system = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, electrodes="blocking", voltage=V,
                       equilibrium=solve(problem, T))
    steady = steady_state(system, V)
    y, current = steady.states[0], steady.current[0]
    run = transient(system, [1e-6, 1e-3])
    assert abs(current) < 1e-9
    np.testing.assert_allclose(run.states[-1], y, rtol=0, atol=1e-8)


def _two_species_system(r):
    """Vo and a second O-site species sharing every plane (so their fluxes share faces)."""
    n, L = 400, 100.0
    x = np.linspace(0.05, L - 0.05, n)
    E = np.column_stack((-0.1 * np.exp(-(x - 50) ** 2 / 8), -0.05 * np.exp(-(x - 50) ** 2 / 8)))
    sites = Sites(np.concatenate((x, x)), ["O"] * n + ["Ce"] * n, np.zeros(2 * n), ("Vo", "Oi", "Gd"),
                  np.column_stack((np.concatenate((E[:, 0], np.full(n, np.nan))),
                                   np.concatenate((E[:, 1], np.full(n, np.nan))),
                                   np.concatenate((np.full(n, np.nan), np.zeros(n))))))
    problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Oi", -2, 0.02, 1.0),
                                    DefectSpecies("Gd", -1, 0.06, 0.0)], x_min=0, x_max=L, area=50.0,
                            permittivity=29.0, bulk=(10, 30), model="continuum", n_points=200,
                            boundary="dirichlet", dirichlet=(0.0, 0.0))
    return PNPSystem(problem, Kinetics({"Vo": 1e-11, "Oi": 3e-12}, correlation={("Vo", "Oi"): r}),
                     temperature=823.0, equilibrium=solve(problem, 823.0))


def test_onsager_reciprocity_of_the_linear_response():
    system = _two_species_system(-0.4)
    K1 = 1 + system.K
    i = 60  # a plane near the boundary
    response = np.zeros((2, 2))
    face = np.flatnonzero(system.faces[0].lo == i)[0]
    for m in range(2):
        h = 1e-6
        up, down = system.y_eq.copy(), system.y_eq.copy()
        up[(i + 1) * K1 + 1 + m] += h  # ν_m on the upper plane of face i -> i+1
        down[(i + 1) * K1 + 1 + m] -= h
        for k in range(2):
            response[k, m] = (evaluate(system, up, 0.0).fluxes[k][face]
                              - evaluate(system, down, 0.0).fluxes[k][face]) / (2 * h)
    assert response[0, 1] == pytest.approx(response[1, 0], rel=1e-10)
    assert response[0, 1] != 0 and np.all(np.linalg.eigvalsh(-(response + response.T) / 2) >= 0)


@settings(max_examples=25, deadline=None)
@given(st.floats(-0.95, 0.95), st.integers(0, 2 ** 31 - 1), st.floats(0.01, 3.0))
def test_entropy_production_is_never_negative(r, seed, amplitude):
    system = _two_species_system(r)
    rng = np.random.default_rng(seed)
    y = system.y_eq + amplitude * rng.normal(size=system.n_unknowns)
    ev = evaluate(system, y, 0.0)
    _, nu = system.unpack(y)
    f = system.faces[0]
    inner = (f.lo >= 0) & (f.hi < system.n)
    dnu = nu[f.hi[inner]] - nu[f.lo[inner]]
    np.testing.assert_allclose(ev.forces[0][inner], dnu[:, 0], rtol=1e-12, atol=1e-12)  # isothermal: X = Δν
    J = np.column_stack([ev.fluxes[k] for k in range(2)])
    X = np.column_stack([ev.forces[k] for k in range(2)])
    production = -np.sum(J * X, axis=1)  # per face, in k per second
    assert np.all(production >= -1e-12 * np.abs(J * X).sum(axis=1))
    assert entropy_production(system, ev) >= 0


def test_bad_dynamic_input_is_named():
    periodic = ceria_like_problem()
    with pytest.raises(InputError, match="dynamics need electrodes"):
        PNPSystem(periodic, Kinetics({"Vo": 1e-11}), temperature=T_GB)
    with pytest.raises(InputError, match="diffusivity of 'Vo' must be a non-negative number, got -1e-11"):
        Kinetics({"Vo": -1e-11})
    with pytest.raises(InputError, match="voltage table: the times must increase"):
        Voltage([[0.0, 0.0], [1e-6, 0.1], [5e-7, 0.2]])
    with pytest.raises(InputError, match=r"must be a number in \[-1, 1\]"):
        _two_species_system(1.5)
    with pytest.raises(InputError, match="not positive semidefinite"):  # each pair within ±1, the three not
        Kinetics(correlation={("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9}).correlation_matrix(["a", "b", "c"])
    with pytest.raises(InputError, match="given twice with different values"):
        Kinetics(correlation={("Vo", "Oi"): 0.2, ("Oi", "Vo"): 0.3}).correlation_matrix(["Vo", "Oi"])
    with pytest.raises(InputError, match="no diffusivity .* 'Vo'"):
        dirichlet = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
        PNPSystem(dirichlet, Kinetics({}), temperature=T_GB)
    with pytest.raises(InputError, match="electrodes must be one of"):
        _gb_system(electrodes="sticky")
    with pytest.raises(InputError, match="times: expected increasing positive output times"):
        transient(_gb_system(), [1e-6, 1e-9])
    with pytest.raises(InputError, match="different planes"):
        problem = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0), approximation="gouy-chapman")
        PNPSystem(problem, Kinetics({"Vo": 1e-11, "Gd": 1e-13}, correlation={("Vo", "Gd"): 0.1}), temperature=T_GB,
                  equilibrium=solve(problem, T_GB))


@pytest.mark.slow
def test_case_file_runs_a_transient_and_a_steady_state(tmp_path, capsys):
    import json
    from ase_spacecharge.cli import main
    from ase_spacecharge.examples import write_ceria_like_case
    case = write_ceria_like_case(tmp_path, temperature=773.15, extra=(
        'boundary = "dirichlet"\ndirichlet = [0.0, 0.0]\n[transient]\nvoltage = 0.05\n'
        'times = [1e-12, 1e-9, 1e-6, 1e-3]\n[steady_state]\nvoltages = [0.01, 0.05]\n'))
    text = open(case).read().replace("mobility = 1.0", "mobility = 1.0\ndiffusivity = 1e-11")
    open(case, "w").write(text)
    assert main(["run", case, "--json", str(tmp_path / "s.json"), "--plot", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr().out
    assert "wrote transient plot" in out and "wrote I–V plot" in out
    summary = json.loads((tmp_path / "s.json").read_text())
    tr, ss = summary["transient"], summary["steady_state"]
    assert len(tr["phi"]) == 4 and len(tr["phi"][0]) == len(summary["profile"]["x"])
    assert set(tr["mole_fractions"]) == {"Vo"}
    # the transient ends on the steady state at its voltage; the current is uniform there
    assert tr["current"][-1] == pytest.approx(ss["current"][1], rel=1e-6)
    assert ss["resistance"][0] == pytest.approx(0.01 / ss["current"][0], rel=1e-12)
    assert (tmp_path / "p_transient.png").stat().st_size > 10000 and (tmp_path / "p_iv.png").exists()


@pytest.mark.parametrize("statistics", ["boltzmann", "fermi-dirac"])
def test_open_circuit_thermovoltage(statistics):
    """A uniform conductor in a small temperature gradient, ions blocked: the steady state has
    z e dφ = -(∂μ/∂T + Q*/T) dT in the bulk, with ∂μ/∂T = k ln(x/(1-x)) (k ln x dilute)."""
    from ase_spacecharge.constants import BOLTZMANN_EV
    T0, Q = 823.0, 0.4
    problem = _slab(statistics, n_points=400)
    profile = lambda x: T0 + 0.1 * x  # noqa: E731 - 20 K over the slab
    system = PNPSystem(problem, Kinetics({"Vo": 1e-11}, heat_of_transport={"Vo": Q}), temperature=T0,
                       electrodes="blocking", equilibrium=solve(problem, T0), temperature_profile=profile)
    steady = steady_state(system, 0.0)
    y, current = steady.states[0], steady.current[0]
    phi, _ = system.unpack(y)
    T = system.plane_temperature
    middle = slice(150, 250)
    dphi, dT, T_face = np.diff(phi)[middle], np.diff(T)[middle], 0.5 * (T[1:] + T[:-1])[middle]
    ell = np.log(0.05) if statistics == "boltzmann" else np.log(0.05 / 0.95)
    expected = -(BOLTZMANN_EV * ell + Q / T_face) * dT / 2  # z = 2
    np.testing.assert_allclose(dphi, expected, rtol=1e-4)
    assert abs(current) < 1e-12


def test_a_temperature_profile_must_be_positive():
    with pytest.raises(InputError, match="temperature profile: expected 90 positive temperatures"):
        _gb_system(temperature_profile=np.full(90, -5.0))


def _junction():
    from ase_spacecharge.layered import layered_problem
    from ase_spacecharge.materials import Carrier, Material
    carriers = [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)]
    layers = [(Material("L", 10.0), 150.0), (Material("R", 30.0, offsets={"p": -0.1, "m": 0.05}), 150.0)]
    problem = layered_problem(layers, carriers, temperature=500.0, spacing=0.5)
    return problem, solve(problem, 500.0)


def test_heterojunction_carriers_cross_the_material_boundary():
    """Band carriers on a layered heterojunction: the equilibrium (Galvani offset included) is
    stationary, and at small bias each carrier's quasi-Fermi level drops across its series of
    face resistances: I = Σ_k z_k² e V / (kT Σ_faces 1/L_k)."""
    problem, eq = _junction()
    D = {"p": 1e-9, "m": 3e-9}
    system = PNPSystem(problem, Kinetics(D), temperature=500.0, equilibrium=eq)
    assert np.max(np.abs(evaluate(system, system.y_eq, 0.0).rate)) <= 1e-9 * np.max(evaluate(system, system.y_eq,
                                                                                               0.0).N)
    V = 1e-6
    steady = steady_state(system, V)
    y, current = steady.states[0], steady.current[0]
    ev = evaluate(system.with_voltage(V), y, 0.0)
    for k in range(2):  # the flux is the same through every face, the material boundary included
        np.testing.assert_allclose(ev.fluxes[k], ev.fluxes[k][0], rtol=1e-9)
    ev0 = evaluate(system, system.y_eq, 0.0)
    expected = 0.0
    for k in range(2):
        f = system.faces[k]
        lo_i, hi_i = np.clip(f.lo, 0, system.n - 1), np.clip(f.hi, 0, system.n - 1)
        lo = np.where(f.lo >= 0, ev0.state.chi[lo_i, k], system.chi_reservoir[0, k] * system.widths[hi_i, k])
        hi = np.where(f.hi < system.n, ev0.state.chi[hi_i, k], system.chi_reservoir[1, k] * system.widths[lo_i, k])
        conductance = f.g * np.sqrt(lo * hi)  # particles per second per unit Δν
        expected += system.valence[k] ** 2 * V / system.kT / np.sum(1.0 / conductance)
    expected *= ELEMENTARY_CHARGE * 1e20 / problem.grid.area
    assert current == pytest.approx(expected, rel=1e-6)


def test_mixed_electrodes_pass_electrons_and_block_ions():
    """Vo blocked, electrons ohmic: the steady current is electronic, the ionic flux zero."""
    from ase_spacecharge.materials import Carrier
    sites, lo_, hi_ = _slab_sites()
    problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Gd", -1, 0.1, 0.0)],
                            x_min=0.0, x_max=100.0, area=100.0, permittivity=29.0, bulk=(10, 30), model="continuum",
                            n_points=200, boundary="dirichlet", dirichlet=(0.0, 0.0),
                            carriers=[Carrier("e", -1, 1e-6), Carrier("h", 1, 1e-6)])
    eq = solve(problem, 823.0)
    system = PNPSystem(problem, Kinetics({"Vo": 1e-11, "e": 1e-8, "h": 1e-8}), temperature=823.0,
                       electrodes="mixed", equilibrium=eq)
    steady = steady_state(system, 0.01)
    y, current = steady.states[0], steady.current[0]
    ev = evaluate(system.with_voltage(0.01), y, 0.0)
    assert np.max(np.abs(ev.fluxes[0])) <= 1e-9 * np.max(np.abs(ev.fluxes[1]))
    assert current > 0
    np.testing.assert_allclose(ev.fluxes[1], ev.fluxes[1][0], rtol=1e-9)


def _slab_sites(n=2000, length=100.0):
    x = np.linspace(0.05, length - 0.05, n)
    E = np.column_stack((np.concatenate((np.zeros(n), np.full(n, np.nan))),
                         np.concatenate((np.full(n, np.nan), np.zeros(n)))))
    return Sites(np.concatenate((x, x)), ["O"] * n + ["Ce"] * n, np.zeros(2 * n), ("Vo", "Gd"), E), 0.0, length


def test_a_non_ideal_species_relaxes_and_conserves():
    """Regular-solution V_O with blocking ends: amounts conserved, the uniform start ends on
    the equilibrium (activities enter through χ = ∂N/∂ν)."""
    from ase_spacecharge.occupancy import RegularSolution
    sites, _, _ = _slab_sites(400, 60.0)
    well = np.where(np.isfinite(sites.energies[:, 0]), -0.2 * np.exp(-(sites.x - 30.0) ** 2 / 8), np.nan)
    sites = Sites(sites.x, sites.label, sites.valence, sites.defect_labels, np.column_stack((well, sites.energies[:, 1])))
    problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0, activity=RegularSolution(0.03)),
                                    DefectSpecies("Gd", -1, 0.1, 0.0)], x_min=0.0, x_max=60.0, area=30.0,
                            permittivity=29.0, bulk=(5, 15), model="continuum", n_points=120,
                            boundary="dirichlet", dirichlet=(0.0, 0.0))
    eq = solve(problem, 823.0)
    system = PNPSystem(problem, Kinetics({"Vo": 1e-11}), temperature=823.0, electrodes="reversible",
                       equilibrium=eq)
    run = transient(system, [1e-9, 1e-6, 1e-3], start=system.uniform_state())
    phi, nu = system.unpack(run.states[-1])
    assert np.max(np.abs(phi - eq.phi)) <= 1e-8 and np.max(np.abs(nu)) <= 1e-8


def _blocking_layer_charge(n_points, V=0.1, T=823.0, length=200.0):
    """The space charge (e/Å²) of the lower half of a blocking slab's steady state at ``V`` and
    Gouy–Chapman's charge for the same drop φ(wall) − φ(middle)."""
    from ase_spacecharge.constants import BOLTZMANN_EV, EPSILON_0
    problem = _slab(n_points=n_points, length=length)
    system = PNPSystem(problem, Kinetics({"Vo": 1e-11}), temperature=T, electrodes="blocking",
                       equilibrium=solve(problem, T))
    y = steady_state(system, V).states[0]
    phi, _ = system.unpack(y)
    ev = evaluate(system.with_voltage(V), y, 0.0)
    q = 2.0 * ev.N[:, 0] + problem.fixed_plane_charge  # e per plane
    g = problem.grid
    lower = g.x < 0.5 * length
    mid = np.interp(0.5 * length, g.x, phi)
    u = 2.0 * (0.0 - mid) / (BOLTZMANN_EV * T)  # z e (φ_wall − φ_mid)/kT; the lower wall stays at 0
    c0 = 0.05 * 0.02  # Å⁻³
    # ρ(φ) = z e c0 (e^-u − 1): a wall below the bulk potential gathers the positive ions
    exact = -np.sign(u) * np.sqrt(2 * 29.0 * EPSILON_0 * c0 * BOLTZMANN_EV * T * (u + np.exp(-u) - 1))
    return q[lower].sum() / g.area, exact


def test_blocking_double_layers_are_gouy_chapman_layers():
    """With blocking electrodes the steady state holds an equilibrium double layer at each
    electrode: its charge follows Gouy–Chapman's first integral for the potential drop across
    it, ε|E_wall| = (2 ε c0 kT (u + e^-u − 1))^½ for a unipolar conductor in a uniform
    background, converging at second order in the spacing."""
    errors = []
    for n in (2000, 4000, 8000):
        q, exact = _blocking_layer_charge(n)
        errors.append(abs(q / exact - 1))
    assert errors[-1] < 1e-4
    assert errors[0] / errors[1] > 3.0 and errors[1] / errors[2] > 3.0
