"""Out of equilibrium: Poisson–Nernst–Planck on the planes of a problem, with Onsager fluxes.

1. :class:`Kinetics` gives the moving species their diffusion coefficients (and optional
   Onsager cross coefficients); :class:`PNPSystem` sets up the equations on a problem's
   planes with electrodes at its ends (:mod:`.system`, :mod:`.state`, :mod:`.equations`).
2. :func:`transient` integrates in time (adaptive BDF2, one banded Newton per step);
   :func:`steady_state` and :func:`iv_curve` solve the steady equations under bias;
   :func:`impedance` gives the small-signal spectrum about a state, and :func:`arcs` reads
   it as an impedance analyser's user would.

Units: times in s, diffusion coefficients in m²/s, currents in A/m², potentials in V,
impedances in Ω·m².

Examples
--------
The workflow, from an equilibrium between two electrodes to a spectrum:

>>> import numpy as np
>>> from ase_spacecharge import solve
>>> from ase_spacecharge.dynamics import (Kinetics, PNPSystem, impedance, kramers_kronig_residuals,
...                                      steady_state, transient)
>>> from ase_spacecharge.examples import ceria_like_problem
>>> problem = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
>>> system = PNPSystem(problem, Kinetics({"Vo": 1e-11}), temperature=773.15,
...                    equilibrium=solve(problem, 773.15))
>>> run = transient(system.with_voltage(0.01), [1e-9, 1e-6])
>>> run.current.shape
(2,)
>>> steady = steady_state(system, 0.01)  # a SteadyState: states, current (A/m²), residual, current_spread
>>> bool(steady.current[0] > 0), bool(steady.residual[0] <= 1e-10)
(True, True)
>>> spectrum = impedance(system, np.logspace(-2, 12, 57))
>>> bool(spectrum.z_real[0] > spectrum.z_real[-1] > 0)  # resistive at low frequency, capacitive above
True
>>> bool(np.max(np.abs(kramers_kronig_residuals(spectrum))) < 1e-2)
True
"""

from .impedance import Spectrum, impedance
from .integrate import Transient, transient
from .kinetics import ELECTRODES, Kinetics, Voltage, arrhenius
from .spectra import arcs, brick_layer, kramers_kronig_residuals
from .steady import SteadyState, iv_curve, steady_state
from .system import PNPSystem

__all__ = ["Kinetics", "Voltage", "arrhenius", "ELECTRODES", "PNPSystem", "transient", "Transient", "steady_state",
           "iv_curve", "SteadyState", "impedance", "Spectrum", "arcs", "brick_layer", "kramers_kronig_residuals"]
