"""Sensitivities (issue 12.3): the adjoint derivatives equal central finite differences of full
solves to 1e-6 relative (shipped examples, random problems), obey the invariances of the
model, and propagate: the linear σ(Φ0) agrees with the Monte-Carlo spread at small σ_E."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ase_spacecharge import InputError
from ase_spacecharge.equilibrium.batch import solve_batch, with_energies
from ase_spacecharge.cases.run import structure_problem_from_case
from ase_spacecharge.cases.casefile import load_case
from ase_spacecharge.examples import CERIA_AREA, CERIA_DEFECTS, ceria_like_atoms, ceria_like_column, ceria_like_problem
from ase_spacecharge.model import build_problem
from ase_spacecharge.sensitivity import sensitivities
from ase_spacecharge.solution import solve
from ase_spacecharge.uncertainty import monte_carlo, uncertainty

EXAMPLES = Path(__file__).resolve().parents[1] / "example_structures"
T = 773.15
RTOL = 1e-13  # the derivatives are as accurate as the solves they are compared with
H_E = 2e-5    # eV: truncation (h/kT)²/6 ~ 1.5e-8, round-off 1e-15 V / h ~ 5e-11 V/eV
H_T = 1e-2    # K
DEFECTS = [{k: v for k, v in d.items() if k != "site"} for d in CERIA_DEFECTS]


def _solve(problem, temperature=T):
    return solve(problem, temperature, rtol=RTOL)


def _shifted(problem, site, defect, h):
    E = problem.energies.copy()
    E[site, defect] += h
    return with_energies(problem, E)


def _central(f, h):
    return (f(h) - f(-h)) / (2 * h)


def _tied_extremum(sens, phi):
    """Φ0 of a perturbed profile with the tie taken as exact: the signed extremum of the tied
    planes' changes.  (The Σ5 planes tie to 2.8e-11 V, which a difference quotient would see
    as a term -2.8e-11 V / 2h: the derivative is that of the tie on scales of ΔE above
    ~3e-10 eV.)"""
    sign = np.sign(sens.phi0)
    return sens.phi0 + sign * np.max(sign * (phi[sens.extremal_planes] - sens.extremal_phi))


def _energy_differences(problem, sens, site, defect, h=H_E, temperature=T):
    """Central differences in ΔE of one site, extrapolated once (Richardson): of φ on the
    extremal planes and of r_perp to O(h⁴), ``(4 D(h/2) - D(h))/3`` (a derivative 1e-3 of the
    largest keeps 1e-6 of h² truncation at h = 2e-5 eV), and of Φ0 past its kink at a tie
    to O(h²), ``2 D(h/2) - D(h)``.  r_perp is NaN (not differentiable) when a plane crosses
    scr_limit within the steps."""
    sols = {t: solve(_shifted(problem, site, defect, t), temperature, rtol=RTOL) for t in (h, -h, h / 2, -h / 2)}
    ratios = {t: s.resistivity() for t, s in sols.items()}

    def D(value, t):
        return (value(t) - value(-t)) / (2 * t)
    phi = [D(lambda t: sols[t].phi[sens.extremal_planes], t) for t in (h, h / 2)]
    phi0 = [D(lambda t: _tied_extremum(sens, sols[t].phi), t) for t in (h, h / 2)]
    r = [D(lambda t: ratios[t]["r_perp"], t) for t in (h, h / 2)]
    if len({r["region_width"] for r in ratios.values()}) > 1:
        r = [np.nan, np.nan]
    return (4 * phi[1] - phi[0]) / 3, 2 * phi0[1] - phi0[0], (4 * r[1] - r[0]) / 3


def _assert_close(analytic, fd, scale):
    """1e-6 relative, with a floor 1e-9 of the quantity's largest derivative (exact zeros:
    a frozen species, a plane beyond the flat bulk, which the difference gives as 0)."""
    np.testing.assert_allclose(analytic, fd, rtol=1e-6, atol=1e-9 * scale)


# ---------------------------------------------------------------------------- shipped examples

@pytest.fixture(scope="module", params=["ceria_sigma5_310", "ceria_sigma3_111"])
def shipped(request):
    case = load_case(EXAMPLES / request.param / "case.toml")
    atoms, problem, proj = structure_problem_from_case(case)
    solution = _solve(problem)
    return problem, solution, sensitivities(problem, solution)


def test_shipped_examples_equal_central_differences(shipped):
    problem, solution, sens = shipped
    assert sens.extremal_planes.size == 2  # symmetric boundaries: Φ0 ties on two planes
    strength = np.max(np.abs(np.nan_to_num(sens.dphi_dE_extremal[..., 0])), axis=0)
    core = np.argsort(-np.nan_to_num(strength))[:3]          # the Vo sites Φ0 depends on most
    ce = int(np.flatnonzero(np.isfinite(problem.energies[:, 1]))[0])
    rows = [(int(s), 0) for s in core] + [(int(np.nanargmax(np.abs(sens.dr_perp_dE[:, 0]))), 0), (ce, 1)]
    for site, d in rows:
        phi, phi0, r = _energy_differences(problem, sens, site, d)
        _assert_close(sens.dphi_dE_extremal[:, site, d], phi, np.nanmax(np.abs(sens.dphi_dE_extremal)))
        _assert_close(sens.dphi0_dE[site, d], phi0, np.nanmax(np.abs(sens.dphi0_dE)))
        _assert_close(sens.dr_perp_dE[site, d], r, np.nanmax(np.abs(sens.dr_perp_dE)))
    assert sens.dphi0_dE[ce, 1] == 0.0  # Gd is frozen under Mott–Schottky


def test_shipped_examples_temperature_derivative(shipped):
    problem, solution, sens = shipped
    hot, cold = _solve(problem, T + H_T), _solve(problem, T - H_T)
    tied = (hot.phi[sens.extremal_planes] - cold.phi[sens.extremal_planes]) / (2 * H_T)
    _assert_close(sens.dphi0_dT, 0.5 * (tied.max() + tied.min()), abs(sens.dphi0_dT))
    _assert_close(sens.dr_perp_dT, (hot.resistivity()["r_perp"] - cold.resistivity()["r_perp"]) / (2 * H_T),
                  abs(sens.dr_perp_dT))


# ---------------------------------------------------------------------------- random problems

@st.composite
def random_problems(draw):
    approximation = draw(st.sampled_from(["mott-schottky", "gouy-chapman"]))
    boundary, dirichlet = draw(st.sampled_from([("periodic", None), ("dirichlet", None), ("dirichlet", (0.0, 0.0))]))
    statistics = draw(st.sampled_from(["fermi-dirac", "boltzmann"]))
    well = draw(st.floats(-0.1 if statistics == "boltzmann" else -0.4, 0.15))
    sites, lo, hi = ceria_like_column(n_cells=draw(st.integers(8, 16)), well=well, width=draw(st.floats(1.0, 5.0)),
                                      symmetric=False)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 31 - 1)))
    sites.energies += rng.normal(0.0, 0.02, sites.energies.shape)  # NaN stays NaN
    problem = build_problem(sites, DEFECTS, x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=draw(st.floats(20, 80)),
                            bulk=(lo + 1.0, lo + 10.0), approximation=approximation, boundary=boundary,
                            dirichlet=dirichlet, statistics=statistics)
    return problem, draw(st.floats(600.0, 1200.0)), rng


@settings(max_examples=25, deadline=None)
@given(random_problems())
def test_random_problems_equal_central_differences(case):
    problem, temperature, rng = case
    solution = solve(problem, temperature, rtol=RTOL)
    sens = sensitivities(problem, solution)
    mobile = np.isfinite(problem.energies) & problem.mobile[None, :]
    picks = [np.unravel_index(np.nanargmax(np.where(mobile, np.abs(sens.dphi0_dE), np.nan)), mobile.shape),
             tuple(np.argwhere(mobile)[rng.integers(mobile.sum())])]
    for site, d in picks:
        phi, _, r = _energy_differences(problem, sens, site, d, temperature=temperature)
        _assert_close(sens.dphi_dE_extremal[:, site, d], phi, np.nanmax(np.abs(sens.dphi_dE_extremal)))
        if np.isfinite(r):  # r_perp is defined (some |φ| > scr_limit) and no plane crossed the limit
            _assert_close(sens.dr_perp_dE[site, d], r, np.nanmax(np.abs(sens.dr_perp_dE)))
    hot, cold = solve(problem, temperature + H_T, rtol=RTOL), solve(problem, temperature - H_T, rtol=RTOL)
    tied = (hot.phi[sens.extremal_planes] - cold.phi[sens.extremal_planes]) / (2 * H_T)
    _assert_close(sens.dphi0_dT, 0.5 * (tied.max() + tied.min()), abs(sens.dphi0_dT))


def test_activity_models_and_band_carriers_equal_central_differences():
    from ase_spacecharge.materials import Carrier
    sites, lo, hi = ceria_like_column(symmetric=False)
    defects = [dict(DEFECTS[0], interaction=0.05), DEFECTS[1]]
    kw = dict(x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0, bulk=(lo + 2, lo + 15))
    for problem in (build_problem(sites, defects, approximation="gouy-chapman", **kw),
                    build_problem(sites, DEFECTS, carriers=[Carrier("e", -1, 1e-7),
                                                            Carrier("h", 1, 2e-7, dos=1e-5, statistics="fermi-dirac")],
                                  **kw)):
        sens = sensitivities(problem, _solve(problem))
        phi, _, r = _energy_differences(problem, sens, 75, 0)
        _assert_close(sens.dphi_dE_extremal[:, 75, 0], phi, np.nanmax(np.abs(sens.dphi_dE_extremal)))
        _assert_close(sens.dr_perp_dE[75, 0], r, np.nanmax(np.abs(sens.dr_perp_dE)))
        i = sens.extremal_planes[0]
        _assert_close(sens.dphi0_dT, _central(lambda t: _solve(problem, T + t).phi[i], H_T), abs(sens.dphi0_dT))


# ---------------------------------------------------------------------------- bulk region

def _window(problem, mask, shift):
    """Plane weights of the continuous window over the planes ``mask`` that the bulk region's
    plane-weighted mean stands for (edges on the outer faces of its outermost planes), with
    its edges moved by ``shift`` (Å)."""
    g = problem.grid
    sub = np.flatnonzero(mask)
    xs = g.x[sub]
    h = np.diff(np.concatenate(([xs[-1] - (g.x_max - g.x_min)], xs, [xs[0] + (g.x_max - g.x_min)])))
    lower, upper = xs - h[:-1] / 2, xs + h[1:] / 2
    inside = np.flatnonzero((xs > problem.bulk[0]) & (xs < problem.bulk[1]))
    a, b = lower[inside[0]] + shift[0], upper[inside[-1]] + shift[1]
    w = np.zeros(g.n)
    w[sub] = np.clip(np.minimum(upper, b) - np.maximum(lower, a), 0.0, None)
    return w / w.sum()


def _windowed(problem, shift):
    """``problem`` with its gauge and fitted bulk fractions over the moved windows."""
    gauge_mask = problem.plane_hosts[:, 0] if problem.approximation == "mott-schottky" else np.ones(problem.grid.n, bool)
    tw = problem.target_weight.copy()
    for k, d in enumerate(problem.fitted):
        hosted = np.isfinite(problem.energies[:, d]) * problem.site_weight
        count = np.bincount(problem.site_plane, weights=hosted, minlength=problem.grid.n)[problem.site_plane]
        tw[k] = _window(problem, problem.plane_hosts[:, d], shift)[problem.site_plane] / np.maximum(count, 1) * hosted
    return replace(problem, gauge=_window(problem, gauge_mask, shift), target_weight=tw)


@pytest.mark.parametrize("approximation", ["mott-schottky", "gouy-chapman"])
def test_bulk_edges_equal_differences_of_the_continuous_window(approximation):
    sites, lo, hi = ceria_like_column(symmetric=False)
    problem = build_problem(sites, DEFECTS, x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0,
                            bulk=(-30.0, -12.0), approximation=approximation)
    solution = _solve(problem)
    sens = sensitivities(problem, solution)
    assert _solve(_windowed(problem, (0.0, 0.0))).phi0 == pytest.approx(solution.phi0, rel=1e-13, abs=1e-15)
    i = sens.extremal_planes[0]
    for edge in (0, 1):
        def D(h, edge=edge):  # the window is piecewise linear in an edge: a kink at 0, Richardson past it
            return _central(lambda t: _solve(_windowed(problem, (t * (edge == 0), t * (edge == 1)))).phi[i], h)
        _assert_close(sens.dphi0_dbulk[edge], 2 * D(2.5e-3) - D(5e-3), abs(sens.dphi0_dbulk[edge]))


# ---------------------------------------------------------------------------- invariances

def test_uniform_shift_of_a_fitted_species_changes_nothing():
    """Gouy–Chapman: ΔE + c on every site of a fitted species is absorbed by its η, so the
    derivatives along that direction vanish: Σ_s dQ/dΔE_s = 0."""
    sites, lo, hi = ceria_like_column(symmetric=False)
    problem = build_problem(sites, DEFECTS, x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0,
                            bulk=(lo + 2, lo + 15), approximation="gouy-chapman")
    sens = sensitivities(problem, _solve(problem))
    for d in range(2):
        assert abs(np.nansum(sens.dphi0_dE[:, d])) < 1e-10 * np.nansum(np.abs(sens.dphi0_dE[:, d]))
        assert abs(np.nansum(sens.dr_perp_dE[:, d])) < 1e-10 * np.nansum(np.abs(sens.dr_perp_dE[:, d]))


def test_mirror_symmetric_tie_has_mirrored_one_sided_derivatives():
    """The boundary on the cell edge, the bulk region in the middle: the problem is mirror
    symmetric, so the two tied planes' derivatives are mirror images of each other."""
    sites, lo, hi = ceria_like_column()
    half = 0.5 * (hi - lo)
    sites.x = np.where(sites.x < 0, sites.x + half, sites.x - half)
    problem = build_problem(sites, DEFECTS, x_min=lo, x_max=hi, area=CERIA_AREA, permittivity=55.0, bulk=(-8.0, 8.0))
    sens = sensitivities(problem, _solve(problem))
    a, b = sens.dphi_dE_extremal
    x, label = problem.site_x, problem.site_label
    mirror = np.array([np.flatnonzero((label == label[s]) & np.isclose(x, -x[s], atol=1e-9))[0] for s in range(x.size)])
    np.testing.assert_allclose(a, b[mirror], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(sens.dphi0_dE, sens.dphi0_dE[mirror], rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------------------- propagation

def test_linear_sigma_agrees_with_monte_carlo_at_small_sigma():
    problem = ceria_like_problem()  # a tie: Φ0 is the maximum of two correlated Gaussians
    solution = _solve(problem)
    sens = sensitivities(problem, solution)
    sigma_E, samples = 1e-3, 300
    lin = uncertainty(sens, sigma_E)
    mc = monte_carlo(problem, T, sigma_E, samples, seed=12, rtol=1e-12)
    spread = 3.0 / np.sqrt(2 * (samples - 1))  # three standard errors of a standard deviation
    assert np.std(mc.phi0, ddof=1) == pytest.approx(lin["sigma_phi0"], rel=spread)
    assert np.std(mc.r_perp, ddof=1) == pytest.approx(lin["sigma_r_perp"], rel=spread)
    assert abs(np.mean(mc.phi0) - solution.phi0 - lin["bias_phi0"]) < 3 * lin["sigma_phi0"] / np.sqrt(samples)
    assert lin["bias_phi0"] > 0.2 * lin["sigma_phi0"]  # the tie shifts the mean by O(σ_E)


@pytest.mark.parametrize("k, tolerance", [(1, 0.005), (2, 0.005), (3, 0.05)])
def test_tie_moments_equal_those_of_the_sampled_linear_model(k, tolerance):
    """σ and bias of the extremum of k tied planes, each linear in Gaussian ΔE errors: exact
    for one and two planes (Clark), Clark's recursion (approximate) for three."""
    from ase_spacecharge.sensitivity import Sensitivities
    rng = np.random.default_rng(k)
    g = rng.normal(size=(k, 40, 1)) + np.array([1.0, 0.5, -0.5][:k])[:, None, None]
    gap = np.array([0.0, -0.3, -0.1][:k]) * 0.01     # V below Φ0 = -0.2 V (a negative extremum)
    sens = Sensitivities(T, -0.2, np.nan, np.ones((40, 1), bool), g.mean(axis=0), np.full((40, 1), np.nan), 0.0,
                         np.nan, np.zeros(2), np.arange(k), -0.2 - gap, g)
    lin = uncertainty(sens, 0.01)
    draws = rng.normal(0.0, 0.01, (200_000, 40))
    phi0 = -0.2 - np.max(gap[None, :] - draws @ g[..., 0].T, axis=1)   # the minimum of the tied planes
    assert lin["sigma_phi0"] == pytest.approx(np.std(phi0), rel=tolerance)
    assert lin["bias_phi0"] == pytest.approx(np.mean(phi0) + 0.2, rel=tolerance, abs=3 * np.std(phi0) / 450)


def test_linear_model_predicts_each_draw_to_second_order():
    """Draw by draw, Φ0 of the perturbed solve equals the extremum of the tied planes' linear
    predictions up to O(σ_E²)."""
    problem = ceria_like_problem()
    solution = _solve(problem)
    sens = sensitivities(problem, solution)
    rng = np.random.default_rng(3)
    hosted = np.isfinite(problem.energies)
    dE = [np.where(hosted, 1e-3 * rng.standard_normal(hosted.shape), np.nan) for _ in range(40)]
    solved = solve_batch([with_energies(problem, problem.energies + e) for e in dE], T, rtol=1e-12).phi0
    g = np.nan_to_num(sens.dphi_dE_extremal)
    predicted = [solution.phi0 + np.max(sens.extremal_phi - solution.phi0 + np.tensordot(g, np.nan_to_num(e), 2))
                 for e in dE]
    change = solved - solution.phi0
    assert np.max(np.abs(solved - predicted)) < 1e-2 * np.std(change)


# ---------------------------------------------------------------------------- write-back

def test_write_back_round_trip(tmp_path):
    from ase.io import read, write
    from ase_spacecharge.structure import annotate, structure_problem
    from ase_spacecharge.structure.annotate import check_same_sites
    atoms = ceria_like_atoms()
    problem, proj = structure_problem(atoms, CERIA_DEFECTS, permittivity=55.0, boundaries=[0.5])
    solution = solve(problem, T)
    sens = sensitivities(problem, solution)
    out = annotate(atoms, solution, proj, sensitivities=sens)
    from ase_spacecharge.structure.annotate import result_keys  # what --color-by may name
    assert {k for k in out.arrays if k.startswith("sc_")} == set(result_keys(solution.defect_labels,
                                                                              sensitivities=True))
    write(tmp_path / "out.extxyz", out)
    back = read(tmp_path / "out.extxyz")
    atom = proj.atom_index[check_same_sites(solution, proj)]
    for j, label in enumerate(solution.defect_labels):
        expected = np.full(len(atoms), np.nan)
        expected[atom] = sens.dphi0_dE[:, j]
        np.testing.assert_array_equal(out.arrays[f"sc_dphi0_dE_{label}"], expected)
        np.testing.assert_allclose(back.arrays[f"sc_dphi0_dE_{label}"], expected, rtol=0, atol=5e-9)  # %.8f
    symbols = np.array(atoms.get_chemical_symbols())
    assert np.isfinite(back.arrays["sc_dphi0_dE_Vo"]).tolist() == (symbols == "O").tolist()
    assert np.all(back.arrays["sc_dphi0_dE_Gd"][symbols == "Ce"] == 0.0)  # frozen
    assert back.info["sc_dphi0_dT"] == pytest.approx(sens.dphi0_dT, rel=1e-9)
    other = sensitivities(problem, solve(problem, T + 100.0))
    with pytest.raises(InputError, match="sensitivities: .* do not belong together"):
        annotate(atoms, solution, proj, sensitivities=other)


# ---------------------------------------------------------------------------- bad input

def test_bad_input_is_named():
    problem = ceria_like_problem()
    solution = solve(problem, T)
    other = with_energies(problem, problem.energies * 0.5)
    with pytest.raises(InputError, match="site energies .* not a solution of this problem"):
        sensitivities(other, solution)
    with pytest.raises(InputError, match="state has 91 values but the problem has 93 unknowns"):
        sensitivities(ceria_like_problem(approximation="gouy-chapman"), solution)
    with pytest.raises(InputError, match="relative residual .* not a converged solution"):
        sensitivities(problem, replace(solution, state=solution.state + 1e-3))
    with pytest.raises(InputError, match="model='continuum'"):
        continuum = ceria_like_problem(n_points=60, model="continuum")
        sensitivities(continuum, solve(continuum, T))
    with pytest.raises(InputError, match="compat='pyscses'"):
        compat = ceria_like_problem(compat="pyscses", x_min=-45.0, x_max=44.0, bulk=(-44.0, -30.0))
        sensitivities(compat, solve(compat, T))
    with pytest.raises(InputError, match="expected a Problem and a SpaceChargeSolution"):
        sensitivities(problem, solution.as_dict())
    sens = sensitivities(problem, solution)
    for bad, match in [(-0.01, "site 0, defect column 0 has -0.01"), (np.nan, "non-negative"), (True, "non-negative"),
                       (np.ones(3), r"shape \(90, 2\)")]:
        with pytest.raises(InputError, match=match):
            uncertainty(sens, bad)
    sigma = np.where(np.isfinite(problem.energies), 0.01, np.nan)  # NaN where nothing is hosted is fine
    assert uncertainty(sens, sigma) == uncertainty(sens, 0.01)
    with pytest.raises(InputError, match="samples must be a positive integer"):
        monte_carlo(problem, T, 0.01, 0)


# ---------------------------------------------------------------------------- case files

def test_case_file_sensitivity_table(tmp_path):
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.examples import write_ceria_like_case
    path = write_ceria_like_case(tmp_path, temperature=T, extra="[sensitivity]\nenergy_uncertainty = 0.01  # eV\n")
    summary = run_case(path).summary
    problem = ceria_like_problem()
    expected = uncertainty(sensitivities(problem, solve(problem, T)), 0.01)
    for key in ("sigma_phi0", "bias_phi0", "sigma_r_perp"):
        assert summary[key] == pytest.approx(expected[key], rel=1e-6)
    assert summary["dphi0_dT"] < 0
    case = load_case(EXAMPLES / "ceria_sigma3_111" / "case.toml")
    result = run_case(dict(case, write_structure=None, sensitivity={"energy_uncertainty": 0.01}))
    frame = result.frames[0]
    assert np.isfinite(frame.arrays["sc_dphi0_dE_Vo"]).sum() == frame.get_chemical_symbols().count("O")
    assert result.summary["sigma_phi0"] > 0
    with pytest.raises(InputError, match=r"\[sensitivity\] needs tolerance <= 1e-6"):
        load_case(write_ceria_like_case(tmp_path, temperature=T, extra="tolerance = 1e-5\n[sensitivity]\n"
                                                                      "energy_uncertainty = 0.01\n"))
