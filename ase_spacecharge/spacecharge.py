"""Solving a problem and the solution it gives: profiles, Φ0 and derived quantities."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
from monty.json import MSONable

from .constants import E_PER_A3_TO_C_PER_M3, thermal_voltage
from .sites import InputError
from .solver import Problem, solve_problem
from . import transport


def _check_temperature(temperature):
    if not isinstance(temperature, (int, float, np.integer, np.floating)) or not math.isfinite(temperature) \
            or temperature <= 0:
        raise InputError(f"temperature must be a positive number of kelvin, got {temperature!r}")


# dtypes of the non-float arrays of SpaceChargeSolution, to restore them from JSON lists
_ARRAY_DTYPES = {"site_label": str, "site_plane": int, "mobile": bool, "plane_hosts": bool}


@dataclass
class SpaceChargeSolution(MSONable):
    """A converged space-charge profile (plain arrays; JSON-serialisable via ``as_dict``).

    Per plane: ``x`` (Å), ``dx`` (Å), ``phi`` (V), ``rho`` (C/m³, the plane's charge over its
    control volume, background not subtracted).  Per site: ``site_x`` (Å), ``site_plane``,
    ``site_occupancy`` (site fractions, columns in ``defect_labels`` order, NaN where a
    defect cannot sit), ``site_energies`` (eV).  ``background`` (C/m³) is the uniform
    neutralising charge density of a periodic cell; ``input_mole_fractions`` are the
    fractions that reproduce the solution's chemical potentials on a defect-free bulk site
    (equal to ``mole_fraction`` under Mott–Schottky; fitted under Gouy–Chapman).
    """

    temperature: float
    x: np.ndarray
    dx: np.ndarray
    phi: np.ndarray
    rho: np.ndarray
    background: float
    area: float
    x_min: float
    x_max: float
    boundary: str
    bulk: tuple
    defect_labels: tuple
    valence: np.ndarray
    mole_fraction: np.ndarray
    mobility: np.ndarray
    mobile: np.ndarray
    input_mole_fractions: np.ndarray
    site_x: np.ndarray
    site_label: np.ndarray
    site_plane: np.ndarray
    site_weight: np.ndarray
    site_energies: np.ndarray
    site_occupancy: np.ndarray
    plane_hosts: np.ndarray
    permittivity: float
    approximation: str
    model: str
    compat: str | None
    site_charges: bool
    iterations: int
    residual: float
    carrier_labels: tuple = ()
    carrier_valence: np.ndarray = field(default_factory=lambda: np.zeros(0))
    carrier_density: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    carrier_edge: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    thermodynamic_factor: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def as_dict(self):
        out = {"@module": type(self).__module__, "@class": type(self).__name__}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, d):
        kwargs = {}
        for f in fields(cls):
            if f.name not in d:  # written before the field existed
                continue
            v = d[f.name]
            if f.type == "np.ndarray":
                v = np.asarray(v, dtype=_ARRAY_DTYPES.get(f.name, float))
            elif f.type == "tuple":
                v = tuple(v)
            kwargs[f.name] = v
        k = len(kwargs.get("carrier_labels", ()))
        for name in ("carrier_density", "carrier_edge"):  # (k, n) even when k = 0
            if name in kwargs:
                kwargs[name] = kwargs[name].reshape(k, -1 if k else 0)
        return cls(**kwargs)

    @property
    def mole_fractions(self):
        """Per-plane site fraction of each defect: the mean over the plane's sites that can host
        it (0 on planes that host none), as ``{label: array}``."""
        occ = np.nan_to_num(self.site_occupancy) * self.site_weight[:, None]
        hosted = np.isfinite(self.site_energies) * self.site_weight[:, None]
        out = {}
        for j, lab in enumerate(self.defect_labels):
            total = np.bincount(self.site_plane, weights=occ[:, j], minlength=self.x.size)
            count = np.bincount(self.site_plane, weights=hosted[:, j], minlength=self.x.size)
            out[lab] = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        return out

    @property
    def site_phi(self):
        """Potential at each site (V)."""
        return self.phi[self.site_plane]

    @property
    def phi0(self):
        """Space-charge potential Φ0 (V): the signed extremum of phi relative to the bulk.

        In pyscses compatibility mode: ``max(phi)``, minus ``phi[1]`` with site charges (the
        convention of pyscses' published test_4).
        """
        if self.compat == "pyscses":
            return float(self.phi.max() - (self.phi[1] if self.site_charges else 0.0))
        return float(self.phi[np.argmax(np.abs(self.phi))])

    def resistivity(self, *, scr_limit=0.02, species=None):
        """Resistivity ratios (see :mod:`.transport`); pyscses' formulas in compat mode."""
        if self.compat == "pyscses":
            return transport.pyscses_resistivity_ratios(self, scr_limit=scr_limit, species=species)
        return transport.resistivity_ratios(self, scr_limit=scr_limit, species=species)

    def bulk_concentrations(self):
        """Bulk-region densities (Å⁻³) of the mobile species, as ``{label: value}``."""
        return {self.defect_labels[d]: transport.bulk_density(self, d) for d in np.flatnonzero(self.mobile)}

    def debye_length(self):
        """Debye length (Å), space-charge convention, over the mobile species' bulk densities."""
        conc = self.bulk_concentrations()
        z = [self.valence[self.defect_labels.index(k)] for k in conc]
        return transport.debye_length(list(conc.values()), z, self.temperature, self.permittivity)

    def screening_length(self):
        """Screening length (Å) of the mobile species' bulk densities with their thermodynamic
        factors (site exclusion, activities): ``1/λ² = Σ z² e² c / (Γ ε ε0 kT)``."""
        conc = self.bulk_concentrations()
        idx = [self.defect_labels.index(k) for k in conc]
        gamma = self.thermodynamic_factor[idx] if self.thermodynamic_factor.size else None
        return transport.screening_length(list(conc.values()), self.valence[idx], self.temperature,
                                          self.permittivity, gamma)

    def summary(self, *, scr_limit=0.02, species=None, profile=True):
        """The case-file summary: Φ0, resistivity ratios and lengths, plus the profile."""
        d = transport.conducting_species(self, species)
        z = float(self.valence[d])
        res = self.resistivity(scr_limit=scr_limit, species=species)
        try:
            phi_ms = transport.mott_schottky_potential(res["r_perp"], z, self.temperature)
        except ValueError:
            phi_ms = None
        L = self.debye_length()
        out = dict(temperature=float(self.temperature), phi0=self.phi0, r_perp=res["r_perp"],
                   r_par=res["r_par"], phi0_mott_schottky=phi_ms, debye_length=L,
                   space_charge_width=transport.space_charge_width(L, self.phi0, z, self.temperature),
                   iterations=int(self.iterations), residual=float(self.residual))
        for key in ("perp_excess", "par_excess"):
            if key in res:
                out[key] = res[key]
        if self.thermodynamic_factor.size:
            out["screening_length"] = self.screening_length()
            out["thermodynamic_factors"] = {self.defect_labels[j]: float(self.thermodynamic_factor[j])
                                            for j in np.flatnonzero(self.mobile)}
        if self.carrier_labels:
            out["carriers"] = {lab: dict(bulk_density=float(self.carrier_density[k][-1]),
                                         edge_shift=float(self.carrier_edge[k][0] - self.carrier_edge[k][-1]))
                               for k, lab in enumerate(self.carrier_labels)}
        if profile:
            out["profile"] = dict(x=self.x.tolist(), phi=self.phi.tolist(), rho=self.rho.tolist(),
                                  mole_fractions={k: v.tolist() for k, v in self.mole_fractions.items()})
        return out


def _solution(problem: Problem, y, temperature, residual, iterations):
    g = problem.grid
    phi, rho_b, _, eta = problem.unpack(y)
    p = problem.occupancies(phi, eta, temperature)
    p_site = np.where(np.isfinite(problem.energies), p, np.nan)
    q = problem.plane_charges(y, temperature)
    p_bulk = problem.occupancies(np.zeros(g.n), eta, temperature, energy_scale=0.0)
    hosted = np.isfinite(problem.energies)
    first_host = np.argmax(hosted, axis=0) if hosted.shape[0] else np.zeros(hosted.shape[1], dtype=int)
    x_in = p_bulk[first_host, np.arange(len(problem.defect_labels))] if hosted.shape[0] else np.zeros(0)
    info = problem.info
    return SpaceChargeSolution(
        temperature=float(temperature), x=g.x.copy(), dx=g.dx.copy(), phi=phi.copy(),
        rho=q / (g.dx * g.area) * E_PER_A3_TO_C_PER_M3, background=float(rho_b) * E_PER_A3_TO_C_PER_M3,
        area=g.area, x_min=g.x_min, x_max=g.x_max, boundary=g.boundary, bulk=tuple(info["bulk"]),
        defect_labels=tuple(problem.defect_labels), valence=problem.valence.copy(),
        mole_fraction=problem.mole_fraction.copy(), mobility=np.array(info["mobility"], float),
        mobile=problem.mobile.copy(), input_mole_fractions=x_in, site_x=info["site_x"],
        site_label=info["site_label"], site_plane=problem.site_plane, site_weight=problem.site_weight,
        site_energies=problem.energies, site_occupancy=p_site, plane_hosts=info["plane_hosts"],
        permittivity=float(np.mean(info["permittivity"])), approximation=info["approximation"],
        model=info["model"], compat=info["compat"], site_charges=bool(info["site_charges"]),
        iterations=int(iterations), residual=float(residual),
        thermodynamic_factor=np.array([transport.thermodynamic_factor(x, temperature, a, problem.statistics)
                                       for x, a in zip(problem.mole_fraction, problem.activities
                                                       or (None,) * len(problem.mole_fraction))]),
        **_carrier_fields(problem, phi, temperature))


def _carrier_fields(problem, phi, temperature):
    """Band-carrier densities (Å⁻³) and band edges relative to the (flat) Fermi level (eV):
    ``E - E_F = z kT u`` with ``u`` the carrier's reduced chemical potential on the plane
    (conduction-band edge for electrons, z = -1; valence-band edge for holes, z = +1)."""
    if not problem.carrier_labels:
        return {}
    kT = thermal_voltage(temperature)
    z = problem.carrier_valence
    n, _ = problem.carrier_densities(phi, temperature)
    u = problem.carrier_potentials(phi, temperature)
    return dict(carrier_labels=tuple(problem.carrier_labels), carrier_valence=z.copy(), carrier_density=n,
                carrier_edge=z[:, None] * kT * u)


def solve(problem: Problem, temperature, *, initial=None, rtol=1e-10, max_iter=100):
    """Solve ``problem`` at ``temperature`` (K).

    ``initial`` is a previous :class:`SpaceChargeSolution`'s state vector
    (``solution._state``) or any solution of the same problem, for warm starts.
    Raises :class:`~.solver.ConvergenceError` (with residual and iterations) on failure.
    """
    _check_temperature(temperature)
    y0 = getattr(initial, "_state", initial)
    y, res, its = solve_problem(problem, temperature, y0, rtol=rtol, max_iter=max_iter)
    sol = _solution(problem, y, temperature, res, its)
    sol._state = y
    return sol


def solve_temperatures(problem: Problem, temperatures, *, rtol=1e-10, max_iter=100):
    """Solve at each temperature in order, warm-starting from the previous solution."""
    out, previous = [], None
    for T in temperatures:
        previous = solve(problem, T, initial=previous, rtol=rtol, max_iter=max_iter)
        out.append(previous)
    return out
