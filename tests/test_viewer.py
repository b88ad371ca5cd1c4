"""The interactive viewer (issue 19): ``run ... --view cell.html`` writes one self-contained HTML
file that headless Chromium opens without a network, showing the atoms in colour; the
viewer's contents (menu of every sc_ array, hover text, boundary planes, linked profile)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAIN_JOB = ROOT / "example_structures" / "ceria_sigma5_310" / "case.toml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _array(value):
    """A plotly array as NumPy (plotly >= 6 writes them as base64 typed arrays)."""
    import base64
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value)


def _figure(html):
    """The plotly figure (data and layout) embedded in a written viewer."""
    match = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"', html, re.S)
    return json.loads(match.group(1)), json.loads(match.group(2))


@pytest.fixture(scope="module")
def main_job_html(tmp_path_factory):
    """``ase-spacecharge run <main job> --view cell.html`` in a fresh process."""
    folder = tmp_path_factory.mktemp("view")
    case = folder / "case.toml"
    case.write_text(MAIN_JOB.read_text().replace('write_structure = "out.extxyz"', f'write_structure = "{folder}/out.extxyz"')
                    .replace('structure = "gb.extxyz"', f'structure = "{MAIN_JOB.parent}/gb.extxyz"'))
    out = subprocess.run([sys.executable, "-m", "ase_spacecharge", "run", str(case), "--view", str(folder / "cell.html")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "wrote interactive viewer" in out.stdout
    return folder / "cell.html"


def test_viewer_is_self_contained_with_every_array_in_its_menu(main_job_html):
    html = main_job_html.read_text()
    assert not re.search(r'<script[^>]+src="http', html)  # plotly.js is embedded, nothing is fetched
    data, layout = _figure(html)
    buttons = [b["label"] for b in layout["updatemenus"][0]["buttons"]]
    assert {"sc_phi", "sc_occ_Vo", "sc_occ_Gd", "sc_dE_Vo", "sc_dE_Gd", "sc_x", "sc_plane"} <= set(buttons)
    traces = {t.get("name"): t for t in data}
    phi = traces["sc_phi"]
    assert phi["visible"] is True and traces["sc_occ_Vo"]["visible"] is False
    assert phi["marker"]["cmid"] == 0.0 and phi["marker"]["cmin"] == -phi["marker"]["cmax"]
    vo = traces["sc_occ_Vo"]
    assert vo["marker"]["cmax"] - vo["marker"]["cmin"] > 12  # log10: the depletion layer spans 14 decades
    assert "cannot host Vo" in " ".join(traces["sc_occ_Vo: no value"]["text"])
    assert set(np.round(_array(phi["marker"]["size"]), 3)) == {round(4 + 16 * 0.264 / 0.816, 3), 20.0}  # O and Ce radii
    for word in ("atom %{customdata[0]}", "x = ", "φ = ", "x(Vo) = ", "ΔE(Vo) = "):
        assert word in phi["hovertemplate"]
    assert sum(t["type"] == "mesh3d" for t in data) == 2  # the two boundary planes of the Σ5 cell
    assert any(t.get("name") == "φ per plane" for t in data) and layout["yaxis2"]["type"] == "log"
    assert "plotly_hover" in html and "plotly_click" in html  # atoms marked on both sides


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)")
def test_chromium_opens_the_main_jobs_viewer_offline_and_shows_coloured_atoms(main_job_html, tmp_path):
    from matplotlib.image import imread
    from matplotlib.colors import rgb_to_hsv
    shot = tmp_path / "shot.png"
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",  # no network: every request would fail
           "--enable-unsafe-swiftshader", "--virtual-time-budget=15000", f"--screenshot={shot}",
           "--window-size=1400,900", main_job_html.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=180)
    shutil.copy(shot, main_job_html.parent / "shot.png")  # to look at
    image = imread(shot)[..., :3]
    assert image.shape[:2] == (900, 1400)
    scene = image[100:800, 0:600]  # the 3D scene: the left part of the page
    hsv = rgb_to_hsv(scene)
    coloured = hsv[..., 1] > 0.35
    assert coloured.mean() > 0.003, "no coloured atoms in the scene"
    distinct = {tuple(c) for c in (scene[coloured] * 15).round().astype(int)}
    assert len(distinct) >= 8, f"only {len(distinct)} distinct colours in the scene"
    red = (hsv[..., 0] < 0.05) | (hsv[..., 0] > 0.95)
    assert (coloured & red).sum() > 200  # the boundary core (φ ≈ 0.5 V) shows red
    whole = image.reshape(-1, 3)
    assert len({tuple(c) for c in (whole * 15).round().astype(int)}) > 30  # not a blank page


def test_chemiscope_dataset_has_every_sc_property_with_units_nan_where_unhosted(tmp_path):
    """``--chemiscope gb.json``: every per-atom sc_ array as an atom property with its unit and
    description, NaN exactly on the atoms that cannot host the defect, coloured by log x(V_O)."""
    pytest.importorskip("chemiscope")
    from ase.io import read
    from ase_spacecharge.cli import main
    case = tmp_path / "case.toml"
    case.write_text(MAIN_JOB.read_text().replace('structure = "gb.extxyz"', f'structure = "{MAIN_JOB.parent}/gb.extxyz"')
                    .replace('write_structure = "out.extxyz"', f'write_structure = "{tmp_path}/out.extxyz"'))
    assert main(["run", str(case), "--chemiscope", str(tmp_path / "gb.json")]) == 0
    data = json.loads((tmp_path / "gb.json").read_text())  # chemiscope's JSON (NaN as chemiscope writes it)
    atoms = read(tmp_path / "out.extxyz")
    props = data["properties"]
    arrays = sorted(k for k in atoms.arrays if k.startswith("sc_") and atoms.arrays[k].dtype.kind in "fiu")
    assert sorted(k for k, p in props.items() if p["target"] == "atom") == arrays  # text (sc_dE_source_) aside
    assert props["sc_phi"]["units"] == "V" and props["sc_dE_Vo"]["units"] == "eV"
    assert all(props[k]["description"] for k in arrays)
    vo = np.array(props["sc_occ_Vo"]["values"], float)
    np.testing.assert_array_equal(np.isnan(vo), atoms.symbols == "Ce")
    np.testing.assert_allclose(vo[~np.isnan(vo)], atoms.arrays["sc_occ_Vo"][~np.isnan(vo)], rtol=0, atol=1e-8)  # extxyz: %16.8f
    assert np.nanmin(vo) < 1e-12  # chemiscope gets the full precision
    assert data["settings"]["structure"][0]["color"] == {"property": "sc_occ_Vo", "transform": "log",
                                                         "palette": "viridis"}
    assert props["sc_phi0"]["target"] == "structure" and props["sc_phi0"]["values"][0] == atoms.info["sc_phi0"]
    assert len(data["environments"]) == len(atoms) and len(data["structures"][0]["x"]) == len(atoms)


def test_ovito_reads_every_sc_array_as_a_particle_property(tmp_path):
    """The README's OVITO recipe on the main job's written structure (skips without ovito)."""
    pytest.importorskip("ovito")
    from ase.io import read, write
    from ovito.io import import_file
    from ovito.modifiers import ColorCodingModifier, ComputePropertyModifier
    from ase_spacecharge.cases.casefile import load_case
    from ase_spacecharge.cases.run import run_case
    case = load_case(MAIN_JOB)
    case["write_structure"] = str(tmp_path / "out.extxyz")
    run_case(case)
    atoms = read(tmp_path / "out.extxyz")
    pipeline = import_file(str(tmp_path / "out.extxyz"))
    pipeline.modifiers.append(ComputePropertyModifier(output_property="log10_occ_Vo", expressions=["log10(sc_occ_Vo)"]))
    pipeline.modifiers.append(ColorCodingModifier(property="log10_occ_Vo", gradient=ColorCodingModifier.Viridis()))
    data = pipeline.compute()
    for key in (k for k in atoms.arrays if k.startswith("sc_")):
        np.testing.assert_allclose(np.asarray(data.particles[key]), atoms.arrays[key], rtol=0, atol=1e-12,
                                   equal_nan=True)
    o = atoms.symbols == "O"
    np.testing.assert_allclose(np.asarray(data.particles["log10_occ_Vo"])[o], np.log10(atoms.arrays["sc_occ_Vo"][o]))
    colours = np.asarray(data.particles["Color"])
    assert len({tuple(c) for c in colours[o].round(3)}) > 10  # the log scale spreads the O atoms' colours
