"""Restricted equilibrium: the dopants frozen in at an equilibration temperature, the mobile
species re-equilibrated at the measurement temperature (Usler et al., Solids 5 (2024) 404).

A Gouy–Chapman solve at ``equilibration_temperature`` (every species equilibrates) fixes each
frozen species' site fractions, site by site; the mobile species then equilibrate with that
frozen, non-uniform profile, their chemical potentials fitted to the bulk fractions as under
Gouy–Chapman.  At the equilibration temperature it is the Gouy–Chapman solution; with a
uniform frozen profile it is Mott–Schottky.
"""

from __future__ import annotations

from .errors import check_temperature
from .model import build_problem, frozen_in

__all__ = ["frozen_profile", "restricted_problem", "check_equilibration_temperature"]


def check_equilibration_temperature(value):
    """``value`` as a temperature (K), or a named error.

    Parameters
    ----------
    value : float

    Returns
    -------
    float

    Raises
    ------
    InputError
        Not a finite positive number.

    Examples
    --------
    >>> check_equilibration_temperature(1673)
    1673.0
    """
    return check_temperature(value, "equilibration_temperature")


def frozen_profile(sites, defects, *, equilibration_temperature, **kw):
    """Site fractions (n_sites of the problem, m) of every species after a Gouy–Chapman solve at
    ``equilibration_temperature`` (K); keywords as in :func:`~.model.build_problem`.

    Parameters
    ----------
    sites : Sites
    defects : sequence of DefectSpecies or dicts
    equilibration_temperature : float
        K.
    **kw
        :func:`~.model.build_problem` keywords (``approximation`` is ignored).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from ase_spacecharge.examples import ceria_like_column
    >>> sites, lo, hi = ceria_like_column()
    >>> p = frozen_profile(sites, [dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0),
    ...                            dict(label="Gd", valence=-1, mole_fraction=0.2)],
    ...                    equilibration_temperature=1673.0, x_min=lo, x_max=hi, area=58.57, permittivity=55.0,
    ...                    bulk=(lo + 2, lo + 15))
    >>> p.shape, bool(np.nanmax(p[:, 1]) > 0.2)  # Gd gathered at the boundary while mobile
    ((90, 2), True)
    """
    return frozen_in(sites, defects, equilibration_temperature, kw)[0]


def restricted_problem(sites, defects, *, equilibration_temperature, **kw):
    """The restricted-equilibrium :class:`~ase_spacecharge.equilibrium.problem.Problem`: frozen species at their site
    fractions of a Gouy–Chapman equilibrium at ``equilibration_temperature`` (K), mobile
    species free (the same as ``build_problem(..., approximation="restricted",
    equilibration_temperature=...)``).

    Parameters
    ----------
    sites : Sites
    defects : sequence of DefectSpecies or dicts
        ``mobility > 0`` marks the species that stay mobile.
    equilibration_temperature : float
        K.
    **kw
        :func:`~.model.build_problem` keywords.

    Returns
    -------
    Problem

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_column
    >>> sites, lo, hi = ceria_like_column()
    >>> defects = [dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0),
    ...            dict(label="Gd", valence=-1, mole_fraction=0.2)]
    >>> p = restricted_problem(sites, defects, equilibration_temperature=1673.0, x_min=lo, x_max=hi, area=58.57,
    ...                        permittivity=55.0, bulk=(lo + 2, lo + 15))
    >>> p.approximation, round(solve(p, 773.15).phi0, 3)
    ('restricted', 0.093)
    """
    kw = {k: v for k, v in kw.items() if k != "approximation"}
    return build_problem(sites, defects, approximation="restricted", equilibration_temperature=equilibration_temperature,
                         **kw)
