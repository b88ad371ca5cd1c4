"""Steady states far from equilibrium (issue 16): one ``steady_state`` call reaches what small
steps reach, and the number it returns is the one the equations give — the uniform slab's
exact current of the hopping flux law, a grain boundary and a p–n junction against the I–V
curve in 0.01 V steps, through a case file too — and the state proves itself (uniform face
current, residual within the tolerance)."""

import json

import numpy as np
import pytest
from scipy.optimize import brentq

from ase_spacecharge import DefectSpecies, Sites, build_problem, solve
from ase_spacecharge.constants import BOLTZMANN_SI, ELEMENTARY_CHARGE, thermal_voltage
from ase_spacecharge.dynamics import Kinetics, PNPSystem, iv_curve, steady_state

T, D, X, SITES, LENGTH, AREA = 823.0, 1e-11, 0.05, 0.02, 500.0, 100.0


def _slab_problem(n_points, statistics="boltzmann"):
    """V_O (z = 2, x = 0.05) on O sites and frozen Gd (z = -1, x = 0.1) on Ce sites, 0.02 Å⁻³
    of each, uniform, 500 Å between electrodes, on a regular grid of ``n_points`` cells."""
    n = int(round(SITES * AREA * LENGTH))
    x = np.linspace(0.05, LENGTH - 0.05, n)
    E = np.column_stack((np.concatenate((np.zeros(n), np.full(n, np.nan))),
                         np.concatenate((np.full(n, np.nan), np.zeros(n)))))
    sites = Sites(np.concatenate((x, x)), ["O"] * n + ["Ce"] * n, np.zeros(2 * n), ("Vo", "Gd"), E)
    return build_problem(sites, [DefectSpecies("Vo", 2, X, 1.0), DefectSpecies("Gd", -1, 2 * X, 0.0)], x_min=0.0,
                         x_max=LENGTH, area=AREA, permittivity=29.0, bulk=(50.0, 150.0), model="continuum",
                         n_points=n_points, boundary="dirichlet", dirichlet=(0.0, 0.0), statistics=statistics)


def exact_slab_current(V, n_cells, statistics="boltzmann"):
    """The hopping flux law's current (A/m²) through a uniform slab of ``n_cells`` regular
    cells between reversible electrodes: the faces are nonlinear conductors in series, each
    ``J = C 2 sinh(Δν/2)`` (the two half-cells at the walls conduct 2C), the concentration
    stays uniform (Δν = Δψ) and the drops add up to ``ψ = z e V / kT``.  With ``a`` the drop
    on an interior face, ``(N - 1) a + 4 asinh(sinh(a/2)/2) = ψ``, and
    ``I = (σ V / L) sinhc(a/2) N a / ψ``, σ = z² e² D c (1 - x)/kT (lattice gas) or
    z² e² D c / kT (Boltzmann)."""
    z, kT = 2.0, thermal_voltage(T)
    psi = z * V / kT
    a = brentq(lambda a: (n_cells - 1) * a + 4 * np.arcsinh(np.sinh(a / 2) / 2) - psi, 0.0, psi, xtol=1e-300,
               rtol=1e-15)
    c = X * SITES * 1e30  # m⁻³
    sigma = z * z * ELEMENTARY_CHARGE ** 2 * D * c / (BOLTZMANN_SI * T) * (1 - X if statistics == "fermi-dirac" else 1)
    return sigma * V / (LENGTH * 1e-10) * np.sinh(a / 2) / (a / 2) * n_cells * a / psi


@pytest.fixture(scope="module", params=[1000, 10000], ids=["1e3 planes", "1e4 planes"])
def slab(request):
    problem = _slab_problem(request.param)
    return request.param, PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, equilibrium=solve(problem, T))


@pytest.mark.parametrize("V", [0.1, 0.2, 0.5, 1.0, 2.0])
def test_a_uniform_slab_is_reached_in_one_call(slab, V):
    """One call from the equilibrium to up to 2 V (28 kT/e per plane-pair at 1e3 planes, where
    the old Newton returned -1.2e6 A/m² for +3.6e6): the exact current to 1e-6, a face
    current uniform to round-off and every equation within the tolerance."""
    n, system = slab
    s = steady_state(system, V)
    assert s.current[0] == pytest.approx(exact_slab_current(V, n), rel=1e-6)
    assert s.residual[0] <= 1e-10
    assert s.current_spread[0] <= 1e-9
    assert s.iterations[0] <= 10


def test_a_case_file_with_one_voltage_gives_the_exact_current(tmp_path):
    """The same slab as a case file (Fermi–Dirac sites, the default), ``voltages = [0.5]``."""
    from ase_spacecharge.cli import main
    from ase_spacecharge.examples import defect_tables
    from ase_spacecharge.sites import write_pyscses_sites
    problem = _slab_problem(1000)
    n = int(round(SITES * AREA * LENGTH))
    x = np.linspace(0.05, LENGTH - 0.05, n)
    E = np.column_stack((np.concatenate((np.zeros(n), np.full(n, np.nan))),
                         np.concatenate((np.full(n, np.nan), np.zeros(n)))))
    write_pyscses_sites(tmp_path / "sites.txt", Sites(np.concatenate((x, x)), ["O"] * n + ["Ce"] * n, np.zeros(2 * n),
                                                      ("Vo", "Gd"), E))
    defects = defect_tables((dict(label="Vo", valence=2, mole_fraction=X, mobility=1.0, diffusivity=D),
                             dict(label="Gd", valence=-1, mole_fraction=2 * X, mobility=0.0)))
    (tmp_path / "case.toml").write_text(
        f'sites = "sites.txt"\ntemperature = {T}\npermittivity = 29.0\narea = {AREA}\nx_min = 0.0\nx_max = {LENGTH}\n'
        f'bulk = [50.0, 150.0]\nmodel = "continuum"\nn_points = 1000\nboundary = "dirichlet"\n'
        f'dirichlet = [0.0, 0.0]\n[steady_state]\nvoltages = [0.5]\n{defects}')
    assert problem.grid.n == 1000
    assert main(["run", str(tmp_path / "case.toml"), "--json", str(tmp_path / "s.json")]) == 0
    ss = json.loads((tmp_path / "s.json").read_text())["steady_state"]
    assert ss["current"][0] == pytest.approx(exact_slab_current(0.5, 1000, "fermi-dirac"), rel=1e-6)
    assert ss["residual"][0] <= 1e-10 and ss["current_spread"][0] <= 1e-9


def _in_small_steps(system, V):
    return iv_curve(system, np.round(np.sign(V) * np.arange(0.01, abs(V) + 1e-9, 0.01), 10))


def test_the_sigma3_boundary_under_half_a_volt_in_one_call():
    """The shipped Σ3 impedance case between reversible electrodes at 0.5 V (the old code gave
    -5.9e3 A/m² for +145): one call = the I–V curve in 0.01 V steps to 1e-6; its face
    current is uniform to its round-off (Δν on the conductive core faces is 6e-7 against ν up
    to 15: a few 1e-9 of the current)."""
    from pathlib import Path
    from ase_spacecharge.cases.casefile import load_case
    from ase_spacecharge.cases.dynamics import kinetics_from_case
    from ase_spacecharge.cases.run import structure_problem_from_case
    case = load_case(str(Path(__file__).resolve().parents[1] / "example_structures/ceria_sigma3_111/impedance.toml"))
    problem = structure_problem_from_case(case)[1]
    T_case = 773.15
    system = PNPSystem(problem, kinetics_from_case(case, T_case), temperature=T_case,
                       equilibrium=solve(problem, T_case, rtol=case["tolerance"]))
    one = steady_state(system, 0.5)
    steps = _in_small_steps(system, 0.5)
    assert one.current[0] > 0
    assert one.current[0] == pytest.approx(steps.current[-1], rel=1e-6)
    assert one.residual[0] <= 1e-10 and one.current_spread[0] <= max(1e-9, one.current_spread_roundoff[0])


def _pn_junction(cells=400, mobility=0.01):
    """A p–n junction without recombination: holes and electrons as Boltzmann band carriers,
    acceptors | donors 1e24 m⁻³, n_i = 1e18 m⁻³, 300 K, ε_r = 12, 2 × 1000 Å (p side at
    x = 0: V > 0, the upper end raised, is reverse bias)."""
    from ase_spacecharge.layered import layered_problem
    from ase_spacecharge.materials import Carrier, Material
    N, ni, L = 1e-6, 1e-12, 2000.0  # Å⁻³
    carriers = [Carrier("p", 1, N), Carrier("m", -1, ni * ni / N)]
    layers = [(Material("P", 12.0, background=-N), L / 2), (Material("N", 12.0, background=+N), L / 2)]
    problem = layered_problem(layers, carriers, temperature=300.0, spacing=L / cells)
    return PNPSystem(problem, Kinetics(mobility={"p": mobility, "m": mobility}), temperature=300.0,
                     equilibrium=solve(problem, 300.0))


@pytest.mark.parametrize("V", [-0.3, 0.3], ids=["forward", "reverse"])
def test_a_pn_junction_in_one_call(V):
    """Forward and reverse 0.3 V: one call = the I–V curve in 0.01 V steps to 1e-6 (the old
    code gave both signs wrong); the reverse current is the short diode's saturation current
    e n_i² (D_n/(N_A W_p) + D_p/(N_D W_n)) with the neutral widths W = 1000 Å minus the
    depletion on that side, to 2 %."""
    system = _pn_junction()
    one = steady_state(system, V)
    steps = _in_small_steps(system, V)
    assert one.current[0] == pytest.approx(steps.current[-1], rel=1e-6)
    assert one.residual[0] <= 1e-10
    if V > 0:
        kT = thermal_voltage(300.0)
        eps = 12 * 8.8541878128e-12
        V_bi = 2 * kT * np.log(1e24 / 1e18)
        w_side = np.sqrt(2 * eps * (V_bi + V) / (ELEMENTARY_CHARGE * 1e24) / 2)  # m, each side
        D_carrier = 0.01 * kT
        J_s = ELEMENTARY_CHARGE * 1e36 / 1e24 * 2 * D_carrier / (1000e-10 - w_side)
        assert one.current[0] == pytest.approx(J_s, rel=0.02)  # from the n end (upper) to the p end
    else:
        assert one.current[0] < 0 and abs(one.current[0]) > 1e4 * abs(steps.current[0])
