"""Warnings for results that are right but may mislead: a bulk region that is not bulk, and
Boltzmann site fractions above one.  (Mirror planes that differ between boundaries are
flagged where they are measured, in :func:`~.structure.project`.)"""

from __future__ import annotations

import warnings

import numpy as np

from .constants import E_PER_A3_TO_C_PER_M3
from .errors import SpaceChargeWarning
from . import transport

__all__ = ["check_bulk", "check_site_fractions", "BULK_FRACTION_TOLERANCE", "BACKGROUND_TOLERANCE"]

#: Largest relative deviation of a bulk-region plane's fraction from the nominal one.
BULK_FRACTION_TOLERANCE = 1e-2
#: Largest neutralising background, relative to the bulk charge density of the mobile species.
BACKGROUND_TOLERANCE = 1e-2


def bulk_deviations(solution):
    """Largest relative deviation of each mobile species' plane fractions in the bulk region
    from its nominal fraction, as ``{label: (deviation, x at that plane)}``."""
    lo, hi = solution.bulk
    inside = (solution.x > lo) & (solution.x < hi)
    out = {}
    for d in np.flatnonzero(solution.mobile):
        label = solution.defect_labels[d]
        planes = inside & solution.plane_hosts[:, d]
        if not planes.any():
            continue
        dev = np.abs(solution.mole_fractions[label][planes] / solution.mole_fraction[d] - 1.0)
        k = int(np.argmax(dev))
        out[label] = (float(dev[k]), float(solution.x[planes][k]))
    return out


def bulk_charge_density(solution):
    """|z| e c summed over the mobile species' bulk densities (C/m³)."""
    return float(sum(abs(solution.valence[d]) * transport.bulk_density(solution, d)
                     for d in np.flatnonzero(solution.mobile)) * E_PER_A3_TO_C_PER_M3)


def check_bulk(solution, *, fraction_tolerance=BULK_FRACTION_TOLERANCE, background_tolerance=BACKGROUND_TOLERANCE):
    """Warn (:class:`~.errors.SpaceChargeWarning`) when the bulk region is not bulk-like.

    A plane of the bulk region whose fraction of a mobile species is off the nominal one by
    more than ``fraction_tolerance`` (relative), or a periodic cell's neutralising
    background above ``background_tolerance`` of the bulk charge density, means the grains
    do not reach bulk: the numbers are those of a thinner, charged cell.

    Parameters
    ----------
    solution : SpaceChargeSolution
    fraction_tolerance, background_tolerance : float

    Returns
    -------
    list of str
        The problems found (also issued as warnings); empty when the bulk is bulk-like.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> check_bulk(solve(ceria_like_problem(), 773.15))
    []
    """
    if not solution.mobile.any() or not solution.site_x.size:
        return []
    problems = [f"{label} fraction {100 * dev:.3g}% off its nominal value at x = {x:.2f} Å"
                for label, (dev, x) in bulk_deviations(solution).items() if dev > fraction_tolerance]
    scale = bulk_charge_density(solution)
    if solution.boundary == "periodic" and abs(solution.background) > background_tolerance * scale:
        problems.append(f"neutralising background {solution.background:.3g} C/m³ against a bulk charge density "
                        f"of {scale:.3g} C/m³")
    if problems:
        warnings.warn(f"the bulk region {solution.bulk[0]:.2f}..{solution.bulk[1]:.2f} Å is not bulk-like: "
                      + "; ".join(problems) + ".  Give the grains more room: a larger cell, or mode='unfold' "
                      "with pad_to (e.g. 'auto') for a structure.", SpaceChargeWarning, stacklevel=2)
    return problems


def check_site_fractions(solution):
    """Warn when Boltzmann statistics gave site fractions above one (the dilute limit does
    not hold there: use Fermi–Dirac statistics).

    Parameters
    ----------
    solution : SpaceChargeSolution

    Returns
    -------
    float
        The largest site fraction.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> check_site_fractions(solve(ceria_like_problem(), 773.15)) < 1
    True
    """
    occ = solution.site_occupancy[np.isfinite(solution.site_occupancy)]
    largest = float(occ.max()) if occ.size else 0.0
    if largest > 1.0:
        s = int(np.nanargmax(np.where(np.isfinite(solution.site_occupancy), solution.site_occupancy, -1.0)) //
                max(solution.site_occupancy.shape[1], 1))
        warnings.warn(f"Boltzmann statistics give a site fraction of {largest:.4g} > 1 (site at x = "
                      f"{solution.site_x[s]:.2f} Å): the dilute limit does not hold; use statistics = "
                      "'fermi-dirac'", SpaceChargeWarning, stacklevel=2)
    return largest
