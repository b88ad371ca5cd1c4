"""Invariances, conservation and property-based checks of the solver core."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from ase_spacecharge import ConvergenceError, DefectSpecies, Sites, build_problem, solve
from ase_spacecharge.equilibrium.linalg import solve_bordered_tridiagonal

from conftest import GD, VO, ceria_like_column

T = 773.15
AREA = 58.57


def _solve(sites, x_min, x_max, **kw):
    kw.setdefault("bulk", (x_min + 2.0, x_min + 15.0))
    problem = build_problem(sites, [VO, GD], x_min=x_min, x_max=x_max, area=AREA, permittivity=55.0, **kw)
    return solve(problem, T)


@pytest.mark.parametrize("approximation", ["mott-schottky", "gouy-chapman"])
def test_zero_segregation_gives_flat_potential(approximation):
    sites, lo, hi = ceria_like_column(well=0.0)
    sol = _solve(sites, lo, hi, model="continuum", n_points=200, approximation=approximation)
    assert np.max(np.abs(sol.phi)) < 1e-12
    np.testing.assert_allclose(sol.mole_fractions["Vo"][sol.plane_hosts[:, 0]], 0.05, rtol=1e-12)


def test_zero_segregation_site_explicit_is_periodic_in_the_lattice():
    sites, lo, hi = ceria_like_column(well=0.0)
    sol = _solve(sites, lo, hi)
    # planes carry net charge, so phi oscillates with the lattice period but has no envelope
    o_planes = sol.plane_hosts[:, 0]
    phi_o = sol.phi[o_planes]
    assert np.ptp(phi_o[::2]) < 1e-10 and np.ptp(phi_o[1::2]) < 1e-10
    np.testing.assert_allclose(sol.mole_fractions["Vo"][o_planes], 0.05, rtol=1e-9)


@pytest.mark.parametrize("approximation", ["mott-schottky", "gouy-chapman"])
def test_mirror_symmetric_input_gives_symmetric_solution(approximation):
    sites, lo, hi = ceria_like_column(well=-0.4)
    # a bulk region symmetric about the cell edge keeps the gauge mirror-symmetric too
    sol = _solve(sites, lo, hi, approximation=approximation, bulk=(lo, lo + 10.0))
    sol_sym = _solve(sites, lo, hi, approximation=approximation, bulk=(hi - 10.0, hi))
    np.testing.assert_allclose(sol.x, -sol.x[::-1], atol=1e-12)
    np.testing.assert_allclose(sol.phi, sol_sym.phi[::-1], atol=1e-10)
    np.testing.assert_allclose(sol.mole_fractions["Vo"], sol_sym.mole_fractions["Vo"][::-1], atol=1e-12)


def test_periodic_solution_is_neutral_and_occupancies_bounded():
    sites, lo, hi = ceria_like_column(well=-0.6, symmetric=False)
    sol = _solve(sites, lo, hi)
    net = np.sum(sol.rho * sol.dx) - sol.background * np.sum(sol.dx)
    assert abs(net) <= 1e-10 * np.sum(np.abs(sol.rho) * sol.dx)
    occ = sol.site_occupancy[np.isfinite(sol.site_occupancy)]
    assert occ.min() >= 0 and occ.max() <= 1


def test_warm_start_converges_in_fewer_iterations():
    sites, lo, hi = ceria_like_column(well=-0.5)
    problem = build_problem(sites, [VO, GD], x_min=lo, x_max=hi, area=AREA, permittivity=55.0,
                            bulk=(lo + 2, lo + 15))
    cold = solve(problem, T)
    warm = solve(problem, T + 20, initial=cold)
    assert warm.iterations < cold.iterations


def test_dirichlet_floating_matches_bulk_gauge():
    sites, lo, hi = ceria_like_column(well=-0.4, n_cells=40)
    sol = _solve(sites, lo, hi, boundary="dirichlet")
    assert sol.residual <= 1e-10
    assert sol.phi0 > 0.05


@given(st.integers(3, 40), st.integers(0, 3), st.booleans(), st.booleans(), st.booleans(), st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
def test_bordered_solver_matches_dense(n, n_cols, periodic, symmetric, definite, seed):
    """Single and batched solves against a dense solve; a symmetric block that is not
    negative definite (LAPACK ptsv fails) falls back to gtsv with the same answer."""
    from ase_spacecharge.equilibrium.linalg import solve_bordered_tridiagonal_batch
    rng = np.random.default_rng(seed)
    lower, upper = rng.uniform(0.5, 1.5, n), rng.uniform(0.5, 1.5, n)
    if symmetric:
        upper[:-1] = lower[1:]
    diag = -(lower + upper) - rng.uniform(0.0, 1.0, n) if definite else rng.uniform(-3.0, 3.0, n)
    m = n_cols
    B, C, D = rng.normal(size=(n, m)), rng.normal(size=(m, n)), rng.normal(size=(m, m)) + 3 * np.eye(m)
    dense = np.diag(diag) + np.diag(lower[1:], -1) + np.diag(upper[:-1], 1)
    if periodic:
        dense[0, -1] += lower[0]
        dense[-1, 0] += upper[-1]
    full = np.block([[dense, B], [C, D]])
    if np.linalg.cond(full) > 1e8:
        return  # a (nearly) singular draw
    rhs = rng.normal(size=n + m)
    expected = np.linalg.solve(full, rhs)
    out = np.full(n + m, np.nan)
    y, z = solve_bordered_tridiagonal(lower, diag, upper, B, C, D, -rhs[:n] / 3, -rhs[n:] / 3, periodic=periodic,
                                      symmetric=symmetric, out=out, alpha=-3.0)
    np.testing.assert_allclose(np.concatenate((y, z)), expected, rtol=1e-7, atol=1e-7)
    np.testing.assert_array_equal(out, np.concatenate((y, z)))
    yb, zb = solve_bordered_tridiagonal_batch(lower, np.array([diag, diag]), upper, np.array([B, B]),
                                              np.array([C, C]), np.array([D, D]), np.array([rhs[:n]] * 2),
                                              np.array([rhs[n:]] * 2), periodic=periodic, symmetric=symmetric)
    np.testing.assert_allclose(np.concatenate((yb[1], zb[1])), expected, rtol=1e-7, atol=1e-7)


@given(energies=st.lists(st.floats(-3.0, 3.0), min_size=6, max_size=6),
       x_vo=st.floats(1e-6, 0.3), temperature=st.floats(200.0, 2000.0),
       approximation=st.sampled_from(["mott-schottky", "gouy-chapman"]),
       statistics=st.sampled_from(["fermi-dirac", "boltzmann"]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_inputs_converge_or_raise(energies, x_vo, temperature, approximation, statistics):
    sites, lo, hi = ceria_like_column(well=0.0, n_cells=12)
    E = sites.energies.copy()
    core = np.argsort(np.abs(sites.x))[:6]
    for k, s in enumerate(core):
        E[s, 0 if sites.label[s] == "O" else 1] = energies[k]
    sites = Sites(sites.x, sites.label, sites.valence, sites.defect_labels, E)
    defects = [DefectSpecies("Vo", 2, x_vo, 1.0), DefectSpecies("Gd", -1, 4 * x_vo if 4 * x_vo < 1 else 0.9, 0.0)]
    try:
        problem = build_problem(sites, defects, x_min=lo, x_max=hi, area=AREA, permittivity=55.0,
                                bulk=(lo + 1, lo + 10), approximation=approximation, statistics=statistics)
    except ValueError:
        return  # e.g. non-neutral bulk with the clipped dopant fraction: a documented InputError
    try:
        sol = solve(problem, temperature)
    except ConvergenceError as exc:
        assert isinstance(exc.iterations, int) and exc.iterations >= 0
        assert f"{exc.iterations} iterations" in str(exc)
        return
    assert sol.residual <= 1e-10
    assert np.all(np.isfinite(sol.phi))
    occ = sol.site_occupancy[np.isfinite(sol.site_occupancy)]
    assert occ.min() >= 0
    if statistics == "fermi-dirac":
        assert occ.max() <= 1


def test_solution_json_round_trip():
    import json
    from ase_spacecharge import SpaceChargeSolution
    sites, lo, hi = ceria_like_column(well=-0.4)
    sol = _solve(sites, lo, hi)
    from dataclasses import fields
    back = SpaceChargeSolution.from_dict(json.loads(json.dumps(sol.as_dict())))
    for f in fields(sol):
        ours, theirs = getattr(sol, f.name), getattr(back, f.name)
        assert type(theirs) is type(ours), f.name
        if isinstance(ours, np.ndarray):
            assert theirs.dtype.kind == ours.dtype.kind, f.name
            np.testing.assert_array_equal(theirs, ours)  # NaN == NaN here
        elif not (isinstance(ours, float) and np.isnan(ours)):
            assert theirs == ours, f.name
    assert back.phi0 == sol.phi0
    assert back.summary(profile=False) == sol.summary(profile=False)


@pytest.mark.parametrize("kw", [dict(), dict(approximation="gouy-chapman"), dict(statistics="boltzmann"),
                                dict(boundary="dirichlet"),
                                dict(boundary="dirichlet", dirichlet=(0.1, -0.05)), dict(model="continuum")],
                         ids=["periodic", "gouy-chapman", "boltzmann", "floating", "fixed-ends", "continuum"])
def test_newton_matrix_is_the_jacobian_of_the_residual(kw):
    """The bordered Newton matrix (tridiagonal block, border on its support) equals central
    differences of the residual at a non-trivial state, and the Newton step solves it."""
    from ase_spacecharge.examples import ceria_like_problem
    problem = ceria_like_problem(**kw)
    rng = np.random.default_rng(1)
    y = problem.initial_guess() + rng.normal(0.0, 0.02, problem.initial_guess().size)
    F, _, J = problem.evaluate(y, T)
    n, h = problem.grid.n, 1e-6
    fd = np.empty((y.size, y.size))
    for j in range(y.size):
        e = np.zeros(y.size)
        e[j] = h
        fd[:, j] = (problem.residual(y + e, T)[0] - problem.residual(y - e, T)[0]) / (2 * h)
    dense = np.zeros((y.size, y.size))
    dense[np.arange(n), np.arange(n)] = J.diag
    dense[np.arange(1, n), np.arange(n - 1)] = J.lower[1:]
    dense[np.arange(n - 1), np.arange(1, n)] = J.upper[:-1]
    if problem.grid.boundary == "periodic":
        dense[0, n - 1] += J.lower[0]
        dense[n - 1, 0] += J.upper[-1]
    dense[:n, n:], dense[n:, :n], dense[n:, n:] = J.B, J.dense_C(), J.D
    np.testing.assert_allclose(dense, fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max())
    np.testing.assert_allclose(dense @ problem.newton_step(F, J), -F, rtol=1e-9, atol=1e-12 * np.abs(F).max())


def test_one_problem_solved_from_threads_at_several_temperatures():
    """The per-temperature terms a problem keeps never leak between temperatures, also when
    threads solve the same problem at different temperatures at once."""
    from concurrent.futures import ThreadPoolExecutor
    from ase_spacecharge.examples import ceria_like_problem
    problem = ceria_like_problem()
    temps = [673.15, 773.15, 873.15, 973.15] * 6
    serial = [solve(ceria_like_problem(), t).phi0 for t in temps]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda t: solve(problem, t).phi0, temps))
    assert threaded == serial
    terms = problem.thermal_terms(500.0)
    assert problem.thermal_terms(500.0) is terms and problem.thermal_terms(500.0, 0.5) is not terms


@pytest.mark.parametrize("kw", [dict(), dict(approximation="gouy-chapman"), dict(boundary="dirichlet")],
                         ids=["periodic", "gouy-chapman", "floating"])
def test_workspace_gives_the_same_residual_matrix_and_step(kw):
    """A Workspace only changes where arrays live: residual, matrix and Newton step equal
    fresh ones, also on the second use of the same workspace at another state."""
    from ase_spacecharge.examples import ceria_like_problem
    from ase_spacecharge.equilibrium.workspace import Workspace
    problem, work = ceria_like_problem(**kw), Workspace()
    rng = np.random.default_rng(2)
    for _ in range(2):
        y = rng.normal(0.0, 0.02, problem.initial_guess().size)
        F, scale, J = problem.evaluate(y, T)
        F_w, scale_w, J_w = problem.evaluate(y, T, work=work, out=np.empty(y.size))
        np.testing.assert_array_equal(F_w, F)
        assert scale_w == scale
        np.testing.assert_array_equal(J_w.diag, J.diag)
        np.testing.assert_array_equal(problem.newton_step(F_w, J_w, work=work), problem.newton_step(F, J))


def test_arrays_a_problem_keeps_are_read_only_and_phi_is_checked():
    """The Newton matrix hands out the problem's kept border column and gauge row: they are
    read-only, so no caller can corrupt later solves; phi of another length is named, an
    integer phi accepted."""
    from ase_spacecharge.examples import ceria_like_problem
    from ase_spacecharge.errors import InputError
    problem = ceria_like_problem()
    F, _, J = problem.evaluate(problem.initial_guess(), T)
    for kept in (J.B, J.C, problem.thermal_terms(T).u0, problem.fixed_rows):
        with pytest.raises(ValueError, match="read-only"):
            kept[...] = 0.0
    assert solve(problem, T).residual <= 1e-10
    with pytest.raises(InputError, match="expected 90 plane potentials"):
        problem.mobile_occupancies(np.zeros(5), np.zeros(0), T)
    np.testing.assert_array_equal(problem.mobile_occupancies(np.zeros(90, int), np.zeros(0), T),
                                  problem.mobile_occupancies(np.zeros(90), np.zeros(0), T))


@pytest.mark.parametrize("alpha", [0.0, -1.0, 2.5])
def test_bordered_solver_fallback_keeps_alpha(alpha):
    """ptsv fails on an indefinite symmetric block; the gtsv fallback solves the same scaled
    system (alpha = 0 gives zeros, not NaN)."""
    n = 5
    lower = upper = np.ones(n)
    diag = np.full(n, -3.0)
    diag[2] = 4.0
    B, C, D = np.ones((n, 1)), np.ones((1, n)), np.full((1, 1), 2.0)
    rhs = np.arange(n + 1, dtype=float)
    y, z = solve_bordered_tridiagonal(lower, diag, upper, B, C, D, rhs[:n], rhs[n:], periodic=True, symmetric=True,
                                      alpha=alpha)
    y1, z1 = solve_bordered_tridiagonal(lower, diag, upper, B, C, D, rhs[:n], rhs[n:], periodic=True)
    np.testing.assert_allclose(np.concatenate((y, z)), alpha * np.concatenate((y1, z1)), atol=1e-12)
