"""The discrete space-charge system: unknowns, residual and Newton matrix.

Unknowns (the solver's state vector): the plane potentials ``phi`` (V), then the bordered
unknowns: the neutralising background ``rho_b`` (e/Å³, periodic grids), the common boundary
potential ``phi_D`` (V, Dirichlet grids whose ends float with the bulk gauge) and one
chemical-potential shift ``eta`` per fitted species (Gouy–Chapman bulk fractions).
Equations: Poisson per plane (charge per area, e/Å²), the gauge (weighted mean of ``phi``
over the bulk region is zero) and the fitted bulk fractions.  Every Newton step costs O(N)
(see :mod:`ase_spacecharge.equilibrium.linalg`).  :mod:`.model` and :mod:`.layered` build problems; :mod:`ase_spacecharge.equilibrium.newton`
solves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..grid import Grid
from .linalg import solve_bordered_tridiagonal, solve_bordered_tridiagonal_batch
from .newton_matrix import Linearisation, newton_matrix
from .poisson import PoissonOperator, add_flux_rows, row_scales
from .carrier_terms import CarrierTerms
from ..errors import InputError
from .site_terms import SiteTerms
from .workspace import take

__all__ = ["Problem"]


def _empty(*shape, dtype=float):
    return np.zeros(shape, dtype=dtype)


@dataclass
class Problem(CarrierTerms, SiteTerms):
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

    Derived on construction: ``operator`` (:class:`~ase_spacecharge.equilibrium.poisson.PoissonOperator`), the site part
    of :class:`~ase_spacecharge.equilibrium.site_terms.SiteTerms` (``active`` ...), ``fixed_rows`` and
    ``fixed_row_sizes`` (the fixed charges' terms of the Poisson rows and their gross sizes,
    e/Å²) and ``charge_row_factor`` (``c z`` per plane for a single mobile species, else None).

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
        c = self.operator.c  # the charge terms of the Poisson rows (e/Å²) per e on the plane
        self.fixed_rows, self.fixed_row_sizes = c * self.fixed_plane_charge, c * self.gross_fixed_charge
        z = self.active.valence
        self.charge_row_factor = c * z[0] if z.size == 1 else None
        for kept in (self.fixed_rows, self.fixed_row_sizes, self.charge_row_factor):
            if kept is not None:
                kept.setflags(write=False)

    # ------------------------------------------------------------------ state vector

    @property
    def n_extra(self):
        """Number of bordered unknowns after the plane potentials."""
        return (self.grid.boundary == "periodic") + (self.dirichlet == "floating") + len(self.fitted)

    @cached_property
    def border_columns(self):
        """The Newton matrix's border columns that do not depend on the state (n, k): ``-w``
        for the neutralising background (periodic grids), the wall couplings for a floating
        boundary potential."""
        op, cols = self.operator, []
        if self.grid.boundary == "periodic":
            cols.append(-op.w)
        if self.dirichlet == "floating":
            col = np.zeros(self.grid.n)
            col[0], col[-1] = op.lower[0], op.upper[-1]
            cols.append(col)
        out = np.column_stack(cols) if cols else np.zeros((self.grid.n, 0))
        out.setflags(write=False)  # handed out as the matrix's B: no caller may change it
        return out

    @cached_property
    def border_support(self):
        """The planes on which the border rows of the Newton matrix (the gauge, the fitted
        bulk fractions) have weight: the bulk region's."""
        planes = [np.flatnonzero(self.gauge)] if self.gauge is not None else []
        if len(self.fitted):
            planes.append(self.active.plane[np.any(self.fit_weights != 0, axis=0)])
        return np.unique(np.concatenate(planes)) if planes else np.zeros(0, int)

    def initial_guess(self):
        """The zero state: φ = 0 everywhere, no background, no chemical-potential shift."""
        return np.zeros(self.grid.n + self.n_extra)

    def unpack(self, y):
        """Split a state vector (or a stack of them, (..., N)) into ``(phi, rho_b, phi_D, eta)``."""
        n = self.grid.n
        phi, rest = y[..., :n], y[..., n:]
        rho_b = phi_d = 0.0
        if self.grid.boundary == "periodic":
            rho_b, rest = rest[..., 0], rest[..., 1:]
        if self.dirichlet == "floating":
            phi_d, rest = rest[..., 0], rest[..., 1:]
        return phi, rho_b, phi_d, rest

    # ------------------------------------------------------------------ charges

    def plane_charges(self, phi, temperature, eta=None, energy_scale=1.0, *, mobile=None):
        """Total charge per plane (e) at plane potentials ``phi`` (V): sites, band carriers and
        the fixed background (``eta``: the fitted chemical-potential shifts, if any;
        ``mobile``: the active sites' fractions, if already computed)."""
        phi = np.asarray(phi, float)
        eta = np.zeros(len(self.fitted)) if eta is None else np.asarray(eta, float)
        p = self._mobile_occupancies(phi, eta, self.thermal_terms(temperature, energy_scale))[0] if mobile is None \
            else mobile
        q = self.fixed_plane_charge + self.mobile_charge(p)[0]
        if self.carrier_labels:
            q = q + self._carrier_charges(phi, temperature, energy_scale)[0]
        return q

    # ------------------------------------------------------------------ residual, matrix

    def _boundary_values(self, phi, phi_d, terms):
        if self.grid.boundary == "periodic":
            return phi[..., -1], phi[..., 0]
        if self.dirichlet == "floating":
            return phi_d, phi_d
        return terms.ends

    def residual(self, y, temperature=None, *, energy_scale=1.0, terms=None, work=None, out=None):
        """Residual ``F`` at state ``y``, its scale (the largest charge, background or flux term
        of any Poisson row, for the relative residual) and the
        :class:`~ase_spacecharge.equilibrium.newton_matrix.Linearisation` point from which
        :func:`~ase_spacecharge.equilibrium.newton_matrix.newton_matrix` builds the Newton matrix without recomputing
        the occupancies (``work``: a :class:`~ase_spacecharge.equilibrium.workspace.Workspace`; ``out``: where to write
        ``F``).  With ``terms`` (a stack's :class:`~ase_spacecharge.equilibrium.terms.ProblemTerms`, instead of
        ``temperature``) the states are a stack ``y`` (B, N), and so are ``F`` and the scale (B,)."""
        if terms is None:
            terms = self.thermal_terms(temperature, energy_scale)
        phi, rho_b, phi_d, eta = self.unpack(y)
        p, inv_g = self._mobile_occupancies(phi, eta, terms, work=work)
        below, above = self._boundary_values(phi, phi_d, terms)
        F = np.empty(y.shape) if out is None else out
        n = phi.shape[-1]
        dq_c = 0.0
        if self.carrier_labels:
            q_c, gross_c, dq_c = self._carrier_charges(phi, temperature, energy_scale)
        if self.charge_row_factor is not None:  # one mobile species: c z times the plane sums
            sums = self.plane_sum(p[..., 0], out=None if work is None else work.get("site sums", phi.shape))
            charges = np.multiply(sums, self.charge_row_factor, out=F[..., :n])
            planes = np.abs(charges, out=take(work, "planes", phi.shape))
        else:
            q, planes = self.mobile_charge(p)
            charges = np.multiply(self.operator.c, q, out=F[..., :n])
            planes *= self.operator.c
        planes += terms.fixed_row_sizes
        if self.carrier_labels:
            charges += self.operator.c * q_c
            planes += self.operator.c * gross_c
        charge_scale = planes.max(axis=-1)
        charges += terms.fixed_rows
        # in a solve's workspace the sizes' array is reused for the fluxes (row_scale recomputes them)
        flux = add_flux_rows(self.operator, phi, rho_b, below, above, charges, work=None if work is None else planes)
        scale = float(max(charge_scale, flux)) if phi.ndim == 1 else np.maximum(charge_scale, flux)
        row = n
        if self.gauge is not None:
            if terms.gauge_row is None:
                raise InputError("temperature: the equilibrium residual takes one temperature (K), not a profile")
            F[..., row] = _dot(terms.gauge_row, phi[..., terms.support])
            row += 1
        if len(self.fitted):
            avg = np.einsum("...ks,...sk->...k", terms.fit_weights, p[..., self.fit_columns])
            F[..., row:] = avg / terms.target - 1.0
        return F, scale, Linearisation(p, inv_g, terms, dq_c, None if work is not None else planes)

    def row_scale(self, y, scale, point, temperature=None, energy_scale=1.0, *, out=None, work=None):
        """The scale of each Poisson row at state ``y`` (e/Å², (..., n)): the largest of the
        row's own terms, at least its floor and at most ``scale``, the residual's (see
        :func:`~ase_spacecharge.equilibrium.poisson.row_scales`); ``point``: the residual's
        :class:`~ase_spacecharge.equilibrium.newton_matrix.Linearisation` at ``y``
        (``temperature``, ``energy_scale``: the residual's, for band carriers; ``out``,
        ``work``: arrays like ``phi`` for the result and the work, or None for fresh ones)."""
        phi, rho_b, phi_d, _ = self.unpack(y)
        terms = point.terms
        if point.charge_sizes is not None:  # kept by the residual (a copy: the scales are written into it)
            sizes = point.charge_sizes.copy()
        else:
            z = np.abs(self.active.valence)
            if z.size == 0:
                sizes = np.zeros(phi.shape) if out is None else out
                sizes.fill(0.0)
            else:
                values = point.p[..., 0] if z.size == 1 else np.einsum("...sk,k->...s", point.p, z)
                sizes = self.plane_sum(values, out=out)
                sizes *= self.operator.c
                if z.size == 1:
                    sizes *= z[0]
            sizes += terms.fixed_row_sizes
            if self.carrier_labels:
                sizes += self.operator.c * self._carrier_charges(phi, temperature, energy_scale)[1]
        return row_scales(self.operator, phi, rho_b, *self._boundary_values(phi, phi_d, terms), sizes, terms.row_floor,
                          scale, work=work)

    def evaluate(self, y, temperature=None, *, jacobian=True, energy_scale=1.0, terms=None, work=None, out=None):
        """Residual ``F``, its scale and, with ``jacobian``, the Newton matrix at state ``y``
        (:meth:`residual` and :func:`~ase_spacecharge.equilibrium.newton_matrix.newton_matrix`; a stack with ``terms``)."""
        F, scale, point = self.residual(y, temperature, energy_scale=energy_scale, terms=terms, work=work, out=out)
        return F, scale, newton_matrix(self, point, work=work) if jacobian else None

    def newton_step(self, F, matrix, *, work=None):
        """The Newton update ``-J⁻¹ F`` for residual ``F`` and the
        :class:`~ase_spacecharge.equilibrium.newton_matrix.NewtonMatrix` from :meth:`evaluate` (``work``: a
        :class:`~ase_spacecharge.equilibrium.workspace.Workspace`); for a stack (``F`` (B, N)), one LAPACK call for all."""
        n = self.grid.n
        periodic, symmetric = self.grid.boundary == "periodic", self.operator.symmetric
        if F.ndim > 1:
            dphi, dz = solve_bordered_tridiagonal_batch(matrix.lower, matrix.diag, matrix.upper, matrix.B, matrix.C,
                                                        matrix.D, -F[:, :n], -F[:, n:], periodic=periodic,
                                                        symmetric=symmetric, C_columns=matrix.support)
            return np.concatenate((dphi, dz), axis=1)
        dy = take(work, "step", F.size)
        solve_bordered_tridiagonal(matrix.lower, matrix.diag, matrix.upper, matrix.B, matrix.C, matrix.D, F[:n], F[n:],
                                   periodic=periodic, symmetric=symmetric, out=dy, C_columns=matrix.support,
                                   alpha=-1.0, work=work)
        return dy


def _dot(a, b):
    """``a · b`` over the last axis (``@`` for one problem, ``einsum`` for a stack)."""
    return a @ b if a.ndim == 1 else np.einsum("...j,...j->...", a, b)
