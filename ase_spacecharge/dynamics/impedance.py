"""Small-signal impedance: the PNP system linearised about a steady state, solved per frequency.

About a steady state ``y0`` (the equilibrium, or a biased steady state) the equations
``d N(y)/dt = rate(y, V)``, ``0 = P(y, V)`` give, for ``δV e^{iωt}``,

    (iω M + K) δy = b δV,   M = ∂N/∂y (conservation rows),  K = ∂(P, -rate)/∂y,
    b = -∂(P, -rate)/∂V,

one banded complex solve per frequency: O(N).  The current through the lower electrode is
``δI = ∂I_cond/∂y δy + iω (ε ε0 / h_0) δφ_0`` (conduction plus displacement), and
``Z = δV / δI`` (Ω·m², e^{iωt}; V the upper end minus the lower one, I from the upper end to
the lower one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import E_PER_S_A2_TO_A_PER_M2, EPSILON_0
from ..errors import ConvergenceError, InputError, NewtonResult, SingularMatrixError
from .banded import band_matrix, solve_band_with_rows
from .equations import evaluate
from .rows import conservation_rows, implicit_rows, residual_and_matrix, voltage_drive

__all__ = ["Spectrum", "impedance", "fastest_relaxation_rate", "RESOLVED_RATIO"]


@dataclass
class Spectrum:
    """An impedance spectrum.

    Attributes
    ----------
    frequency : ndarray
        Hz.
    z : ndarray of complex
        Area-specific impedance (Ω·m²).
    temperature : float
        K.

    Examples
    --------
    >>> s = Spectrum(np.array([1.0]), np.array([2.0 - 1.0j]), 773.15)
    >>> s.z_real.tolist(), s.z_imag.tolist()
    ([2.0], [-1.0])
    """

    frequency: np.ndarray
    z: np.ndarray
    temperature: float

    @property
    def z_real(self):
        """Z′ (Ω·m²)."""
        return self.z.real

    @property
    def z_imag(self):
        """Z″ (Ω·m²), negative for a capacitive response."""
        return self.z.imag


def _linear_parts(system, ev, y0, rows):
    """Band storage of ``M`` (the amounts' rows) and ``K`` at ``y0``, both with the rows
    equilibrated by ``size`` (as the Newton matrix is)."""
    rows_m, cols, vals = ev.dN.arrays()
    _, K, size = residual_and_matrix(system, ev, y0, 0.0, 0.0, rows)
    keep = ~np.isin(rows_m, system.absent_rows)
    M = band_matrix(system.n_unknowns, system.bandwidth, rows_m[keep], cols[keep], vals[keep] / size[rows_m[keep]])
    return M, K, size


class _CurrentProbe:
    """The small-signal current, averaged over every cut through the cell: the total current
    (conduction plus displacement) is the same through every face of the discrete scheme, and
    its length-weighted mean ``(1/L) [Σ_faces h_f δI_cond,f + iω ε Σ_faces δΔφ_f]`` avoids the
    small difference a single face near an electrode would take at high frequency."""

    def __init__(self, system, ev):
        g = system.problem.grid
        self.length = g.x_max - g.x_min
        self.parts = []
        for k, f in enumerate(system.faces):
            if not f.lo.size:
                continue
            x = np.concatenate(([g.x_min], g.x, [g.x_max]))
            span = x[f.hi + 1] - x[f.lo + 1]  # each face's reach along x (Å)
            dJ_dV = ev.flux_voltage[k]  # through the upper electrode's reservoir
            weight = -system.valence[k] * span / g.area * E_PER_S_A2_TO_A_PER_M2 / self.length
            self.parts.append((weight, dJ_dV, ev.flux_jacobian[k], span))
        self.eps_faces = EPSILON_0 * np.concatenate((g.eps_lower, g.eps_upper[-1:]))  # walls included
        self.stride = 1 + system.K
        self.wall_capacitance = EPSILON_0 * g.eps_lower[0] / g.h_lower[0] * E_PER_S_A2_TO_A_PER_M2

    def wall(self, dy, w, dV=1.0):
        """The current through the lower electrode's face alone: conduction plus ``iω`` times the
        electrode's charge.  With blocking electrodes below the dielectric relaxation rate, the
        averaged current is a small difference of large face currents; the electrode face,
        which carries displacement current only, has none."""
        total = 0.0
        for weight, dJ_dV, sides, span in self.parts:
            dJ = dJ_dV[0] * dV
            for cols, jac, inside in sides:
                if inside[0]:
                    dJ = dJ + jac[0] @ dy[cols[0]]
            total = total + weight[0] * dJ * self.length / span[0]
        return total + 1j * w * self.wall_capacitance * dy[0]

    def __call__(self, dy, w, dV=1.0):
        total = 0.0
        for weight, dJ_dV, sides, _ in self.parts:
            dJ = dJ_dV * dV
            for cols, jac, inside in sides:
                dJ = dJ + np.where(inside, np.einsum("fq,fq->f", jac, dy[cols]), 0.0)
            total = total + np.sum(weight * dJ)
        return total + 1j * w * self._displacement(dy, dV)

    def _displacement(self, dy, dV):
        """The displacement charge averaged over the length: ``Σ_faces ε0 ε_f Δδφ_f / L``
        (``δφ`` 0 at the lower wall, ``dV`` at the upper; ``ε dV / L`` for one permittivity)."""
        dphi = np.concatenate(([0.0], dy[::self.stride], [dV]))
        return np.dot(self.eps_faces, np.diff(dphi)) / self.length * E_PER_S_A2_TO_A_PER_M2


def _conserved_rows(system, ev):
    """For each species no electrode exchanges, its total amount does not change: one of its
    conservation rows becomes ``Σ_i δN_i = 0`` (the sum of its rows divided by iω), which keeps
    the system well conditioned as ω → 0."""
    blocked = [(k, 0.0) for k in system.blocked]
    replaced = [system.conservation_row(k, ev.N) for k, _ in blocked]
    dense = [row / (np.max(np.abs(row)) + 1e-300) for row, _ in conservation_rows(system, ev, blocked)]
    return np.array(replaced, int), np.array(dense).reshape(len(dense), system.n_unknowns)


def _base(system, y0, voltage, given, rtol=1e-6):
    """The system under the state's bias, the evaluation there and its rows.  A ``given``
    state must be steady (every scaled residual ≤ ``rtol``) at ``voltage`` (default 0 V);
    without a voltage, the bias is read off the state where it is not steady at 0 V (the last
    Poisson row is linear in V)."""
    v = 0.0 if voltage is None else float(voltage)
    ev = evaluate(system.with_voltage(v), y0, 0.0)
    rows = implicit_rows(system.with_voltage(v), ev, y0, rtol=rtol)
    worst = float(np.max(np.abs(rows.residual) / rows.scale))
    if not given or worst <= rtol:
        return system.with_voltage(v), ev, rows
    bias = v - float(ev.poisson[-1]) / float(system.problem.operator.upper[-1])
    ev_bias = evaluate(system.with_voltage(bias), y0, 0.0)
    rows_bias = implicit_rows(system.with_voltage(bias), ev_bias, y0, rtol=rtol)
    steady_at_bias = float(np.max(np.abs(rows_bias.residual) / rows_bias.scale)) <= rtol
    if voltage is None and steady_at_bias:
        return system.with_voltage(bias), ev_bias, rows_bias
    hint = (f"it is steady at {bias:.6g} V: pass that voltage, or leave voltage out" if steady_at_bias else
            "linearise about steady_state(...).states[0]")
    raise InputError(f"impedance: the state is not a steady state at {v:g} V (scaled residual {worst:.2e} > "
                     f"{rtol:g}); {hint}")


def _check_frequencies(frequencies):
    f = np.asarray(frequencies, float) if np.ndim(frequencies) else np.atleast_1d(np.asarray(frequencies, float))
    if f.ndim != 1 or f.size == 0 or not np.all(np.isfinite(f)) or np.any(f <= 0):
        shape = "" if f.ndim == 1 else f" (a 1-D list is needed, got shape {f.shape})"
        raise InputError(f"frequencies must be positive and finite (Hz), got {np.asarray(frequencies).tolist()}"
                         f"{shape}")
    return f


def fastest_relaxation_rate(system, ev):
    """The fastest local dielectric relaxation rate (1/s): ``σ_f / (ε0 ε_f)`` over the faces,
    with ``σ_f = Σ_k z_k² C_kf h_f / (kT A)`` the face's conductivity at the state (``C`` the
    face conductance of the flux law, particles/s per unit Δν).

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation

    Returns
    -------
    float

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> s = ceria_like_system()
    >>> rate = fastest_relaxation_rate(s, evaluate(s, s.y_eq, 0.0))
    >>> bool(rate * s.relaxation_time > 1)  # the core conducts better than the bulk
    True
    """
    g = system.problem.grid
    x = np.concatenate(([g.x_min], g.x, [g.x_max]))
    eps = np.concatenate((g.eps_lower, g.eps_upper[-1:]))  # the n + 1 faces of the grid
    fastest = 0.0
    for k, f in enumerate(system.faces):
        if not f.lo.size:
            continue
        lo = np.where(f.lo >= 0, f.lo, f.hi)  # a wall face: the reservoir is its end plane's
        hi = np.where(f.hi < system.n, f.hi, f.lo)
        chi = np.sqrt(ev.state.chi[lo, k] * ev.state.chi[hi, k])
        span = x[f.hi + 1] - x[f.lo + 1]
        sigma = system.valence[k] ** 2 * f.g * chi * span / (system.kT * g.area)
        fastest = max(fastest, float(np.max(sigma / (EPSILON_0 * eps[np.clip(f.hi, 0, system.n)]), initial=0.0)))
    return fastest


#: The highest ω over the fastest local relaxation rate a spectrum resolves.  Above the rate
#: the conduction current is a part in ωτ of the displacement current; on the uniform slab
#: (Z = R/(1 + iωRC) exactly) Re Z keeps every digit up to ωτ = 1e10, 2e-10 at 1e12, 4e-3 at
#: 1e14, and none from 1e18 on (the fuzz: NaN or 1e15-1e86 off the geometric capacitance from 1e20).
RESOLVED_RATIO = 1e10


def _check_resolved(system, ev, f):
    rate = fastest_relaxation_rate(system, ev)
    top = 2 * np.pi * float(np.max(f))
    if rate > 0 and top > RESOLVED_RATIO * rate:
        raise InputError(f"frequencies up to {float(np.max(f)):.3g} Hz: beyond what double precision resolves for "
                         f"this system (ω = {top / rate:.2g} × its fastest local relaxation rate, "
                         f"{rate / (2 * np.pi):.3g} Hz; at most {RESOLVED_RATIO:.0e} ×, "
                         f"{RESOLVED_RATIO * rate / (2 * np.pi):.3g} Hz): far above it the cell is its geometric "
                         "capacitance, and the conduction current is lost in round-off")


def impedance(system, frequencies, *, state=None, voltage=None):
    """The small-signal impedance spectrum of ``system`` about a steady state.

    Parameters
    ----------
    system : PNPSystem
        Its electrodes set the boundary conditions (reversible, blocking, mixed).
    frequencies : array_like
        Hz, positive.
    state : ndarray, optional
        The steady state to linearise about (default: the equilibrium ``system.y_eq``).
    voltage : float, optional
        The DC voltage (V) of ``state``; default: read off the state (0 V, or the bias at
        which it is steady).  A state that is not steady at that voltage is refused.

    Returns
    -------
    Spectrum

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> s = impedance(system, [1.0, 1e12])
    >>> bool(s.z_real[0] > s.z_real[1] > 0 and s.z_imag[1] < 0)
    True
    """
    f = _check_frequencies(frequencies)
    system.check_transport("a spectrum")
    y0 = system.y_eq.copy() if state is None else system.check_state(state, "impedance state")
    biased, ev, rows = _base(system, y0, voltage, state is not None)
    _check_resolved(biased, ev, f)
    M, K, size = _linear_parts(biased, ev, y0, rows)
    b = -voltage_drive(biased, ev) / size
    probe = _CurrentProbe(biased, ev)
    w_relax = 1.0 / system.relaxation_time
    blocking = not system.reversible.any()  # then the electrode face carries displacement alone
    replaced, dense = _conserved_rows(biased, ev)
    b[replaced] = 0.0
    z = np.empty(f.size, complex)
    for k, fk in enumerate(f):
        w = 2 * np.pi * fk
        try:
            dy = solve_band_with_rows(K + 1j * w * M, system.bandwidth, b.astype(complex), replaced, dense, refine=1)
        except SingularMatrixError as exc:
            raise ConvergenceError(f"impedance at {fk:g} Hz: {exc}", NewtonResult(
                y0, False, 3, str(exc), 0, float("nan"), np.zeros(0))) from None
        z[k] = 1.0 / (probe.wall(dy, w) if blocking and w < w_relax else probe(dy, w))
    return Spectrum(f, z, system.temperature)
