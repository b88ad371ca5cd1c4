"""Sensitivities of Φ0 and r_perp to the segregation energies, the temperature and the bulk
region, by adjoint solves with the converged Newton matrix (:mod:`.uncertainty` propagates
per-site energy errors with them).

At a converged state ``y`` the residual vanishes, ``F(y, q) = 0``, for every parameter ``q``
(a site's ΔE, the temperature, the bulk-region edges), so a quantity ``Q(y, q)`` changes as

    dQ/dq = ∂Q/∂q - λᵀ ∂F/∂q,   Jᵀ λ = ∂Q/∂y,

one O(N) solve with the transposed bordered-tridiagonal Newton matrix per quantity, however
many parameters.  Φ0 is φ on its extremal plane (``Q = φ_i``); r_perp depends on the state
through the conducting species' occupancies (its region, the planes with |φ| > scr_limit, is
held: the derivative exists while no plane sits at the limit).

Units and signs: ΔE in eV (``E(defect at site) - E(defect in bulk)``, negative attracts),
φ and Φ0 in V (Φ0 the signed extremum of φ relative to the bulk-region mean), T in K, lengths
in Å.  ``dphi0_dE[s, d] > 0``: raising site ``s``'s ΔE for defect ``d`` raises Φ0.  Every
derivative is taken on a fixed problem (grid, padding, bulk fractions, band-carrier η).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .conventions import conventions
from .errors import InputError, SpaceChargeWarning
from .grid import control_volume_widths, region_weights
from .equilibrium.linalg import solve_bordered_tridiagonal
from .occupancy import occupancy_response
from .equilibrium.newton import row_residual
from . import transport

__all__ = ["Sensitivities", "sensitivities"]

#: planes whose |φ| is within this fraction of |Φ0| tie for the extremum
TIE = 1e-8


@dataclass
class Sensitivities:
    """Derivatives of Φ0 and r_perp at a converged solution (plain arrays).

    Attributes
    ----------
    temperature, phi0, r_perp : float
        K; Φ0 (V) and r_perp (NaN without a conducting species) they are derivatives of.
    hosted : bool array (n_sites, m)
        Sites that can host each defect.
    dphi0_dE : array (n_sites, m)
        dΦ0/dΔE (V/eV); NaN where a site cannot host the defect, 0 for frozen species.
    dr_perp_dE : array (n_sites, m)
        dr_perp/dΔE (1/eV), likewise.
    dphi0_dT, dr_perp_dT : float
        V/K and 1/K, at fixed ΔE.
    dphi0_dbulk : array (2,)
        V/Å, for the lower and upper bulk-region edges; see :func:`sensitivities`.
    extremal_planes : int array (k,)
        The planes tying for Φ0 (k = 1 unless the boundary is symmetric).
    extremal_phi : array (k,)
        φ there (V).
    dphi_dE_extremal : array (k, n_sites, m)
        dφ/dΔE (V/eV) on each of them: the one-sided derivatives of Φ0 at a tie are their
        maximum and minimum, and ``dphi0_dE`` is their mean (what a central difference gives).

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> s = sensitivities(p, solve(p, 773.15))
    >>> s.dphi0_dE.shape, s.extremal_planes.tolist()  # the mirror-symmetric well: two planes tie
    ((90, 2), [44, 45])
    """

    temperature: float
    phi0: float
    r_perp: float
    hosted: np.ndarray
    dphi0_dE: np.ndarray
    dr_perp_dE: np.ndarray
    dphi0_dT: float
    dr_perp_dT: float
    dphi0_dbulk: np.ndarray
    extremal_planes: np.ndarray
    extremal_phi: np.ndarray
    dphi_dE_extremal: np.ndarray


@dataclass
class _Point:
    """Where the derivatives are taken: φ, occupancies of the active sites and their inverse
    non-ideality factors, kT (eV), T (K), the Poisson coefficient c per plane and the fitted
    species' columns."""

    phi: np.ndarray
    p: np.ndarray
    inv_g: np.ndarray
    kT: float
    T: float
    c: np.ndarray
    fit_col: np.ndarray


def _checked(problem, solution):
    """The converged state, the Newton matrix and the point (:class:`_Point`) of ``solution``;
    raise unless it solves ``problem``."""
    from .equilibrium.problem import Problem
    from .solution import SpaceChargeSolution
    if not isinstance(problem, Problem) or not isinstance(solution, SpaceChargeSolution):
        raise InputError(f"expected a Problem and a SpaceChargeSolution, got {type(problem).__name__} and "
                         f"{type(solution).__name__}")
    if problem.model != "site-explicit":
        raise InputError(f"problem: model={problem.model!r}: sensitivities need model='site-explicit' (a continuum "
                         "problem's sites are plane averages of the input sites)")
    if problem.approximation == "restricted":
        raise InputError("problem: approximation='restricted': the frozen fractions depend on ΔE through the "
                         "equilibration solve, which these derivatives would miss")
    if conventions(problem.compat).name:
        raise InputError(f"problem: compat={problem.compat!r}: sensitivities follow the package's own Φ0 and "
                         "resistivity conventions")
    size = problem.grid.n + problem.n_extra
    y = np.asarray(solution.state, float)
    if y.shape != (size,):
        raise InputError(f"solution: its state has {y.size} values but the problem has {size} unknowns: it is not "
                         "a solution of this problem")
    if solution.site_energies.shape != problem.energies.shape or not np.array_equal(
            solution.site_energies, problem.energies, equal_nan=True):
        raise InputError("solution: its site energies (eV) are not the problem's: it is not a solution of this problem")
    from .equilibrium.newton_matrix import newton_matrix
    F, scale, linearisation = problem.residual(y, solution.temperature)
    n = problem.grid.n
    residual = row_residual(F, problem.row_scale(y, scale, linearisation, solution.temperature), n)
    if not residual <= 1e-6:
        raise InputError(f"solution: relative residual {residual:.3g} in this problem: it is not a converged "
                         "solution of this problem (solve it with rtol <= 1e-10)")
    pt = _Point(problem.unpack(y)[0], linearisation.p, linearisation.inv_g, linearisation.kT,
                float(solution.temperature), problem.operator.c, problem.fit_columns)
    return y, newton_matrix(problem, linearisation), pt


def _adjoint(problem, matrix, rhs):
    """λ with ``Jᵀ λ = rhs``: the bordered solver on the transposed blocks (the periodic
    corners swap: ``lower_T[0] = upper[n-1]``, ``upper_T[n-1] = lower[0]``)."""
    n = problem.grid.n
    lam_n, lam_m = solve_bordered_tridiagonal(np.roll(matrix.upper, 1), matrix.diag, np.roll(matrix.lower, -1),
                                              matrix.dense_C().T, matrix.B.T, matrix.D.T,
                                              rhs[:n], rhs[n:], periodic=problem.grid.boundary == "periodic")
    return np.concatenate((lam_n, lam_m))


def _fitted_rows(problem):
    """Indices of the fitted species' rows (and η unknowns) in the state vector."""
    size = problem.grid.n + problem.n_extra
    return np.arange(size - len(problem.fitted), size)


def _energy_gradient(problem, pt, lam, explicit=0.0):
    """``dQ/dΔE = ∂Q/∂ΔE - λᵀ ∂F/∂ΔE`` on the active sites (n_active, k), for a quantity whose
    explicit dependence on the occupancies is ``explicit = ∂Q/∂p`` (n_active, k).  The
    occupancy Jacobian ``dp_j/du_k`` is symmetric (times ``1/g`` of the one species of a
    non-ideal site), so the vector–Jacobian product is :func:`occupancy_response` itself."""
    a, n = problem.active, problem.grid.n
    W = (lam[:n] * pt.c)[a.plane, None] * a.weight[:, None] * a.valence[None, :]
    for k, (r, col) in enumerate(zip(_fitted_rows(problem), pt.fit_col)):
        W[:, col] += lam[r] * problem.target_weight[k, a.sites] / problem.target[k]
    return -occupancy_response(pt.p, a.capacity, (explicit - W) * pt.inv_g, problem.statistics) / pt.kT


def _state_gradient(problem, pt, explicit):
    """``∂Q/∂y`` of a quantity that depends on the state through the occupancies alone."""
    a, n = problem.active, problem.grid.n
    out = np.zeros(n + problem.n_extra)
    dp_dphi = occupancy_response(pt.p, a.capacity, -a.valence[None, :] / pt.kT, problem.statistics) * pt.inv_g
    out[:n] = np.bincount(a.plane, weights=np.sum(explicit * dp_dphi, axis=1), minlength=n)
    for r, col in zip(_fitted_rows(problem), pt.fit_col):
        unit = np.zeros(a.columns.size)
        unit[col] = 1.0
        out[r] = np.sum(explicit * occupancy_response(pt.p, a.capacity, unit[None, :], problem.statistics) * pt.inv_g)
    return out


def _dp_dT(problem, pt):
    """∂p/∂T (1/K) of the active sites at fixed φ, η and ΔE: ``u`` carries ``-(zφ + ΔE)/kT``
    and a non-ideal species ``(μ_ex(p) - μ_ex,bulk)/kT`` besides."""
    a = problem.active
    v = (a.valence[None, :] * pt.phi[a.plane, None] + a.energies) / (pt.kT * pt.T)
    for col, model, mu_bulk, _ in a.activities:
        on = np.isfinite(a.log_x[:, col])
        v[on, col] += (model(pt.p[on, col])[0] - mu_bulk) / (pt.kT * pt.T)
    return occupancy_response(pt.p, a.capacity, v, problem.statistics) * pt.inv_g


def _dF_dT(problem, pt, dp_dT):
    """∂F/∂T at fixed state: the charges, the gauge row (``gauge·φ/kT``) and the fitted fractions."""
    a, g, n = problem.active, problem.grid, problem.grid.n
    out = np.zeros(n + problem.n_extra)
    out[:n] = pt.c * problem.plane_sum(dp_dT @ a.valence)
    if problem.carrier_labels:
        _, dn = problem.carrier_densities(pt.phi, pt.T)  # N F'(u) (-z/kT)
        z = problem.carrier_valence[:, None]
        u_T = z * pt.phi[None, :] + problem.carrier_offset  # kT T ∂u/∂T
        dn_dT = np.divide(-dn * u_T, z * pt.T, out=np.zeros_like(dn), where=z != 0)
        out[:n] += pt.c * (problem.carrier_valence @ dn_dT) * g.dx * g.area
    if problem.gauge is not None:
        out[n] = -(problem.gauge @ pt.phi) / (pt.kT * pt.T)
    for k, (r, col) in enumerate(zip(_fitted_rows(problem), pt.fit_col)):
        out[r] = problem.target_weight[k, a.sites] @ dp_dT[:, col] / problem.target[k]
    return out


def _window_slopes(problem, mask, values):
    """d/d(lo, hi) (1/Å) of the control-volume mean of ``values`` over the planes ``mask`` in
    the bulk region, its edges on the outer faces of the outermost planes inside: each edge
    takes the mean of the two planes beside its face (the mean of the one-sided slopes)."""
    g = problem.grid
    sub = np.flatnonzero(mask)
    xs, v = g.x[sub], values[sub]
    idx = np.flatnonzero((xs > problem.bulk[0]) & (xs < problem.bulk[1]))
    dx = control_volume_widths(xs, period=g.x_max - g.x_min)[idx]
    mean = dx @ v[idx] / dx.sum()
    first, last = idx[0], idx[-1]
    edge = np.array([0.5 * (v[first - 1] + v[first]), 0.5 * (v[last] + v[(last + 1) % sub.size])])
    return np.array([-1.0, 1.0]) * (edge - mean) / dx.sum()


def _dF_dbulk(problem, pt):
    """∂F/∂(lo, hi) (2, N) of the gauge and fitted rows, or NaN when they are not the bulk
    region's plane-weighted means (then Φ0 does not depend on the region in this way)."""
    a, g, n = problem.active, problem.grid, problem.grid.n
    out = np.zeros((2, n + problem.n_extra))
    period = g.x_max - g.x_min
    if problem.gauge is not None:
        mask = (problem.plane_hosts[:, conventions().gauge_species(problem.mobile)]
                if problem.approximation == "mott-schottky" else np.ones(n, bool))
        if not np.allclose(problem.gauge, region_weights(g.x, mask, *problem.bulk, period), rtol=0, atol=1e-12):
            return np.full(out.shape, np.nan)
        out[:, n] = _window_slopes(problem, mask, pt.phi) / pt.kT
    for k, (r, col, d) in enumerate(zip(_fitted_rows(problem), pt.fit_col, problem.fitted)):
        mask = problem.plane_hosts[:, d]
        plane_w = np.bincount(problem.site_plane, weights=problem.target_weight[k], minlength=n)
        if not np.allclose(plane_w, region_weights(g.x, mask, *problem.bulk, period), rtol=0, atol=1e-12):
            return np.full(out.shape, np.nan)
        on = a.weight * np.isfinite(a.log_x[:, col])
        mean_p = np.bincount(a.plane, weights=on * pt.p[:, col], minlength=n) / np.maximum(
            np.bincount(a.plane, weights=on, minlength=n), 1e-300)
        out[:, r] = _window_slopes(problem, mask, mean_p) / problem.target[k]
    return out


def _to_sites(problem, values):
    """Active-site values (n_active, k) as (n_sites, m): NaN where not hosted, 0 for the
    frozen species (their fractions do not depend on ΔE)."""
    a = problem.active
    hosted = np.isfinite(problem.energies)
    out = np.where(hosted, 0.0, np.nan)
    out[np.ix_(a.sites, a.columns)] = np.where(hosted[np.ix_(a.sites, a.columns)], values, np.nan)
    return out


def _r_perp_terms(problem, solution, pt, scr_limit, species):
    """r_perp and ``∂r_perp/∂p`` (n_active, k): ``r = n_b Σ w_k / n_k`` over the region's planes,
    ``n_b`` the bulk-region mean, every ``n`` a plane sum of site occupancies."""
    explicit = np.zeros(pt.p.shape)
    if not np.any(solution.mobility > 0) and species is None:
        return math.nan, explicit
    r_perp = transport.resistivity_ratios(solution, scr_limit=scr_limit, species=species)["r_perp"]
    d = transport.conducting_species(solution, species)
    if not np.isfinite(r_perp) or d not in problem.active.columns:
        return r_perp, explicit
    planes, x, dx, dens = transport.species_density(solution, d)
    inside = (x > solution.bulk[0]) & (x < solution.bulk[1])
    region = np.abs(solution.phi[planes]) > scr_limit
    w = dx[region] / dx[region].sum()
    n_b = transport.bulk_density(solution, d)
    coef = np.zeros(problem.grid.n)
    coef[planes[inside]] += np.sum(w / dens[region]) / (solution.area * dx[inside].sum())
    coef[planes[region]] -= n_b * w / (dens[region] ** 2 * dx[region] * solution.area)
    explicit[:, np.searchsorted(problem.active.columns, d)] = coef[problem.active.plane] * problem.active.weight
    return r_perp, explicit


def _extremal_planes(phi):
    """Planes tying for the signed extremum (within :data:`TIE`), or None where Φ0 is not
    differentiable (a flat profile, or a tie between opposite signs)."""
    phi0 = phi[np.argmax(np.abs(phi))]
    near = np.abs(phi) >= abs(phi0) * (1.0 - TIE)
    if phi0 == 0 or np.any(near & (np.sign(phi) != np.sign(phi0))):
        warnings.warn("Φ0 is not differentiable here (a flat profile, or extrema of both signs tie): its "
                      "sensitivities are NaN", SpaceChargeWarning, stacklevel=3)
        return None
    return np.flatnonzero(near)


def sensitivities(problem, solution, *, scr_limit=0.02, species=None):
    """dΦ0 and dr_perp with respect to every site's ΔE, the temperature and the bulk region.

    One adjoint solve per quantity with the converged Newton matrix (O(N) each).  At a tie
    (symmetric boundaries: planes within ``TIE`` = 1e-8 of ``|Φ0|``) Φ0 is a maximum (minimum)
    of smooth functions, differentiable only one-sidedly: each tied plane gets its own
    adjoint, the one-sided derivatives are their largest and smallest, and the reported
    derivative is their mean, the limit of a central difference.

    The bulk region enters through the plane-weighted means of the gauge and of the fitted
    fractions, which are step functions of its edges (zero derivative between planes, a
    jump where an edge crosses a plane): ``dphi0_dbulk`` is instead the derivative with
    respect to the edges of the continuous window those means stand for, from the outer
    face of the first plane inside to that of the last, each edge's plane taken half (the
    mean of the one-sided derivatives).  It is ``∝ φ(edge) - <φ>``: zero for a flat bulk.

    Parameters
    ----------
    problem : Problem
        Site-explicit, default conventions, not restricted equilibrium.
    solution : SpaceChargeSolution
        A converged solution of ``problem`` (solve with a small ``rtol``: the derivatives are
        as accurate as the solve).
    scr_limit : float
        V, the space-charge region of r_perp (see :func:`~.transport.resistivity_ratios`).
    species : str, optional
        The conducting species.

    Returns
    -------
    Sensitivities

    Raises
    ------
    InputError
        When ``solution`` does not solve ``problem`` (state size, site energies, residual),
        or for an unsupported problem (named).

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> s = sensitivities(p, solve(p, 773.15))
    >>> core = int(np.nanargmin(s.dphi0_dE[:, 0]))  # a V_O site next to the boundary
    >>> round(float(s.dphi0_dE[core, 0]), 4), round(s.dphi0_dT * 1e5, 3)
    (-0.1488, -3.111)
    """
    y, matrix, pt = _checked(problem, solution)
    dp_dT = _dp_dT(problem, pt)
    F_T, F_bulk = _dF_dT(problem, pt, dp_dT), _dF_dbulk(problem, pt)
    planes = _extremal_planes(solution.phi)
    shape = problem.energies.shape
    per_plane, dT, dbulk = np.full((1,) + shape, np.nan), np.full(1, np.nan), np.full((1, 2), np.nan)
    if planes is not None:
        lams = [_adjoint(problem, matrix, np.eye(1, y.size, i)[0]) for i in planes]
        per_plane = np.array([_to_sites(problem, _energy_gradient(problem, pt, lam)) for lam in lams])
        dT, dbulk = np.array([-lam @ F_T for lam in lams]), np.array([-F_bulk @ lam for lam in lams])
    r_perp, explicit = _r_perp_terms(problem, solution, pt, scr_limit, species)
    dr_dE, dr_dT = np.full(shape, np.nan), math.nan
    if np.isfinite(r_perp):
        lam = _adjoint(problem, matrix, _state_gradient(problem, pt, explicit))
        dr_dE = _to_sites(problem, _energy_gradient(problem, pt, lam, explicit))
        dr_dT = float(np.sum(explicit * dp_dT) - lam @ F_T)

    def central(v):
        return 0.5 * (np.max(v, axis=0) + np.min(v, axis=0))
    return Sensitivities(
        temperature=float(solution.temperature), phi0=float(solution.phi0), r_perp=float(r_perp),
        hosted=np.isfinite(problem.energies), dphi0_dE=central(per_plane), dr_perp_dE=dr_dE,
        dphi0_dT=float(central(dT)), dr_perp_dT=dr_dT, dphi0_dbulk=central(dbulk),
        extremal_planes=np.zeros(0, int) if planes is None else planes,
        extremal_phi=np.zeros(0) if planes is None else solution.phi[planes], dphi_dE_extremal=per_plane)

