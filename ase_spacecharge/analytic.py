"""Closed forms of the space-charge model: the Mott–Schottky resistivity ratio and its
Lambert-W inverse, Debye and screening lengths, the depletion width, the thermodynamic
factor.

Units: lengths in Å, densities in Å⁻³ (1 m⁻³ = 1e-30 Å⁻³), potentials in V, temperatures
in K, energies in eV.
"""

from __future__ import annotations

import math

import numpy as np

from .constants import EPSILON_0, thermal_voltage
from .errors import InputError

__all__ = ["mott_schottky_ratio", "mott_schottky_potential", "screening_length", "thermodynamic_factor",
           "debye_length", "space_charge_width"]


def mott_schottky_ratio(phi0, valence, temperature):
    """Mott–Schottky resistivity ratio ``exp(a) / (2a)`` with ``a = z Φ0 / (kT/e)``.

    Parameters
    ----------
    phi0 : float
        V.
    valence : float
        Charge of the mobile species (e).
    temperature : float
        K.

    Returns
    -------
    float

    Examples
    --------
    >>> round(mott_schottky_ratio(0.3, 2, 773.15), 6)
    452.434103
    """
    a = valence * phi0 / thermal_voltage(temperature)
    return math.exp(a) / (2.0 * a)


def mott_schottky_potential(ratio, valence, temperature):
    """Invert :func:`mott_schottky_ratio`: ``Φ0 = -W_{-1}(-1/(2r)) kT/(z e)`` in V.

    Uses the physical branch -1 of Lambert W (``a >= 1``, mpmath at 30 digits).

    Parameters
    ----------
    ratio : float
        Resistivity ratio, at least e/2.
    valence : float
        e.
    temperature : float
        K.

    Returns
    -------
    float
        Φ0 (V).

    Raises
    ------
    InputError
        For ``r < e/2``, where no real solution exists.

    Examples
    --------
    >>> round(mott_schottky_potential(452.4341033661847, 2, 773.15), 12)
    0.3
    """
    import mpmath
    if not np.isfinite(ratio) or ratio < math.e / 2:
        raise InputError(f"Mott-Schottky inversion needs a resistivity ratio >= e/2 = {math.e / 2:.6f}, "
                         f"got {ratio!r}")
    with mpmath.workdps(30):
        w = mpmath.lambertw(-1 / (2 * mpmath.mpf(ratio)), k=-1)
    return float(-w.real) * thermal_voltage(temperature) / valence


def screening_length(concentrations, valences, temperature, permittivity, thermodynamic_factors=None):
    """Screening length (Å): ``1/λ² = Σ z² e² c / (Γ ε ε0 kT)``.

    Without ``thermodynamic_factors`` (Γ = 1) this is the Debye–Hückel length of dilute
    species; with Γ from :func:`thermodynamic_factor` it includes site exclusion
    (``Γ = 1/(1-x)`` for an ideal lattice gas) and non-ideal activities.

    Parameters
    ----------
    concentrations : array_like
        Å⁻³ (multiply m⁻³ by 1e-30).
    valences : array_like
        e.
    temperature : float
        K.
    permittivity : float
        Relative.
    thermodynamic_factors : array_like, optional

    Returns
    -------
    float
        Å.

    Examples
    --------
    >>> round(screening_length([2.5e-3, 5e-3], [2, -1], 773.15, 55.0), 9)  # analytic (c)
    1.161911922
    """
    c = np.atleast_1d(np.asarray(concentrations, float))
    z = np.atleast_1d(np.asarray(valences, float))
    gamma = np.ones_like(c) if thermodynamic_factors is None else np.atleast_1d(np.asarray(thermodynamic_factors, float))
    return float(np.sqrt(permittivity * EPSILON_0 * thermal_voltage(temperature) / np.sum(z * z * c / gamma)))


def thermodynamic_factor(x, temperature, activity=None, statistics="fermi-dirac"):
    """Darken's thermodynamic factor ``Γ = ∂ln a/∂ln x`` of a species at site fraction ``x``.

    ``1/(1-x) + x μ_ex'(x)/kT`` for a lattice gas with excess chemical potential ``μ_ex``;
    1 for Boltzmann statistics.

    Parameters
    ----------
    x : float
        Site fraction.
    temperature : float
        K.
    activity : callable, optional
        ``x -> (μ_ex, dμ_ex/dx)`` (eV), e.g. :class:`~.occupancy.RegularSolution`.
    statistics : {"fermi-dirac", "boltzmann"}

    Returns
    -------
    float

    Examples
    --------
    >>> round(thermodynamic_factor(0.05, 773.15), 6)
    1.052632
    """
    if statistics == "boltzmann":
        return 1.0
    extra = 0.0 if activity is None else float(x * activity(np.array([x]))[1][0] / thermal_voltage(temperature))
    return float(1.0 / (1.0 - x) + extra)


def debye_length(concentrations, valences, temperature, permittivity):
    """Debye length L_D (Å) in the space-charge convention ``L_D² = ε ε0 kT / (2 Σ z² e² c)``.

    This is :func:`screening_length` divided by √2; with it ``2 L_D √(zeΦ0/kT)`` is the
    Mott–Schottky depletion width ``√(2 ε ε0 Φ0 / (z e c))``.  (pyscses' version drops z²
    and mixes kT in eV with SI charges; we do not copy that.)

    Parameters
    ----------
    concentrations : array_like
        Å⁻³.
    valences : array_like
        e.
    temperature : float
        K.
    permittivity : float
        Relative.

    Returns
    -------
    float
        Å.

    Examples
    --------
    >>> round(debye_length([2.5e-3], [2], 773.15, 55.0), 9)  # analytic (b): 1.00625 Å
    1.006245241
    """
    return screening_length(concentrations, valences, temperature, permittivity) / math.sqrt(2.0)


def space_charge_width(debye, phi0, valence, temperature):
    """Space-charge (depletion) width ``δ = 2 L_D √(zeΦ0/kT)`` in the units of ``debye``.

    Parameters
    ----------
    debye : float
        Debye length (any length unit).
    phi0 : float
        V.
    valence : float
        e.
    temperature : float
        K.

    Returns
    -------
    float
        NaN when ``z Φ0 <= 0`` (accumulation: no depletion layer).

    Examples
    --------
    >>> round(space_charge_width(1.006245241398474, 0.3, 2, 773.15), 6)  # λ* = 6.039 Å
    6.039363
    """
    a = valence * phi0 / thermal_voltage(temperature)
    return 2.0 * debye * math.sqrt(a) if a > 0 else float("nan")
