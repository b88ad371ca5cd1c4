"""Poisson–Nernst–Planck on the planes of a problem: unknowns, fluxes, residual, banded Jacobian.

Unknowns per plane ``i`` (interleaved): the potential φ_i (V), then per moving species ``k``
the shift ν_ik of its electrochemical potential from equilibrium (in kT; see
:mod:`.state`).  Equations per plane: Poisson (the equilibrium discretisation, charge per
area e/Å²) and, per species, conservation ``dN_ik/dt = J_in - J_out``; a species absent from
a plane has the equation ``ν_ik = ν_eq,k`` there.

**Flux law** (detailed-balance hopping, in Onsager form).  Between neighbouring planes ``i < j``
of a species' own sublattice, a distance ``h`` apart,

    J_k = -Σ_m L_km Δν_m,  Δν = ν_j - ν_i,
    L = S^{1/2} R S^{1/2},  S_k = D_k / (h √(w_i w_j)) · √(χ_i χ_j) · sinhc(Δν_k / 2),

(particles per second through the column; ``w`` the sublattice widths, ``χ = ∂N/∂ν``, ``R``
the correlation matrix, identity by default).  Without cross terms this is
``J = (D/h) √(χ̂_i χ̂_j) 2 sinh((ν_i - ν_j)/2)``: for a lattice gas with one site per plane it is
exactly symmetric-barrier hopping ``Γ [θ_i (1-θ_j) e^{-ψ/2} - θ_j (1-θ_i) e^{ψ/2}]``, with site
exclusion, activities and band statistics entering through χ.  Why this flux: it vanishes at
the discrete equilibrium (uniform ν) for every statistics, conserves each species (a
difference of face fluxes), cannot push an occupancy out of [0, capacity] (occupancies are
functions of ν), reduces to ``j = -D χ ∇(μ̃/kT)`` as the spacing shrinks (χ = ∂c/∂(μ/kT):
``c (1 - x)`` for a lattice gas on sites; Nernst–Planck ``j = -D c ∇(μ̃/kT)`` only for
Boltzmann statistics), and is the physical atomic hop between the planes of a grain boundary.
``L`` is symmetric positive semidefinite, so the entropy production ``k Σ Δν·L Δν`` is never
negative.  A uniform region conducts ``σ = z² e² D χ / kT`` (:meth:`PNPSystem.bulk_conductivity`):
``z² e² D c (1 - x) / kT`` on Fermi–Dirac sites, so ``D`` is the lattice gas's jump diffusivity.

**Against Scharfetter–Gummel.**  With Boltzmann χ = c the flux is the Scharfetter–Gummel flux
times ``sinhc(z Δφ / 2kT)``: both vanish at equilibrium and agree in the small-signal
response; under bias they differ at second order in the spacing and converge to the same
continuum answer.

**Electrodes** at the domain ends (the walls ``x_min``, ``x_max``) hold φ; a reversible
electrode is a reservoir of the species at its equilibrium state shifted by the applied
voltage (``ν = ν_eq + z V_end / kT``); a blocking one passes no flux of that species.
"""

from __future__ import annotations

import numpy as np

from ..constants import EPSILON_0, thermal_voltage
from ..conventions import conventions
from ..errors import InputError
from ..grid import control_volume_widths
from .kinetics import Voltage, reversible_ends
from .state import species_state

__all__ = ["PNPSystem"]


class Faces:
    """The faces of one species: lower plane ``lo`` (-1: the lower wall), upper plane ``hi``
    (n: the upper wall), geometric factor ``g = D / (h √(w_lo w_hi))`` (1/s) and widths."""

    def __init__(self, lo, hi, g):
        self.lo, self.hi, self.g = np.asarray(lo, int), np.asarray(hi, int), np.asarray(g, float)


def _sublattice_faces(x, hosts, x_min, x_max, D, skip):
    """Faces between consecutive hosting planes (``skip``: across planes of other sublattices;
    else only between grid neighbours), and to the walls."""
    H = np.flatnonzero(hosts)
    if H.size == 0:
        return Faces([], [], []), np.zeros(0)
    xs = x[H]
    w = control_volume_widths(xs, walls=(x_min, x_max))  # one plane: its wall-to-wall width
    lo, hi = H[:-1], H[1:]
    keep = np.ones(lo.size, bool) if skip else (hi - lo == 1)
    n = x.size
    lo_all = np.concatenate(([-1], lo[keep], [H[-1]]))
    hi_all = np.concatenate(([H[0]], hi[keep], [n]))
    h = np.concatenate(([xs[0] - x_min], np.diff(xs)[keep], [x_max - xs[-1]]))
    wl = np.concatenate(([w[0]], w[:-1][keep], [w[-1]]))
    wh = np.concatenate(([w[0]], w[1:][keep], [w[-1]]))
    widths = np.zeros(n)
    widths[H] = w
    return Faces(lo_all, hi_all, D / (h * np.sqrt(wl * wh))), widths


class PNPSystem:
    """The Poisson–Nernst–Planck system of a problem with electrodes at its ends.

    Parameters
    ----------
    problem : Problem
        With ``boundary="dirichlet"`` (the ends are the electrodes), default conventions.
    kinetics : Kinetics
    temperature : float
        K.
    electrodes : {"reversible", "blocking", "mixed"}
    voltage : float, sequence of (t, V) or Voltage
        Applied V(t) (upper end minus lower end), added to the equilibrium end potentials.
    equilibrium : SpaceChargeSolution, optional
        Equilibrium of ``problem`` at ``temperature``: the reference state (its end potentials,
        fitted chemical potentials and the reservoirs' susceptibilities).
    temperature_profile : array_like (n,) or callable, optional
        Temperature (K) of each plane, or ``T(x)`` with x in Å; default uniform.  With the
        kinetics' heats of transport Q*, each flux feels the thermal force ``-Q* ∇T/T``.

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.dynamics import Kinetics
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem(boundary="dirichlet", dirichlet=(0.0, 0.0))
    >>> system = PNPSystem(p, Kinetics({"Vo": 1e-11}), temperature=773.15, equilibrium=solve(p, 773.15))
    >>> system.n_unknowns, system.labels
    (180, ('Vo',))
    """

    def __init__(self, problem, kinetics, *, temperature, electrodes="reversible", voltage=0.0, equilibrium=None,
                 temperature_profile=None):
        if problem.grid.boundary != "dirichlet":
            raise InputError("dynamics need electrodes at the ends: build the problem with boundary='dirichlet' "
                             "(a periodic cell has no ends to apply a voltage to)")
        if not conventions(problem.compat).dynamics:
            raise InputError("dynamics use the package's own discretisation; drop compat = 'pyscses'")
        self.problem, self.temperature, self.kT = problem, float(temperature), thermal_voltage(temperature)
        a = problem.active
        self.labels = tuple(problem.defect_labels[c] for c in a.columns) + tuple(problem.carrier_labels)
        self.n_sites, self.K, self.n = len(a.columns), len(self.labels), problem.grid.n
        self.valence = np.concatenate((a.valence, problem.carrier_valence))
        self.plane_temperature = self._profile(temperature_profile)
        self.heats = kinetics.heats(list(self.labels))
        self.log_weight = np.concatenate(([a.log_x[np.isfinite(a.log_x[:, k]), k][0] for k in range(self.n_sites)],
                                          problem.carrier_eta))
        self.D = kinetics.diffusivities(self.labels[:self.n_sites], problem.carrier_labels, temperature)
        self.R = kinetics.correlation_matrix(list(self.labels))
        self.reversible = reversible_ends(electrodes, self.n_sites, len(problem.carrier_labels))
        self.voltage = voltage if isinstance(voltage, Voltage) else Voltage(voltage)
        self._reference(equilibrium)
        self._faces()
        self._from_conductivities(kinetics.conductivity)

    # ---------------------------------------------------------------- setup

    def _profile(self, profile):
        """Temperature (K) per plane."""
        x = self.problem.grid.x
        if profile is None:
            return np.full(self.n, self.temperature)
        values = np.asarray(profile(x) if callable(profile) else profile, float)
        if values.shape != (self.n,) or not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise InputError(f"temperature profile: expected {self.n} positive temperatures (K), one per plane, got "
                             f"{values.size} values, lowest {float(np.min(values)) if values.size else 'none'}")
        return values

    def _reference(self, equilibrium):
        """Equilibrium end potentials and chemical-potential shifts."""
        p, n, K = self.problem, self.n, self.K
        self.nu_eq = np.zeros(K)
        if equilibrium is None:
            if not isinstance(p.dirichlet, tuple):
                raise InputError("floating ends: give the equilibrium solution (its ends become the electrodes)")
            self.ends_eq, phi = np.array(p.dirichlet, float), np.zeros(n)
        else:
            solved_at = float(equilibrium.temperature)
            if abs(solved_at - self.temperature) > 1e-9 * self.temperature:
                raise InputError(f"equilibrium: solved at {solved_at:g} K, but the system is at {self.temperature:g} K; "
                                 "solve the equilibrium at the system's temperature (its reference state)")
            if np.shape(equilibrium.state) != (n + p.n_extra,):
                raise InputError(f"equilibrium: its state has {np.size(equilibrium.state)} unknowns, this problem's "
                                 f"{n + p.n_extra}; give the equilibrium of this problem")
            phi, _, phi_d, eta = p.unpack(equilibrium.state)
            self.ends_eq = np.array(p.dirichlet if isinstance(p.dirichlet, tuple) else (phi_d, phi_d), float)
            self.nu_eq[np.searchsorted(p.active.columns, p.fitted)] = eta
        self.hosts = np.zeros((n, K), bool)
        self.hosts[:, :self.n_sites] = p.plane_hosts[:, p.active.columns]
        self.hosts[:, self.n_sites:] = (p.carrier_dos > 0).T
        self.y_eq = self.pack(phi, np.broadcast_to(self.nu_eq, (n, K)))

    def _check_exchanged(self):
        """An electrode exchanges a species at that species' own first and last planes: it
        must have some (a band carrier, which hops between neighbouring planes only, on the
        grid's end planes)."""
        for k in np.flatnonzero(self.reversible):
            H = np.flatnonzero(self.hosts[:, k])
            carrier = k >= self.n_sites
            if H.size == 0 or (carrier and (H[0] != 0 or H[-1] != self.n - 1)):
                where = "no plane" if H.size == 0 else f"planes {H[0]}..{H[-1]} of 0..{self.n - 1} only"
                raise InputError(f"electrodes: {self.labels[k]!r} is exchanged by the electrodes but hosted on {where}; "
                                 "an electrode exchanges a species on its end planes (use electrodes = 'blocking' or "
                                 "'mixed', or give it states there)")

    def _faces(self):
        g, n = self.problem.grid, self.n
        self._check_exchanged()
        self.faces, self.widths = [], np.zeros((n, self.K))
        for k in range(self.K):
            faces, w = _sublattice_faces(g.x, self.hosts[:, k], g.x_min, g.x_max, self.D[k], k < self.n_sites)
            if not self.reversible[k] and faces.g.size:  # a blocking electrode: no flux through the walls
                faces.g[[0, -1]] = 0.0
            self.faces.append(faces)
            self.widths[:, k] = w if k < self.n_sites else g.dx * self.hosts[:, k]
        shared = [(i, j) for i in range(self.K) for j in range(i) if self.R[i, j] != 0
                  and not (np.array_equal(self.faces[i].lo, self.faces[j].lo)
                           and np.array_equal(self.faces[i].hi, self.faces[j].hi))]
        if shared:
            i, j = shared[0]
            raise InputError(f"cross coefficient ({self.labels[i]!r}, {self.labels[j]!r}): the two species hop "
                             "between different planes, so their fluxes do not share faces")
        span = max((int(np.max(f.hi[1:-1] - f.lo[1:-1], initial=1)) for f in self.faces), default=1)
        self.bandwidth = span * (1 + self.K) + self.K
        state = species_state(self.problem, self.unpack(self.y_eq)[0], self.unpack(self.y_eq)[1], self.temperature)
        self.chi_reservoir = np.zeros((2, self.K))  # lower, upper: the end planes' equilibrium χ per width
        for k, f in enumerate(self.faces):
            if f.lo.size:
                i0, i1 = f.hi[0], f.lo[-1]
                self.chi_reservoir[:, k] = state.chi[[i0, i1], k] / self.widths[[i0, i1], k]

    def _from_conductivities(self, conductivity):
        """Species given by their bulk conductivity σ (S/m) were set up with D = 1 Å²/s: scale
        D and their faces so that :meth:`bulk_conductivity` is σ."""
        for k, label in enumerate(self.labels):
            if label not in conductivity:
                continue
            per_diffusivity = self.bulk_conductivity()[k] / self.D[k]  # σ is linear in D
            if not per_diffusivity > 0:
                raise InputError(f"conductivity of {label!r}: the electrodes' bulk holds none of it, so no "
                                 "diffusivity gives it a conductivity; give its diffusivity (m²/s)")
            scale = float(conductivity[label]) / per_diffusivity / self.D[k]
            self.D[k] *= scale
            self.faces[k].g = self.faces[k].g * scale

    # ---------------------------------------------------------------- layout

    @property
    def n_unknowns(self):
        """Unknowns: (1 + K) per plane."""
        return self.n * (1 + self.K)

    def bulk_conductivity(self):
        """Each moving species' conductivity (S/m) in the bulk the electrodes hold (the lower
        reservoir: the equilibrium's end plane of that species), as the flux law conducts:
        ``σ_k = z_k² e² D_k χ_k / kT`` with ``χ = ∂c/∂ν`` the susceptibility per volume.  For a
        lattice gas on sites (Fermi–Dirac) this is ``z² e² D c (1 - x) / kT`` — hopping needs an
        empty site, and ``D`` is the jump (Fick) diffusivity of the lattice gas; for Boltzmann
        sites ``z² e² D c / kT`` (Nernst–Einstein); for band carriers the generalised Einstein
        relation (``χ = ∂n/∂η``); with an activity model its thermodynamic factor.

        Returns
        -------
        ndarray (K,)
            S/m, in the order of ``labels``.

        Examples
        --------
        >>> from ase_spacecharge.examples import ceria_like_system
        >>> s = ceria_like_system()  # V_O: x = 0.05 on the O sites, Fermi–Dirac
        >>> c = 0.05 * 2 / (3.124 * 58.5725) * 1e30  # V_O per m³
        >>> from ase_spacecharge.constants import BOLTZMANN_SI, ELEMENTARY_CHARGE
        >>> sigma = 4 * ELEMENTARY_CHARGE ** 2 * 1e-11 * c * (1 - 0.05) / (BOLTZMANN_SI * 773.15)
        >>> round(float(s.bulk_conductivity()[0] / sigma), 3)
        1.0
        """
        from ..constants import ELEMENTARY_CHARGE
        per_volume = self.chi_reservoir[0] / self.problem.grid.area  # Å⁻³
        return self.valence ** 2 * self.D * per_volume / self.kT * ELEMENTARY_CHARGE * 1e10  # e²/(V s Å) -> S/m

    @property
    def relaxation_time(self):
        """The bulk's dielectric relaxation time (s), ``ε ε0 / Σ_k σ_k`` over the electrodes'
        reservoirs (:meth:`bulk_conductivity`, the better conducting end per species); 1e-12 s
        without any mobile charge."""
        sigma = np.sum(self.valence ** 2 * self.D * self.chi_reservoir.max(axis=0)) / (self.kT * self.problem.grid.area)
        return float(EPSILON_0 * np.mean(self.problem.grid.eps_lower) / sigma) if sigma > 0 else 1e-12

    @property
    def absent_rows(self):
        """Rows of the unknowns ν of species on planes that do not host them (they read
        ``ν = ν_eq``: the identity in the Newton matrix)."""
        absent = np.flatnonzero(~self.hosts.ravel())
        return (absent // self.K) * (1 + self.K) + 1 + absent % self.K

    @property
    def blocked(self):
        """The hosted species no electrode exchanges: their amounts are conserved."""
        return [int(k) for k in np.flatnonzero(~self.reversible) if self.hosts[:, k].any()]

    def conservation_row(self, k, amounts=None):
        """The row that species ``k``'s conservation constraint replaces: that of the plane
        holding most of it at ``amounts`` (n, K) (the first hosting plane without): the rows
        of a conserved species sum to zero, so one is implied by the others, and the plane's
        own row is best dropped where the species is most abundant — a depleted plane keeps
        the equation that fixes its ν."""
        hosting = np.flatnonzero(self.hosts[:, k])
        plane = hosting[0] if amounts is None else hosting[int(np.argmax(np.asarray(amounts)[hosting, k]))]
        return int(plane) * (1 + self.K) + 1 + k

    def check_state(self, y, what="state"):
        """``y`` as a float array, or an InputError naming ``what`` unless it is a finite
        state of this system (``n_unknowns`` values).

        Examples
        --------
        >>> from ase_spacecharge.examples import ceria_like_system
        >>> ceria_like_system().check_state(np.zeros(3), "start")
        Traceback (most recent call last):
        ...
        ase_spacecharge.errors.InputError: start: expected 180 finite unknowns ((1 + 1) per plane, 90 planes), got an array of shape (3,)
        """
        y = np.asarray(y, float)
        if y.shape != (self.n_unknowns,) or not np.all(np.isfinite(y)):
            raise InputError(f"{what}: expected {self.n_unknowns} finite unknowns ((1 + {self.K}) per plane, "
                             f"{self.n} planes), got an array of shape {y.shape}"
                             + ("" if y.shape != (self.n_unknowns,) else " with non-finite values"))
        return y

    def check_transport(self, what):
        """InputError unless every hosted moving species can move (D > 0): ``what`` (a steady
        state, a spectrum) needs each one's transport; a species that does not move belongs
        frozen in the equilibrium (mobility 0).

        Examples
        --------
        >>> from ase_spacecharge.examples import ceria_like_system
        >>> ceria_like_system(diffusivity=0.0).check_transport("a steady state")
        Traceback (most recent call last):
        ...
        ase_spacecharge.errors.InputError: a steady state needs every moving species to move, but 'Vo' has diffusivity 0 (m²/s); give it one, or freeze it in the equilibrium (mobility = 0)
        """
        still = [self.labels[k] for k in range(self.K) if self.D[k] == 0 and self.hosts[:, k].any()]
        if still:
            raise InputError(f"{what} needs every moving species to move, but {', '.join(map(repr, still))} "
                             f"{'has' if len(still) == 1 else 'have'} diffusivity 0 (m²/s); give "
                             f"{'it' if len(still) == 1 else 'them'} one, or freeze "
                             f"{'it' if len(still) == 1 else 'them'} in the equilibrium (mobility = 0)")

    def closed(self):
        """The same system with no flux through any face (every conductance 0): its implicit
        step keeps every amount, and Poisson alone moves (a voltage step's consistent state)."""
        import copy
        out = copy.copy(self)
        out.faces = [Faces(f.lo, f.hi, np.zeros_like(f.g)) for f in self.faces]
        return out

    def pack(self, phi, nu):
        """State vector from φ (n,) and ν (n, K)."""
        return np.column_stack((phi, nu)).ravel()

    def unpack(self, y):
        """``(phi, nu)`` of a state vector."""
        block = y.reshape(self.n, 1 + self.K)
        return block[:, 0], block[:, 1:]

    def uniform_state(self):
        """The state with φ = 0 and every species at its bulk fraction (band carriers at the
        reference density of states' filling): ``ν = ΔE/kT`` (the plane's mean ΔE of the
        species' sites; the carriers' energy offsets), for a start far from equilibrium."""
        p, n = self.problem, self.n
        a = p.active
        nu = np.zeros((n, self.K))
        for col in range(self.n_sites):
            hosted = np.isfinite(a.log_x[:, col])
            total = np.bincount(a.plane[hosted], weights=a.energies[hosted, col], minlength=n)
            many = np.bincount(a.plane[hosted], minlength=n)
            nu[:, col] = np.divide(total, many, out=np.zeros(n), where=many > 0) / self.kT
        nu[:, self.n_sites:] = (p.carrier_offset / self.kT).T
        return self.pack(np.zeros(n), nu + self.nu_eq[None, :])

    def with_voltage(self, voltage):
        """The same system under another applied voltage (a float, a (t, V) table or a Voltage)."""
        import copy
        out = copy.copy(self)
        out.voltage = voltage if isinstance(voltage, Voltage) else Voltage(voltage)
        return out

    def end_potentials(self, t):
        """Electrode potentials (V) at time ``t``: the equilibrium ends, the upper one raised by V(t)."""
        return self.ends_eq + np.array([0.0, self.voltage(t)])

    def reservoir_nu(self, t):
        """ν of the species in the two electrode reservoirs (2, K)."""
        shift = self.valence * (self.end_potentials(t) - self.ends_eq)[:, None] / self.kT
        return self.nu_eq[None, :] + shift
