"""One Newton solve of the implicit PNP equations: a time step (BDF) or the steady state.

The residual is Poisson on the φ rows and ``(c0 N(y) + h)/Δt - rate(y)`` on the conservation
rows (``c0 = 0``: the steady state ``rate = 0``); rows of species absent from a plane read
``ν = ν_eq``.  Steady states of species that no electrode exchanges keep their amounts: one
conservation row per such species is replaced by ``Σ_i N_i = N_total`` (dense, solved by
:func:`~.banded.solve_band_with_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SingularMatrixError
from .banded import solve_band_with_rows
from .equations import conservation_rows, evaluate, residual_and_matrix

__all__ = ["solve_implicit"]


@dataclass
class NewtonStep:
    """Result of :func:`solve_implicit`: the state, the evaluation there, iterations, success."""

    y: np.ndarray
    evaluation: object
    iterations: int
    success: bool
    change: float


def _change(system, ev, dy):
    """Size of a Newton update: φ in kT; ν weighted by how much of the species it moves
    (``χ |Δν|`` over the species' largest amount on a plane), so that ν of a nearly empty
    plane, which round-off leaves loose, does not hold the iteration up."""
    phi_step, nu_step = system.unpack(dy)
    amount = np.abs(nu_step) * ev.state.chi / (np.max(ev.state.N, axis=0) + 1e-300)
    return float(max(np.max(np.abs(phi_step)) / system.kT, np.max(amount, initial=0.0)))


def solve_implicit(system, y0, t, *, c0_dt=0.0, history=0.0, conserved=(), tol=1e-9, max_iter=25):
    """Newton on the implicit equations at time ``t`` from ``y0``.

    Parameters
    ----------
    system : PNPSystem
    y0 : ndarray
        Starting state.
    t : float
        Time (s): sets the electrode potentials.
    c0_dt : float
        Coefficient of the new amounts in the time derivative (BDF: ``c0/Δt``); 0 for the
        steady state.
    history : ndarray (n, K) or float
        The BDF terms of earlier states divided by Δt.
    conserved : sequence of (species, total)
        Steady state: species whose total amount is fixed instead of one conservation row.
    tol : float
        Convergence: largest change of φ (in kT) and of the amounts (relative, see
        :func:`_change`) in the last iteration.
    max_iter : int

    Returns
    -------
    NewtonStep
        ``y``, ``evaluation``, ``iterations``, ``success``, ``change``.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> system = ceria_like_system()
    >>> step = solve_implicit(system.with_voltage(0.001), system.y_eq, 0.0)  # the steady state at 1 mV
    >>> step.success, step.iterations <= 5
    (True, True)
    """
    y = np.array(y0, float)
    kT, K1 = system.kT, 1 + system.K
    scale = np.ones(system.n_unknowns)
    scale[::K1] = kT
    change = np.inf
    for it in range(1, max_iter + 1):
        ev = evaluate(system, y, t)
        R, ab, row_size = residual_and_matrix(system, ev, y, c0_dt, history)
        replaced, dense = [], []
        for (k, _), (row, resid) in zip(conserved, conservation_rows(system, ev, conserved)):
            r = system.conservation_row(k)
            replaced.append(r)
            norm = np.max(np.abs(row)) + 1e-300
            dense.append(row / norm)
            R[r] = resid / norm
        try:
            dy = solve_band_with_rows(ab, system.bandwidth, -R, replaced, np.array(dense).reshape(len(dense), R.size))
        except SingularMatrixError:
            return NewtonStep(y, ev, it, False, np.inf)
        if not np.all(np.isfinite(dy)):
            return NewtonStep(y, ev, it, False, np.inf)
        biggest = np.max(np.abs(dy) / scale)
        if biggest > 20.0:  # keep a step within 20 kT
            dy *= 20.0 / biggest
        y += dy
        change = _change(system, ev, dy)
        if change <= tol:
            return NewtonStep(y, evaluate(system, y, t), it, True, change)
    return NewtonStep(y, evaluate(system, y, t), max_iter, False, change)
