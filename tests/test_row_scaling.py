"""Every Poisson row converges on its own terms (issue 16, point 4): Boltzmann problems whose
site fractions reach 1e58-1e157 converge to the true solution, checked in 40-digit
arithmetic, or raise; ordinary inputs stop where they stopped before."""

import mpmath
import numpy as np
import pytest

from ase_spacecharge import ConvergenceError, DefectSpecies, Sites, build_problem, solve
from ase_spacecharge.constants import thermal_voltage
from ase_spacecharge.equilibrium.batch import solve_batch
from ase_spacecharge.equilibrium.newton import newton, solve_problem
from ase_spacecharge.examples import ceria_like_problem

T = 773.15


def two_wells(depth, boundary, second=-2.0, n=40, spacing=3.0):
    """One site per plane hosting a cation A (+1) and an anion B (-1), Boltzmann statistics:
    at x = -L/4 a well of ``depth`` eV for both (their charges nearly cancel, so the site
    fractions there reach exp(-depth/kT)-ish sizes at the solution), at x = +L/4 a well of
    ``second`` eV for A alone (an ordinary space charge, tens of kT deep)."""
    x = spacing * (np.arange(n) - (n - 1) / 2)
    L = n * spacing
    w1, w2 = np.exp(-(x + L / 4) ** 2 / 8.0), np.exp(-(x - L / 4) ** 2 / 8.0)
    E = np.column_stack((depth * w1 + second * w2, (depth + 0.3) * w1))
    sites = Sites(x, np.full(n, "M"), np.zeros(n), ("A", "B"), E)
    defects = [DefectSpecies("A", 1, 0.01, 1.0), DefectSpecies("B", -1, 0.01, 1.0)]
    return build_problem(sites, defects, x_min=-L / 2, x_max=L / 2, area=50.0, permittivity=20.0,
                         bulk=(-L / 2, -L / 2 + 10), statistics="boltzmann", boundary=boundary)


def _mp_equations(problem, y):
    """The discrete equations of a Boltzmann Mott–Schottky problem (Poisson per plane, the
    gauge), written out from the problem's arrays in mpmath, with their Jacobian, each row
    divided by its largest entry."""
    g, n = problem.grid, problem.grid.n
    lower, _, upper = g.laplacian()
    c = g.w / g.dx / g.area
    kT = mpmath.mpf(thermal_voltage(T))
    phi, extra = [mpmath.mpf(v) for v in y[:n]], mpmath.mpf(y[n])
    periodic = g.boundary == "periodic"
    rho_b = extra if periodic else 0  # the background (periodic) or the floating end potential
    below, above = (phi[-1], phi[0]) if periodic else (extra, extra)
    q, dq = [mpmath.mpf(0)] * n, [mpmath.mpf(0)] * n
    for s, i in enumerate(problem.site_plane):
        q[i] += problem.site_weight[s] * mpmath.mpf(problem.fixed_charge[s])
        for m in np.flatnonzero(problem.mobile & np.isfinite(problem.energies[s])):
            z = int(problem.valence[m])
            p = mpmath.exp(mpmath.mpf(problem.log_x[s, m]) - (z * phi[i] + mpmath.mpf(problem.energies[s, m])) / kT)
            q[i] += problem.site_weight[s] * z * p
            dq[i] -= problem.site_weight[s] * z * z * p / kT
    F, J = mpmath.matrix(n + 1, 1), mpmath.zeros(n + 1, n + 1)
    for i in range(n):
        up, down = (phi[i + 1] if i < n - 1 else above), (phi[i - 1] if i > 0 else below)
        F[i] = upper[i] * (up - phi[i]) + lower[i] * (down - phi[i]) + c[i] * q[i] - g.w[i] * rho_b
        J[i, i] = -upper[i] - lower[i] + c[i] * dq[i]
        J[i, i + 1 if i < n - 1 else (0 if periodic else n)] += upper[i]
        J[i, i - 1 if i > 0 else (n - 1 if periodic else n)] += lower[i]
        if periodic:
            J[i, n] -= g.w[i]
    F[n] = mpmath.fsum(problem.gauge[j] * phi[j] for j in range(n)) / kT
    for j in range(n):
        J[n, j] = problem.gauge[j] / kT
    for i in range(n + 1):  # mpmath's LU judges its pivots against the whole matrix's norm
        big = max(abs(J[i, j]) for j in range(n + 1))
        F[i] /= big
        for j in range(n + 1):
            J[i, j] /= big
    return F, J


def _mp_newton_moves(problem, y, steps=2):
    """The plane potentials' largest change (V) in each of ``steps`` Newton steps on the
    40-digit equations from ``y``."""
    with mpmath.workdps(40):
        y, moves = [mpmath.mpf(v) for v in y], []
        for _ in range(steps):
            F, J = _mp_equations(problem, y)
            dy = mpmath.lu_solve(J, F)
            y = [a - b for a, b in zip(y, dy)]
            moves.append(float(max(abs(dy[i]) for i in range(problem.grid.n))))
    return moves


CASES = [(d, b) for d in (-12.4, -22.0, -32.5) for b in ("periodic", "dirichlet")]


@pytest.mark.parametrize("depth, boundary", CASES, ids=[f"{d}eV-{b}" for d, b in CASES])
def test_huge_boltzmann_fractions_converge_to_the_true_solution(depth, boundary):
    """The wells' site fractions are 1e58 to 1e157 at the solution; their rows' terms dwarf
    every other row's.  With one scale for all rows the others passed the test kT's away
    from the solution (the second well was 8 kT off); by rows they converge, and Newton on
    the same equations in 40 digits moves the returned state by round-off only."""
    problem = two_wells(depth, boundary)
    result = solve_problem(problem, T)
    fractions = problem.residual(result.state, T)[2].p
    assert 1e58 <= fractions.max() <= 1e158
    assert result.success and result.residual <= 1e-10
    first, second = _mp_newton_moves(problem, result.state)
    assert first < 1e-12 and second < 1e-20  # quadratic from the returned state: it is the root
    assert np.any(result.residual_history[:-1] <= 1e-10)  # the one scale had passed before the rows did


def test_huge_fractions_in_a_batch_are_the_same_solutions():
    problems = [two_wells(d, "periodic") for d in (-12.4, -22.0)] + [ceria_like_problem(statistics="boltzmann")]
    r = solve_batch(problems[:2], T)
    assert r.success.all() and not r.alone.any()
    for i, p in enumerate(problems[:2]):
        serial = newton(p, T)
        assert r.iterations[i] == serial.iterations
        np.testing.assert_allclose(r.states[i], serial.state, rtol=0, atol=1e-12)


def test_fractions_beyond_what_double_precision_resolves_raise():
    """A 40 eV well (site fractions of order 1e190 at the wells): their round-off swamps the
    other rows' terms, and no state is returned."""
    problem = two_wells(-40.0, "periodic")
    with pytest.raises(ConvergenceError, match="continuation") as caught:
        solve(problem, T)
    assert not caught.value.result.success


@pytest.mark.parametrize("kw", [dict(), dict(approximation="gouy-chapman"), dict(statistics="boltzmann"),
                                dict(boundary="dirichlet"), dict(boundary="dirichlet", dirichlet=(0.05, -0.02)),
                                dict(model="continuum"), dict(site_charges=True)])
def test_ordinary_inputs_stop_where_the_one_scale_stops(kw):
    """For ordinary inputs the test by rows passes at the first iterate the one-scale test
    passes, so Φ0 and the iteration counts are those of the one-scale test."""
    r = newton(ceria_like_problem(**kw), T)
    assert r.success and r.residual_history[-1] <= 1e-10 and np.all(r.residual_history[:-1] > 1e-10)
