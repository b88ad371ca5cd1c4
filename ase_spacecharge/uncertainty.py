"""Propagation of per-site segregation-energy uncertainties to Φ0 and r_perp: linear, from
the adjoint sensitivities (:mod:`.sensitivity`), and Monte-Carlo, through the batched solver
(:mod:`ase_spacecharge.equilibrium.batch`).

Errors are independent and Gaussian, one standard deviation ``σ_E`` (eV) per site and
defect.  At small ``σ_E`` the Monte-Carlo spread tends to the linear estimate, including at a
tie for Φ0 (symmetric boundaries), where Φ0 is the extremum of the tied planes' potentials
and its distribution that of a maximum of correlated Gaussians, not a Gaussian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError

__all__ = ["uncertainty", "MonteCarlo", "monte_carlo"]


def _sigma(hosted, sigma_E):
    """Per-site, per-defect standard deviations (eV), 0 where not hosted; named errors."""
    sig = np.asarray(sigma_E, float) if not isinstance(sigma_E, bool) else np.array(np.nan)
    if sig.ndim and sig.shape != hosted.shape:
        raise InputError(f"sigma_E: expected a number or an array of shape {hosted.shape} (sites, defects) in eV, "
                         f"got shape {sig.shape}")
    sig = np.broadcast_to(sig, hosted.shape)
    bad = hosted & ~(np.isfinite(sig) & (sig >= 0))
    if bad.any():
        s, d = np.argwhere(bad)[0]
        raise InputError(f"sigma_E must be a non-negative number of eV where a site hosts a defect; site {int(s)}, "
                         f"defect column {int(d)} has {float(sig[s, d])!r}")
    return np.where(hosted, sig, 0.0)


def _max_moments(mu, cov):
    """Mean and variance of ``max_i X_i`` for ``X ~ N(mu, cov)``: exact for two variables
    (Clark 1961), Clark's pairwise recursion (approximate) beyond."""
    from scipy.special import ndtr
    mean, var, c = mu[0], cov[0, 0], cov[0].copy()  # c: covariance of the running max with each X
    for j in range(1, mu.size):
        theta = math.sqrt(max(var + cov[j, j] - 2.0 * c[j], 0.0))
        if theta == 0.0:
            mean, var, c = (mu[j], cov[j, j], cov[j].copy()) if mu[j] > mean else (mean, var, c)
            continue
        a = (mean - mu[j]) / theta
        P, q = float(ndtr(a)), math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
        first = mean * P + mu[j] * (1.0 - P) + theta * q
        second = (var + mean ** 2) * P + (cov[j, j] + mu[j] ** 2) * (1.0 - P) + (mean + mu[j]) * theta * q
        mean, var, c = first, max(second - first ** 2, 0.0), c * P + cov[j] * (1.0 - P)
    return mean, var


def uncertainty(sens, sigma_E):
    """Linear propagation of independent per-site segregation-energy errors.

    ``σ(r_perp)² = Σ (dr_perp/dΔE σ_E)²``.  Φ0 at a tie is the extremum of the tied planes'
    potentials, each linear in the errors: its spread is that of the maximum (minimum) of
    correlated Gaussians (exact for two planes, Clark 1961), and its mean shifts by
    ``bias_phi0`` ∝ σ_E (zero without a tie).

    Parameters
    ----------
    sens : Sensitivities
    sigma_E : float or array (n_sites, m)
        Standard deviation of each ΔE (eV); ignored (may be NaN) where a site hosts nothing.

    Returns
    -------
    dict
        ``sigma_phi0`` (V), ``bias_phi0`` (V), ``sigma_r_perp``.

    Raises
    ------
    InputError
        For a negative, non-finite or wrongly shaped ``sigma_E``.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> from ase_spacecharge.sensitivity import sensitivities
    >>> u = uncertainty(sensitivities(p, solve(p, 773.15)), 0.01)
    >>> round(u["sigma_phi0"] * 1e3, 3), round(u["bias_phi0"] * 1e3, 3)  # mV
    (2.474, 0.627)
    """
    sig = _sigma(np.asarray(sens.hosted, bool), sigma_E)
    G = np.nan_to_num(sens.dphi_dE_extremal).reshape(len(sens.dphi_dE_extremal), -1) * sig.reshape(1, -1)
    sign = math.copysign(1.0, sens.phi0)
    mean, var = math.nan, math.nan
    if sens.extremal_planes.size:
        mean, var = _max_moments(sign * (sens.extremal_phi - sens.phi0), G @ G.T)
    return dict(sigma_phi0=math.sqrt(var), bias_phi0=float(sign * mean),
                sigma_r_perp=float(np.sqrt(np.sum((np.nan_to_num(sens.dr_perp_dE) * sig) ** 2)))
                if np.isfinite(sens.r_perp) else math.nan)


@dataclass
class MonteCarlo:
    """Φ0 and r_perp of problems with randomly perturbed segregation energies.

    Attributes
    ----------
    phi0 : array (samples,)
        V.
    r_perp : array (samples,)
        NaN without a conducting species.

    Examples
    --------
    >>> float(MonteCarlo(np.zeros(3), np.ones(3)).phi0.std())
    0.0
    """

    phi0: np.ndarray
    r_perp: np.ndarray


def monte_carlo(problem, temperature, sigma_E, samples, seed=None, *, scr_limit=0.02, species=None, rtol=1e-10,
                chunk=256):
    """Solve ``samples`` copies of ``problem`` with ΔE + N(0, σ_E²) on every hosted site,
    independently, through :func:`~ase_spacecharge.equilibrium.batch.solve_batch`.

    Parameters
    ----------
    problem : Problem
    temperature : float
        K.
    sigma_E : float or array (n_sites, m)
        eV, as in :func:`uncertainty`.
    samples : int
    seed : int or numpy Generator, optional
    scr_limit, species
        As in :func:`sensitivities`.
    rtol : float
        Of each solve.
    chunk : int
        Problems per batch.

    Returns
    -------
    MonteCarlo

    Raises
    ------
    InputError
        For bad ``sigma_E`` or ``samples``.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> mc = monte_carlo(ceria_like_problem(), 773.15, 0.01, 20, seed=1)
    >>> mc.phi0.shape, bool(0.0005 < mc.phi0.std() < 0.003)
    ((20,), True)
    """
    from .equilibrium.batch import solve_batch, with_energies
    from .solution import solution_from_state
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise InputError(f"samples must be a positive integer, got {samples!r}")
    sig = _sigma(np.isfinite(problem.energies), sigma_E)
    rng = np.random.default_rng(seed)
    phi0, r_perp = [], []
    conducts = species is not None or np.any(problem.mobility > 0)
    for start in range(0, samples, chunk):
        batch = [with_energies(problem, problem.energies + sig * rng.standard_normal(sig.shape))
                 for _ in range(min(chunk, samples - start))]
        result = solve_batch(batch, temperature, rtol=rtol)
        phi0.extend(result.phi0)
        r_perp.extend(solution_from_state(p, y, temperature, r, i).resistivity(scr_limit=scr_limit, species=species)
                      ["r_perp"] if conducts else math.nan
                      for p, y, r, i in zip(batch, result.states, result.residual, result.iterations))
    return MonteCarlo(np.array(phi0), np.array(r_perp))
