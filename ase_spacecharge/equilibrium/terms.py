"""The numbers the equilibrium equations read: those of one problem at one temperature, or of
a stack of problems on one grid along a leading axis ``B``.

:meth:`~ase_spacecharge.equilibrium.problem.Problem.residual`, the Newton matrix and the
occupancies take either, so one problem and a batch run through the same equations
(:mod:`ase_spacecharge.equilibrium.batch_newton` keeps only its loop and its stack).  Units:
eV, V, e/Å², K.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..constants import thermal_voltage

__all__ = ["ProblemTerms", "problem_terms", "stacked_terms", "stack_arrays"]


class ProblemTerms(NamedTuple):
    """A problem's terms at one temperature (:func:`problem_terms`), or a stack's
    (:func:`stacked_terms`).  The active sites' log-weights are ``u = phi_factor φ[plane] + u0``.

    Attributes
    ----------
    kT : float, ndarray (n_active, 1) or (B, 1, 1)
        eV (per active site for a temperature profile, per problem for a stack).
    phi_factor : ndarray (1, k), (n_active, k) or (B, n_active, k)
        ``-z/kT`` (1/V).
    u0 : ndarray (..., n_active, k)
        ``ln(x/A) - energy_scale ΔE/kT`` (``-inf`` where a species is not hosted).
    gauge_row : ndarray (..., len(support)) or None
        The gauge weights over kT (1/V) on the planes ``support``: the gauge's row of the
        Newton matrix (None without a gauge, or for a temperature profile).
    capacity : float or ndarray (..., n_active)
        ``1 - F_s`` of the active sites; the float 1.0 when every one is 1 (then not read).
    fixed_rows, fixed_row_sizes : ndarray (..., n)
        The fixed charges' terms of the Poisson rows and their gross sizes (e/Å²).
    row_floor : ndarray (..., n)
        The least scale of each Poisson row (e/Å²,
        :meth:`~ase_spacecharge.equilibrium.poisson.PoissonOperator.row_floor`).
    target, fit_weights : ndarray (..., f), (..., f, n_active)
        The bulk fractions the fitted species must reach, and the weights of their
        bulk-region averages over the active sites.
    ends : (float, float), (ndarray (B,), ndarray (B,)) or None
        The fixed end potentials (V) of a Dirichlet grid.
    support : int ndarray
        The planes on which the border rows (gauge, fitted fractions) have weight.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> terms = ceria_like_problem().thermal_terms(773.15)
    >>> round(terms.kT, 6), terms.u0.shape, terms.phi_factor.shape, terms.row_floor.shape
    (0.066625, (60, 1), (1, 1), (90,))
    """

    kT: object
    phi_factor: np.ndarray
    u0: np.ndarray
    gauge_row: np.ndarray | None
    capacity: object
    fixed_rows: np.ndarray
    fixed_row_sizes: np.ndarray
    row_floor: np.ndarray
    target: np.ndarray
    fit_weights: np.ndarray
    ends: tuple | None
    support: np.ndarray


def problem_terms(problem, temperature, energy_scale=1.0):
    """The terms of ``problem`` at ``temperature`` with its segregation energies scaled by
    ``energy_scale`` (the arrays handed out are read-only).

    Parameters
    ----------
    problem : Problem
    temperature : float or ndarray (n,)
        K (one per plane: a temperature profile).
    energy_scale : float

    Returns
    -------
    ProblemTerms

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> bool(np.all(problem_terms(p, 773.15, 0.0).u0 == p.active.log_x))
    True
    """
    a, one_temperature = problem.active, np.ndim(temperature) == 0
    kT = thermal_voltage(np.asarray(temperature, float))
    row_floor = problem.operator.row_floor(kT)  # kT: one, or one per plane
    kT = kT[a.plane][:, None] if kT.ndim else float(kT)
    u0 = a.energies * (-energy_scale / kT)
    u0 += a.log_x
    support = problem.border_support
    gauge_row = problem.gauge[support] / kT if problem.gauge is not None and one_temperature else None
    for kept in (u0, gauge_row, row_floor):  # handed out (the gauge row as the matrix's C): read-only
        if kept is not None:
            kept.setflags(write=False)
    return ProblemTerms(kT, np.atleast_2d(a.valence / -kT), u0, gauge_row, problem.site_capacity, problem.fixed_rows,
                        problem.fixed_row_sizes, row_floor, problem.target, problem.fit_weights, _ends(problem),
                        support)


def _ends(problem):
    """The fixed end potentials of a Dirichlet grid, or None."""
    fixed = problem.grid.boundary != "periodic" and problem.dirichlet != "floating"
    return problem.dirichlet if fixed else None


def stacked_terms(problems, temperatures):
    """The terms of problems on one grid with the same active sites and options, each at its
    temperature, along a leading axis (each row computed as :func:`problem_terms` computes
    it; the border support is the union of the problems').

    Parameters
    ----------
    problems : sequence of Problem
    temperatures : ndarray (B,)
        K.

    Returns
    -------
    ProblemTerms

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> st = stacked_terms([p, p], np.array([700.0, 800.0]))
    >>> st.u0.shape, bool(np.all(st.u0[1] == problem_terms(p, 800.0).u0))
    ((2, 60, 1), True)
    """
    p0 = problems[0]
    kT = thermal_voltage(np.asarray(temperatures, float))[:, None, None]
    u0 = stack_arrays([p.active.energies for p in problems]) * (-1.0 / kT)
    u0 += stack_arrays([p.active.log_x for p in problems])
    ends = None if _ends(p0) is None else tuple(np.array([p.dirichlet for p in problems], float).T)
    fit_weights = stack_arrays([p.fit_weights for p in problems])
    planes = np.zeros(p0.grid.n, bool)  # the union of the problems' border supports
    gauge = None
    if p0.gauge is not None:
        gauge = stack_arrays([p.gauge for p in problems])
        planes |= np.any(gauge != 0, axis=0)
    if len(p0.fitted):
        planes[p0.active.plane[np.any(fit_weights != 0, axis=(0, 1))]] = True
    support = np.flatnonzero(planes)
    gauge_row = None if gauge is None else gauge[:, support] / kT[:, 0]
    capacity = 1.0 if all(isinstance(p.site_capacity, float) for p in problems) else \
        stack_arrays([p.active.capacity for p in problems])
    phi_factor = np.broadcast_to(p0.active.valence / -kT, u0.shape).copy()  # per site: a view of the sites' rows
    return ProblemTerms(kT, phi_factor, u0, gauge_row, capacity,
                        stack_arrays([p.fixed_rows for p in problems]),
                        stack_arrays([p.fixed_row_sizes for p in problems]), p0.operator.row_floor(kT[:, 0]),
                        stack_arrays([p.target for p in problems]), fit_weights, ends, support)


def stack_arrays(arrays):
    """Arrays of one shape stacked along a new first axis (``np.array`` copies them in C;
    ``np.stack`` takes a Python step per array).

    Parameters
    ----------
    arrays : sequence of ndarray

    Returns
    -------
    ndarray

    Examples
    --------
    >>> stack_arrays([np.zeros(2), np.ones(2)]).shape
    (2, 2)
    """
    return np.array(arrays, dtype=arrays[0].dtype)
