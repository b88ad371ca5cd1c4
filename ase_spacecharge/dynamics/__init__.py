"""Out of equilibrium: Poisson–Nernst–Planck on the planes of a problem, with Onsager fluxes.

1. :class:`Kinetics` gives the moving species their diffusion coefficients (and optional
   Onsager cross coefficients); :class:`PNPSystem` sets up the equations on a problem's
   planes with electrodes at its ends (:mod:`.system`, :mod:`.state`, :mod:`.equations`).
2. :func:`transient` integrates in time (adaptive BDF2, one banded Newton per step);
   :func:`steady_state` and :func:`iv_curve` solve the steady equations under bias.

Units: times in s, diffusion coefficients in m²/s, currents in A/m², potentials in V.
"""

from .kinetics import ELECTRODES, Kinetics, Voltage, arrhenius
from .system import PNPSystem

__all__ = ["Kinetics", "Voltage", "arrhenius", "ELECTRODES", "PNPSystem"]
