"""Issue 18: a written structure that keeps everything.  The depletion layer survives ASE's
extxyz (``sc_log10_occ_<defect>``), the structure carries its provenance (``sc_params``) and
re-runs from it alone, and the command line behaves as ASE users expect (``-o``, ``--json -``,
``--quiet``, ``-T``, progress lines in log files)."""

import hashlib
import json
import shutil

import numpy as np
import pytest
from ase.io import read

import sigma5_images as s5
from ase_spacecharge import InputError, __version__
from ase_spacecharge.cases import load_case, run_case
from ase_spacecharge.cli import main

SHIPPED = s5.SIGMA5.parent


@pytest.fixture
def shipped(tmp_path):
    """The main job's case and structure, copied (its write_structure goes to the copy's folder)."""
    for name in ("case.toml", "gb.extxyz"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path / "case.toml"


def _numbers(summary):
    """The summary's results: every number (NaN as None, so that equal means equal), without
    the provenance."""
    from ase_spacecharge.cases.output.summary_json import json_safe
    provenance = ("inputs", "package_version", "structure", "images")
    return json_safe({k: v for k, v in summary.items() if k not in provenance})


def test_log10_fractions_survive_extxyz_where_the_fractions_do_not(shipped, tmp_path):
    result = run_case(shipped, write_structure=str(tmp_path / "cell.extxyz"))
    frame = result.frames[0]
    occ = frame.arrays["sc_occ_Vo"]
    back = read(tmp_path / "cell.extxyz")
    o = np.flatnonzero(frame.symbols == "O")
    tiny = o[occ[o] < 1e-9]
    assert tiny.size >= 20  # the depletion layer: sites below 1e-9 (down to 1e-16)
    assert (back.arrays["sc_occ_Vo"][tiny] < 1e-8).all() and (back.arrays["sc_occ_Vo"][tiny] == 0).any()
    # the solution's own fractions, site by site
    sol, proj = result.solutions[0], result.projection
    inside = (proj.sites.x > sol.x_min) & (proj.sites.x < sol.x_max)
    atom, j = proj.atom_index[inside], list(sol.defect_labels).index("Vo")
    fractions = sol.site_occupancy[atom >= 0, j]
    err = np.abs(back.arrays["sc_log10_occ_Vo"][atom[atom >= 0]] - np.log10(fractions))
    ok = np.isfinite(fractions)
    assert err[ok].max() < 1e-7 and np.isfinite(back.arrays["sc_log10_occ_Vo"][o]).all()
    assert np.isnan(back.arrays["sc_log10_occ_Vo"][frame.symbols == "Ce"]).all()
    assert back.arrays["sc_log10_occ_Vo"][tiny].min() < -15


def test_the_written_structure_says_where_it_came_from_and_reruns_to_the_same_summary(shipped, tmp_path):
    first = run_case(shipped, write_structure=str(tmp_path / "out.extxyz"))
    params = json.loads(read(tmp_path / "out.extxyz").info["sc_params"])
    assert params["package"] == "ase_spacecharge" and params["version"] == __version__
    assert params["case_sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    from ase_spacecharge.screen.sources import find_structures
    assert params["structure"]["hash"] == find_structures(str(shipped.parent / "gb.extxyz"))[0]["hash"]
    assert params["inputs"]["pad_to"] == "auto" and params["inputs"]["tolerance"] == 1e-10  # defaults filled in
    assert params["case"]["write_structure"] == "out.extxyz"  # the table as written
    assert first.summary["package_version"] == __version__ and first.summary["inputs"] == params["inputs"]
    (shipped.parent / "gb.extxyz").unlink()  # the structure alone
    (shipped.parent / "case.toml").unlink()
    again = run_case(tmp_path / "out.extxyz", write=False)
    assert _numbers(again.summary) == _numbers(first.summary)
    assert again.summary["inputs"] == first.summary["inputs"]


def test_a_rerun_of_a_sparse_images_case_written_to_an_ase_db_is_exact(tmp_path):
    from test_energy_sources import _one_image_per_class, _sparse_case
    atoms = s5.pristine()
    case = _sparse_case(tmp_path, atoms, _one_image_per_class(atoms), "equivalent")
    with pytest.warns(UserWarning):  # these symmetric energies are no bulk: the guards say so
        first = run_case(case, write_structure=str(tmp_path / "out.db"))
    shutil.rmtree(tmp_path / "img")
    with pytest.warns(UserWarning):
        again = run_case(str(tmp_path / "out.db"), write=False)
    assert again.solutions[0].phi0 == first.solutions[0].phi0
    assert again.summary["energy_sources"] == first.summary["energy_sources"] == {
        "Vo": dict(computed=30, equivalent=210, filled=0, none=0), "Gd": dict(computed=30, equivalent=90, filled=0,
                                                                              none=0)}


def test_a_structure_without_params_is_not_a_case(tmp_path):
    from ase.io import write
    write(tmp_path / "plain.extxyz", read(s5.SIGMA5))
    with pytest.raises(InputError, match=r"plain.extxyz: a structure without info\['sc_params'\]"):
        load_case(tmp_path / "plain.extxyz")


def test_run_case_can_leave_the_case_folder_alone(shipped):
    before = sorted(p.name for p in shipped.parent.iterdir())
    result = run_case(shipped, write=False)
    assert sorted(p.name for p in shipped.parent.iterdir()) == before and len(result.frames) == 1


def test_cli_write_structure_json_to_stdout_quiet_and_traceback(shipped, tmp_path, capsys):
    assert main(["run", str(shipped), "-o", str(tmp_path / "x.extxyz"), "--json", "-"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)  # standard output holds the JSON alone
    assert summary["package_version"] == __version__ and "wrote annotated structure" in captured.err
    assert (tmp_path / "x.extxyz").exists() and not (shipped.parent / "out.extxyz").exists()
    assert main(["run", str(shipped), "--quiet", "--write-structure", str(tmp_path / "y.extxyz")]) == 0
    assert capsys.readouterr().out == ""
    bad = tmp_path / "bad.toml"
    bad.write_text(shipped.read_text().replace("temperature = 773.15", 'temperature = "hot"'))
    assert main(["run", str(bad)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(InputError, match="temperature"):
        main(["run", str(bad), "-T"])
    with pytest.raises(InputError, match="temperature"):
        main(["-T", "run", str(bad)])


def test_cli_writes_the_case_structure_where_the_case_says(shipped, capsys):
    assert main(["run", str(shipped), "-q"]) == 0
    assert "sc_params" in read(shipped.parent / "out.extxyz").info


def test_progress_is_redrawn_on_a_terminal_and_plain_lines_in_a_log(capsys, monkeypatch):
    from ase_spacecharge.cli import _ScreenProgress
    progress = _ScreenProgress("results.db")
    for done in range(0, 201):
        progress(done, 200, 0)
    err = capsys.readouterr().err
    assert "\r" not in err and err.count("\n") <= 4 and "200/200 rows" in err
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    progress = _ScreenProgress("results.db")
    progress(0, 2, 0)
    progress(2, 2, 0)
    assert "\rscreen: 2/2 rows" in capsys.readouterr().err
