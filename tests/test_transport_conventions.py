"""What ``diffusivity`` means (issue 16, point 5): with site statistics the flux is lattice-gas
hopping, σ = z²e²Dc(1−x)/kT, not Nernst–Einstein's z²e²Dc/kT; the summary reports the bulk
conductivity the flux law gives, and a measured ``conductivity`` may be entered instead of
``diffusivity``, converted with the same convention."""

import json

import numpy as np
import pytest
from test_dynamics import _slab

from ase_spacecharge import InputError, solve
from ase_spacecharge.constants import BOLTZMANN_SI, ELEMENTARY_CHARGE
from ase_spacecharge.dynamics import Kinetics, PNPSystem, steady_state

T, D = 823.0, 1e-11


@pytest.mark.parametrize("statistics, blocking", [("boltzmann", 1.0), ("fermi-dirac", 1 - 0.05)])
def test_bulk_conductivity_is_the_lattice_gas_hopping_conductivity(statistics, blocking):
    """V_O at x = 0.05 on 0.02 O sites per Å³: z²e²Dc(1−x)/kT on Fermi–Dirac sites (5 % below
    Nernst–Einstein), z²e²Dc/kT on Boltzmann sites, to 1e-12; and the uniform slab's small-bias
    current is that σ times V/L."""
    problem = _slab(statistics)
    system = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, equilibrium=solve(problem, T))
    c = 0.05 * 0.02 * 1e30  # m⁻³
    sigma = 4 * ELEMENTARY_CHARGE ** 2 * D * c / (BOLTZMANN_SI * T) * blocking
    assert system.bulk_conductivity()[0] == pytest.approx(sigma, rel=1e-12)
    V, L = 1e-6, 200e-10
    assert steady_state(system, V).current[0] == pytest.approx(sigma * V / L, rel=1e-6)


def test_a_conductivity_gives_the_diffusivity_that_conducts_it():
    """``Kinetics(conductivity=...)``: the same D, the same steady current as the equivalent
    diffusivity (Fermi–Dirac: D = σ kT / (z² e² c (1 − x)))."""
    problem = _slab("fermi-dirac")
    eq = solve(problem, T)
    by_d = PNPSystem(problem, Kinetics({"Vo": D}), temperature=T, equilibrium=eq)
    sigma = float(by_d.bulk_conductivity()[0])
    by_sigma = PNPSystem(problem, Kinetics(conductivity={"Vo": sigma}), temperature=T, equilibrium=eq)
    assert by_sigma.D[0] == pytest.approx(by_d.D[0], rel=1e-12)
    assert steady_state(by_sigma, 0.3).current[0] == pytest.approx(steady_state(by_d, 0.3).current[0], rel=1e-12)


def _case(tmp_path, vo_keys, temperature=(773.15, 873.15)):
    from ase_spacecharge.examples import write_ceria_like_case
    path = write_ceria_like_case(tmp_path, temperature=temperature, extra=(
        'boundary = "dirichlet"\ndirichlet = [0.0, 0.0]\n[steady_state]\nvoltages = [0.05]\n'))
    text = open(path).read().replace("mobility = 1.0", "mobility = 1.0\n" + vo_keys)
    open(path, "w").write(text)
    return path


def _run(path):
    from ase_spacecharge.cases.run import run_case
    return run_case(path).summary


def test_a_case_file_takes_a_conductivity_or_its_arrhenius_prefactor(tmp_path):
    """``conductivity`` (S/m at the case temperature) gives the current of the equivalent
    diffusivity; with ``migration_energy`` it is the prefactor of σ = σ0 exp(−E_m/kT) at each
    temperature of the case.  The summary reports bulk_conductivity per temperature."""
    from ase_spacecharge.constants import BOLTZMANN_EV
    for name in "dsa":
        (tmp_path / name).mkdir()
    by_d = _run(_case(tmp_path / "d", "diffusivity = 1e-11", temperature=773.15))
    c = 0.05 * 2 / (3.124 * 58.5725) * 1e30  # V_O per m³ in the bulk the electrodes hold
    hopping = 4 * ELEMENTARY_CHARGE ** 2 * 1e-11 * c * 0.95 / (BOLTZMANN_SI * 773.15)
    assert by_d["bulk_conductivity"]["Vo"] == pytest.approx(hopping, rel=1e-3)  # the end planes are bulk to 1e-3
    plain = _run(_case(tmp_path / "a", f"conductivity = {by_d['bulk_conductivity']['Vo']!r}", temperature=773.15))
    assert plain["steady_state"]["current"][0] == pytest.approx(by_d["steady_state"]["current"][0], rel=1e-9)
    arrhenius = _run(_case(tmp_path / "s", "conductivity = 1000.0\nmigration_energy = 0.6"))
    for r in arrhenius["results"]:
        expected = 1000.0 * np.exp(-0.6 / (BOLTZMANN_EV * r["temperature"]))
        assert r["bulk_conductivity"]["Vo"] == pytest.approx(expected, rel=1e-12)
        assert r["bulk_conductivity"]["total"] == r["bulk_conductivity"]["Vo"]


def test_conductivity_input_is_checked(tmp_path):
    with pytest.raises(InputError, match="give a conductivity or a diffusivity"):
        Kinetics({"Vo": 1e-11}, conductivity={"Vo": 0.1})
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(InputError, match="conductivity of 'Vo' must be a positive number"):
            Kinetics(conductivity={"Vo": bad})
    from ase_spacecharge.cases.casefile import load_case
    both = _case(tmp_path, "diffusivity = 1e-11\nconductivity = 0.05")
    with pytest.raises(InputError, match="give one of diffusivity, diffusivity_prefactor .* not diffusivity and "
                                         "conductivity"):
        load_case(both)
    (tmp_path / "n").mkdir()
    with pytest.raises(InputError, match=r"conductivity: expected a positive number \(S/m\), got -0.05"):
        load_case(_case(tmp_path / "n", "conductivity = -0.05"))
    (tmp_path / "e").mkdir()
    with pytest.raises(InputError, match="migration_energy needs a prefactor"):
        load_case(_case(tmp_path / "e", "diffusivity = 1e-11\nmigration_energy = 0.6"))


def test_the_summary_json_reports_the_convention(tmp_path):
    from ase_spacecharge.cli import main
    path = _case(tmp_path, "diffusivity = 1e-11", temperature=773.15)
    assert main(["run", path, "--json", str(tmp_path / "s.json")]) == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert set(summary["bulk_conductivity"]) == {"Vo", "total"}
    assert summary["steady_state"]["residual"][0] <= 1e-10
