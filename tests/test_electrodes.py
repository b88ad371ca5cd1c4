"""Electrodes exchange each species at that species' own end planes (issue 16, point 2): the
reservoir terms of both walls use the first (last) plane hosting the species and that
plane's width, for every arrangement of sublattices on the end planes; the floating-end
equilibrium solves every arrangement that fixed ends solve."""

import numpy as np
import pytest

from ase_spacecharge import DefectSpecies, InputError, Sites, build_problem, solve
from ase_spacecharge.constants import ELEMENTARY_CHARGE
from ase_spacecharge.dynamics import Kinetics, PNPSystem, impedance, iv_curve
from ase_spacecharge.dynamics.state import species_state
from ase_spacecharge.examples import ceria_like_column, ceria_like_problem
from ase_spacecharge.grid import control_volume_widths

T = 773.15
D = 1e-11


def _series_current(system, V, k=0):
    """The small-bias current (A/m²) of one species through its faces in series, from the
    geometry and the equilibrium χ alone: each face conducts ``D/(h √(w_lo w_hi)) √(χ_lo χ_hi)``
    (particles/s per unit Δν); a wall face joins the electrode's reservoir, whose χ per width
    is the species' end plane's, to that end plane, over the wall's distance."""
    p, g = system.problem, system.problem.grid
    phi, nu = system.unpack(system.y_eq)
    chi = species_state(p, phi, nu, system.temperature).chi[:, k]
    H = np.flatnonzero(system.hosts[:, k])
    x = g.x[H]
    w = control_volume_widths(x, walls=(g.x_min, g.x_max))
    d = system.D[k]
    resistance = (x[0] - g.x_min) * w[0] / (d * chi[H[0]]) + (g.x_max - x[-1]) * w[-1] / (d * chi[H[-1]])
    resistance += np.sum(np.diff(x) * np.sqrt(w[:-1] * w[1:]) / (d * np.sqrt(chi[H[:-1]] * chi[H[1:]])))
    z = system.valence[k]
    return z * z * V / system.kT / resistance * ELEMENTARY_CHARGE * 1e20 / g.area


def _column(shift_lo=0.0, shift_hi=0.0):
    _, lo, hi = ceria_like_column()
    p = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0), x_min=lo + shift_lo, x_max=hi + shift_hi)
    return PNPSystem(p, Kinetics({"Vo": D}), temperature=T, equilibrium=solve(p, T, rtol=1e-13))


@pytest.fixture(scope="module")
def columns():
    """The ceria-like column and its window moved so that an end plane is Ce (no V_O)."""
    return {name: _column(*shift) for name, shift in (("O | O", (0.0, 0.0)), ("Ce | O", (1.2, 0.0)),
                                                        ("O | Ce", (0.0, -1.2)), ("Ce | Ce", (1.2, -1.2)))}


def test_the_ceria_column_passes_vacancies_whichever_plane_ends_it(columns):
    """DC resistance = Re Z(f → 0) = the series sum of the species' own faces, positive and
    finite, for every end arrangement; mirror images alike; the moved window changes R by
    the little the moved planes make (the 1.2 Å of the wall region: well under 1 %)."""
    R = {}
    for name, system in columns.items():
        assert system.faces[0].hi[0] == (1 if name.startswith("Ce") else 0)  # the first V_O plane
        V = 1e-7
        iv = iv_curve(system, [V])
        R[name] = iv.resistance[0]
        assert np.isfinite(R[name]) and R[name] > 0
        assert iv.current[0] == pytest.approx(_series_current(system, V), rel=1e-7)
        z = impedance(system, [1e-4]).z[0]
        assert z.real == pytest.approx(R[name], rel=1e-6)
    assert R["Ce | O"] == pytest.approx(R["O | Ce"], rel=1e-9)  # the column is mirror symmetric
    for name in ("Ce | O", "O | Ce", "Ce | Ce"):
        assert 0 < R["O | O"] - R[name] < 0.02 * R["O | O"]


def _zr_o(n, first, boundary="dirichlet", dirichlet=(0.0, 0.0), mobile_y=False, d=2.75, gap=0.5, bulk=None):
    """Alternating Zr | O planes from the lower wall: V_O (z = 2) on O, Y (z = -1; frozen or
    mobile) on Zr, Boltzmann, the bulk region in the middle."""
    x = (np.arange(n) + gap) * d
    other = "O" if first == "Zr" else "Zr"
    label = np.array([first if i % 2 == 0 else other for i in range(n)])
    E = np.full((n, 2), np.nan)
    E[label == "O", 0] = 0.0
    E[label == "Zr", 1] = 0.0
    sites = Sites(x, label, np.where(label == "O", -2.0, 4.0), ("Vo", "Y"), E)
    L = (n - 1 + 2 * gap) * d
    return build_problem(sites, [DefectSpecies("Vo", 2, 0.05, 1.0), DefectSpecies("Y", -1, 0.1, float(mobile_y))],
                         x_min=0.0, x_max=L, area=10.0, permittivity=30.0,
                         bulk=bulk or (0.5 * L - 4 * d, 0.5 * L + 4 * d), boundary=boundary, dirichlet=dirichlet,
                         statistics="boltzmann",
                         approximation="gouy-chapman" if mobile_y else "mott-schottky")


ARRANGEMENTS = [(first, n) for first in ("Zr", "O") for n in (40, 41)]  # Zr|O, Zr|Zr, O|Zr, O|O ends


@pytest.mark.parametrize("first, n", ARRANGEMENTS, ids=lambda v: str(v))
@pytest.mark.parametrize("mobile_y", [False, True], ids=["MS", "GC"])
def test_every_sublattice_arrangement_on_the_end_planes_conducts(first, n, mobile_y):
    """Reversible electrodes pass each mobile species through its own end planes: its small-bias
    current is the series sum of its faces (independent of which sublattice ends the stack)."""
    # under Gouy–Chapman with fixed ends the bulk gauge must be near a wall (far from both, the
    # bulk potential against the walls is set only by the double layers' tails)
    problem = _zr_o(n, first, mobile_y=mobile_y, bulk=(0.5, 22.5) if mobile_y else None)
    kinetics = Kinetics({"Vo": D, "Y": 1e-12} if mobile_y else {"Vo": D})
    system = PNPSystem(problem, kinetics, temperature=T, equilibrium=solve(problem, T, rtol=1e-12))
    V = 1e-7
    iv = iv_curve(system, [V])
    expected = sum(_series_current(system, V, k) for k in range(system.K))
    assert iv.current[0] == pytest.approx(expected, rel=1e-7)
    assert iv.current[0] > 0


@pytest.mark.parametrize("first, n", ARRANGEMENTS + [("Zr", 100), ("Zr", 180), ("O", 181)], ids=lambda v: str(v))
def test_floating_ends_solve_every_arrangement_fixed_ends_solve(first, n):
    """``boundary = "dirichlet"`` without potentials: φ at both walls is one unknown fixed by
    the bulk gauge.  With the bulk region many screening lengths from the walls the gauge
    hardly feels the walls (the floating potential is fixed only through the double layers'
    tails); the solve still converges, and where the walls sit at the fixed ends' potential
    it is the fixed-end solution."""
    T_float = 823.0  # where the full Newton step in φ_d is 1e7..1e29 V from 100 planes on
    floating = solve(_zr_o(n, first, dirichlet=None), T_float)
    phi_d = floating.state[n]
    shifted = solve(_zr_o(n, first, dirichlet=(phi_d, phi_d)), T_float)
    np.testing.assert_allclose(floating.phi, shifted.phi, rtol=0, atol=1e-9)
    assert abs(phi_d) < 0.1  # no wandering along the near-null direction


def test_a_species_on_a_single_plane_is_exchanged_through_both_walls():
    """A mobile species hosted on one plane only has two faces, one to each wall, each of its
    own length: its small-bias current is their series sum."""
    n = 21
    x = np.linspace(1.0, 41.0, n)
    E = np.zeros((n, 3))
    E[:, 2] = np.nan
    E[10, 2] = -0.2  # one plane hosts Li
    sites = Sites(x, ["O"] * n, np.zeros(n), ("Vo", "Gd", "Li"), E)
    problem = build_problem(sites, [DefectSpecies("Vo", 2, 0.01, 1.0), DefectSpecies("Gd", -1, 0.02, 0.0),
                                    DefectSpecies("Li", 1, 0.01, 1.0)],
                            x_min=0.0, x_max=42.0, area=20.0, permittivity=30.0, bulk=(0.5, 12.0),
                            boundary="dirichlet", dirichlet=(0.0, 0.0))
    system = PNPSystem(problem, Kinetics({"Vo": D, "Li": 3 * D}), temperature=T, equilibrium=solve(problem, T))
    f = system.faces[system.labels.index("Li")]
    assert f.lo.tolist() == [-1, 10] and f.hi.tolist() == [10, n]
    V = 1e-7
    expected = sum(_series_current(system, V, k) for k in range(system.K))
    assert iv_curve(system, [V]).current[0] == pytest.approx(expected, rel=1e-7)


def test_an_exchanged_species_needs_states_on_the_end_planes():
    """A band carrier (it hops between neighbouring planes only) that the electrodes exchange
    but that has no states on an end plane is named."""
    from ase_spacecharge.layered import layered_problem
    from ase_spacecharge.materials import Carrier, Material
    carriers = [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)]
    layers = [(Material("L", 10.0, background=-1e-6, dos={"m": 0.0}), 50.0), (Material("R", 10.0), 50.0)]
    problem = layered_problem(layers, carriers, temperature=500.0, spacing=1.0)
    eq = solve(problem, 500.0)
    with pytest.raises(InputError, match="'m' is exchanged by the electrodes but hosted on planes 50..99"):
        PNPSystem(problem, Kinetics({"p": 1e-9, "m": 1e-9}), temperature=500.0, equilibrium=eq)
