"""The discrete space-charge system: unknowns, residual and Newton matrix.

Unknowns (the solver's state vector): the plane potentials ``phi`` (V), then the bordered
unknowns: the neutralising background ``rho_b`` (e/Å³, periodic grids), the common boundary
potential ``phi_D`` (V, Dirichlet grids whose ends float with the bulk gauge) and one
chemical-potential shift ``eta`` per fitted species (Gouy–Chapman bulk fractions).
Equations: Poisson per plane (charge per area, e/Å²), the gauge (weighted mean of ``phi``
over the bulk region is zero) and the fitted bulk fractions.  Every Newton step costs O(N)
(see :mod:`.linalg`).  :mod:`.model` and :mod:`.layered` build problems; :mod:`.solver`
solves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import thermal_voltage
from .errors import InputError
from .grid import Grid
from .linalg import solve_bordered_tridiagonal
from .occupancy import activity_occupancy, occupancy
from .poisson import PoissonOperator, poisson_rows
from .carriers import CarrierTerms
from .sites import ActiveSites

__all__ = ["Problem"]


def _empty(*shape, dtype=float):
    return np.zeros(shape, dtype=dtype)


@dataclass
class Problem(CarrierTerms):
    """A discretised space-charge problem (plain arrays; :func:`~.model.build_problem` and
    :func:`~.layered.layered_problem` build one).

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
    defect_labels : tuple of str
    activities : tuple, per defect None (ideal) or an activity model ``x -> (μ_ex, dμ_ex/dx)``
        (eV); such a defect must be the only mobile species on its sites
    carrier_labels : tuple, band carriers (electrons, holes, or any continuum species)
    carrier_valence : array (k,), their charges (e)
    carrier_dos : array (k, n), effective density of states per plane (Å⁻³; 0 = absent)
    carrier_eta : array (k,), reduced chemical potential ``(μ - E_ref)/kT`` fixed by the
        reference bulk (φ = 0, zero offset)
    carrier_offset : array (k, n), energy offset per plane (eV)
    carrier_statistics : tuple, "boltzmann" or "fermi-dirac" (parabolic band) per carrier
    background : array (n,) or None, fixed charge per plane (e): frozen continuum dopants,
        interface sheet charges
    site_x, site_label : arrays (n_sites,), each site's own position (Å) and host label
    plane_hosts : bool array (n, m), planes hosting each defect
    mobility : array (m,), relative mobilities (transport)
    permittivity : float or array, relative permittivity as given (scalar or per face)
    approximation, model, compat : str or None, how the problem was built (see :mod:`.model`)
    bulk : (float, float), the bulk region (Å)
    site_charges : bool, whether host valences are charged
    stack : :class:`~.layered.Stack` or None, the layers of a layered heterostructure
    frozen_occupancy : array (n_sites, m) or None, the frozen species' site fractions when they
        are not the bulk ones (restricted equilibrium)
    equilibration_temperature : float or None, K, where the frozen species were equilibrated
        (restricted equilibrium)

    A band carrier's density on plane ``i`` is ``N_i F(η - (z φ_i + ΔE_i)/kT)`` (Å⁻³) with
    ``F = exp`` or ``F_{1/2}``; its charge on the plane is that times ``z dx area``.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> p.grid.n, p.defect_labels, p.mobile.tolist(), p.n_extra
    (90, ('Vo', 'Gd'), [True, False], 1)
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
    activities: tuple = ()
    carrier_labels: tuple = ()
    carrier_valence: np.ndarray = field(default_factory=lambda: _empty(0))
    carrier_dos: np.ndarray | None = None
    carrier_eta: np.ndarray = field(default_factory=lambda: _empty(0))
    carrier_offset: np.ndarray | None = None
    carrier_statistics: tuple = ()
    background: np.ndarray | None = None
    site_x: np.ndarray = field(default_factory=lambda: _empty(0))
    site_label: np.ndarray = field(default_factory=lambda: _empty(0, dtype=str))
    plane_hosts: np.ndarray | None = None
    mobility: np.ndarray = field(default_factory=lambda: _empty(0))
    permittivity: object = 1.0
    approximation: str = "mott-schottky"
    model: str = "site-explicit"
    compat: str | None = None
    bulk: tuple = (0.0, 0.0)
    site_charges: bool = False
    stack: object = None
    frozen_occupancy: np.ndarray | None = None
    equilibration_temperature: float | None = None

    def __post_init__(self):
        n = self.grid.n
        if self.plane_hosts is None:
            self.plane_hosts = np.zeros((n, len(self.valence)), dtype=bool)
        self.mobility = np.asarray(self.mobility, float)
        if self.frozen_occupancy is not None:
            self.frozen_occupancy = np.asarray(self.frozen_occupancy, float)
        self._init_mobile_part()
        self._init_carriers()
        self.operator = PoissonOperator.from_grid(self.grid)

    def _init_mobile_part(self):
        mob = np.flatnonzero(self.mobile)
        hosted = np.isfinite(self.energies[:, mob])
        active = np.flatnonzero(hosted.any(axis=1))
        self.active = ActiveSites(mob, active, self.site_plane[active], self.site_weight[active],
                                  self.capacity[active], self.log_x[np.ix_(active, mob)],
                                  np.where(hosted[active], self.energies[np.ix_(active, mob)], 0.0),
                                  self.valence[mob], self._activity_models(mob, hosted[active], active))
        self.fit_columns = np.searchsorted(mob, self.fitted)
        self.unit_weights = bool(np.all(self.active.weight == 1.0))
        self.one_site_per_plane = bool(np.unique(self.active.plane).size == self.active.plane.size)
        self.fit_weights = self.target_weight[:, active]
        n = self.grid.n
        self.fixed_plane_charge = np.bincount(self.site_plane, weights=self.site_weight * self.fixed_charge,
                                              minlength=n)
        self.gross_fixed_charge = np.bincount(self.site_plane, weights=self.site_weight * np.abs(self.fixed_charge),
                                        minlength=n)
        if self.background is not None:
            bg = np.broadcast_to(np.asarray(self.background, float), (n,))
            self.fixed_plane_charge = self.fixed_plane_charge + bg
            self.gross_fixed_charge = self.gross_fixed_charge + np.abs(bg)

    def _activity_models(self, mob, hosted, active):
        """(column, model, bulk excess chemical potential, label) of each non-ideal species."""
        acts = tuple(self.activities) if self.activities else (None,) * len(self.valence)
        if self.statistics == "boltzmann" and any(a is not None for a in acts):
            raise InputError("activity models need Fermi–Dirac (lattice-gas) site statistics")
        out = []
        for col, d in enumerate(mob):
            if acts[d] is None:
                continue
            shared = hosted[:, col] & (hosted.sum(axis=1) > 1)
            if shared.any():
                raise InputError(f"defect {self.defect_labels[d]!r}: an activity model needs it to be the only "
                                 f"mobile species on its sites, but site {int(active[np.argmax(shared)])} "
                                 "hosts others")
            out.append((col, acts[d], float(acts[d](np.array([self.mole_fraction[d]]))[0][0]),
                        self.defect_labels[d] if self.defect_labels else str(d)))
        return out

    # ------------------------------------------------------------------ state vector

    @property
    def n_extra(self):
        """Number of bordered unknowns after the plane potentials."""
        return (self.grid.boundary == "periodic") + (self.dirichlet == "floating") + len(self.fitted)

    def initial_guess(self):
        """The zero state: φ = 0 everywhere, no background, no chemical-potential shift."""
        return np.zeros(self.grid.n + self.n_extra)

    def unpack(self, y):
        """Split a state vector into ``(phi, rho_b, phi_D, eta)``."""
        n = self.grid.n
        phi, rest = y[:n], y[n:]
        rho_b = phi_d = 0.0
        if self.grid.boundary == "periodic":
            rho_b, rest = rest[0], rest[1:]
        if self.dirichlet == "floating":
            phi_d, rest = rest[0], rest[1:]
        return phi, rho_b, phi_d, rest

    # ------------------------------------------------------------------ charges

    def mobile_occupancies(self, phi, eta, temperature, energy_scale=1.0):
        """Site fractions (n_active, k) of the mobile species on the active sites at plane
        potentials ``phi`` (V) and fitted shifts ``eta`` (kT)."""
        return self._mobile_occupancies(phi, eta, temperature, energy_scale)[0]

    def bulk_site_fractions(self, eta, temperature):
        """Each defect's fraction on a bulk site (φ = 0, ΔE = 0) at the fitted shifts ``eta``:
        the chemical potentials as mole fractions of a defect-free bulk (m,)."""
        out = np.zeros(len(self.defect_labels))
        hosted = np.isfinite(self.energies)
        frozen = ~self.mobile
        out[frozen] = [self.mole_fraction[d] if self.frozen_occupancy is None or not hosted[:, d].any()
                       else self.frozen_occupancy[np.argmax(hosted[:, d]), d] for d in np.flatnonzero(frozen)]
        a = self.active
        if not a.columns.size:
            return out
        rows = np.argmax(np.isfinite(a.log_x), axis=0)  # the first active site hosting each mobile species
        shift = np.zeros(a.columns.size)
        if len(self.fitted):
            shift[self.fit_columns] = eta
        p = occupancy(a.log_x[rows] + shift, a.capacity[rows], self.statistics)
        out[a.columns] = p[np.arange(a.columns.size), np.arange(a.columns.size)]
        return out

    def _mobile_occupancies(self, phi, eta, temperature, energy_scale=1.0):
        """Site fractions of the mobile species on the active sites, (n_active, n_mobile), and
        the inverse non-ideality factors ``1/g`` scaling their response (1 if ideal)."""
        shift = np.zeros(len(self.active.columns))
        if len(self.fitted):
            shift[self.fit_columns] = eta
        return self.site_occupancies(phi, shift, temperature, energy_scale)

    def site_occupancies(self, phi, shift, temperature, energy_scale=1.0):
        """Site fractions of the mobile species on the active sites (n_active, k) at plane
        potentials ``phi`` (V) with the chemical potentials shifted by ``shift`` (in kT: one
        value per species, or one per plane and species, (n, k)), and the inverse
        non-ideality factors ``1/g`` (1 for ideal species).  ``temperature`` (K) may be one
        value per plane (a temperature profile)."""
        a, kT = self.active, thermal_voltage(np.asarray(temperature, float))
        kT = kT[a.plane][:, None] if kT.ndim else kT
        shift = np.asarray(shift, float)
        u = (a.valence / -kT) * phi[a.plane, None]
        u += a.log_x
        u -= (energy_scale / kT) * a.energies
        if shift.ndim == 2:
            u += shift[a.plane]
        elif shift.any():
            u += shift
        p = occupancy(u, a.capacity, self.statistics)
        inv_g = np.ones_like(p) if a.activities else 1.0
        for col, model, mu_bulk, label in a.activities:
            on = np.isfinite(u[:, col])
            try:
                p[on, col], inv_g[on, col] = activity_occupancy(u[on, col], a.capacity[on], model, mu_bulk,
                                                                    kT[on, 0] if np.ndim(kT) else kT,
                                                                    label=f"defect {label!r}")
            except ValueError as exc:
                raise InputError(str(exc)) from None
        return p, inv_g

    def occupancies(self, phi, eta, temperature, energy_scale=1.0, *, mobile=None):
        """Site fractions (n_sites, m) at plane potentials ``phi`` (V) and chemical-potential
        shifts ``eta``; zero where not hosted (``mobile``: the active sites' fractions, if
        already computed)."""
        p = np.zeros(self.energies.shape)
        if mobile is None:
            mobile = self._mobile_occupancies(phi, eta, temperature, energy_scale)[0]
        if self.active.columns.size == 1:
            p[self.active.sites, self.active.columns[0]] = mobile[:, 0]
        else:
            p[np.ix_(self.active.sites, self.active.columns)] = mobile
        frozen = ~self.mobile
        if frozen.any():
            hosted = np.isfinite(self.energies[:, frozen])
            values = (self.mole_fraction[frozen][None, :] if self.frozen_occupancy is None
                      else np.nan_to_num(self.frozen_occupancy[:, frozen]))
            p[:, frozen] = np.where(hosted, values, 0.0)
        return p

    def plane_sum(self, values):
        """Sum over each plane of a per-active-site quantity times the site weight."""
        a = self.active
        weighted = values if self.unit_weights else a.weight * values
        if self.one_site_per_plane:  # a scatter instead of a reduction
            out = np.zeros(self.grid.n)
            out[a.plane] = weighted
            return out
        return np.bincount(a.plane, weights=weighted, minlength=self.grid.n)

    def plane_charges(self, phi, temperature, eta=None, energy_scale=1.0, *, mobile=None):
        """Total charge per plane (e) at plane potentials ``phi`` (V): sites, band carriers and
        the fixed background (``eta``: the fitted chemical-potential shifts, if any;
        ``mobile``: the active sites' fractions, if already computed)."""
        phi = np.asarray(phi, float)
        eta = np.zeros(len(self.fitted)) if eta is None else np.asarray(eta, float)
        p = self._mobile_occupancies(phi, eta, temperature, energy_scale)[0] if mobile is None else mobile
        q = self.fixed_plane_charge + self.mobile_charge(p)[0]
        if self.carrier_labels:
            q = q + self._carrier_charges(phi, temperature, energy_scale)[0]
        return q

    # ------------------------------------------------------------------ residual, matrix

    def _boundary_values(self, phi, phi_d):
        if self.grid.boundary == "periodic":
            return phi[-1], phi[0]
        if self.dirichlet == "floating":
            return phi_d, phi_d
        return self.dirichlet

    def residual(self, y, temperature, *, energy_scale=1.0):
        """Residual ``F`` at state ``y``, its scale (the largest charge or flux term, for the
        relative residual) and the :class:`~.newton_matrix.Linearisation` point from which
        :func:`~.newton_matrix.newton_matrix` builds the Newton matrix without recomputing
        the occupancies."""
        from .newton_matrix import Linearisation
        phi, rho_b, phi_d, eta = self.unpack(y)
        kT = thermal_voltage(temperature)
        p, inv_g = self._mobile_occupancies(phi, eta, temperature, energy_scale)
        q, gross = self.mobile_charge(p)
        q += self.fixed_plane_charge
        gross += self.gross_fixed_charge
        dq_c = 0.0
        if self.carrier_labels:
            q_c, gross_c, dq_c = self._carrier_charges(phi, temperature, energy_scale)
            q, gross = q + q_c, gross + gross_c
        below, above = self._boundary_values(phi, phi_d)
        F = np.empty(y.size)
        _, scale = poisson_rows(self.operator, phi, q, gross, rho_b, below, above, out=F[:phi.size])
        row = phi.size
        if self.gauge is not None:
            F[row] = self.gauge @ phi / kT
            row += 1
        if len(self.fitted):
            avg = np.einsum("ks,sk->k", self.fit_weights, p[:, self.fit_columns])
            F[row:] = avg / self.target - 1.0
        return F, float(scale), Linearisation(p, inv_g, kT, dq_c)

    def evaluate(self, y, temperature, *, jacobian=True, energy_scale=1.0):
        """Residual ``F``, its scale and, with ``jacobian``, the Newton matrix at state ``y``
        (:meth:`residual` and :func:`~.newton_matrix.newton_matrix`)."""
        from .newton_matrix import newton_matrix
        F, scale, point = self.residual(y, temperature, energy_scale=energy_scale)
        return F, scale, newton_matrix(self, point) if jacobian else None

    def mobile_charge(self, p):
        """Charge per plane (e) of the mobile species at site fractions ``p`` (or of any
        per-site, per-species quantity), and its gross size."""
        z = self.active.valence
        if z.size == 0:
            return np.zeros(self.grid.n), np.zeros(self.grid.n)
        if z.size == 1:
            s = self.plane_sum(p[:, 0])
            return z[0] * s, abs(z[0]) * s
        return (self.plane_sum(np.einsum("sk,k->s", p, z)), self.plane_sum(np.einsum("sk,k->s", p, np.abs(z))))

    def newton_step(self, F, matrix):
        """The Newton update ``-J⁻¹ F`` for residual ``F`` and matrix from :meth:`evaluate`."""
        (lower, diag, upper), B, C, D = matrix
        n = self.grid.n
        dy = np.empty(F.size)
        solve_bordered_tridiagonal(lower, diag, upper, B, C, D, F[:n], F[n:], periodic=self.grid.boundary == "periodic",
                                   symmetric=self.operator.symmetric, out=dy)
        return np.negative(dy, out=dy)
