"""Pictures a scientist would show (issue 19): the cell coloured on an honest scale with the
species told apart, profiles over the solved domain, every temperature's Nyquist arcs with
decade markers, and the transient current through every accepted step."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
MAIN_JOB = ROOT / "example_structures" / "ceria_sigma5_310" / "case.toml"


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    """The README's main job (Σ5(310) CeO2), run without writing into the source tree."""
    from ase_spacecharge.cases.casefile import load_case
    from ase_spacecharge.cases.run import run_case
    case = load_case(MAIN_JOB)
    case["write_structure"] = str(tmp_path_factory.mktemp("main") / "out.extxyz")
    return run_case(case)


def test_main_job_cell_picture_centres_phi_at_zero_and_tells_o_from_ce(main_job, tmp_path):
    """``--plot-structure cell.png`` of the main job: φ's colour bar runs from -max|φ| to
    +max|φ| (0 V at its centre, where the diverging map is white), O and Ce are drawn at
    their own radii, and coloured by V_O the Ce atoms are grey and named."""
    from matplotlib import colormaps
    from ase_spacecharge.cli import main
    from ase_spacecharge.visual.cell import plot_structure
    atoms, proj = main_job.frames[0], main_job.projection
    drawn = plot_structure(tmp_path / "cell.png", atoms, proj)
    scale = drawn["scale"]
    phi = atoms.arrays["sc_phi"]
    assert scale.kind == "centred" and scale.vmin == -scale.vmax == -np.nanmax(np.abs(phi))
    assert (0 - scale.vmin) / (scale.vmax - scale.vmin) == 0.5
    white = np.array(colormaps[scale.cmap](0.5)[:3])
    assert white.min() > 0.9  # the centre of the map is (nearly) white: 0 V shows neither red nor blue
    assert drawn["radius"]["Ce"] > 2.5 * drawn["radius"]["O"]
    assert drawn["grey"] == {}  # every atom of the main job is on a solved sublattice
    vo = plot_structure(tmp_path / "vo.png", atoms, proj, color_by="sc_occ_Vo")
    n_ce = int((atoms.symbols == "Ce").sum())
    assert vo["scale"].kind == "log" and vo["grey"] == {"Ce: cannot host Vo": n_ce}
    assert vo["scale"].vmin < 1e-12 and vo["scale"].vmax > 0.05  # the depletion layer is on the scale
    # the command line writes it too
    assert main(["run", str(MAIN_JOB), "--plot-structure", str(tmp_path / "cli.png")]) == 0
    assert (tmp_path / "cli.png").stat().st_size > 20000


def test_profile_plot_spans_the_solved_domain_species_by_colour_temperatures_by_style(tmp_path):
    from ase_spacecharge.cases.run import run_case
    from ase_spacecharge.examples import write_ceria_like_case
    from ase_spacecharge.visual.plots import plot_profiles
    result = run_case(write_ceria_like_case(tmp_path, temperature=[673.15, 773.15, 873.15]))
    s = result.solutions[0]
    drawn = plot_profiles(tmp_path / "p.png", result.solutions, boundaries=[0.0, s.x_max + 50.0])
    assert drawn["xlim"] == (s.x_min, s.x_max)
    assert drawn["boundaries"] == [0.0]  # the boundary beyond the domain is not drawn
    assert len(set(drawn["colour"].values())) == len(s.defect_labels)
    assert len({style for style, _ in drawn["style"].values()}) == 3
    many = plot_profiles(tmp_path / "q.png", result.solutions * 2)
    assert len({shade for _, shade in many["style"].values()}) == 3  # six curves: shades by temperature


def _two_arcs(T):
    """A two-arc spectrum whose resistances fall by 1e4 over the temperatures, as the Σ3 case's."""
    f = np.logspace(-4, 12, 161)
    rb, rgb = 1e-7 * np.exp(5000 * (1 / T - 1 / 773.15)), 5e-3 * np.exp(20000 * (1 / T - 1 / 773.15))
    z = rb / (1 + 2j * np.pi * f * rb * 0.0176) + rgb / (1 + 2j * np.pi * f * rgb * 0.43)
    return dict(temperature=T, impedance=dict(frequency=f, z_real=z.real, z_imag=z.imag, bulk_resistance=rb))


def _assert_every_panel_filled(fig, n):
    """Each temperature's whole spectrum spans its own panel (not a dot at the origin), and
    its bulk arc spans the panel below; whole decades are marked."""
    whole, bulk = fig.axes[:n], fig.axes[n:2 * n]
    for ax in whole + bulk:
        curve, markers = ax.get_lines()[:2]
        x, y = curve.get_xdata(), curve.get_ydata()
        shown = (x <= ax.get_xlim()[1]) & (y <= ax.get_ylim()[1])
        assert x[shown].max() > 0.7 * ax.get_xlim()[1]
        assert y[shown].max() > 0.5 * ax.get_ylim()[1]
        assert len(markers.get_xdata()) >= 2 and markers.get_marker() == "o"
        assert any(t.get_text().startswith("10$^") for t in ax.texts)


def test_nyquist_shows_every_temperatures_arcs_with_decade_markers(tmp_path):
    from ase_spacecharge.visual.impedance import decade_points, nyquist_figure, plot_impedance
    rows = [_two_arcs(T) for T in (673.15, 773.15, 873.15, 973.15)]
    _assert_every_panel_filled(nyquist_figure(rows), 4)
    k, z = decade_points(rows[0]["impedance"]["frequency"], rows[0]["impedance"]["z_real"] + 1j *
                         np.asarray(rows[0]["impedance"]["z_imag"]))
    assert k.tolist() == list(range(-4, 13))
    assert all(p.stat().st_size > 20000 for p in map(Path, plot_impedance(str(tmp_path / "z"), rows)))


@pytest.mark.slow
def test_the_three_regimes_nyquist_shows_every_temperatures_arcs(tmp_path):
    """The shipped Σ3 impedance case in its three regimes: every temperature's two arcs."""
    import importlib.util
    from ase_spacecharge.visual.impedance import nyquist_figure
    spec = importlib.util.spec_from_file_location("three_regimes", ROOT / "example_structures" / "three_regimes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.run()
    for summary in out.values():
        _assert_every_panel_filled(nyquist_figure(summary["results"]), 4)
    assert all(Path(p).stat().st_size > 20000 for p in module.nyquist(out, str(tmp_path / "nyquist")))


def test_transient_current_is_drawn_through_every_accepted_step(tmp_path):
    """The transient records its currents after every accepted step; at the output times they
    are the output currents, and the plot draws the current through all of them."""
    import json
    from ase_spacecharge.cli import main
    from ase_spacecharge.examples import write_ceria_like_case
    case = write_ceria_like_case(tmp_path, temperature=773.15, extra=(
        'boundary = "dirichlet"\ndirichlet = [0.0, 0.0]\n[transient]\nvoltage = 0.05\n'
        'times = [1e-12, 1e-9, 1e-6, 1e-3]\n'))
    Path(case).write_text(Path(case).read_text().replace("mobility = 1.0", "mobility = 1.0\ndiffusivity = 1e-11"))
    assert main(["run", case, "--json", str(tmp_path / "s.json"), "--plot", str(tmp_path / "p.png")]) == 0
    tr = json.loads((tmp_path / "s.json").read_text())["transient"]
    assert len(tr["step_t"]) == tr["steps"] > len(tr["t"])
    assert np.all(np.diff(tr["step_t"]) > 0)
    at = [tr["step_t"].index(t) for t in tr["t"]]  # the output times are steps' ends
    np.testing.assert_array_equal(np.array(tr["step_current"])[at], tr["current"])
    np.testing.assert_array_equal(np.array(tr["step_ionic_current"])[at], tr["ionic_current"])
    from ase_spacecharge.visual.plots import plot_transient
    assert plot_transient(tmp_path / "t.png", tr) == tr["steps"]
