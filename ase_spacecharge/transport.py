"""Transport consequences and analytic Mott–Schottky relations.

Resistivity ratios compare the mobile species' conductivity ``sigma ∝ n`` (uniform
mobility) in the space-charge region with the bulk value ``n_b``:

* perpendicular (series): ``r_perp = <n_b / n>``, the control-volume-weighted mean over
  the region;
* parallel: ``r_par = 1 / <n / n_b>``.

Both use the mobile species' own planes with that sublattice's control volumes.  The
region is the set of those planes where ``|phi| > scr_limit`` (V), so the ratios depend on
``scr_limit``; the region-independent excess thicknesses

    perp_excess = sum_k dx_k (n_b / n_k - 1),   par_excess = sum_k dx_k (n_k / n_b - 1)

(Å, over the whole cell) are reported too: the boundary adds the resistance of a slab of
bulk ``perp_excess`` thick in series, and a sheet of bulk conductance ``par_excess`` thick in
parallel.  ``compat="pyscses"`` evaluates pyscses 1.0.0's formulas instead (see
:func:`~.conventions.pyscses_resistivity_ratios`).
"""

from __future__ import annotations

import math

import numpy as np

from .constants import BOLTZMANN_EV, EPSILON_0, thermal_voltage
from .errors import InputError
from .grid import control_volume_widths

__all__ = ["species_density", "bulk_density", "conducting_species", "resistivity_ratios", "mott_schottky_ratio",
           "mott_schottky_potential", "screening_length", "thermodynamic_factor", "debye_length",
           "space_charge_width", "activation_energy", "local_activation_energies"]


def species_density(solution, d):
    """Planes of species ``d`` and its density there (Å⁻³) with its sublattice widths (Å).

    Returns ``(planes, x, dx, n)``.
    """
    hosts = solution.plane_hosts[:, d]
    planes = np.flatnonzero(hosts)
    occupied = np.bincount(solution.site_plane, minlength=solution.x.size,
                           weights=solution.site_weight * np.nan_to_num(solution.site_occupancy[:, d]))
    x = solution.x[planes]
    if solution.boundary == "periodic":
        dx = control_volume_widths(x, period=solution.x_max - solution.x_min)
    else:
        dx = control_volume_widths(x, lower_end=x[0] - solution.x_min + 0.5 * (x[1] - x[0]),
                                   upper_end=solution.x_max - x[-1] + 0.5 * (x[-1] - x[-2]))
    return planes, x, dx, occupied[planes] / (dx * solution.area)


def bulk_density(solution, d):
    """Control-volume-weighted mean density (Å⁻³) of species ``d`` over the bulk region."""
    planes, x, dx, n = species_density(solution, d)
    lo, hi = solution.bulk
    inside = (x > lo) & (x < hi)
    if not inside.any():
        raise InputError(f"the bulk region {lo}..{hi} Å holds no planes of {solution.defect_labels[d]!r}")
    return float(np.sum(n[inside] * dx[inside]) / np.sum(dx[inside]))


def conducting_species(solution, species=None):
    """Index of the conducting species: ``species`` (a label) or the first with mobility > 0."""
    if species is not None:
        if species not in solution.defect_labels:
            raise InputError(f"unknown species {species!r}; defined: {solution.defect_labels}")
        return solution.defect_labels.index(species)
    mobile = np.flatnonzero(solution.mobility > 0)
    if mobile.size == 0:
        raise InputError("no species has a nonzero mobility: resistivity ratios are undefined")
    return int(mobile[0])


def resistivity_ratios(solution, *, scr_limit=0.02, species=None):
    """Textbook series/parallel resistivity ratios of the conducting species.

    Returns a dict with ``r_perp``, ``r_par`` (NaN when no plane exceeds ``scr_limit``),
    ``perp_excess`` and ``par_excess`` (Å) and ``region_width`` (Å).
    """
    if not (isinstance(scr_limit, (int, float, np.integer, np.floating)) and math.isfinite(scr_limit)
            and scr_limit >= 0):
        raise InputError(f"scr_limit must be a non-negative number of volts, got {scr_limit!r}")
    d = conducting_species(solution, species)
    planes, x, dx, n = species_density(solution, d)
    n_b = bulk_density(solution, d)
    region = np.abs(solution.phi[planes]) > scr_limit
    out = dict(perp_excess=float(np.sum(dx * (n_b / n - 1.0))),
               par_excess=float(np.sum(dx * (n / n_b - 1.0))),
               region_width=float(dx[region].sum()))
    if region.any():
        w = dx[region] / dx[region].sum()
        out["r_perp"] = float(np.sum(w * n_b / n[region]))
        out["r_par"] = float(1.0 / np.sum(w * n[region] / n_b))
    else:
        out["r_perp"] = out["r_par"] = float("nan")
    return out


def mott_schottky_ratio(phi0, valence, temperature):
    """Mott–Schottky resistivity ratio ``exp(a) / (2a)`` with ``a = z Φ0 / (kT/e)``
    (Φ0 in V, T in K)."""
    a = valence * phi0 / thermal_voltage(temperature)
    return math.exp(a) / (2.0 * a)


def mott_schottky_potential(ratio, valence, temperature):
    """Invert :func:`mott_schottky_ratio`: ``Φ0 = -W_{-1}(-1/(2r)) kT/(z e)`` in V.

    Uses the physical branch -1 of Lambert W (``a >= 1``, mpmath at 30 digits).  Raises
    :class:`~.errors.InputError` for ``r < e/2``, where no real solution exists.
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

    ``concentrations`` in Å⁻³ (multiply m⁻³ by 1e-30), ``valences`` in e.  Without
    ``thermodynamic_factors`` (Γ = 1) this is the Debye–Hückel length of dilute species;
    with Γ from :func:`thermodynamic_factor` it includes site exclusion (``Γ = 1/(1-x)``
    for an ideal lattice gas) and non-ideal activities.
    """
    c = np.atleast_1d(np.asarray(concentrations, float))
    z = np.atleast_1d(np.asarray(valences, float))
    gamma = np.ones_like(c) if thermodynamic_factors is None else np.atleast_1d(np.asarray(thermodynamic_factors, float))
    return float(np.sqrt(permittivity * EPSILON_0 * thermal_voltage(temperature) / np.sum(z * z * c / gamma)))


def thermodynamic_factor(x, temperature, activity=None, statistics="fermi-dirac"):
    """Darken's thermodynamic factor ``Γ = ∂ln a/∂ln x`` of a species at site fraction ``x``:
    ``1/(1-x) + x μ_ex'(x)/kT`` for a lattice gas with excess chemical potential ``μ_ex``
    (eV; ``activity`` returns ``(μ_ex, dμ_ex/dx)``), 1 for Boltzmann statistics."""
    if statistics == "boltzmann":
        return 1.0
    extra = 0.0 if activity is None else float(x * activity(np.array([x]))[1][0] / thermal_voltage(temperature))
    return float(1.0 / (1.0 - x) + extra)


def debye_length(concentrations, valences, temperature, permittivity):
    """Debye length L_D (Å) in the space-charge convention ``L_D² = ε ε0 kT / (2 Σ z² e² c)``.

    This is :func:`screening_length` divided by √2; with it ``2 L_D √(zeΦ0/kT)`` is the
    Mott–Schottky depletion width ``√(2 ε ε0 Φ0 / (z e c))``.  (pyscses' version drops z²
    and mixes kT in eV with SI charges; the background text's mixes kT with F.)
    """
    return screening_length(concentrations, valences, temperature, permittivity) / math.sqrt(2.0)


def space_charge_width(debye, phi0, valence, temperature):
    """Space-charge (depletion) width ``δ = 2 L_D √(zeΦ0/kT)`` in the units of ``debye``.

    NaN when ``z Φ0 <= 0`` (accumulation: no depletion layer).
    """
    a = valence * phi0 / thermal_voltage(temperature)
    return 2.0 * debye * math.sqrt(a) if a > 0 else float("nan")


def activation_energy(temperatures, ratios):
    """Least-squares Arrhenius slope ``E = k_B d ln r / d(1/T)`` (eV) over all points."""
    T = np.asarray(temperatures, float)
    r = np.asarray(ratios, float)
    if np.unique(T).size < 2:
        raise InputError(f"an activation energy needs at least two different temperatures, got {T.tolist()}")
    slope = np.polyfit(1.0 / T, np.log(r), 1)[0]
    return float(BOLTZMANN_EV * slope)


def local_activation_energies(temperatures, ratios):
    """Local slopes ``k_B d ln r / d(1/T)`` (eV) by second-order central differences on the
    irregular 1/T grid (pyscses' formula); NaN at the two end points."""
    T = np.asarray(temperatures, float)
    y = np.log(np.asarray(ratios, float))
    x = 1.0 / T
    out = np.full(T.size, np.nan)
    if T.size >= 3:
        x0, x1, x2 = x[:-2], x[1:-1], x[2:]
        f = (x2 - x1) / (x2 - x0)
        out[1:-1] = (1 - f) * (y[2:] - y[1:-1]) / (x2 - x1) + f * (y[1:-1] - y[:-2]) / (x1 - x0)
    return BOLTZMANN_EV * out
