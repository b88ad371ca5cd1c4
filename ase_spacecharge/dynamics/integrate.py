"""Time integration: variable-step BDF2 on the full coupled PNP system (Poisson algebraic,
amounts differential), one banded Newton solve per step, O(N) per step.

The local error of a step is estimated from the difference between the converged state and
the polynomial extrapolation of the previous ones (Milne's device, BDF2 error constant
2/9 against the predictor's 1); steps are accepted when the weighted error of φ (against
``atol`` V) and of the amounts (against ``rtol`` of each species' amount) is at most one, and
the next step grows or shrinks by ``(1/err)^{1/3}``.  The integrator steps onto every
output time and every kink of the voltage table, restarting with BDF1 there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..constants import E_PER_S_A2_TO_A_PER_M2, EPSILON_0
from ..errors import ConvergenceError, InputError, NewtonResult, is_number
from .newton import solve_implicit

__all__ = ["Transient", "transient"]


@dataclass
class Transient:
    """A transient: the state at the output times and the currents.

    Attributes
    ----------
    t : ndarray (m,)
        Output times (s).
    states : ndarray (m, n_unknowns)
        The system's state at each output time (see :meth:`PNPSystem.unpack`).
    current, ionic_current : ndarray (m,)
        Total current (conduction + displacement) and the ions' conduction current through
        the lower electrode (A/m², positive from the upper end to the lower one).
    steps, rejected, newton_iterations : int
    voltage : ndarray (m,)
        The applied voltage at the output times (V).
    step_t, step_current, step_ionic_current : ndarray (steps,)
        The time (s) and the two currents (A/m²) after every accepted step, for plots of the
        current between the output times.

    Examples
    --------
    >>> Transient(np.array([1e-6]), np.zeros((1, 2)), np.zeros(1), np.zeros(1)).t.tolist()
    [1e-06]
    """

    t: np.ndarray
    states: np.ndarray
    current: np.ndarray
    ionic_current: np.ndarray
    steps: int = 0
    rejected: int = 0
    newton_iterations: int = 0
    voltage: np.ndarray = field(default_factory=lambda: np.zeros(0))
    step_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    step_current: np.ndarray = field(default_factory=lambda: np.zeros(0))
    step_ionic_current: np.ndarray = field(default_factory=lambda: np.zeros(0))


def currents(system, ev, y, dphi_dt_wall):
    """Total and ionic current densities (A/m², from the upper end to the lower one) through the
    lower electrode at an evaluated state, given d(φ_0 - φ_wall)/dt (V/s)."""
    g = system.problem.grid
    conduction = np.zeros(system.K)
    for k, f in enumerate(system.faces):
        if f.lo.size:
            conduction[k] = -system.valence[k] * ev.fluxes[k][0] / g.area  # particles/(s Å²) in +x
    displacement = EPSILON_0 * g.eps_lower[0] / g.h_lower[0] * dphi_dt_wall  # e/(Å² s)
    ionic = conduction[:system.n_sites].sum()
    return (conduction.sum() + displacement) * E_PER_S_A2_TO_A_PER_M2, ionic * E_PER_S_A2_TO_A_PER_M2


def _bdf_coefficients(dt, dt_prev, order):
    """``(c0, c1, c2)``: y' ≈ (c0 y_{n+1} + c1 y_n + c2 y_{n-1}) / dt."""
    if order == 1:
        return 1.0, -1.0, 0.0
    w = dt / dt_prev
    return (1 + 2 * w) / (1 + w), -(1 + w), w * w / (1 + w)


def _extrapolate(times, values, t):
    """Lagrange extrapolation of the stored states to ``t``."""
    out = np.zeros_like(values[-1])
    for i, (ti, vi) in enumerate(zip(times, values)):
        weight = np.prod([(t - tj) / (ti - tj) for j, tj in enumerate(times) if j != i])
        out += weight * vi
    return out


def _error(system, y_new, y_pred, N_new, N_pred, order, rtol, atol, N_scale):
    """Weighted local error estimate (≤ 1: accept)."""
    phi_new, _ = system.unpack(y_new)
    phi_pred, _ = system.unpack(y_pred)
    const = 2.0 / 11.0 if order == 2 else 0.5
    e_phi = np.max(np.abs(phi_new - phi_pred) / (atol + rtol * np.abs(phi_new)), initial=0.0)
    e_N = np.max(np.abs(N_new - N_pred) / (rtol * (np.abs(N_new) + 1e-3 * N_scale)), initial=0.0)
    return const * max(e_phi, e_N)


def _checked_times(times):
    t = np.atleast_1d(np.asarray(times, float))
    if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        raise InputError(f"times: expected increasing positive output times (s), got {np.asarray(times).tolist()}")
    return t


def transient(system, times, *, start=None, rtol=1e-4, atol=1e-6, first_step=None, max_steps=200000,
              progress=None):
    """Integrate the PNP system from ``start`` to the last of ``times``.

    Parameters
    ----------
    system : PNPSystem
    times : sequence of float
        Output times (s), increasing; the last is the end.
    start : ndarray, optional
        Initial state (default: the equilibrium ``system.y_eq``; see :func:`uniform_start`).
    rtol, atol : float
        Relative tolerance of the amounts and φ, absolute tolerance of φ (V).
    first_step : float, optional
        First step (s); default 1e-3 dielectric relaxation times.
    max_steps : int
    progress : callable, optional
        Called as ``progress(t, t_end)`` after every accepted step.

    Returns
    -------
    Transient

    Raises
    ------
    ConvergenceError
        When the step size collapses (Newton fails at every step size).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> run = transient(system, [1e-9, 1e-6])
    >>> float(abs(run.states[-1] - system.y_eq).max()) < 1e-12  # equilibrium stays put
    True
    """
    out_times = _checked_times(times)
    _check_tolerances(rtol=rtol, atol=atol, **({} if first_step is None else dict(first_step=first_step)))
    if not (is_number(max_steps) and max_steps >= 1):
        raise InputError(f"transient: max_steps must be a positive integer, got {max_steps!r}")
    y = system.y_eq.copy() if start is None else system.check_state(start, "transient start")
    tau = system.relaxation_time
    dt = float(first_step) if first_step is not None else 1e-3 * tau
    stops = np.union1d(out_times, system.voltage.breakpoints()[system.voltage.breakpoints() > 0])
    stops = stops[stops <= out_times[-1]]
    N_scale = np.max(np.abs(system.problem.grid.dx[:, None] * system.chi_reservoir.max(axis=0)), axis=0) + 1e-300
    y, ev = consistent_state(system, y, 0.0)
    return _march(system, y, ev, out_times, stops, dt, rtol, atol, N_scale, max_steps, progress)


def _check_tolerances(**values):
    for name, value in values.items():
        if not (is_number(value) and math.isfinite(value) and value > 0):
            raise InputError(f"transient: {name} must be a positive finite number, got {value!r}")


def consistent_state(system, y, t):
    """The state just after ``t`` with the same amounts as ``y`` and the electrode potentials of
    ``t``: a voltage step moves the potential at once (Poisson is algebraic), the particles
    not.  Solved on the closed system (no flux through any face), so the amounts stay exactly.

    Returns
    -------
    state : ndarray
    evaluation : Evaluation
        Of ``system`` at that state.
    """
    from .equations import evaluate
    N = evaluate(system, y, t).N
    result, _ = solve_implicit(system.closed(), y, t, c0_dt=1.0, history=-N)
    if not result.success:
        raise ConvergenceError(f"no consistent state at t = {t:g} s after the voltage step", result)
    return result.state, evaluate(system, result.state, t)


def _march(system, y, ev, out_times, stops, dt, rtol, atol, N_scale, max_steps, progress):
    t, order = 0.0, 1
    hist_t, hist_y, hist_N = [t], [y], [ev.N]
    step = None
    rec = dict(t=[], y=[], I=[], Iion=[], V=[], steps=[])
    steps = rejected = newtons = 0
    wall = lambda yy: system.unpack(yy)[0][0] - system.ends_eq[0]  # noqa: E731 - the lower electrode is at rest
    k_stop = 0
    while k_stop < stops.size:
        if steps + rejected > max_steps:
            raise ConvergenceError(f"transient: more than {max_steps} steps before t = {stops[-1]:g} s",
                                   _fail(f"{max_steps} steps taken at t = {t:g} s", step, newtons))
        target = stops[k_stop]
        dt = min(dt, target - t)
        dt_prev = hist_t[-1] - hist_t[-2] if len(hist_t) > 1 else dt
        c0, c1, c2 = _bdf_coefficients(dt, dt_prev, order)
        history = (c1 * hist_N[-1] + (c2 * hist_N[-2] if order == 2 else 0.0)) / dt
        t_new = t + dt
        y_pred = _extrapolate(hist_t[-(order + 1):], hist_y[-(order + 1):], t_new) if len(hist_t) > 1 else y
        step, ev = solve_implicit(system, y_pred, t_new, c0_dt=c0 / dt, history=history)
        newtons += step.iterations
        if step.success and len(hist_t) > 1:
            N_pred = _extrapolate(hist_t[-(order + 1):], hist_N[-(order + 1):], t_new)
            err = _error(system, step.state, y_pred, ev.N, N_pred, order, rtol, atol, N_scale)
        else:
            err = 0.0 if step.success else np.inf
        if err > 1.0:
            rejected += 1
            dt *= max(0.1, 0.9 * err ** (-1.0 / 3.0)) if np.isfinite(err) else 0.25
            if dt < 1e-14 * max(t, 1e-30):
                raise ConvergenceError(f"transient: the step collapsed at t = {t:.6g} s",
                                       _fail(f"the step collapsed at t = {t:.6g} s", step, newtons))
            continue
        steps += 1
        dphi_dt = (c0 * wall(step.state) + c1 * wall(hist_y[-1]) + (c2 * wall(hist_y[-2]) if order == 2 else 0.0)) \
            / dt
        t, y = t_new, step.state
        rec["steps"].append((t, *currents(system, ev, y, dphi_dt)))
        hist_t, hist_y, hist_N = (hist_t + [t])[-3:], (hist_y + [y])[-3:], (hist_N + [ev.N])[-3:]
        dt *= min(5.0, max(0.2, 0.9 * err ** (-1.0 / 3.0))) if err > 0 else 2.0
        order = 2
        if progress is not None:
            progress(t, stops[-1])
        if t >= target * (1 - 1e-12):
            t = target
            if target in system.voltage.breakpoints():
                order = 1
                N_before = ev.N
                y, _ = consistent_state(system, y, t)
                hist_t, hist_y, hist_N = [t], [y], [N_before]
            if np.any(np.isclose(out_times, target, rtol=1e-12, atol=0)):
                I, I_ion = currents(system, ev, y, dphi_dt)
                for key, v in (("t", t), ("y", y), ("I", I), ("Iion", I_ion), ("V", system.voltage(t))):
                    rec[key].append(v)
            k_stop += 1
    step_t, step_I, step_Iion = np.array(rec["steps"]).reshape(-1, 3).T
    return Transient(np.array(rec["t"]), np.array(rec["y"]), np.array(rec["I"]), np.array(rec["Iion"]), steps,
                     rejected, newtons, np.array(rec["V"]), step_t, step_I, step_Iion)


def _fail(message, step, newtons):
    """The last step's Newton record, as the transient's: the total Newton iterations."""
    return NewtonResult(step.state, False, step.status if not step.success else 1, f"{message}; last Newton: "
                        f"{step.message}", int(newtons), step.residual, step.residual_history)
