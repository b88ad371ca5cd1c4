"""Steady states under bias, solved directly (Newton on the steady PNP equations), and I–V
curves by continuation in the voltage.

A species no electrode exchanges (blocking ends) keeps the amount it has in the starting
state; its steady state is then an equilibrium with that amount (zero flux).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError
from .integrate import currents
from .newton import solve_implicit

__all__ = ["SteadyState", "steady_state", "iv_curve"]


@dataclass
class SteadyState:
    """Steady states at a list of voltages.

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

    Examples
    --------
    >>> s = SteadyState(np.array([0.1]), np.array([2.0]), np.array([0.05]), np.zeros((1, 3)), np.array([3]))
    >>> float(s.resistance[0])
    0.05
    """

    voltage: np.ndarray
    current: np.ndarray
    resistance: np.ndarray
    states: np.ndarray
    iterations: np.ndarray


def _conserved(system, y):
    """(species, total amount) of the species no electrode exchanges."""
    from .equations import evaluate
    N = evaluate(system, y, 0.0).N
    return [(k, float(N[:, k].sum())) for k in system.blocked]


def steady_state(system, voltage, *, start=None, tol=1e-10):
    """The steady state at a constant ``voltage`` (V), by Newton from ``start`` (default: the
    equilibrium), with continuation in the voltage when a direct solve fails.

    Parameters
    ----------
    system : PNPSystem
    voltage : float
        V, upper end minus lower end.
    start : ndarray, optional
    tol : float
        Newton tolerance on the last change (φ in kT, ν).

    Returns
    -------
    state : ndarray
    current : float
        A/m².
    iterations : int

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> y, current, its = steady_state(system, 0.01)
    >>> bool(current > 0)
    True
    """
    y = np.array(system.y_eq if start is None else start, float)
    conserved = _conserved(system, y)
    v0 = system.voltage(0.0) if start is not None else 0.0
    done, step, total = v0, voltage - v0, 0
    while True:
        target = done + step if abs(step) < abs(voltage - done) else voltage
        biased = system.with_voltage(float(target))
        result = solve_implicit(biased, y, 0.0, conserved=conserved, tol=tol, max_iter=40)
        total += result.iterations
        if result.success:
            y, done = result.y, target
            if done == voltage:
                return y, currents(biased, result.evaluation, y, 0.0)[0], total
            step *= 2.0
            continue
        step *= 0.25
        if abs(step) < 1e-9 * max(abs(voltage), 1e-3):
            raise ConvergenceError(f"steady state: continuation in the voltage stalled at {done:.6g} V "
                                   f"(target {voltage:g} V)", _fail(y, total))


def iv_curve(system, voltages, *, tol=1e-10):
    """Steady states along ``voltages`` (V), each started from the previous one.

    Parameters
    ----------
    system : PNPSystem
    voltages : sequence of float
    tol : float

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
    y, start = system.y_eq.copy(), None
    V, I, states, its = [], [], [], []
    for v in voltages:
        y, current, n_it = steady_state(system, float(v), start=start, tol=tol)
        start = y
        V.append(float(v))
        I.append(current)
        states.append(y.copy())
        its.append(n_it)
    V, I = np.array(V), np.array(I)
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.where((V != 0) & (I != 0), V / I, np.nan)
    return SteadyState(V, I, R, np.array(states), np.array(its))


def _fail(y, iterations):
    from ..errors import NewtonResult
    return NewtonResult(y, False, 5, "continuation in the voltage stalled", iterations, float("nan"), np.zeros(0))
