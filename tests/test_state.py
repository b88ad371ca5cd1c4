"""Explicit state (issue 8): a solution is complete data, a failed solve can be inspected, and
writing back does not need a conducting species."""

import json

import numpy as np
import pytest

from ase_spacecharge import ConvergenceError, InputError, SpaceChargeSolution, build_problem, solve
from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms, ceria_like_problem
from ase_spacecharge.layered import layered_problem
from ase_spacecharge.materials import Carrier, Material
from ase_spacecharge.equilibrium.newton import newton
from ase_spacecharge.structure import solve_structure

T = 773.15


def test_json_round_trip_warm_starts_solve():
    problem = ceria_like_problem()
    sol = solve(problem, T)
    back = SpaceChargeSolution.from_dict(json.loads(json.dumps(sol.as_dict())))
    np.testing.assert_array_equal(back.state, sol.state)
    again = solve(problem, T, initial=back)
    assert again.iterations == 0
    np.testing.assert_array_equal(again.phi, sol.phi)
    warm = solve(problem, T + 50, initial=back)  # another temperature: a real warm start
    cold = solve(problem, T + 50)
    assert warm.iterations < cold.iterations
    np.testing.assert_allclose(warm.phi, cold.phi, rtol=0, atol=1e-11)


def test_layered_solution_round_trips():
    p, m = Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)
    problem = layered_problem([(Material("L", 10.0), 50.0), (Material("R", 30.0, offsets={"p": -0.2}), 50.0)],
                              [p, m], temperature=500.0, spacing=0.5)
    sol = solve(problem, 500.0)
    back = SpaceChargeSolution.from_dict(json.loads(json.dumps(sol.as_dict())))
    assert back.site_energies.shape == (0, 0) and back.carrier_density.shape == sol.carrier_density.shape
    assert solve(problem, 500.0, initial=back).iterations == 0


def test_warm_start_from_another_problem_is_a_named_error():
    sol = solve(ceria_like_problem(), T)
    other = ceria_like_problem(approximation="gouy-chapman")
    with pytest.raises(InputError, match="initial: expected a solution of the same problem"):
        solve(other, T, initial=sol)


def test_failed_solve_exposes_its_last_iterate():
    problem = ceria_like_problem()
    result = newton(problem, T, max_iter=2)
    assert not result.success and result.status == 1 and "iteration limit" in result.message
    assert result.residual_history.size == 3 and result.residual == result.residual_history[-1]
    with pytest.raises(ConvergenceError) as info:
        solve(problem, T, max_iter=2)
    exc = info.value
    assert exc.state.shape == (problem.grid.n + problem.n_extra,) and np.all(np.isfinite(exc.state))
    assert exc.residual > 1e-10 and exc.residual_history[0] >= exc.residual_history.min()
    # the last iterate is a usable start: from it Newton converges
    assert newton(problem, T, exc.state).success


def test_gouy_chapman_structure_with_no_mobility_annotates_its_atoms():
    defects = [dict(d, mobility=0.0) for d in CERIA_DEFECTS]
    atoms = ceria_like_atoms()
    out, sol, proj = solve_structure(atoms, defects, T, permittivity=55.0, boundaries=[0.5],
                                     approximation="gouy-chapman")
    assert sol.residual <= 1e-10 and np.all(sol.mobility == 0)
    assert out.info["sc_phi0"] == pytest.approx(sol.phi0, rel=1e-15)
    assert "sc_r_perp" not in out.info
    np.testing.assert_array_equal(out.arrays["sc_phi"], sol.phi[sol.site_plane[np.argsort(proj.atom_index)]])
    assert np.all(np.isfinite(out.arrays["sc_occ_Vo"][out.symbols == "O"]))
    assert sol.summary(profile=False)["r_perp"] is None


def test_problem_has_no_untyped_side_channel():
    problem = ceria_like_problem()
    assert not hasattr(problem, "info")
    assert problem.bulk == pytest.approx((-44.86, -31.86)) and problem.approximation == "mott-schottky"
    sites, lo, hi = _column()
    built = build_problem(sites, [{k: v for k, v in d.items() if k != "site"} for d in CERIA_DEFECTS],
                          x_min=lo, x_max=hi, area=58.5725, permittivity=55.0, bulk=(-44.86, -31.86))
    np.testing.assert_array_equal(built.site_x, problem.site_x)


def _column():
    from ase_spacecharge.examples import ceria_like_column
    sites, lo, hi = ceria_like_column()
    return sites, lo, hi
