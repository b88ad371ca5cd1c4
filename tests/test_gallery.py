"""Every worked problem of the documentation's gallery (docs/gallery/plot_*.py) runs and its
assertions hold, so a change that breaks a worked problem fails the suite, not only the docs
build.  Each script runs in a fresh namespace from its own folder, as sphinx-gallery runs it,
with Matplotlib's non-interactive backend; the figure it ends in must exist."""

import runpy
from pathlib import Path

import pytest

GALLERY = Path(__file__).resolve().parents[1] / "docs" / "gallery"
SCRIPTS = sorted(GALLERY.glob("plot_*.py"))


def test_the_gallery_has_at_least_twelve_worked_problems():
    assert len(SCRIPTS) >= 12, [p.name for p in SCRIPTS]


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_worked_problem_runs_and_its_numbers_hold(script, monkeypatch):
    import matplotlib  # a dependency of pymatgen, so always there
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.chdir(script.parent)
    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(len(plt.get_fignums())))
    plt.close("all")
    try:
        runpy.run_path(str(script), run_name="__main__")
        assert shown and shown[-1] >= 1, f"{script.name} does not end in a figure"
    finally:
        plt.close("all")
