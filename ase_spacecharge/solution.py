"""Solving a problem and the solution it gives: profiles, Φ0 and derived quantities.

A :class:`SpaceChargeSolution` holds plain arrays, including the solver's ``state`` vector,
so that ``SpaceChargeSolution.from_dict(sol.as_dict())`` is a complete solution again: it
warm-starts :func:`solve` and feeds the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .constants import E_PER_A3_TO_C_PER_M3, thermal_voltage
from .conventions import conventions
from .errors import InputError, check_temperature
from .equilibrium.problem import Problem
from .equilibrium.newton import solve_problem
from . import analytic, transport

__all__ = ["SpaceChargeSolution", "solve", "solve_temperatures", "decoded"]


def decoded(value):
    """A value as monty's ``MontyEncoder`` may have written it (NumPy arrays as
    ``{"@module": "numpy", ...}`` dicts, nested objects), back as Python/NumPy values; other
    values unchanged.  ``from_dict`` methods take their fields through it, so that
    ``monty.serialization.loadfn`` restores what ``dumpfn`` wrote (monty encodes dataclasses that
    are not ``MSONable`` subclasses with ``dataclasses.asdict``, not with ``as_dict``).

    Parameters
    ----------
    value : object

    Returns
    -------
    object

    Examples
    --------
    >>> decoded({"@module": "numpy", "@class": "array", "dtype": "float64", "data": [1.0, 2.0]}).tolist()
    [1.0, 2.0]
    >>> decoded([1, 2])
    [1, 2]
    """
    if isinstance(value, dict) or isinstance(value, list) and any(isinstance(v, dict) for v in value):
        from monty.json import MontyDecoder
        return MontyDecoder().process_decoded(value)
    return value


# dtypes of the non-float arrays of SpaceChargeSolution, to restore them from JSON lists
_ARRAY_DTYPES = {"site_label": str, "site_plane": int, "mobile": bool, "plane_hosts": bool}


@dataclass
class SpaceChargeSolution:
    """A converged space-charge profile (plain arrays; JSON-ready through :meth:`as_dict`).

    Attributes
    ----------
    temperature : float
        K.
    x, dx, phi, rho : ndarray (n,)
        Per plane: position and control-volume width (Å), potential (V), charge density
        (C/m³, the plane's charge over its control volume, background not subtracted).
    background : float
        Uniform neutralising charge density of a periodic cell (C/m³).
    area, x_min, x_max, boundary, bulk
        Cross-section (Å²), domain (Å), "periodic" or "dirichlet", bulk region (Å).
    defect_labels, valence, mole_fraction, mobility, mobile
        Per defect species.
    input_mole_fractions : ndarray
        Fractions that reproduce the solution's chemical potentials on a defect-free bulk
        site (equal to ``mole_fraction`` under Mott–Schottky; fitted under Gouy–Chapman).
    site_x, site_label, site_plane, site_weight, site_energies, site_occupancy
        Per site: position (Å), host label, plane, physical sites it stands for, ΔE (eV) and
        site fractions (columns in ``defect_labels`` order, NaN where a defect cannot sit).
    plane_hosts : bool ndarray (n, m)
    permittivity : float
    approximation, model, compat, site_charges
        How the problem was built.
    iterations, residual
        Newton iterations and the relative residual reached.
    state : ndarray
        The solver's unknown vector (see :mod:`ase_spacecharge.equilibrium.problem`): pass the solution as ``initial``
        to :func:`solve` to warm-start a solve of the same problem.
    carrier_labels, carrier_valence, carrier_density, carrier_edge
        Band carriers: densities (Å⁻³) and band edges relative to the Fermi level (eV) per plane.
    thermodynamic_factor : ndarray
        Darken's factor of each species at its bulk fraction.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> sol = solve(ceria_like_problem(), 773.15)
    >>> round(sol.phi0, 4), sol.iterations <= 10
    (0.1076, True)
    >>> again = SpaceChargeSolution.from_dict(sol.as_dict())
    >>> solve(ceria_like_problem(), 773.15, initial=again).iterations
    0
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
    state: np.ndarray = field(default_factory=lambda: np.zeros(0))
    carrier_labels: tuple = ()
    carrier_valence: np.ndarray = field(default_factory=lambda: np.zeros(0))
    carrier_density: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    carrier_edge: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    thermodynamic_factor: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def as_dict(self):
        """JSON-ready dict (lists for arrays), with ``@module``/``@class`` as pymatgen's
        MSONable objects have, so monty's ``MontyDecoder`` can restore it."""
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
        """The solution of :meth:`as_dict`, or of monty's encoding (arrays with their dtypes restored)."""
        kwargs = {}
        for f in fields(cls):
            if f.name not in d:  # written before the field existed
                continue
            v = decoded(d[f.name])
            if f.type == "np.ndarray":
                v = np.asarray(v, dtype=_ARRAY_DTYPES.get(f.name, float))
            elif f.type == "tuple":
                v = tuple(v)
            kwargs[f.name] = v
        k = len(kwargs.get("carrier_labels", ()))
        for name in ("carrier_density", "carrier_edge"):  # (k, n) even when k = 0
            if name in kwargs:
                kwargs[name] = kwargs[name].reshape(k, -1 if k else 0)
        m, n_sites, n = len(kwargs["defect_labels"]), kwargs["site_x"].size, kwargs["x"].size
        for name in ("site_energies", "site_occupancy"):  # (n_sites, m) even when empty
            kwargs[name] = kwargs[name].reshape(n_sites, m)
        kwargs["plane_hosts"] = kwargs["plane_hosts"].reshape(n, m)
        return cls(**kwargs)

    @property
    def mole_fractions(self):
        """Per-plane site fraction of each defect: the mean over the plane's sites that can host
        it (NaN on planes that host none), as ``{label: array}``."""
        occ = np.nan_to_num(self.site_occupancy) * self.site_weight[:, None]
        hosted = np.isfinite(self.site_energies) * self.site_weight[:, None]
        out = {}
        for j, lab in enumerate(self.defect_labels):
            total = np.bincount(self.site_plane, weights=occ[:, j], minlength=self.x.size)
            count = np.bincount(self.site_plane, weights=hosted[:, j], minlength=self.x.size)
            out[lab] = np.divide(total, count, out=np.full_like(total, np.nan), where=count > 0)
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
        return conventions(self.compat).phi0(self)

    def resistivity(self, *, scr_limit=0.02, species=None):
        """Resistivity ratios (see :mod:`.transport`); pyscses' formulas in compat mode."""
        return conventions(self.compat).resistivity(self, scr_limit=scr_limit, species=species)

    def bulk_concentrations(self):
        """Bulk-region densities (Å⁻³) of the mobile species, as ``{label: value}``."""
        return {self.defect_labels[d]: transport.bulk_density(self, d) for d in np.flatnonzero(self.mobile)}

    def debye_length(self):
        """Debye length (Å), space-charge convention, over the mobile species' bulk densities."""
        conc = self.bulk_concentrations()
        z = [self.valence[self.defect_labels.index(k)] for k in conc]
        return analytic.debye_length(list(conc.values()), z, self.temperature, self.permittivity)

    def screening_length(self):
        """Screening length (Å) of the mobile species' bulk densities with their thermodynamic
        factors (site exclusion, activities): ``1/λ² = Σ z² e² c / (Γ ε ε0 kT)``."""
        conc = self.bulk_concentrations()
        idx = [self.defect_labels.index(k) for k in conc]
        gamma = self.thermodynamic_factor[idx] if self.thermodynamic_factor.size else None
        return analytic.screening_length(list(conc.values()), self.valence[idx], self.temperature,
                                          self.permittivity, gamma)

    def summary(self, *, scr_limit=0.02, species=None, profile=True):
        """The case-file summary (see :func:`~.report.summarise`)."""
        from .report import summarise
        return summarise(self, scr_limit=scr_limit, species=species, profile=profile)


def _input_mole_fractions(problem, eta, temperature):
    """Fractions that reproduce the chemical potentials on a defect-free bulk site."""
    if not problem.energies.shape[0]:
        return np.zeros(0)
    return problem.bulk_site_fractions(eta, temperature)


def _carrier_fields(problem, phi, temperature):
    """Band-carrier densities (Å⁻³) and band edges relative to the (flat) Fermi level (eV):
    ``E - E_F = z kT u`` with ``u`` the carrier's reduced chemical potential on the plane
    (conduction-band edge for electrons, z = -1; valence-band edge for holes, z = +1)."""
    if not problem.carrier_labels:
        return {}
    z = problem.carrier_valence
    n, _ = problem.carrier_densities(phi, temperature)
    u = problem.carrier_potentials(phi, temperature)
    return dict(carrier_labels=tuple(problem.carrier_labels), carrier_valence=z.copy(), carrier_density=n,
                carrier_edge=z[:, None] * thermal_voltage(temperature) * u)


def solution_from_state(problem: Problem, state, temperature, residual, iterations):
    """The :class:`SpaceChargeSolution` of ``problem`` at the solver state ``state``."""
    g = problem.grid
    state = np.array(state, float)
    phi, rho_b, _, eta = problem.unpack(state)  # views of the solution's own state
    mobile = problem.mobile_occupancies(phi, eta, temperature)
    p = problem.occupancies(phi, eta, temperature, mobile=mobile, unhosted=np.nan)  # NaN: cannot host
    q = problem.plane_charges(phi, temperature, eta, mobile=mobile)
    q *= E_PER_A3_TO_C_PER_M3 / g.area
    q /= g.dx  # C/m³
    activities = problem.activities or (None,) * len(problem.mole_fraction)
    return SpaceChargeSolution(
        temperature=float(temperature), x=g.x.copy(), dx=g.dx.copy(), phi=phi,
        rho=q, background=float(rho_b) * E_PER_A3_TO_C_PER_M3,
        area=g.area, x_min=g.x_min, x_max=g.x_max, boundary=g.boundary, bulk=tuple(problem.bulk),
        defect_labels=tuple(problem.defect_labels), valence=problem.valence.copy(),
        mole_fraction=problem.mole_fraction.copy(), mobility=problem.mobility.copy(), mobile=problem.mobile.copy(),
        input_mole_fractions=_input_mole_fractions(problem, eta, temperature), site_x=problem.site_x,
        site_label=problem.site_label, site_plane=problem.site_plane, site_weight=problem.site_weight,
        site_energies=problem.energies, site_occupancy=p,
        plane_hosts=problem.plane_hosts, permittivity=float(np.mean(problem.permittivity)),
        approximation=problem.approximation, model=problem.model, compat=problem.compat,
        site_charges=bool(problem.site_charges), iterations=int(iterations), residual=float(residual),
        state=state,
        thermodynamic_factor=np.array([analytic.thermodynamic_factor(x, temperature, a, problem.statistics)
                                       for x, a in zip(problem.mole_fraction, activities)]),
        **_carrier_fields(problem, phi, temperature))


def _initial_state(problem, initial):
    if initial is None:
        return None
    y0 = np.asarray(initial.state if isinstance(initial, SpaceChargeSolution) else initial, float)
    size = problem.grid.n + problem.n_extra
    if y0.shape != (size,):
        raise InputError(f"initial: expected a solution of the same problem (state of {size} values), got "
                         f"{y0.size} values")
    if not np.all(np.isfinite(y0)):
        raise InputError("initial: the state has non-finite values")
    return y0


def solve(problem: Problem, temperature, *, initial=None, rtol=1e-10, max_iter=100):
    """Solve ``problem`` at ``temperature`` (K).

    Parameters
    ----------
    problem : Problem
    temperature : float
        K.
    initial : SpaceChargeSolution or ndarray, optional
        A solution of the same problem (any temperature), or its ``state``, for a warm start.
    rtol : float
        Relative residual to reach (see :func:`~ase_spacecharge.equilibrium.newton.newton`).
    max_iter : int
        Newton iterations per attempt.

    Returns
    -------
    SpaceChargeSolution

    Raises
    ------
    ConvergenceError
        With the residual, the iterations and the last iterate (``exc.state``).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> sol = solve(ceria_like_problem(), 773.15)
    >>> sol.residual <= 1e-10
    True
    """
    check_temperature(temperature)
    if not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
        raise InputError(f"rtol must be a number in (0, 1), got {rtol!r}")
    result = solve_problem(problem, temperature, _initial_state(problem, initial), rtol=rtol, max_iter=max_iter)
    solution = solution_from_state(problem, result.state, temperature, result.residual, result.iterations)
    if problem.statistics == "boltzmann":
        from .guards import check_site_fractions
        check_site_fractions(solution)
    return solution


def solve_temperatures(problem: Problem, temperatures, *, rtol=1e-10, max_iter=100):
    """Solve at each temperature in order, warm-starting from the previous solution.

    Parameters
    ----------
    problem : Problem
    temperatures : sequence of float
        K.
    rtol, max_iter : see :func:`solve`

    Returns
    -------
    list of SpaceChargeSolution

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> [round(s.phi0, 3) for s in solve_temperatures(ceria_like_problem(), [673.15, 873.15])]
    [0.111, 0.105]
    """
    from .equilibrium.batch_newton import stack_problems
    temperatures = [check_temperature(T) for T in temperatures]
    if len(temperatures) > 2 and stack_problems([problem] * 2, np.array(temperatures[:2])) is not None:
        from .equilibrium.batch import solve_batch  # the first alone, the rest in one vectorised Newton from it
        first = solve(problem, temperatures[0], rtol=rtol, max_iter=max_iter)
        rest = temperatures[1:]
        r = solve_batch([problem] * len(rest), np.array(rest), rtol=rtol, max_iter=max_iter, initial=first.state)
        out = [first] + [solution_from_state(problem, r.states[i], T, r.residual[i], r.iterations[i])
                         for i, T in enumerate(rest)]
        if problem.statistics == "boltzmann":
            from .guards import check_site_fractions
            for s in out:
                check_site_fractions(s)
        return out
    out, previous = [], None
    for T in temperatures:
        previous = solve(problem, T, initial=previous, rtol=rtol, max_iter=max_iter)
        out.append(previous)
    return out
