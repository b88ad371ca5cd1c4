"""Steady states under bias, solved directly (Newton on the steady PNP equations) with
continuation in the voltage, and I–V curves.

Each continuation step is predicted along the tangent of the steady branch (``dy/dV = -J⁻¹
∂F/∂V``) and corrected by Newton (converged on the scaled residual of every equation and the
update of every unknown, :func:`~.newton.solve_implicit`); a step that does not converge is
retried four times shorter, and a continuation that stalls raises
:class:`~ase_spacecharge.errors.ConvergenceError` with the last Newton's record — never a
state.  A returned steady state proves itself: the current through every face is the same
to round-off (``current_spread``, against its round-off ``current_spread_roundoff``).

A species no electrode exchanges (blocking ends) keeps the amount it has in the starting
state; its steady state is then an equilibrium with that amount (zero flux).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError, InputError, NewtonResult
from .equations import evaluate
from .integrate import currents
from .newton import newton_update, solve_implicit
from .rows import ROUNDOFF, implicit_rows, scaled_residual, voltage_drive

__all__ = ["SteadyState", "steady_state", "iv_curve", "current_spread"]


@dataclass
class SteadyState:
    """Steady states at a list of voltages (one for :func:`steady_state`).

    Attributes
    ----------
    voltage : ndarray (m,)
        V (upper end minus lower end).
    current : ndarray (m,)
        A/m² (from the upper end to the lower one; no displacement current in a steady state).
    resistance : ndarray (m,)
        ``V / I`` (Ω·m²); NaN at V = 0 or where no current flows.
    states : ndarray (m, n_unknowns)
    iterations : ndarray (m,)
        Newton iterations per voltage (all continuation sub-steps included).
    residual : ndarray (m,)
        Largest scaled residual of any equation at each state (each row relative to its own
        terms, :func:`~.rows.scaled_residual`).
    current_spread : ndarray (m,)
        Relative spread of the current over the faces (:func:`current_spread`).
    current_spread_roundoff : ndarray (m,)
        What round-off of the unknowns alone makes that spread.

    Examples
    --------
    >>> s = SteadyState(np.array([0.1]), np.array([2.0]), np.array([0.05]), np.zeros((1, 3)), np.array([3]),
    ...                 np.array([1e-15]), np.array([2e-14]), np.array([1e-14]))
    >>> float(s.resistance[0])
    0.05
    """

    voltage: np.ndarray
    current: np.ndarray
    resistance: np.ndarray
    states: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray
    current_spread: np.ndarray
    current_spread_roundoff: np.ndarray


def current_spread(system, ev, y):
    """The relative spread of the steady current over the faces, and the part of it that
    round-off alone makes.

    Per species, the range of its face fluxes weighted by ``|z|``, over ``Σ_k |z_k| max|J_k|``
    (0 when nothing flows).  The round-off of a face flux is ``ROUNDOFF Σ_q |∂J/∂y_q| (|y_q| +
    s_q)`` (the reservoir's ν on a wall face): a flux is computed from ``Δν = ν_j - ν_i``, so
    where ``|ν|`` is large against ``|Δν|`` (a conductive core under bias) its digits go.

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation
        At ``y``, under the steady state's voltage.
    y : ndarray

    Returns
    -------
    spread, roundoff : float

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> s = steady_state(system, 0.01)
    >>> spread, roundoff = current_spread(system.with_voltage(0.01), evaluate(system.with_voltage(0.01),
    ...                                   s.states[0], 0.0), s.states[0])
    >>> bool(spread <= max(1e-9, 10 * roundoff))
    True
    """
    K1 = 1 + system.K
    col_scale = np.ones(system.n_unknowns)
    col_scale[::K1] = system.kT
    nu_res = np.abs(system.reservoir_nu(0.0)) + 1.0
    spread = roundoff = size = 0.0
    for k, J in enumerate(ev.fluxes):
        if J is None or not J.size:
            continue
        err = np.zeros(J.size)
        for wall, (cols, dJ, inside) in enumerate(ev.flux_jacobian[k]):
            species = cols[:, 1:] % K1 - 1
            err += np.where(inside, np.sum(np.abs(dJ) * (np.abs(y[cols]) + col_scale[cols]), axis=1),
                            np.sum(np.abs(dJ[:, 1:]) * nu_res[wall][species], axis=1))
        z = abs(float(system.valence[k]))
        spread = max(spread, z * float(J.max() - J.min()))
        roundoff = max(roundoff, 2 * z * ROUNDOFF * float(err.max()))
        size += z * float(np.max(np.abs(J)))
    return (spread / size, roundoff / size) if size > 0 else (0.0, 0.0)


def _conserved(system, y):
    """(species, total amount) of the species no electrode exchanges."""
    if not system.blocked:
        return []
    N = evaluate(system, y, 0.0).N
    return [(k, float(N[:, k].sum())) for k in system.blocked]


def _tangent(system, y, ev, conserved, tol):
    """``dy/dV = -J⁻¹ ∂F/∂V`` of the steady branch at the steady state ``(y, ev)`` of ``system``
    (conserved amounts fixed); zero where the matrix is singular."""
    from ..errors import SingularMatrixError
    try:
        replaced = [(k, total, system.conservation_row(k, ev.N)) for k, total in conserved]
        return newton_update(system, ev, y, implicit_rows(system, ev, y, rtol=tol), replaced,
                             rhs=-voltage_drive(system, ev))
    except SingularMatrixError:
        return np.zeros_like(y)


def _fail(message, result, iterations):
    return NewtonResult(result.state, False, 5, f"{message}; last Newton: {result.message}", int(iterations),
                        result.residual, result.residual_history)


def _continuation(system, y, ev, v0, voltage, conserved, tol, max_substeps=200):
    """From the steady state ``y`` at ``v0`` (``ev``: its evaluation) to ``voltage``:
    ``(NewtonResult, evaluation)``, iterations counting every sub-step; ConvergenceError when
    the steps shrink to nothing."""
    done, step, total, tangent = v0, voltage - v0, 0, None
    for _ in range(max_substeps):
        target = voltage if abs(step) >= abs(voltage - done) else done + step
        if tangent is None:
            tangent = _tangent(system.with_voltage(done), y, ev, conserved, tol)
        result, ev_new = solve_implicit(system.with_voltage(target), y + (target - done) * tangent, 0.0,
                                        conserved=conserved, tol=tol, max_iter=40)
        total += result.iterations
        if result.success:
            y, done, ev, tangent = result.state, target, ev_new, None
            if done == voltage:
                return NewtonResult(y, True, 0, result.message, total, result.residual,
                                    result.residual_history), ev
            step *= 2.0 if result.iterations <= 6 else 1.0
            continue
        step *= 0.25
        if abs(step) < max(1e-6 * abs(voltage - v0), 1e-9):
            break
    raise ConvergenceError(f"steady state: continuation in the voltage stalled at {done:.6g} V (target "
                           f"{voltage:g} V)", _fail("continuation in the voltage stalled", result, total))


def _point(system, voltage, y, ev, v0, conserved, tol):
    """One steady state from the steady state ``y`` at ``v0`` (``ev`` its evaluation):
    ``(state, current, iterations, residual, spread, roundoff)`` and the evaluation there."""
    if voltage == v0:
        result, ev = solve_implicit(system.with_voltage(voltage), y, 0.0, conserved=conserved, tol=tol, max_iter=40)
        if not result.success:
            raise ConvergenceError(f"steady state at {voltage:g} V: Newton did not converge", result)
    else:
        result, ev = _continuation(system, y, ev, v0, voltage, conserved, tol)
    biased = system.with_voltage(voltage)
    spread, roundoff = current_spread(biased, ev, result.state)
    return (result.state, currents(biased, ev, result.state, 0.0)[0], result.iterations, result.residual, spread,
            roundoff), ev


def _record(points):
    V, states, I, its, res, spread, roundoff = (np.array(x) for x in zip(*points))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.where((V != 0) & (I != 0), V / I, np.nan)
    return SteadyState(V.astype(float), I.astype(float), R, states, its, res, spread, roundoff)


def _start(system, start, start_voltage, tol):
    """The starting state, its voltage, the conserved amounts and the evaluation: the
    equilibrium at 0 V, or ``start`` at ``start_voltage`` (first solved there if it is not
    steady)."""
    if start is None:
        y, v0 = system.y_eq.copy(), 0.0
    else:
        y = system.check_state(start, "steady state start")
        v0 = float(system.voltage(0.0) if start_voltage is None else start_voltage)
    conserved = _conserved(system, y)
    biased = system.with_voltage(v0)
    ev = evaluate(biased, y, 0.0)
    replaced = [(k, total, system.conservation_row(k, ev.N)) for k, total in conserved]
    if start is not None and np.max(scaled_residual(biased, ev, y, implicit_rows(biased, ev, y, rtol=tol).scale,
                                                     replaced)) > tol:
        (y, *_), ev = _point(system, v0, y, ev, v0, conserved, tol)
    return y, v0, conserved, ev


def steady_state(system, voltage, *, start=None, start_voltage=None, tol=1e-10):
    """The steady state at a constant ``voltage`` (V), by continuation in the voltage from
    ``start`` (default: the equilibrium at 0 V).

    Parameters
    ----------
    system : PNPSystem
    voltage : float
        V, upper end minus lower end.
    start : ndarray, optional
        A state to start from (a steady state at ``start_voltage``, else first solved there).
    start_voltage : float, optional
        V at which ``start`` is steady (default: the system's applied voltage at t = 0).
    tol : float
        Largest scaled residual of any equation and largest Newton update (kT).

    Returns
    -------
    SteadyState
        One voltage: ``states[0]``, ``current[0]`` (A/m²), ``iterations[0]``, ``residual[0]``,
        ``current_spread[0]``.

    Raises
    ------
    InputError
        A moving species that cannot move (D = 0) or a start of the wrong size.
    ConvergenceError
        When the continuation stalls; carries the last iterate, its scaled residual and the
        iterations.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> s = steady_state(system, 0.01)
    >>> bool(s.current[0] > 0), bool(s.residual[0] <= 1e-10)
    (True, True)
    """
    _check_voltage(voltage)
    system.check_transport("a steady state")
    y, v0, conserved, ev = _start(system, start, start_voltage, tol)
    return _record([(float(voltage),) + _point(system, float(voltage), y, ev, v0, conserved, tol)[0]])


def iv_curve(system, voltages, *, tol=1e-10):
    """Steady states along ``voltages`` (V), each continued from the previous one.

    Parameters
    ----------
    system : PNPSystem
    voltages : sequence of float
    tol : float
        As :func:`steady_state`.

    Returns
    -------
    SteadyState

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> iv = iv_curve(system, [0.001, 0.01])
    >>> bool(iv.current[1] > iv.current[0] > 0)
    True
    """
    for v in voltages:
        _check_voltage(v)
    system.check_transport("a steady state")
    y, v_prev, conserved, ev = _start(system, None, None, tol)
    points = []
    for v in voltages:
        point, ev = _point(system, float(v), y, ev, v_prev, conserved, tol)
        points.append((float(v),) + point)
        y, v_prev = point[0], float(v)
    if not points:
        raise InputError("iv_curve: give at least one voltage (V)")
    return _record(points)


def _check_voltage(v):
    from ..errors import is_number
    if not is_number(v) or not np.isfinite(v):
        raise InputError(f"steady state: the voltage must be a finite number (V), got {v!r}")
