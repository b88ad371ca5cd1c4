"""Physical constants in the package's internal unit system.

The public API follows ASE's habits: lengths in Å, energies in eV, potentials in V,
temperatures in K.  Internally the Poisson equation is written in Å, elementary charges
and volts, so the vacuum permittivity is expressed in e / (V Å).  SI values (CODATA 2018,
via :mod:`scipy.constants`) enter only here.
"""

from scipy import constants as _c

#: Elementary charge (C).
ELEMENTARY_CHARGE = _c.e
#: Boltzmann constant (eV / K).
BOLTZMANN_EV = _c.k / _c.e
#: Vacuum permittivity (F / m), SI.
EPSILON_0_SI = _c.epsilon_0
#: Vacuum permittivity in e / (V Å): epsilon_0 [C/(V m)] / e [C] * 1e-10 [m/Å].
EPSILON_0 = _c.epsilon_0 / _c.e * 1e-10
#: Metres per Ångström.
ANGSTROM = 1e-10
#: Conversion of a charge density from e / Å^3 to C / m^3.
E_PER_A3_TO_C_PER_M3 = _c.e * 1e30


def thermal_voltage(temperature):
    """kT/e in V (equal to kT in eV) at ``temperature`` in K."""
    return BOLTZMANN_EV * temperature
