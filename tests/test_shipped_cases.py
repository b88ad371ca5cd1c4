"""The shipped dynamics cases beside the Σ3 impedance case (example_structures/ceria_sigma3_111:
transient.toml and steady_state.toml) run as the documentation says, and agree with each
other: the transient after the 50 mV step ends on the steady state Newton finds at 50 mV."""

from pathlib import Path

import numpy as np
import pytest

from ase_spacecharge.cases.run import run_case

SIGMA3 = Path(__file__).resolve().parents[1] / "example_structures" / "ceria_sigma3_111"


@pytest.fixture(scope="module")
def runs():
    if not (SIGMA3 / "gb.extxyz").exists():
        pytest.skip("the Σ3 structure is not present")
    return {name: run_case(SIGMA3 / f"{name}.toml").summary for name in ("transient", "steady_state")}


def test_the_transient_ends_on_the_steady_state(runs):
    tr, ss = runs["transient"]["transient"], runs["steady_state"]["steady_state"]
    at = ss["voltage"].index(0.05)
    assert tr["voltage"][-1] == 0.05
    assert tr["current"][-1] == pytest.approx(ss["current"][at], rel=1e-6)
    assert tr["current"][0] > 1e4 * tr["current"][-1]  # at 0.1 ns only the bulk limits the current


def test_the_steady_state_at_zero_bias_is_the_impedance_cases_dc_limit(runs):
    """V/I rises linearly with V (the Σ3 cell is not mirror-symmetric) from Z(ω → 0) of the
    shipped impedance case at the same temperature."""
    from ase_spacecharge.cases.casefile import load_case
    ss = runs["steady_state"]["steady_state"]
    V, R = np.array(ss["voltage"][:3]), np.array(ss["resistance"][:3])
    assert np.all(np.diff(R) > 0)
    case = load_case(SIGMA3 / "impedance.toml")
    case.update(temperature=773.15, temperatures=[773.15])
    case["impedance"].update(frequencies=[1e-5, 1e-4], grain_size=None)
    z_dc = run_case(case).summary["impedance"]["z_real"][0]
    assert np.polyval(np.polyfit(V, R, 1), 0.0) == pytest.approx(z_dc, rel=1e-3)
