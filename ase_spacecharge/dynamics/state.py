"""Per-plane amounts of the moving species and their susceptibilities, with derivatives.

The dynamic state of a plane is its potential φ (V) and, per moving species (the mobile
site defects, then the band carriers), the shift ``ν`` (in kT) of its electrochemical
potential from the equilibrium value: a site's occupancy is the equilibrium one with its
log-weight ``u`` raised by the plane's ``ν``.  Within a plane the species are equilibrated
(fast in-plane exchange); at equilibrium ``ν`` is uniform.  This module gives, per plane and
species, the amount ``N`` (number of particles in the column), the susceptibility
``χ = ∂N/∂ν`` that sets the hopping conductance, and their derivatives with respect to φ and
ν: the same statistics as :mod:`ase_spacecharge.equilibrium.problem`, differentiated once more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import thermal_voltage
from ..occupancy import band_occupancy, fermi_dirac_half_curvature

__all__ = ["species_state"]


@dataclass
class SpeciesState:
    """Amounts and susceptibilities per plane (n) and moving species (K).

    Attributes
    ----------
    N : ndarray (n, K)
        Particles of each species on each plane (in the column of cross-section ``area``).
    dN_dphi : ndarray (n, K)
        Per V.
    dN_dnu : ndarray (n, K, K)
        ``∂N_k/∂ν_m`` (species sharing sites couple).
    chi : ndarray (n, K)
        ``χ_k = ∂N_k/∂ν_k``.
    dchi_dphi : ndarray (n, K)
    dchi_dnu : ndarray (n, K, K)
        ``∂χ_k/∂ν_m``.
    """

    N: np.ndarray
    dN_dphi: np.ndarray
    dN_dnu: np.ndarray
    chi: np.ndarray
    dchi_dphi: np.ndarray
    dchi_dnu: np.ndarray


def _site_derivatives(p, capacity, statistics, activities, kT):
    """``dp_m/du_n`` and ``dχ_m/du_n`` per active site, (n_active, k, k).

    Lattice gas: ``∂p_m/∂u_n = p_m (δ_mn - p_n/c)``, ``χ_m = p_m (1 - p_m/c)`` and
    ``∂χ_m/∂u_n = (1 - 2 p_m/c) ∂p_m/∂u_n``; Boltzmann: ``∂p_m/∂u_n = ∂χ_m/∂u_n = δ_mn p_m``."""
    k = p.shape[1]
    eye = np.eye(k)
    if statistics == "boltzmann":
        dp = p[:, :, None] * eye[None]
        return dp, dp.copy()
    s = np.divide(p, capacity[:, None], out=np.zeros_like(p), where=capacity[:, None] > 0)
    dp = p[:, :, None] * (eye[None] - s[:, None, :])
    dchi = dp * (1.0 - 2.0 * s)[:, :, None]
    for col, model, _, _ in activities:  # alone on its sites: χ = p (c - p) / (c g), μ_ex'' taken as 0
        pc, c = p[:, col], capacity
        on = pc > 0
        f = pc * (c - pc) / c
        mu1 = model(pc)[1]  # kT: one value per site
        g = 1.0 + mu1 * f / kT
        dchi_dp = (c - 2 * pc) / c / g - f * mu1 * (c - 2 * pc) / (c * kT) / g ** 2
        chi = f / g
        dp[:, col, col] = np.where(on, chi, 0.0)
        dchi[:, col, col] = np.where(on, dchi_dp * chi, 0.0)
    return dp, dchi


def _sites_part(problem, phi, nu, kT, temperature):
    """Site species: N, χ and derivatives per plane, (n, ks) / (n, ks, ks); ``kT`` per plane or one."""
    a, n = problem.active, problem.grid.n
    kT = kT[a.plane] if np.ndim(kT) else np.full(a.plane.size, kT)
    p = problem.site_occupancies(phi, nu, temperature)[0]
    dp, dchi = _site_derivatives(p, a.capacity, problem.statistics, a.activities, kT)
    w = a.weight

    def per_plane(values):  # (n_active, ...) -> (n, ...)
        flat = values.reshape(values.shape[0], -1)
        out = np.zeros((n, flat.shape[1]))
        np.add.at(out, a.plane, w[:, None] * flat)
        return out.reshape((n,) + values.shape[1:])

    dudphi = -a.valence[None, :] / kT[:, None]  # per site
    return (per_plane(p), per_plane(np.einsum("smn,sn->sm", dp, dudphi)), per_plane(dp),
            per_plane(np.einsum("smm->sm", dp)), per_plane(np.einsum("smn,sn->sm", dchi, dudphi)), per_plane(dchi))


def _carriers_part(problem, phi, nu, kT, temperature):
    """Band carriers: N, χ and derivatives per plane, (n, kc)."""
    g = problem.grid
    vol = g.dx * g.area
    u = problem.carrier_potentials(phi, temperature) + nu.T  # (kc, n)
    F, dF, d2F = np.empty_like(u), np.empty_like(u), np.empty_like(u)
    for i, stat in enumerate(problem.carrier_statistics):
        F[i], dF[i] = band_occupancy(u[i], stat)
        d2F[i] = F[i] if stat == "boltzmann" else fermi_dirac_half_curvature(u[i])
    dos = problem.carrier_dos * vol[None, :]
    dudphi = -problem.carrier_valence[:, None] / np.broadcast_to(kT, (g.n,))[None, :]
    return (dos * F).T, (dos * dF * dudphi).T, (dos * dF).T, (dos * d2F * dudphi).T, (dos * d2F).T


def species_state(problem, phi, nu, temperature):
    """Amounts and susceptibilities of the moving species of ``problem`` at plane potentials
    ``phi`` (V) and electrochemical-potential shifts ``nu`` (n, K; in kT).

    Parameters
    ----------
    problem : Problem
    phi : ndarray (n,)
    nu : ndarray (n, K)
        Columns: the mobile site species (``problem.active.columns``), then the carriers.
    temperature : float or ndarray (n,)
        K; one value per plane for a temperature profile.

    Returns
    -------
    SpeciesState

    Examples
    --------
    >>> import numpy as np
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> s = species_state(p, np.zeros(p.grid.n), np.zeros((p.grid.n, 1)), 773.15)
    >>> round(float(s.N[0, 0]), 6), round(float(s.chi[0, 0]), 6)  # a bulk O plane: N = x, χ = x (1 - x)
    (0.05, 0.0475)
    """
    kT = thermal_voltage(np.asarray(temperature, float))
    n = problem.grid.n
    ks, kc = len(problem.active.columns), len(problem.carrier_labels)
    K = ks + kc
    N, dN_dphi, chi, dchi_dphi = (np.zeros((n, K)) for _ in range(4))
    dN_dnu, dchi_dnu = np.zeros((n, K, K)), np.zeros((n, K, K))
    if ks:
        Ns, dNs_dphi, dNs_dnu, chis, dchis_dphi, dchis_dnu = _sites_part(problem, phi, nu[:, :ks], kT, temperature)
        N[:, :ks], dN_dphi[:, :ks], dN_dnu[:, :ks, :ks] = Ns, dNs_dphi, dNs_dnu
        chi[:, :ks], dchi_dphi[:, :ks], dchi_dnu[:, :ks, :ks] = chis, dchis_dphi, dchis_dnu
    if kc:
        Nc, dNc_dphi, chic, dchic_dphi, dchic_du = _carriers_part(problem, phi, nu[:, ks:], kT, temperature)
        idx = np.arange(ks, K)
        N[:, ks:], dN_dphi[:, ks:], chi[:, ks:], dchi_dphi[:, ks:] = Nc, dNc_dphi, chic, dchic_dphi
        dN_dnu[:, idx, idx] = chic
        dchi_dnu[:, idx, idx] = dchic_du
    return SpeciesState(N, dN_dphi, dN_dnu, chi, dchi_dphi, dchi_dnu)
