"""Bad input gets a clear error that names the culprit."""

import numpy as np
import pytest

from ase_spacecharge import (ConvergenceError, DefectSpecies, InputError, Sites, build_problem,
                             read_pyscses_sites, solve, write_pyscses_sites)
from ase_spacecharge.cli import main

from conftest import GD, VO, ceria_like_column

GOOD = "O -2 1.0e-10 Vo 0.1\nCe 4 2.0e-10 Gd 0.0\nO -2 3.0e-10 Vo -0.2\n"


def test_read_write_round_trip(tmp_path):
    sites, lo, hi = ceria_like_column()
    path = tmp_path / "sites.txt"
    write_pyscses_sites(path, sites)
    back = read_pyscses_sites(path)
    np.testing.assert_allclose(back.x, sites.x, rtol=1e-15)
    np.testing.assert_array_equal(back.label, sites.label)
    np.testing.assert_array_equal(np.isnan(back.energies), np.isnan(sites.energies))
    np.testing.assert_allclose(back.energies[np.isfinite(back.energies)], sites.energies[np.isfinite(sites.energies)])


@pytest.mark.parametrize("line, message", [
    ("O -2 nan Vo 0.1", "line 2: position is 'nan'"),
    ("O -2 1e-10 Vo inf", "line 2: energy of 'Vo' is 'inf'"),
    ("O -2 1e-10 Vo", "line 2: expected"),
    ("O -2 abc Vo 0.1", "line 2: position 'abc' is not a number"),
])
def test_bad_site_lines_name_the_line(tmp_path, line, message):
    path = tmp_path / "bad.txt"
    path.write_text("O -2 0.0 Vo 0.1\n" + line + "\n")
    with pytest.raises(InputError, match=message):
        read_pyscses_sites(path)


def _build(sites=None, defects=(VO, GD), **kw):
    if sites is None:
        sites, lo, hi = ceria_like_column()
    else:
        lo, hi = -47.0, 47.0
    opts = dict(x_min=lo, x_max=hi, area=58.0, permittivity=55.0, bulk=(lo + 2, lo + 15))
    opts.update(kw)
    return build_problem(sites, list(defects), **opts)


def test_unknown_defect_label():
    sites, lo, hi = ceria_like_column()
    with pytest.raises(InputError, match="unknown defect label 'Gd'"):
        _build(defects=[VO])


@pytest.mark.parametrize("x", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_mole_fraction_outside_unit_interval(x):
    with pytest.raises(InputError, match="mole_fraction"):
        DefectSpecies("Vo", 2, x, 1.0)


@pytest.mark.parametrize("T", [0.0, -10.0, float("nan")])
def test_non_positive_temperature(T):
    with pytest.raises(InputError, match="temperature"):
        solve(_build(), T)


@pytest.mark.parametrize("eps", [0.0, -55.0])
def test_non_positive_permittivity(eps):
    with pytest.raises(InputError, match="permittivity"):
        _build(permittivity=eps)


def test_empty_bulk_region():
    sites, lo, hi = ceria_like_column()
    with pytest.raises(InputError, match="bulk region .* contains no planes"):
        _build(bulk=(lo + 0.01, lo + 0.02))


def test_region_without_sites():
    sites, lo, hi = ceria_like_column()
    with pytest.raises(InputError, match="no sites in the region"):
        _build(x_min=500.0, x_max=600.0, bulk=(510.0, 520.0))


def test_non_neutral_bulk():
    with pytest.raises(InputError, match="not charge neutral"):
        _build(defects=[DefectSpecies("Vo", 2, 0.2, 1.0), GD])


def test_fractions_filling_a_site():
    sites, lo, hi = ceria_like_column()
    E = sites.energies.copy()
    E[:, 1] = np.where(np.isnan(E[:, 1]), 0.0, E[:, 1])  # Gd may now sit on O sites too
    both = Sites(sites.x, sites.label, sites.valence, sites.defect_labels, E)
    with pytest.raises(InputError, match="sum to"):
        _build(both, defects=[DefectSpecies("Vo", 2, 0.5, 1.0), DefectSpecies("Gd", -1, 0.6, 0.0)],
               x_min=lo, x_max=hi, bulk=(lo + 2, lo + 15))


def test_non_convergence_raises_with_residual_and_iterations():
    problem = _build()
    from ase_spacecharge.equilibrium.newton import newton
    result = newton(problem, 773.15, max_iter=1)
    assert not result.success and result.status == 1 and result.iterations == 1 and result.residual > 1e-10
    with pytest.raises(ConvergenceError, match=r"relative residual .* after \d+ iterations") as info:
        solve(problem, 773.15, max_iter=1)
    assert info.value.iterations >= 1 and info.value.residual > 1e-10
    assert info.value.state.shape == (problem.grid.n + problem.n_extra,)


def test_cli_reports_bad_case(tmp_path, capsys):
    case = tmp_path / "case.toml"
    case.write_text('sites = "missing.txt"\ntemperature = 773.15\n')
    assert main(["run", str(case)]) == 2
    assert "missing keys" in capsys.readouterr().err
