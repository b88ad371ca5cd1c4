"""Physical constants in the package's internal unit system.

The public API follows ASE's habits: lengths in Å, energies in eV, potentials in V,
temperatures in K.  Internally the Poisson equation is written in Å, elementary charges
and volts, so the vacuum permittivity is expressed in e / (V Å).  SI values enter only here.

The values are pinned to CODATA 2018 (e and k_B exact, ε0 = 8.8541878128e-12 F/m), the set
the validation data were computed with, rather than taken from :mod:`scipy.constants`,
whose ε0 changes with the SciPy release (CODATA 2022 differs by 7e-10 relative).
"""

__all__ = ["E_PER_S_A2_TO_A_PER_M2", "ELEMENTARY_CHARGE", "BOLTZMANN_SI", "BOLTZMANN_EV", "EPSILON_0_SI", "EPSILON_0", "ANGSTROM",
           "E_PER_A3_TO_C_PER_M3", "thermal_voltage"]

#: Elementary charge (C), exact.
ELEMENTARY_CHARGE = 1.602176634e-19
#: Boltzmann constant (J / K), exact.
BOLTZMANN_SI = 1.380649e-23
#: Boltzmann constant (eV / K).
BOLTZMANN_EV = BOLTZMANN_SI / ELEMENTARY_CHARGE
#: Vacuum permittivity (F / m), SI, CODATA 2018.
EPSILON_0_SI = 8.8541878128e-12
#: Vacuum permittivity in e / (V Å): epsilon_0 [C/(V m)] / e [C] * 1e-10 [m/Å].
EPSILON_0 = EPSILON_0_SI / ELEMENTARY_CHARGE * 1e-10
#: Metres per Ångström.
ANGSTROM = 1e-10
#: Conversion of a charge density from e / Å^3 to C / m^3.
E_PER_A3_TO_C_PER_M3 = ELEMENTARY_CHARGE * 1e30


def thermal_voltage(temperature):
    """kT/e in V (equal to kT in eV) at ``temperature`` in K.

    Parameters
    ----------
    temperature : float or ndarray
        K.

    Returns
    -------
    float or ndarray
        V.

    Examples
    --------
    >>> round(thermal_voltage(773.15), 16)  # the analytic cases' kT/e
    0.0666249121162754
    """
    return BOLTZMANN_EV * temperature


#: Current density of one elementary charge per second through 1 Å², in A/m².
E_PER_S_A2_TO_A_PER_M2 = ELEMENTARY_CHARGE * 1e20
