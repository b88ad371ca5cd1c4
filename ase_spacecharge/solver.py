"""The discrete site-explicit Poisson–Boltzmann system and its Newton solver.

Unknowns: the plane potentials ``phi`` (V), then the bordered unknowns: the neutralising
background ``rho_b`` (e/Å³, periodic grids), the common boundary potential ``phi_D`` (V,
Dirichlet grids whose ends float with the bulk gauge) and one chemical-potential shift
``eta`` per fitted species (Gouy–Chapman bulk fractions).  Equations: Poisson per plane
(charge per area, e/Å²), the gauge (weighted mean of ``phi`` over the bulk region is zero)
and the fitted bulk fractions.  Every Newton step costs O(N) (see :mod:`.linalg`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import thermal_voltage
from .grid import Grid
from .sites import InputError
from .linalg import SingularMatrixError, solve_bordered_tridiagonal
from .occupancy import activity_occupancy, band_occupancy, occupancy, occupancy_response


class ConvergenceError(RuntimeError):
    """The Newton solve did not converge; carries ``residual`` and ``iterations``."""

    def __init__(self, message, residual, iterations):
        super().__init__(f"{message} (relative residual {residual:.3e} after {iterations} iterations)")
        self.residual = residual
        self.iterations = iterations


@dataclass
class Problem:
    """A discretised space-charge problem (plain arrays; see :mod:`.model` to build one).

    Sites (n_sites) sit on planes ``site_plane`` of ``grid``; defect ``d`` (m species) may
    occupy site ``s`` where ``np.isfinite(energies[s, d])``.

    Attributes
    ----------
    grid : Grid
    site_plane : int array (n_sites,)
    site_weight : array (n_sites,), number of physical sites each entry stands for
    energies : array (n_sites, m), segregation energies (eV), NaN where not hosted
    valence : array (m,), defect valences (e)
    mole_fraction : array (m,), bulk site fractions
    mobile : bool array (m,), species that equilibrate
    fixed_charge : array (n_sites,), charge per site that does not respond to phi (e):
        host valence (with site charges) plus frozen defects' ``z x``
    capacity : array (n_sites,), ``1 - F_s`` (frozen fraction removed)
    log_x : array (n_sites, m), ``ln(x/A_s)`` (Fermi–Dirac) or ``ln x`` (Boltzmann) for mobile
        hosted defects, ``-inf`` elsewhere
    gauge : array (n,) or None, weights (summing to 1) of the bulk-region mean of phi
    fitted : int array (k,), defects whose chemical potential is fitted (Gouy–Chapman)
    target : array (k,), bulk fractions the fitted defects must reach
    target_weight : array (k, n_sites), weights of the bulk-region average of each fitted
        defect's occupancy
    dirichlet : None, "floating", or (phi_lower, phi_upper) in V
    statistics : "fermi-dirac" or "boltzmann"
    carrier_labels : tuple, band carriers (electrons, holes, or any continuum species)
    carrier_valence : array (k,), their charges (e)
    carrier_dos : array (k, n), effective density of states per plane (Å⁻³; 0 where the
        carrier is absent)
    carrier_eta : array (k,), reduced chemical potential ``(μ - E_ref)/kT`` fixed by the
        reference bulk (φ = 0, zero offset)
    carrier_offset : array (k, n), energy offset per plane (eV): band-edge or standard
        chemical-potential step of the plane's material relative to the reference
    carrier_statistics : tuple, "boltzmann" or "fermi-dirac" (parabolic band) per carrier
    background : array (n,), fixed charge per plane (e): frozen continuum dopants, interface
        sheet charges
    activities : tuple, per defect None (ideal) or an activity model ``x -> (μ_ex, dμ_ex/dx)``
        (eV), e.g. :class:`~.occupancy.RegularSolution`; such a defect must be the only mobile
        species on its sites

    A band carrier's density on plane ``i`` is ``N_i F(η - (z φ_i + ΔE_i)/kT)`` (Å⁻³) with
    ``F = exp`` or ``F_{1/2}``; its charge on the plane is that times ``z dx area``.
    """

    grid: Grid
    site_plane: np.ndarray
    site_weight: np.ndarray
    energies: np.ndarray
    valence: np.ndarray
    mole_fraction: np.ndarray
    mobile: np.ndarray
    fixed_charge: np.ndarray
    capacity: np.ndarray
    log_x: np.ndarray
    gauge: np.ndarray | None
    fitted: np.ndarray
    target: np.ndarray
    target_weight: np.ndarray
    dirichlet: object = None
    statistics: str = "fermi-dirac"
    defect_labels: tuple = ()
    info: dict = field(default_factory=dict)
    carrier_labels: tuple = ()
    carrier_valence: np.ndarray | None = None
    carrier_dos: np.ndarray | None = None
    carrier_eta: np.ndarray | None = None
    carrier_offset: np.ndarray | None = None
    carrier_statistics: tuple = ()
    background: np.ndarray | None = None
    activities: tuple = ()

    def __post_init__(self):
        # The Newton loop works on the mobile part only: the sites hosting at least one mobile
        # defect ("active") and the mobile species' columns.  Frozen defects and host
        # charges enter through the constant plane charge ``_q_fixed``.
        mob = np.flatnonzero(self.mobile)
        hosted = np.isfinite(self.energies[:, mob])
        active = np.flatnonzero(hosted.any(axis=1))
        self._mob, self._active = mob, active
        self._log_x = self.log_x[np.ix_(active, mob)]
        self._dE = np.where(hosted[active], self.energies[np.ix_(active, mob)], 0.0)
        self._z = self.valence[mob]
        self._plane = self.site_plane[active]
        self._weight = self.site_weight[active]
        self._cap = self.capacity[active]
        self._fit_col = np.searchsorted(mob, self.fitted)
        self._target_weight = self.target_weight[:, active]
        n = self.grid.n
        self._q_fixed = np.bincount(self.site_plane, weights=self.site_weight * self.fixed_charge,
                                    minlength=n)
        self._gross_fixed = np.bincount(self.site_plane,
                                        weights=self.site_weight * np.abs(self.fixed_charge),
                                        minlength=n)
        acts = tuple(self.activities) if self.activities else (None,) * len(self.valence)
        if self.statistics == "boltzmann" and any(a is not None for a in acts):
            raise InputError("activity models need Fermi–Dirac (lattice-gas) site statistics")
        self._act = []  # (column, model, bulk excess chemical potential, label)
        for col, d in enumerate(mob):
            if acts[d] is None:
                continue
            shared = hosted[active][:, col] & (hosted[active].sum(axis=1) > 1)
            if shared.any():
                raise InputError(f"defect {self.defect_labels[d]!r}: an activity model needs it to be the only "
                                 f"mobile species on its sites, but site {int(active[np.argmax(shared)])} "
                                 "hosts others")
            self._act.append((col, acts[d], float(acts[d](np.array([self.mole_fraction[d]]))[0][0]),
                              self.defect_labels[d] if self.defect_labels else str(d)))
        k = len(self.carrier_labels)
        self.carrier_valence = np.zeros(0) if k == 0 else np.asarray(self.carrier_valence, float)
        self.carrier_eta = np.zeros(0) if k == 0 else np.asarray(self.carrier_eta, float)
        self.carrier_dos = np.zeros((k, n)) if k == 0 else np.broadcast_to(
            np.asarray(self.carrier_dos, float), (k, n)).copy()
        offset = np.zeros(0) if self.carrier_offset is None else np.asarray(self.carrier_offset, float)
        self.carrier_offset = np.zeros((k, n)) if offset.size == 0 else np.broadcast_to(offset, (k, n)).copy()
        if len(self.carrier_statistics) != k:
            self.carrier_statistics = ("boltzmann",) * k
        if self.background is not None:
            bg = np.broadcast_to(np.asarray(self.background, float), (n,))
            self._q_fixed = self._q_fixed + bg
            self._gross_fixed = self._gross_fixed + np.abs(bg)

    @property
    def n_extra(self):
        return (self.grid.boundary == "periodic") + (self.dirichlet == "floating") + len(self.fitted)

    def unpack(self, y):
        """Split the unknown vector into (phi, rho_b, phi_D, eta)."""
        n = self.grid.n
        phi, rest = y[:n], y[n:]
        rho_b = phi_d = 0.0
        if self.grid.boundary == "periodic":
            rho_b, rest = rest[0], rest[1:]
        if self.dirichlet == "floating":
            phi_d, rest = rest[0], rest[1:]
        return phi, rho_b, phi_d, rest

    def _mobile_occupancies(self, phi, eta, temperature, energy_scale=1.0, *, factors=False):
        """Site fractions of the mobile species on the active sites, (n_active, n_mobile), and
        with ``factors`` the inverse non-ideality factors ``1/g`` scaling their response
        (1 for ideal species)."""
        kT = thermal_voltage(temperature)
        u = self._log_x - (self._z[None, :] * phi[self._plane, None] + energy_scale * self._dE) / kT
        if len(self.fitted):
            u[:, self._fit_col] += eta[None, :]
        p = occupancy(u, self._cap, self.statistics)
        inv_g = np.ones_like(p)
        for col, model, mu_bulk, label in self._act:
            on = np.isfinite(u[:, col])
            try:
                p[on, col], inv_g[on, col] = activity_occupancy(u[on, col], self._cap[on], model, mu_bulk,
                                                                    kT, label=f"defect {label!r}")
            except ValueError as exc:
                raise InputError(str(exc)) from None
        return (p, inv_g) if factors else p

    def occupancies(self, phi, eta, temperature, energy_scale=1.0):
        """Site fractions (n_sites, m) at plane potentials ``phi`` (V); zero where not hosted."""
        p = np.zeros(self.energies.shape)
        p[np.ix_(self._active, self._mob)] = self._mobile_occupancies(phi, eta, temperature, energy_scale)
        frozen = ~self.mobile
        if frozen.any():
            hosted = np.isfinite(self.energies[:, frozen])
            p[:, frozen] = np.where(hosted, self.mole_fraction[frozen][None, :], 0.0)
        return p

    def _plane_sum(self, values):
        """Sum of a per-active-site quantity times the site weight over each plane."""
        return np.bincount(self._plane, weights=self._weight * values, minlength=self.grid.n)

    def plane_charge(self, p):
        """Charge per plane (e) from site fractions ``p`` (n_sites, m)."""
        return self._q_fixed + self._plane_sum(p[np.ix_(self._active, self._mob)] @ self._z)

    def carrier_potentials(self, phi, temperature, energy_scale=1.0):
        """Reduced chemical potentials ``u = η - (z φ + ΔE)/kT`` (k, n) of the band carriers."""
        kT = thermal_voltage(temperature)
        z = self.carrier_valence[:, None]
        return self.carrier_eta[:, None] - (z * phi[None, :] + energy_scale * self.carrier_offset) / kT

    def carrier_densities(self, phi, temperature, energy_scale=1.0):
        """Band-carrier densities (k, n) in Å⁻³ and their derivatives with respect to phi."""
        kT = thermal_voltage(temperature)
        u = self.carrier_potentials(phi, temperature, energy_scale)
        n = np.empty_like(u)
        dn = np.empty_like(u)
        for stat in set(self.carrier_statistics):
            rows = [i for i, s in enumerate(self.carrier_statistics) if s == stat]
            F, dF = band_occupancy(u[rows], stat)
            n[rows] = self.carrier_dos[rows] * F
            dn[rows] = self.carrier_dos[rows] * dF * (-self.carrier_valence[rows, None] / kT)
        return n, dn

    def _carrier_charges(self, phi, temperature, energy_scale=1.0):
        """Band-carrier charge per plane (e), its gross size and its derivative dq/dphi."""
        n, dn = self.carrier_densities(phi, temperature, energy_scale)
        vol = self.grid.dx * self.grid.area
        z = self.carrier_valence
        return (z @ n) * vol, (np.abs(z) @ n) * vol, (z @ dn) * vol

    def plane_charges(self, y, temperature):
        """Total charge per plane (e) at the unknowns ``y``: sites, band carriers, background."""
        phi, _, _, eta = self.unpack(y)
        q = self.plane_charge(self.occupancies(phi, eta, temperature))
        if self.carrier_labels:
            q = q + self._carrier_charges(phi, temperature)[0]
        return q

    def _boundary_values(self, phi, phi_d):
        if self.grid.boundary == "periodic":
            return phi[-1], phi[0]
        if self.dirichlet == "floating":
            return phi_d, phi_d
        return self.dirichlet

    def evaluate(self, y, temperature, *, jacobian=True, energy_scale=1.0):
        """Residual, its scale and (optionally) the Newton matrix at ``y``."""
        g = self.grid
        n = g.n
        phi, rho_b, phi_d, eta = self.unpack(y)
        kT = thermal_voltage(temperature)
        p, inv_g = self._mobile_occupancies(phi, eta, temperature, energy_scale, factors=True)
        q = self._q_fixed + self._plane_sum(p @ self._z)
        gross = self._gross_fixed + self._plane_sum(p @ np.abs(self._z))
        if self.carrier_labels:
            q_c, gross_c, dq_c = self._carrier_charges(phi, temperature, energy_scale)
            q, gross = q + q_c, gross + gross_c
        lower, diag, upper = g.laplacian()
        below, above = self._boundary_values(phi, phi_d)
        flux_up = upper * (np.append(phi[1:], above) - phi)
        flux_down = lower * (np.insert(phi[:-1], 0, below) - phi)
        c = g.w / g.dx / g.area
        residual = flux_up + flux_down + c * q - g.w * rho_b
        scale = float(np.max(np.abs(flux_up) + np.abs(flux_down) + c * gross + g.w * abs(rho_b)))
        rows = [residual]
        if self.gauge is not None:
            rows.append([self.gauge @ phi / kT])
        if len(self.fitted):
            avg = np.einsum("ks,sk->k", self._target_weight, p[:, self._fit_col])
            rows.append(avg / self.target - 1.0)
        F = np.concatenate(rows)
        if not jacobian:
            return F, scale, None
        dp_dphi = occupancy_response(p, self._cap, -self._z[None, :] / kT, self.statistics) * inv_g
        T_diag = diag + c * self._plane_sum(dp_dphi @ self._z)
        if self.carrier_labels:
            T_diag = T_diag + c * dq_c
        cols = []
        if g.boundary == "periodic":
            cols.append(-g.w)
        if self.dirichlet == "floating":
            col = np.zeros(n)
            col[0], col[-1] = lower[0], upper[-1]
            cols.append(col)
        dp_deta = []
        for col_k in self._fit_col:
            v = np.zeros(p.shape[1])
            v[col_k] = 1.0
            dp = occupancy_response(p, self._cap, v[None, :], self.statistics) * inv_g
            dp_deta.append(dp)
            cols.append(c * self._plane_sum(dp @ self._z))
        m = len(cols)
        B = np.column_stack(cols) if m else np.zeros((n, 0))
        C = np.zeros((m, n))
        D = np.zeros((m, m))
        r = 0
        if self.gauge is not None:
            C[r] = self.gauge / kT
            r += 1
        eta_col = m - len(self.fitted)
        for k, col_k in enumerate(self._fit_col):
            w = self._target_weight[k] / self.target[k]
            C[r] = np.bincount(self._plane, weights=w * dp_dphi[:, col_k], minlength=n)
            D[r, eta_col:] = [w @ dp[:, col_k] for dp in dp_deta]
            r += 1
        return F, scale, ((lower, T_diag, upper), B, C, D)

    def newton_step(self, F, matrix):
        """The Newton update for residual ``F`` and matrix from :meth:`evaluate`."""
        (lower, diag, upper), B, C, D = matrix
        n = self.grid.n
        dphi, dz = solve_bordered_tridiagonal(lower, diag, upper, B, C, D, -F[:n], -F[n:],
                                              periodic=self.grid.boundary == "periodic")
        return np.concatenate((dphi, dz))

    def initial_guess(self):
        return np.zeros(self.grid.n + self.n_extra)


def _normalised(F, n, scale):
    """Residual in relative units: Poisson rows divided by the charge/flux ``scale``."""
    out = F.copy()
    if scale > 0:
        out[:n] /= scale
    return out


def newton(problem, temperature, y0=None, *, rtol=1e-10, max_iter=100, step_cap=None,
           energy_scale=1.0):
    """Solve ``problem`` at ``temperature`` (K) by globalised Newton.

    Stops when the relative residual (max-norm: Poisson rows over the largest charge or
    flux term, gauge in kT/e, fitted fractions relative to their targets) is at most
    ``rtol``.  Steps are capped at ``step_cap`` volts in phi (default 10 kT/e) and
    backtracked until the residual norm decreases (Armijo).

    Returns
    -------
    y, residual, iterations

    Raises
    ------
    ConvergenceError
        with the residual and the iteration count, when no converged answer was found.
    """
    n = problem.grid.n
    kT = thermal_voltage(temperature)
    cap = 10.0 * kT if step_cap is None else step_cap
    y = problem.initial_guess() if y0 is None else np.array(y0, dtype=float)
    F, scale, matrix = problem.evaluate(y, temperature, energy_scale=energy_scale)
    rel = _normalised(F, n, scale)
    res = float(np.max(np.abs(rel)))
    for it in range(max_iter + 1):
        if not np.isfinite(res):
            raise ConvergenceError("non-finite residual", res, it)
        if res <= rtol:
            return y, res, it
        if it == max_iter:
            break
        try:
            dy = problem.newton_step(F, matrix)
        except SingularMatrixError as exc:
            raise ConvergenceError(f"singular Newton matrix: {exc}", res, it) from None
        biggest = np.max(np.abs(dy[:n]))
        if biggest > cap:
            dy *= cap / biggest
        norm0 = np.linalg.norm(rel)
        t = 1.0
        for _ in range(40):
            y_try = y + t * dy
            # the full step is usually accepted: evaluate the matrix with it, to reuse
            with np.errstate(over="ignore", invalid="ignore"):
                F_try, scale_try, matrix_try = problem.evaluate(y_try, temperature, jacobian=t == 1.0,
                                                                energy_scale=energy_scale)
            trial = _normalised(F_try, n, scale)
            norm = np.linalg.norm(trial)
            if np.isfinite(norm) and (norm <= (1.0 - 1e-4 * t) * norm0
                                      or np.max(np.abs(_normalised(F_try, n, scale_try))) <= rtol):
                break
            t *= 0.5
        else:
            raise ConvergenceError("line search failed", res, it)
        y = y_try
        if matrix_try is None:
            F_try, scale_try, matrix_try = problem.evaluate(y, temperature, energy_scale=energy_scale)
        F, scale, matrix = F_try, scale_try, matrix_try
        rel = _normalised(F, n, scale)
        res = float(np.max(np.abs(rel)))
    raise ConvergenceError("Newton did not converge", res, max_iter)


def solve_problem(problem, temperature, y0=None, *, rtol=1e-10, max_iter=100, continuation_steps=64):
    """Newton from ``y0`` (or zero); on failure from a cold start, continuation in the
    segregation energies (scaled from 0 to 1, warm-starting each step).

    Returns ``(y, residual, iterations)`` with the total Newton iterations.
    """
    try:
        return newton(problem, temperature, y0, rtol=rtol, max_iter=max_iter)
    except ConvergenceError as first:
        failure = first
    y = problem.initial_guess() if y0 is None else np.array(y0, dtype=float)
    total = failure.iterations
    lam, step = 0.0, 0.25
    for _ in range(continuation_steps):
        target = min(1.0, lam + step)
        try:
            y_new, res, its = newton(problem, temperature, y, rtol=rtol, max_iter=max_iter,
                                     energy_scale=target)
        except ConvergenceError as exc:
            total += exc.iterations
            step *= 0.5
            if step < 1e-4:
                break
            continue
        total += its
        y, lam = y_new, target
        if lam == 1.0:
            return y, res, total
        step = min(2 * step, 1.0)
    raise ConvergenceError(f"Newton failed ({failure}) and continuation stalled at energy scale {lam:.4g}",
                           failure.residual, total)
