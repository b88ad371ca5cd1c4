"""The PNP equations of a :class:`~.system.PNPSystem` at one state: amounts, face fluxes, net
inflow rates and Poisson residual, with their analytic derivatives as sparse triplets (the
matrix is banded: every coupling is between planes at most a sublattice hop apart)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .state import species_state

__all__ = ["evaluate", "entropy_production", "Evaluation"]


class Triplets:
    """Sparse entries (row, column, value), appended in blocks and summed when assembled."""

    def __init__(self):
        self.rows, self.cols, self.vals = [], [], []

    def add(self, rows, cols, vals):
        rows, cols, vals = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(vals, float))
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.vals.append(vals.ravel())

    def scaled(self, factor):
        out = Triplets()
        out.rows, out.cols = list(self.rows), list(self.cols)
        out.vals = [v * factor for v in self.vals]
        return out

    def arrays(self):
        if not self.rows:
            return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
        return np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.vals)


@dataclass
class Evaluation:
    """The equations at one state.

    Attributes
    ----------
    N : ndarray (n, K)
        Amounts (particles in the column).
    rate : ndarray (n, K)
        Net inflow ``J_in - J_out`` (particles per second).
    poisson : ndarray (n,)
        Poisson residual (e/Å²).
    fluxes : list of ndarray
        Per species, the flux through each of its faces (particles per second, +x).
    forces : list of ndarray
        Per species and face, the force ``X = (Δμ̃ + Q* ΔT/T)/kT`` (dimensionless, ``Δν``
        when isothermal); the flux runs against it.
    dN, drate, dpoisson : Triplets
        Derivatives with respect to the unknowns (rows: plane-major ``i (1 + K) + c``).
    state : SpeciesState
    flux_jacobian : list
        Per species, ``(columns, dJ, inside)`` for the lower and the upper side of its faces:
        ``∂J_f/∂y[columns[f, q]] = dJ[f, q]`` where ``inside[f]`` (walls have no unknowns).
    flux_voltage : list of ndarray
        Per species and face, ``∂J_f/∂V`` (particles per second per volt): the applied voltage
        moves the upper electrode's reservoir (``ν = ν_eq + z V/kT``), so only the upper wall
        face has one.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> ev = evaluate(system, system.y_eq, 0.0)
    >>> ev.N.shape, len(ev.fluxes), bool(ev.flux_voltage[0][-1] < 0 == ev.flux_voltage[0][0])
    ((90, 1), 1, True)
    """

    N: np.ndarray
    rate: np.ndarray
    poisson: np.ndarray
    fluxes: list
    forces: list
    dN: Triplets
    drate: Triplets
    dpoisson: Triplets
    state: object
    flux_jacobian: list = None
    flux_voltage: list = None


def _sinhc(x):
    """sinh(x)/x and d ln(sinh(x)/x)/dx, safe near 0."""
    ax = np.abs(x)
    small = ax < 1e-4
    xs = np.where(small, 1.0, x)
    val = np.where(small, 1.0 + x * x / 6.0, np.sinh(xs) / xs)
    dlog = np.where(small, x / 3.0, 1.0 / np.tanh(xs) - 1.0 / xs)
    return val, dlog


def _groups(system):
    """Species with the same faces, which the correlation matrix may couple."""
    groups, seen = [], set()
    for k in range(system.K):
        if k in seen:
            continue
        f = system.faces[k]
        members = [m for m in range(k, system.K) if np.array_equal(system.faces[m].lo, f.lo)
                   and np.array_equal(system.faces[m].hi, f.hi)]
        seen.update(members)
        groups.append(members)
    return groups


def _side(system, state, idx, k_all, wall, t, across):
    """χ, ν and ln χ derivatives (φ, ν of the group) of one side of the faces.  On a wall face
    this side is the electrode's reservoir: its χ is the reservoir's χ per width times the
    width of the plane ``across`` the face (the species' own first or last hosting plane)."""
    phi_nu = system.unpack(state["y"])
    st = state["st"]
    n = system.n
    inside = (idx >= 0) & (idx < n)
    j = np.where(inside, idx, 0)
    chi = st.chi[j][:, k_all]
    nu = phi_nu[1][j][:, k_all]
    chi_res = system.chi_reservoir[wall][k_all] * system.widths[np.clip(across, 0, n - 1)][:, k_all]
    nu_res = system.reservoir_nu(t)[wall][k_all]
    chi = np.where(inside[:, None], chi, chi_res)
    nu = np.where(inside[:, None], nu, nu_res[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        dl_phi = np.where(inside[:, None] & (chi > 0), st.dchi_dphi[j][:, k_all] / chi, 0.0)
        dl_nu = np.where((inside[:, None] & (chi > 0))[:, :, None],
                         st.dchi_dnu[j][:, k_all][:, :, k_all] / chi[:, :, None], 0.0)
    return chi, nu, dl_phi, dl_nu, inside


def _face_temperatures(system, f, k):
    """Temperatures (K) of the two sides of the faces (walls: the end planes'), their mean,
    and the part of the force that does not depend on ν: ``(ℓ ΔT + Q*/k ΔT/T_f) / T_f``."""
    from ..constants import BOLTZMANN_EV
    T = system.plane_temperature
    T_lo = T[np.clip(f.lo, 0, system.n - 1)]
    T_hi = T[np.clip(f.hi, 0, system.n - 1)]
    T_f = 0.5 * (T_lo + T_hi)
    dT = (T_hi - T_lo)[:, None]
    thermal = (system.log_weight[k][None, :] * dT + system.heats[k][None, :] / BOLTZMANN_EV * dT / T_f[:, None]) \
        / T_f[:, None]
    return T_lo[:, None], T_hi[:, None], T_f[:, None], thermal


def _group_fluxes(system, state, members, t, tr_rate, flux_jac):
    """Fluxes of one group of species on their faces, the forces and ``∂J/∂V`` (the upper
    wall's reservoir moves with the voltage), and the rows of their derivatives; the per-face
    derivatives go to ``flux_jac`` (species -> list of (columns, dJ, inside))."""
    f = system.faces[members[0]]
    K1 = 1 + system.K
    k = np.array(members)
    R = system.R[np.ix_(k, k)]
    g = np.array([system.faces[m].g for m in members]).T  # (nf, kg)
    lo = _side(system, state, f.lo, k, 0, t, f.hi)
    hi = _side(system, state, f.hi, k, 1, t, f.lo)
    T_lo, T_hi, T_f, thermal = _face_temperatures(system, f, k)
    # the force X = (Δμ̃ + Q* ΔT/T) / kT on the face, with μ̃ = kT (ℓ + ν): Δν when isothermal
    d = (T_hi * hi[1] - T_lo * lo[1]) / T_f + thermal
    G = np.sqrt(lo[0] * hi[0])
    sc, dlsc = _sinhc(0.5 * d)
    S = g * G * sc
    s = np.sqrt(S)
    T = np.einsum("km,fm->fk", R, s * d)
    J = -s * T
    kg = len(members)
    eye = np.eye(kg)
    for sign, (chi, nu, dl_phi, dl_nu, inside), planes, ratio in ((-1.0, lo, f.lo, T_lo / T_f),
                                                                 (1.0, hi, f.hi, T_hi / T_f)):
        # d ln S_k / dq for q = φ (column 0) and ν_m of the group (columns 1..kg)
        dlnS = np.concatenate((0.5 * dl_phi[:, :, None], 0.5 * dl_nu), axis=2)
        dlnS[:, :, 1:] += (0.5 * dlsc * sign * ratio)[:, :, None] * eye[None]
        ds = 0.5 * s[:, :, None] * dlnS                     # (nf, kg, 1 + kg)
        dd = np.concatenate((np.zeros((ratio.shape[0], kg, 1)), (sign * ratio)[:, :, None] * eye[None]),
                            axis=2)  # ∂d_m/∂q
        inner = ds * d[:, :, None] + s[:, :, None] * dd     # ∂(s_m d_m)/∂q
        dJ = -ds * T[:, :, None] - s[:, :, None] * np.einsum("km,fmq->fkq", R, inner)
        cols_local = np.concatenate(([0], 1 + k))
        plane = np.where(inside, planes, 0)
        col = plane[:, None, None] * K1 + cols_local[None, None, :]
        for j, m in enumerate(members):
            flux_jac[m].append((col[:, 0, :], dJ[:, j, :], inside))
        if sign > 0:  # ν of the upper reservoir is ν_eq + z V / kT: its derivative on the wall faces
            dJ_dV = np.where((planes >= system.n)[:, None], dJ[:, :, 1:] @ (system.valence[k] / system.kT), 0.0)
        for target, tsign in ((f.lo, -1.0), (f.hi, 1.0)):  # rate: + into hi, - out of lo
            ok = inside[:, None, None] & ((target >= 0) & (target < system.n))[:, None, None]
            row = np.where(target >= 0, target, 0)[:, None, None] * K1 + 1 + k[None, :, None]
            tr_rate.add(np.broadcast_to(row, dJ.shape)[np.broadcast_to(ok, dJ.shape)],
                        np.broadcast_to(col, dJ.shape)[np.broadcast_to(ok, dJ.shape)],
                        (tsign * dJ)[np.broadcast_to(ok, dJ.shape)])
    return J, d, dJ_dV


def evaluate(system, y, t):
    """The equations of ``system`` at state ``y`` and time ``t`` (s).

    Parameters
    ----------
    system : PNPSystem
    y : ndarray
    t : float

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> e = evaluate(system, system.y_eq, 0.0)  # equilibrium: no flux, Poisson satisfied
    >>> float(abs(e.rate).max()) < 1e-3, float(abs(e.poisson).max()) < 1e-12
    (True, True)
    """
    p, n, K, K1 = system.problem, system.n, system.K, 1 + system.K
    phi, nu = system.unpack(y)
    st = species_state(p, phi, nu, system.plane_temperature)
    state = {"y": y, "st": st}
    dN, drate = Triplets(), Triplets()
    i = np.arange(n)
    for k in range(K):
        dN.add(i * K1 + 1 + k, i * K1, st.dN_dphi[:, k])
        for m in range(K):
            dN.add(i * K1 + 1 + k, i * K1 + 1 + m, st.dN_dnu[:, k, m])
    rate, fluxes, forces, flux_jac = np.zeros((n, K)), [None] * K, [None] * K, [[] for _ in range(K)]
    flux_voltage = [None] * K
    for members in _groups(system):
        J, X, dJ_dV = _group_fluxes(system, state, members, t, drate, flux_jac)
        f = system.faces[members[0]]
        for col, m in enumerate(members):
            fluxes[m], forces[m], flux_voltage[m] = J[:, col], X[:, col], dJ_dV[:, col]
            np.add.at(rate[:, m], f.hi[f.hi < n], J[f.hi < n, col])
            np.add.at(rate[:, m], f.lo[f.lo >= 0], -J[f.lo >= 0, col])
    poisson, dpoisson = _poisson(system, phi, st, t)
    return Evaluation(st.N, rate, poisson, fluxes, forces, dN, drate, dpoisson, st, flux_jac, flux_voltage)


def _poisson(system, phi, st, t):
    """Poisson rows (e/Å²) with the problem's own operator (the equilibrium's discretisation)
    and their derivatives."""
    op, n, K1 = system.problem.operator, system.n, 1 + system.K
    i = np.arange(n)
    ends = system.end_potentials(t)
    below = np.concatenate(([ends[0]], phi[:-1]))
    above = np.concatenate((phi[1:], [ends[1]]))
    q = system.problem.fixed_plane_charge + st.N @ system.valence
    poisson = op.lower * (below - phi) + op.upper * (above - phi) + op.c * q
    dpoisson = Triplets()
    dpoisson.add(i * K1, i * K1, op.diag + op.c * (st.dN_dphi @ system.valence))
    dpoisson.add(i[1:] * K1, (i[1:] - 1) * K1, op.lower[1:])
    dpoisson.add(i[:-1] * K1, (i[:-1] + 1) * K1, op.upper[:-1])
    for m in range(system.K):
        dpoisson.add(i * K1, i * K1 + 1 + m, op.c * (st.dN_dnu[:, :, m] @ system.valence))
    return poisson, dpoisson


def entropy_production(system, evaluation):
    """Entropy production rate per area, ``k Σ_faces Σ_k J_k (-X_k)`` (W/(K m²)): never
    negative, since the Onsager matrix is positive semidefinite; zero at equilibrium.

    Parameters
    ----------
    system : PNPSystem
    evaluation : Evaluation
        From :func:`evaluate`.

    Returns
    -------
    float

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> entropy_production(system, evaluate(system, system.y_eq, 0.0))
    0.0
    """
    from ..constants import BOLTZMANN_SI
    total = sum(float(np.sum(-J * X)) for J, X in zip(evaluation.fluxes, evaluation.forces) if J is not None)
    return BOLTZMANN_SI * total / (system.problem.grid.area * 1e-20)
