"""Site occupancy: Fermi–Dirac lattice-gas statistics with segregation energies.

A site ``s`` hosts mobile defects ``m`` (and possibly frozen ones with total fraction
``F_s``).  With bulk fractions ``x_m`` and the empty fraction ``A_s = 1 - F_s - sum x_m``,
equality of electrochemical potential with the bulk gives

    p_m = (1 - F_s) exp(u_m) / (1 + sum_k exp(u_k)),
    u_m = ln(x_m / A_s) + eta_m - (z_m phi_s + dE_sm) / kT,

which for one defect on the site is the familiar ``x B / (1 + x (B - 1))`` with
``B = exp(-(z phi + dE)/kT)``.  ``eta_m`` shifts the chemical potential (zero unless the
Gouy–Chapman bulk fractions are fitted).  Boltzmann statistics drop site exclusion:
``p_m = x_m exp(eta_m - (z_m phi + dE)/kT)``.

Everything is evaluated in log space (a soft-max with the empty site as reference), so no
``phi`` or ``dE`` overflows.  Units: ``phi`` in V, ``dE`` in eV, ``kT`` in eV.
"""

from __future__ import annotations

import numpy as np

from .constants import thermal_voltage

STATISTICS = ("fermi-dirac", "boltzmann")


def occupancy(u, capacity, statistics="fermi-dirac"):
    """Occupancies from log-weights.

    Parameters
    ----------
    u : ndarray, shape (n, m)
        Log-weights: ``ln(x/A) + eta - (z phi + dE)/kT`` for Fermi–Dirac, or
        ``ln x + eta - (z phi + dE)/kT`` for Boltzmann; ``-inf`` where a defect cannot sit.
    capacity : ndarray, shape (n,)
        ``1 - F_s``: fraction of the site open to mobile defects.
    statistics : {"fermi-dirac", "boltzmann"}

    Returns
    -------
    p : ndarray, shape (n, m), site fractions in [0, capacity].
    """
    if statistics == "boltzmann":
        with np.errstate(over="ignore"):
            return np.exp(u)
    top = np.maximum(u.max(axis=1, initial=-np.inf), 0.0)[:, None]
    e = np.exp(u - top)
    return capacity[:, None] * e / (np.exp(-top) + e.sum(axis=1, keepdims=True))


def occupancy_response(p, capacity, v, statistics="fermi-dirac"):
    """Directional derivative ``sum_k dp_m/du_k v_k`` of :func:`occupancy`.

    ``v = -z/kT`` gives ``dp/dphi``; ``v = e_k`` gives ``dp/deta_k``.
    """
    if statistics == "boltzmann":
        return p * v
    s = np.divide(p, capacity[:, None], out=np.zeros_like(p), where=capacity[:, None] > 0)
    return p * (v - (s * v).sum(axis=1, keepdims=True))


def fermi_dirac(phi, dE, valence, mole_fraction, temperature):
    """Occupancy of a site hosting one defect species (array-friendly).

    ``x B / (1 + x (B - 1))`` with ``B = exp(-(z phi + dE)/kT)``; ``phi`` in V, ``dE`` in eV,
    ``temperature`` in K.  Overflow-safe for any ``phi`` and ``dE``.
    """
    phi, dE = np.broadcast_arrays(np.asarray(phi, float), np.asarray(dE, float))
    kT = thermal_voltage(temperature)
    u = np.log(mole_fraction / (1.0 - mole_fraction)) - (valence * phi + dE) / kT
    p = occupancy(u.reshape(-1, 1), np.ones(u.size))
    return p.reshape(phi.shape)
