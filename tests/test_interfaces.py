"""Band carriers, heterojunctions and mixed conductors against ../shared/reference/analytic.md
(e) and (f), which are restated here (computed at 40 digits with mpmath)."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ase_spacecharge import InputError, build_problem, solve
from ase_spacecharge.constants import thermal_voltage
from ase_spacecharge.layered import interface_potential, layered_problem
from ase_spacecharge.materials import Carrier, Material, galvani_offset
from ase_spacecharge.occupancy import fermi_dirac_half
from conftest import GD, VO, ceria_like_column

M3 = 1e-30                 # m^-3 -> Å^-3
C_PER_M2 = 1 / 16.021766339  # C/m^2 -> e/Å^2


def _charge_per_area(problem, sol, mask=None, diffuse=False):
    """Charge per area (C/m^2) of the planes in ``mask``; ``diffuse`` leaves out the fixed
    background (sheet charges)."""
    q = problem.plane_charges(sol.phi, sol.temperature)
    if diffuse:
        q = q - problem.background
    if mask is not None:
        q = q[mask]
    return q.sum() / problem.grid.area / C_PER_M2  # C/m^2


@given(st.floats(-60, 150))
@settings(max_examples=30, deadline=None)
def test_fermi_dirac_half_matches_polylog(eta):
    F, dF = fermi_dirac_half(np.array([eta]))
    ref = float(-mpmath.polylog(1.5, -mpmath.exp(eta)).real)
    dref = float(-mpmath.polylog(0.5, -mpmath.exp(eta)).real)
    assert F[0] == pytest.approx(ref, rel=1e-11)
    assert dF[0] == pytest.approx(dref, rel=1e-8)


def _mixed_conductor(spacing):
    """(f): eps_r 150, 873.15 K, frozen acceptor 1e26, Vo (+2), holes 1e24, electrons 1e18 m^-3,
    all Boltzmann, Phi0 = +0.5 V at x = 0."""
    T = 873.15
    c_v = (1e26 - 1e24 + 1e18) / 2  # bulk neutrality
    carriers = [Carrier("Vo", 2, c_v * M3), Carrier("h", 1, 1e24 * M3), Carrier("e", -1, 1e18 * M3)]
    problem = layered_problem([(Material("ceria", 150.0, background=-1e26 * M3), 400.0)], carriers,
                              temperature=T, spacing=spacing, ends=(0.5, 0.0))
    return problem, solve(problem, T)


def test_mixed_conductor_matches_analytic_f():
    problem, sol = _mixed_conductor(0.05)
    assert sol.iterations <= 15
    assert -_charge_per_area(problem, sol) == pytest.approx(0.140221042271419, rel=2e-7)
    x_half = np.interp(-0.25, -sol.phi, sol.x) * 1e-10
    x_tenth = np.interp(-0.05, -sol.phi, sol.x) * 1e-10
    assert x_half == pytest.approx(2.82322148122e-9, rel=1e-6)
    assert x_tenth == pytest.approx(7.14337980447e-9, rel=1e-6)
    e = sol.carrier_labels.index("e")
    n = sol.carrier_density[e]
    excess = np.sum((n - 1e18 * M3) * sol.dx) * 1e20  # m^-2
    assert excess == pytest.approx(6.04422467426e11, rel=1e-5)
    kT = thermal_voltage(873.15)
    # flat Fermi level: the conduction band follows -phi; n(0)/n_inf = exp(Phi0/kT) = 769.086...
    edge = sol.carrier_edge[e]
    np.testing.assert_allclose(edge + sol.phi, edge[-1] + sol.phi[-1], atol=1e-12)
    assert np.exp(0.5 / kT) == pytest.approx(769.086210292, rel=1e-10)
    np.testing.assert_allclose(n / (1e18 * M3), np.exp(sol.phi / kT), rtol=1e-10)


def test_mixed_conductor_converges_at_second_order():
    errors = [abs(-_charge_per_area(*_mixed_conductor(h)) - 0.140221042271419) for h in (0.2, 0.1)]
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.2)


def _heterojunction(spacing, sheet=None):
    """(e): 500 K, left eps_r 10 with 1e24 m^-3 of each sign, right eps_r 30 with 1e25, cation
    mu0_R - mu0_L = -0.3 eV, equal site densities, z = +-1, Boltzmann."""
    T = 500.0
    kT = thermal_voltage(T)
    carriers = [Carrier("p", 1, 1e24 * M3), Carrier("m", -1, 1e24 * M3)]
    # anion offset from the right bulk's density 1e25 at neutrality
    right = Material("R", 30.0, offsets={"p": -0.3, "m": 0.3 - 2 * kT * np.log(10)})
    left = Material("L", 10.0)
    problem = layered_problem([(left, 600.0), (right, 600.0)], carriers, temperature=T, spacing=spacing,
                              sheet_charges=None if sheet is None else {0: sheet * C_PER_M2})
    return problem, solve(problem, T), (left, right, carriers)


def test_heterojunction_matches_analytic_e():
    problem, sol, (left, right, carriers) = _heterojunction(0.125)
    assert galvani_offset(left, right, carriers, 500.0) == pytest.approx(0.200789284446114, abs=1e-13)
    phi0 = interface_potential(sol, problem, 0)
    assert phi0 - problem.dirichlet[0] == pytest.approx(0.156022063465568, abs=1e-6)  # phi_L = 0
    assert phi0 - problem.dirichlet[1] == pytest.approx(-0.0447672209805458, abs=1e-6)
    x = sol.x - 600.0
    np.testing.assert_allclose(np.interp([-50, -10, 10, 50], x, sol.phi),
                               [0.0293691874557065, 0.103637022283507, 0.174798485319187, 0.197681893380106],
                               atol=2e-6)
    assert _charge_per_area(problem, sol, x < 0, True) == pytest.approx(-0.00657893851794939, rel=1e-4)
    assert _charge_per_area(problem, sol, x > 0, True) == pytest.approx(0.00657893851794939, rel=1e-4)
    # normal displacement continuous: the field jumps by eps_R / eps_L = 3 across the interface
    j = int(np.flatnonzero(x < 0)[-1])
    e_left = (phi0 - sol.phi[j]) / (0.5 * sol.dx[j])
    e_right = (sol.phi[j + 1] - phi0) / (0.5 * sol.dx[j + 1])
    assert e_left / e_right == pytest.approx(3.0, rel=1e-10)
    assert e_left * 1e10 == pytest.approx(74303128.1586, rel=1e-3)


def test_heterojunction_with_sheet_charge():
    problem, sol, _ = _heterojunction(0.125, sheet=0.05)
    assert interface_potential(sol, problem, 0) == pytest.approx(0.295132066245285, abs=5e-5)
    # Gauss: the diffuse layers carry the sheet charge's opposite
    assert _charge_per_area(problem, sol, diffuse=True) == pytest.approx(-0.05, rel=1e-7)


def test_symmetric_boundary_with_core_charge():
    """(e): both sides Gouy-Chapman under the conditions of (a), core charge 0.1 C/m^2."""
    T = 773.15
    carriers = [Carrier("p", 1, 1e26 * M3), Carrier("m", -1, 1e26 * M3)]
    m = Material("a", 55.0)
    problem = layered_problem([(m, 150.0), (m, 150.0)], carriers, temperature=T, spacing=0.05,
                              sheet_charges={0: 0.1 * C_PER_M2})
    sol = solve(problem, T)
    assert interface_potential(sol, problem, 0) == pytest.approx(0.0950472442209292, abs=2e-6)


def test_carriers_off_reproduce_the_core():
    """Electrons and holes with no states anywhere, one material: bit-identical to the core."""
    from dataclasses import replace
    sites, lo, hi = ceria_like_column(well=-0.4)
    problem = build_problem(sites, [VO, GD], x_min=lo, x_max=hi, area=58.0, permittivity=55.0,
                            bulk=(lo + 2, lo + 15))
    core = solve(problem, 773.15)
    n = problem.grid.n
    off = replace(problem, carrier_labels=("e", "h"), carrier_valence=np.array([-1.0, 1.0]),
                  carrier_dos=np.zeros((2, n)), carrier_eta=np.array([-20.0, -20.0]),
                  carrier_statistics=("fermi-dirac", "boltzmann"), background=np.zeros(n))
    with_off = solve(off, 773.15)
    np.testing.assert_array_equal(with_off.phi, core.phi)
    np.testing.assert_array_equal(with_off.site_occupancy, core.site_occupancy)
    assert with_off.iterations == core.iterations
    assert with_off.carrier_density.shape == (2, n) and not with_off.carrier_density.any()


def test_fermi_dirac_electrons_reduce_to_boltzmann_when_dilute():
    T = 873.15
    dos = 1e27 * M3
    c_v = (1e26 - 1e24 + 1e18) / 2

    def run(stat):
        carriers = [Carrier("Vo", 2, c_v * M3), Carrier("h", 1, 1e24 * M3),
                    Carrier("e", -1, 1e18 * M3, dos=dos, statistics=stat)]
        p = layered_problem([(Material("c", 150.0, background=-1e26 * M3), 300.0)], carriers, temperature=T,
                            spacing=0.2, ends=(0.5, 0.0))
        return solve(p, T)
    fd, mb = run("fermi-dirac"), run("boltzmann")
    e = fd.carrier_labels.index("e")
    # n(0) / N_c ~ 1e-9 * 769: the degeneracy correction is ~ n/N / 2^1.5
    np.testing.assert_allclose(fd.carrier_density[e], mb.carrier_density[e], rtol=1e-6)
    assert np.all(fd.carrier_density[e] <= mb.carrier_density[e])


def test_degenerate_electrons_follow_F_half():
    T = 300.0
    kT = thermal_voltage(T)
    dos = 2.8e25 * M3
    carriers = [Carrier("e", -1, 1e25 * M3, dos=dos, statistics="fermi-dirac")]
    m = Material("n-type", 11.7, background=1e25 * M3)
    problem = layered_problem([(m, 200.0)], carriers, temperature=T, spacing=0.2, ends=(0.3, 0.0))
    sol = solve(problem, T)
    eta = carriers[0].eta()
    np.testing.assert_allclose(sol.carrier_density[0], dos * fermi_dirac_half(eta + sol.phi / kT)[0], rtol=1e-12)
    assert sol.carrier_density[0][0] / dos > 1  # degenerate at the surface
    assert sol.iterations <= 15


def test_bad_material_input_gets_named_errors():
    with pytest.raises(InputError, match="density of states"):
        Carrier("e", -1, 1e-6, dos=-1.0)
    with pytest.raises(InputError, match="need the density of states"):
        Carrier("e", -1, 1e-6, statistics="fermi-dirac")
    with pytest.raises(InputError, match="permittivity"):
        Material("x", 0.0)
    with pytest.raises(InputError, match=r"density of states of 'e' must be >= 0"):
        Material("x", 5.0, dos={"e": -2.0})
    carriers = [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)]
    with pytest.raises(InputError, match="unknown carriers"):
        layered_problem([(Material("x", 5.0, offsets={"zz": 0.1}), 10.0)], carriers, temperature=300.0)
    with pytest.raises(InputError, match="'x' is not neutral"):
        layered_problem([(Material("x", 5.0, background=1e-6), 10.0)], carriers, temperature=300.0)
    only_plus = [Carrier("p", 1, 1e-6)]
    with pytest.raises(InputError, match="'y' cannot be neutral"):
        layered_problem([(Material("x", 5.0, background=-1e-6), 10.0), (Material("y", 5.0, background=1e-6), 10.0)],
                        only_plus, temperature=300.0)


def test_site_exclusion_screening_length_matches_analytic_d():
    """(d): ceria lattice (a = 5.411 Å, N_O = 8/a^3, N_Ce = 4/a^3), x_V = 0.05, x_Gd = 0.2, both
    mobile, 773.15 K, eps_r 55: lambda_DH / sqrt(1 - x) per species."""
    from ase_spacecharge.analytic import screening_length, thermodynamic_factor
    a = 5.411
    c = [0.05 * 8 / a ** 3, 0.2 * 4 / a ** 3]
    gamma = [thermodynamic_factor(0.05, 773.15), thermodynamic_factor(0.2, 773.15)]
    assert screening_length(c, [2, -1], 773.15, 55.0, gamma) * 1e-10 == pytest.approx(1.2187321354e-10, rel=1e-9)
    assert screening_length(c, [2, -1], 773.15, 55.0) * 1e-10 == pytest.approx(1.1561908217e-10, rel=1e-9)


def test_regular_solution_activity():
    """Omega = 0 is the ideal lattice gas bit for bit; repulsive/attractive Omega reduce/raise
    segregation at a trap, and the reported factor and screening length follow
    Γ = 1/(1-x) - 2 Ω x / kT."""
    from ase_spacecharge import DefectSpecies
    from ase_spacecharge.occupancy import RegularSolution
    sites, lo, hi = ceria_like_column(well=-0.4)
    kw = dict(x_min=lo, x_max=hi, area=58.0, permittivity=55.0, bulk=(lo + 2, lo + 15))
    T = 773.15
    kT = thermal_voltage(T)

    def run(omega):
        vo = DefectSpecies("Vo", 2, 0.05, 1.0, activity=None if omega is None else RegularSolution(omega))
        return solve(build_problem(sites, [vo, GD], **kw), T)
    ideal, zero = run(None), run(0.0)
    np.testing.assert_allclose(zero.phi, ideal.phi, rtol=0, atol=1e-14)
    attractive, repulsive = run(0.05), run(-0.2)
    peak = lambda s: np.nanmax(s.site_occupancy[:, 0])  # noqa: E731
    assert peak(repulsive) < peak(ideal) < peak(attractive)
    assert repulsive.iterations <= 15 and attractive.iterations <= 15
    # each site solves ln(p/(1-p)) + (mu_ex(p) - mu_ex(x_b))/kT = ln(x_b/(1-x_b)) - (z phi + dE)/kT
    model = RegularSolution(0.05)
    p = attractive.site_occupancy[:, 0]
    on = np.isfinite(p)
    lhs = np.log(p[on] / (1 - p[on])) + (model(p[on])[0] - model(np.array([0.05]))[0]) / kT
    rhs = np.log(0.05 / 0.95) - (2 * attractive.site_phi[on] + attractive.site_energies[on, 0]) / kT
    np.testing.assert_allclose(lhs, rhs, atol=1e-10)
    gamma = attractive.summary(profile=False)["thermodynamic_factors"]["Vo"]
    assert gamma == pytest.approx(1 / 0.95 - 2 * 0.05 * 0.05 / kT, rel=1e-12)
    with pytest.raises(InputError, match="phase-separates"):
        run(0.5)


def test_site_explicit_mixed_conductor():
    """Vacancies on sites plus band electrons and holes (intrinsic, 1e25 m^-3 each) in one solve:
    a flat Fermi level (n p = n_i^2 on every plane), electrons pile up where phi > 0, the
    periodic cell stays neutral, and Newton still needs O(10) iterations."""
    sites, lo, hi = ceria_like_column(well=-0.4)
    carriers = [Carrier("e", -1, 1e25 * M3), Carrier("h", 1, 1e25 * M3)]
    kw = dict(x_min=lo, x_max=hi, area=58.0, permittivity=55.0, bulk=(lo + 2, lo + 15))
    ionic = solve(build_problem(sites, [VO, GD], **kw), 773.15)
    problem = build_problem(sites, [VO, GD], carriers=carriers, **kw)
    mixed = solve(problem, 773.15)
    assert mixed.iterations <= 15
    n, p = mixed.carrier_density
    np.testing.assert_allclose(n * p, (1e25 * M3) ** 2, rtol=1e-10)
    kT = thermal_voltage(773.15)
    np.testing.assert_allclose(n, 1e25 * M3 * np.exp(mixed.phi / kT), rtol=1e-10)
    assert mixed.phi0 > 0 and n[np.argmax(mixed.phi)] > 5 * 1e25 * M3
    # electrons screen part of the boundary charge: a lower barrier than the ionic solution
    assert 0 < mixed.phi0 < ionic.phi0
    net = np.sum(mixed.rho * mixed.dx) - mixed.background * np.sum(mixed.dx)
    assert abs(net) <= 1e-10 * np.sum(np.abs(mixed.rho) * mixed.dx)
    summary = mixed.summary(profile=False)
    assert summary["carriers"]["e"]["edge_shift"] == pytest.approx(-(mixed.phi[0] - mixed.phi[-1]), abs=1e-12)


def test_heterointerface_from_a_structure():
    """Two ceria-like materials in one periodic cell (material from the atoms' positions):
    with a V_O standard-potential step delta in B and Gd frozen, B's bulk sits at
    phi = -delta / z (its vacancy fraction must equal A's); the permittivity changes only the
    interface layers, and mixed planes or a bulk region across both materials raise."""
    from ase import Atoms
    from ase_spacecharge.structure import structure_problem
    sites, lo, hi = ceria_like_column(well=0.0, n_cells=60)
    L = hi - lo
    a = np.sqrt(58.0)
    pos = np.zeros((sites.x.size, 3))
    pos[:, 2] = sites.x - lo
    atoms = Atoms(sites.label.tolist(), positions=pos, cell=[a, a, L], pbc=True)
    atoms.set_array("dE_Vo", sites.energies[:, 0])
    atoms.set_array("dE_Gd", sites.energies[:, 1])
    defects = [dict(label="Vo", site="O", valence=2, mole_fraction=0.05, mobility=1.0),
               dict(label="Gd", site="Ce", valence=-1, mole_fraction=0.2)]
    delta = 0.1
    materials = {"A": Material("A", 55.0), "B": Material("B", 30.0, offsets={"Vo": delta})}
    regions = [("A", 0.0, 0.5), ("B", 0.5, 1.0)]
    bulk = (-0.35 * L, -0.15 * L)
    problem, proj = structure_problem(atoms, defects, temperature=773.15, boundaries=[0.5], bulk=bulk,
                                      materials=materials, material_of=regions)
    sol = solve(problem, 773.15)
    assert sol.iterations <= 15
    mid_b = (np.abs(sol.x - 0.25 * L) < 5) & sol.plane_hosts[:, 0]  # the vacancies' (O) planes
    np.testing.assert_allclose(sol.phi[mid_b], -delta / 2, atol=1e-6)
    assert problem.grid.eps_upper.min() == pytest.approx(30.0) and problem.grid.eps_upper.max() == pytest.approx(55.0)
    doubled = atoms.repeat((2, 1, 1))  # two atoms per plane, one of each material
    doubled.set_array("material", np.repeat(["A", "B"], len(atoms)))
    with pytest.raises(InputError, match="inconsistent material labels"):
        structure_problem(doubled, defects, temperature=773.15, boundaries=[0.5], bulk=bulk, materials=materials)
    with pytest.raises(InputError, match="must lie in one material"):
        structure_problem(atoms, defects, temperature=773.15, boundaries=[0.5], bulk=(-10.0, 10.0),
                          materials=materials, material_of=regions)
    charged = {"A": materials["A"], "B": Material("B", 30.0, background=-0.01)}  # nothing compensates in B
    with pytest.raises(InputError, match="bulk of material 'B' cannot be neutral"):
        structure_problem(atoms, [dict(defects[0], mobility=0.0), defects[1]], temperature=773.15, boundaries=[0.5],
                          bulk=bulk, materials=charged, material_of=regions)
    with pytest.raises(InputError, match="site-explicit model"):
        structure_problem(atoms, defects, temperature=773.15, boundaries=[0.5], bulk=bulk, materials=materials,
                          material_of=regions, model="continuum")
    with pytest.raises(InputError, match="does not define"):
        structure_problem(atoms, defects, temperature=773.15, boundaries=[0.5], bulk=bulk,
                          materials={"A": materials["A"]}, material_of=regions)


def test_cli_runs_layered_and_mixed_conductor_cases(tmp_path):
    import json
    from ase_spacecharge.cli import main
    kT = thermal_voltage(500.0)
    (tmp_path / "junction.toml").write_text(f"""
temperature = 500.0
spacing = 0.25
sheet_charges = [{0.05 * C_PER_M2!r}]
[[carriers]]
label = "p"
valence = 1
density = 1e-6
[[carriers]]
label = "m"
valence = -1
density = 1e-6
[[layers]]
label = "L"
thickness = 600.0
permittivity = 10.0
[[layers]]
label = "R"
thickness = 600.0
permittivity = 30.0
offsets = {{ p = -0.3, m = {float(0.3 - 2 * kT * np.log(10))!r} }}
""")
    assert main(["run", str(tmp_path / "junction.toml"), "--json", str(tmp_path / "j.json")]) == 0
    out = json.loads((tmp_path / "j.json").read_text())
    assert out["ends"][1] == pytest.approx(0.200789284446114, abs=1e-12)
    assert out["interface_potentials"][0] == pytest.approx(0.295132066245285, abs=2e-4)
    assert sum(out["layer_charges"]) == pytest.approx(-0.05 * C_PER_M2, rel=1e-6)
    (tmp_path / "bad.toml").write_text((tmp_path / "junction.toml").read_text().replace("permittivity = 30.0", ""))
    assert main(["run", str(tmp_path / "bad.toml")]) == 2


def test_site_case_with_carriers_and_interaction(tmp_path):
    """A site-file case gains [[carriers]] and a defect `interaction`: the summary reports the
    thermodynamic factors, the screening length and the band bending."""
    from pathlib import Path
    from ase_spacecharge.cases.run import run_case
    example = Path(__file__).resolve().parents[1] / "example_structures" / "ceria_111_column"
    text = (example / "case.toml").read_text()
    text = text.replace('sites = "sites.txt"', f'sites = "{example / "sites.txt"}"')
    text = text.replace("temperature = [773.15, 873.15, 973.15, 1073.15, 1173.15, 1273.15]", "temperature = 773.15")
    text = text.replace("mobility = 1.0\n", "mobility = 1.0\ninteraction = 0.02\n", 1)
    text += '\n[[carriers]]\nlabel = "e"\nvalence = -1\ndensity = 1e-7\n[[carriers]]\nlabel = "h"\nvalence = 1\ndensity = 1e-7\n'
    (tmp_path / "mixed.toml").write_text(text)
    result = run_case(tmp_path / "mixed.toml")
    summary, (sol,) = result.summary, result.solutions
    kT = thermal_voltage(773.15)
    assert summary["thermodynamic_factors"]["Vo"] == pytest.approx(1 / 0.95 - 2 * 0.02 * 0.05 / kT, rel=1e-12)
    assert summary["screening_length"] > 0
    assert summary["carriers"]["e"]["edge_shift"] == pytest.approx(-(sol.phi[0] - sol.phi[-1]), abs=1e-12)
    assert sol.residual <= 1e-10


@given(st.floats(2, 200), st.floats(2, 200), st.floats(-7, -4), st.floats(-7, -4), st.floats(-0.4, 0.4),
       st.floats(300, 1500), st.floats(-0.01, 0.01))
@settings(max_examples=15, deadline=None)
def test_random_heterojunctions_converge_and_are_neutral(eps_l, eps_r, log_n, log_dos_r, step, T, sheet):
    """Random two-material junctions (z = +-1 carriers, offsets, a sheet charge): Newton converges
    to 1e-10 in O(10) iterations and the whole junction, sheet included, is neutral."""
    from ase_spacecharge.analytic import screening_length
    n = 10.0 ** log_n
    carriers = [Carrier("p", 1, n), Carrier("m", -1, n)]
    right = Material("R", eps_r, offsets={"p": step}, dos={"m": 10.0 ** log_dos_r})
    left = Material("L", eps_l)
    kT = thermal_voltage(T)
    phi_r = galvani_offset(left, right, carriers, T)
    n_right = [n * np.exp(-(phi_r + step) / kT), 10.0 ** log_dos_r * np.exp(phi_r / kT)]
    lam_l = screening_length([n, n], [1, -1], T, eps_l)
    lam_r = screening_length(n_right, [1, -1], T, eps_r)
    problem = layered_problem([(left, 40 * lam_l), (right, 40 * lam_r)], carriers, temperature=T,
                              spacing=min(lam_l, lam_r) / 8, sheet_charges={0: sheet})
    sol = solve(problem, T)
    assert sol.residual <= 1e-10 and sol.iterations <= 30
    total = problem.plane_charges(sol.phi, T).sum() / problem.grid.area
    gross = np.abs(problem.plane_charges(sol.phi, T)).sum() / problem.grid.area + abs(sheet)
    assert abs(total) <= 1e-6 * gross + 1e-15  # absolute floor: a sheet of 1e-159 e/Å² is below any residual
