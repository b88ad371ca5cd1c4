"""The lattice-gas sites of a :class:`~ase_spacecharge.equilibrium.problem.Problem`: the active sites (those hosting a
mobile defect), their log-weights at a temperature, their occupancies (Fermi–Dirac or
Boltzmann, with optional activity models) and the charge they put on each plane.  Units:
``phi`` in V, energies in eV, temperatures in K, charges in e.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..occupancy import activity_occupancy, occupancy, occupancy_response
from .terms import problem_terms
from .workspace import take

__all__ = ["ActiveSites", "SiteTerms", "site_occupancy", "site_occupancy_response"]


@dataclass
class ActiveSites:
    """The mobile part of a :class:`~ase_spacecharge.equilibrium.problem.Problem` (its ``active`` attribute), as plain
    arrays: the sites that host at least one mobile species and the mobile species' columns.
    Frozen defects and host charges enter through ``Problem.fixed_plane_charge``.

    Attributes
    ----------
    columns : int array (k,)
        The mobile species (indices into the problem's species).
    sites : int array (n_active,)
        The active sites (indices into the problem's sites).
    plane, weight, capacity : arrays (n_active,)
    log_x : array (n_active, k)
        ``ln(x/A)`` (or ``ln x``), ``-inf`` where a species cannot sit.
    energies : array (n_active, k)
        ΔE (eV), 0 where not hosted.
    valence : array (k,)
    activities : list of (column, model, bulk excess chemical potential, label)

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> a = ceria_like_problem().active
    >>> a.columns.tolist(), a.sites.size, a.valence.tolist()
    ([0], 60, [2.0])
    """

    columns: np.ndarray
    sites: np.ndarray
    plane: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    log_x: np.ndarray
    energies: np.ndarray
    valence: np.ndarray
    activities: list


def site_occupancy(u, capacity, statistics, *, out=None):
    """:func:`~ase_spacecharge.occupancy.occupancy` of active-site log-weights ``u`` of one
    problem (n_active, k) or of a stack (B, n_active, k), with capacities (..., n_active) or
    the float 1.0.

    Parameters
    ----------
    u : ndarray (..., n_active, k)
    capacity : float or ndarray (..., n_active)
    statistics : {"fermi-dirac", "boltzmann"}
    out : ndarray like ``u``, optional
        May be ``u`` itself.

    Returns
    -------
    ndarray like ``u``

    Examples
    --------
    >>> site_occupancy(np.zeros((2, 3, 1)), 1.0, "fermi-dirac").ravel().tolist()
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    """
    if u.ndim <= 2:
        return occupancy(u, capacity, statistics, out=out)
    k = u.shape[-1]
    flat = occupancy(u.reshape(-1, k), _per_row(capacity), statistics, out=None if out is None else out.reshape(-1, k))
    return flat.reshape(u.shape)


def site_occupancy_response(p, capacity, v, statistics, *, out=None):
    """:func:`~ase_spacecharge.occupancy.occupancy_response` of active-site fractions ``p``
    of one problem (n_active, k) or of a stack (B, n_active, k) in the direction ``v``
    (broadcastable to ``p``: ``phi_factor`` gives ``dp/dφ``).

    Parameters
    ----------
    p : ndarray (..., n_active, k)
    capacity : float or ndarray (..., n_active)
    v : ndarray
    statistics : {"fermi-dirac", "boltzmann"}
    out : ndarray like ``p``, optional
        Work space for the result.

    Returns
    -------
    ndarray like ``p``

    Examples
    --------
    >>> site_occupancy_response(np.full((2, 1, 1), 0.5), 1.0, np.ones((2, 1, 1)), "fermi-dirac").ravel().tolist()
    [0.25, 0.25]
    """
    if p.ndim <= 2:
        return occupancy_response(p, capacity, v, statistics, out=out)
    k = p.shape[-1]
    if v.ndim > 2:  # one direction per problem (or site): to the flattened sites' rows
        v = (v if v.shape == p.shape else np.broadcast_to(v, p.shape)).reshape(-1, k)
    flat = occupancy_response(p.reshape(-1, k), _per_row(capacity), v, statistics,
                              out=None if out is None else out.reshape(-1, k))
    return flat.reshape(p.shape)


def _per_row(capacity):  # stacked capacities (B, n_active) as one column of the flattened sites
    return capacity.reshape(-1) if isinstance(capacity, np.ndarray) else capacity


class SiteTerms:
    """The site part of :class:`~ase_spacecharge.equilibrium.problem.Problem` (a mix-in: it reads the problem's site
    fields, ``grid`` and ``defect_labels``).

    It sets ``active`` (:class:`ActiveSites`), ``site_capacity`` (the active sites'
    capacities, or the float 1.0 when every one is 1, the common case, which saves reading
    them), ``fit_columns``, ``fit_weights``, ``unit_weights``, ``one_site_per_plane``,
    ``fixed_plane_charge`` and ``gross_fixed_charge`` (e per plane).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> isinstance(p, SiteTerms), p.active.plane.size, p.plane_sum(np.ones(p.active.plane.size)).sum()
    (True, 60, np.float64(60.0))
    """

    def _init_mobile_part(self):
        mob = np.flatnonzero(self.mobile)
        hosted = np.isfinite(self.energies[:, mob])
        active = np.flatnonzero(hosted.any(axis=1))
        self.active = ActiveSites(mob, active, self.site_plane[active], self.site_weight[active],
                                  self.capacity[active], self.log_x[np.ix_(active, mob)],
                                  np.where(hosted[active], self.energies[np.ix_(active, mob)], 0.0),
                                  self.valence[mob], self._activity_models(mob, hosted[active], active))
        self._thermal_memo = self._stack_memo = None
        self.site_capacity = 1.0 if np.all(self.active.capacity == 1.0) else self.active.capacity
        self.fit_columns = np.searchsorted(mob, self.fitted)
        self.unit_weights = bool(np.all(self.active.weight == 1.0))
        self.one_site_per_plane = bool(np.bincount(self.active.plane, minlength=1).max(initial=0) <= 1)
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

    def mobile_occupancies(self, phi, eta, temperature, energy_scale=1.0):
        """Site fractions (n_active, k) of the mobile species on the active sites at plane
        potentials ``phi`` (V) and fitted shifts ``eta`` (kT)."""
        return self._mobile_occupancies(phi, eta, self.thermal_terms(temperature, energy_scale))[0]

    def bulk_site_fractions(self, eta, temperature):
        """Each defect's fraction on a bulk site (φ = 0, ΔE = 0) at the fitted shifts ``eta``:
        the chemical potentials as mole fractions of a defect-free bulk (m,)."""
        out = np.zeros(len(self.defect_labels))
        frozen = ~self.mobile
        out[frozen] = self.mole_fraction[frozen]
        for d in np.flatnonzero(frozen) if self.frozen_occupancy is not None else ():
            hosted = np.isfinite(self.energies[:, d])
            if hosted.any():
                out[d] = self.frozen_occupancy[np.argmax(hosted), d]
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

    def _mobile_occupancies(self, phi, eta, terms, work=None):
        """Site fractions of the mobile species on the active sites, (..., n_active, n_mobile),
        and the inverse non-ideality factors ``1/g`` scaling their response (1 if ideal)."""
        shift = None
        if len(self.fitted):
            shift = np.zeros(phi.shape[:-1] + self.active.columns.shape)
            shift[..., self.fit_columns] = eta
        return self.site_occupancies(phi, shift, None, work=work, terms=terms)

    def thermal_terms(self, temperature, energy_scale=1.0):
        """The problem's terms at ``temperature`` (K; may be one value per plane, a temperature
        profile) and segregation energies scaled by ``energy_scale``
        (:func:`~ase_spacecharge.equilibrium.terms.problem_terms`); for one temperature they
        are kept until another temperature or scale is asked for."""
        if np.ndim(temperature) == 0:
            key, memo = (float(temperature), float(energy_scale)), self._thermal_memo  # one read: thread-safe
            if memo is not None and memo[0] == key:
                return memo[1]
            self._thermal_memo = (key, problem_terms(self, temperature, energy_scale))
            return self._thermal_memo[1]
        return problem_terms(self, temperature, energy_scale)

    def site_occupancies(self, phi, shift, temperature, energy_scale=1.0, *, work=None, terms=None):
        """Site fractions of the mobile species on the active sites (n_active, k) at plane
        potentials ``phi`` (V) with the chemical potentials shifted by ``shift`` (in kT: one
        value per species, or one per plane and species, (n, k)), and the inverse
        non-ideality factors ``1/g`` (1 for ideal species).  ``temperature`` (K) may be one
        value per plane (a temperature profile); ``work``: a :class:`~ase_spacecharge.equilibrium.workspace.Workspace`;
        ``terms`` (:class:`~ase_spacecharge.equilibrium.terms.ProblemTerms`) instead of ``temperature``: a stack's ``phi`` (B, n)
        and ``shift`` (B, k) give fractions (B, n_active, k)."""
        a = self.active
        phi = np.asarray(phi, float)
        if phi.shape[-1:] != (self.grid.n,) or phi.ndim > 2:
            raise InputError(f"phi: expected {self.grid.n} plane potentials (V), got shape {phi.shape}")
        if terms is None:
            terms = self.thermal_terms(temperature, energy_scale)
        shift = None if shift is None else np.asarray(shift, float)
        u = np.take(phi, a.plane, axis=-1, out=take(work, "site phi", phi.shape[:-1] + a.plane.shape), mode="clip")
        u = np.multiply(u[..., None], terms.phi_factor, out=u[..., None] if terms.u0.shape[-1] == 1 else None)
        u += terms.u0
        if shift is None:
            pass
        elif shift.ndim > phi.ndim:  # one shift per plane and species
            u += shift[a.plane]
        elif shift.any():
            u += shift[..., None, :] if shift.ndim else shift
        p = site_occupancy(u, terms.capacity, self.statistics, out=None if a.activities else u)
        inv_g = np.ones_like(p) if a.activities else 1.0
        kT = terms.kT
        for col, model, mu_bulk, label in a.activities:
            on = np.isfinite(u[:, col])
            try:
                p[on, col], inv_g[on, col] = activity_occupancy(u[on, col], a.capacity[on], model, mu_bulk,
                                                                    kT[on, 0] if np.ndim(kT) else kT,
                                                                    label=f"defect {label!r}")
            except ValueError as exc:
                raise InputError(str(exc)) from None
        return p, inv_g

    def occupancies(self, phi, eta, temperature, energy_scale=1.0, *, mobile=None, unhosted=0.0):
        """Site fractions (n_sites, m) at plane potentials ``phi`` (V) and chemical-potential
        shifts ``eta``; ``unhosted`` (0 or NaN) where a site cannot host a species
        (``mobile``: the active sites' fractions, if already computed)."""
        p = np.full(self.energies.shape, unhosted)
        if mobile is None:
            mobile = self._mobile_occupancies(phi, eta, self.thermal_terms(temperature, energy_scale))[0]
        block = np.ix_(self.active.sites, self.active.columns)
        p[block] = np.where(np.isfinite(self.energies[block]), mobile, unhosted)
        frozen = ~self.mobile
        if frozen.any():
            hosted = np.isfinite(self.energies[:, frozen])
            values = (self.mole_fraction[frozen][None, :] if self.frozen_occupancy is None
                      else np.nan_to_num(self.frozen_occupancy[:, frozen]))
            p[:, frozen] = np.where(hosted, values, unhosted)
        return p

    def plane_sum(self, values, *, out=None, weighted=True):
        """Sum over each plane of a per-active-site quantity (..., n_active) times the site
        weight (without it if not ``weighted``), (..., n) (into ``out``, if given)."""
        a, n = self.active, self.grid.n
        if weighted and not self.unit_weights:
            values = a.weight * values
        if self.one_site_per_plane:  # a scatter instead of a reduction
            if out is None:
                out = np.zeros(values.shape[:-1] + (n,))
            else:
                out.fill(0.0)
            if values.ndim == 1:
                out[a.plane] = values
            else:  # (``out[..., plane]`` would take NumPy's slower path for one problem too)
                out[:, a.plane] = values
            return out
        if values.ndim == 1:
            sums = np.bincount(a.plane, weights=values, minlength=n)
        else:  # a stack: each problem's planes in a block of its own
            B = values.shape[0]
            sums = np.bincount(self._stacked_planes(B), weights=values.ravel(), minlength=B * n).reshape(B, n)
        if out is None:
            return sums
        out[...] = sums
        return out

    def _stacked_planes(self, size):
        """Each active site's plane in a stack of ``size`` problems, flattened (plane ``i`` of
        problem ``b`` is ``b n + i``); kept for the last stack size asked for."""
        memo = self._stack_memo  # one read: thread-safe
        if memo is not None and memo[0] == size:
            return memo[1]
        planes = (np.arange(size)[:, None] * self.grid.n + self.active.plane).ravel()
        planes.setflags(write=False)
        self._stack_memo = (size, planes)
        return planes

    def mobile_charge(self, p, *, gross=True, out=None):
        """Charge per plane (e) of the mobile species at site fractions ``p`` (..., n_active, k)
        (or of any per-site, per-species quantity; into ``out``, (..., n), if given), and (with
        ``gross``, else None) its gross size."""
        z = self.active.valence
        if z.size == 0:
            shape = p.shape[:-2] + (self.grid.n,)
            return np.zeros(shape), np.zeros(shape) if gross else None
        if z.size == 1:
            s = self.plane_sum(p[..., 0], out=out)
            size = np.multiply(s, abs(z[0])) if gross else None
            return np.multiply(s, z[0], out=s), size
        return (self.plane_sum(np.einsum("...sk,k->...s", p, z), out=out),
                self.plane_sum(np.einsum("...sk,k->...s", p, np.abs(z))) if gross else None)
