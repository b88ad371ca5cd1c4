"""Many problems on the same planes solved together: temperatures, dopant fractions,
perturbed segregation energies.

:func:`solve_batch` takes problems that share one grid and one set of sites (built with
:func:`with_energies` or :func:`dataclasses.replace` from one problem) and returns plain
arrays, one row per problem; :mod:`ase_spacecharge.equilibrium.batch_newton` is its vectorised Newton loop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import InputError

__all__ = ["BatchResult", "solve_batch", "with_energies"]


@dataclass
class BatchResult:
    """Solutions of a batch, one row per problem.

    Attributes
    ----------
    states : ndarray (B, n + m)
        Converged state vectors (plane potentials in V, then the bordered unknowns).
    phi : ndarray (B, n)
        Plane potentials (V).
    phi0 : ndarray (B,)
        Φ0 (V), as :attr:`~.solution.SpaceChargeSolution.phi0` defines it.
    iterations : ndarray (B,) of int
    residual : ndarray (B,)
        Relative residuals.
    success : ndarray (B,) of bool

    Examples
    --------
    >>> BatchResult(np.zeros((1, 3)), np.zeros((1, 2)), np.zeros(1), np.ones(1, int), np.zeros(1),
    ...             np.ones(1, bool)).phi0.shape
    (1,)
    """

    states: np.ndarray
    phi: np.ndarray
    phi0: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray
    success: np.ndarray


def with_energies(problem, energies):
    """``problem`` with other per-site segregation energies (eV; same shape and the same
    hosts, NaN where a site cannot host the defect).

    Parameters
    ----------
    problem : Problem
    energies : array (n_sites, m)

    Returns
    -------
    Problem

    Raises
    ------
    InputError
        Another shape, or finite values where the problem's sites host nothing (or NaN where
        they do).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> with_energies(p, p.energies * 0.5).energies.shape == p.energies.shape
    True
    """
    E = np.asarray(energies, float)
    if E.shape != problem.energies.shape:
        raise InputError(f"energies: expected shape {problem.energies.shape} (sites, defects), got {E.shape}")
    same_hosts = np.isfinite(E) == np.isfinite(problem.energies)
    if not same_hosts.all():
        site, col = np.argwhere(~same_hosts)[0]
        raise InputError(f"energies: site {int(site)}, defect {problem.defect_labels[col]!r} is "
                         f"{'NaN' if np.isnan(E[site, col]) else 'finite'} here but not in the problem "
                         "(the hosts must not change)")
    return replace(problem, energies=E)


def solve_batch(problems, temperatures, *, rtol=1e-10, max_iter=100, initial=None):
    """Solve problems on one grid together: one vectorised Newton loop over the batch.

    Problems that share the grid, the active sites and the options (no band carriers, no
    activity models) are stacked and solved at once; the residual, the Newton matrix, the
    linear solve (one LAPACK call) and the line search all act on the whole batch.  Problems
    that cannot be stacked, and any that the batched Newton does not converge, are solved one
    by one with :func:`~.solution.solve` (continuation included).

    Parameters
    ----------
    problems : sequence of Problem
        E.g. from :func:`with_energies`, or one problem repeated over temperatures.
    temperatures : float or array (B,)
        K.
    rtol, max_iter
        As in :func:`~.solution.solve`.
    initial : ndarray (N,) or (B, N), optional
        Starting state(s) of the batched Newton (default zero), e.g. the ``state`` of a
        solution of a neighbouring problem.

    Returns
    -------
    BatchResult

    Raises
    ------
    ConvergenceError
        When a problem does not converge even alone (its index named).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> r = solve_batch([p, with_energies(p, p.energies * 0.5)], 773.15)
    >>> r.phi0.round(4).tolist(), bool(r.success.all())
    ([0.1076, 0.0512], True)
    """
    from .batch_newton import batch_newton, stack_problems
    problems = list(problems)
    if not problems:
        raise InputError("solve_batch needs at least one problem")
    T = np.broadcast_to(np.asarray(temperatures, float), (len(problems),)).copy()
    if np.any(~np.isfinite(T)) or np.any(T <= 0):
        raise InputError(f"temperatures must be positive (K), got {np.asarray(temperatures).tolist()}")
    stack = stack_problems(problems, T)
    if stack is not None:
        states, iterations, residual, success = batch_newton(stack, rtol=rtol, max_iter=max_iter, initial=initial)
    else:
        n_state = problems[0].grid.n + problems[0].n_extra
        states, iterations = np.zeros((len(problems), n_state)), np.zeros(len(problems), int)
        residual, success = np.full(len(problems), np.inf), np.zeros(len(problems), bool)
    for i in np.flatnonzero(~success):  # alone, with continuation
        states[i], iterations[i], residual[i] = _solve_one(problems[i], T[i], i, rtol, max_iter)
    phi = states[:, :problems[0].grid.n]
    return BatchResult(states, phi.copy(), _phi0(problems, phi), iterations, residual, np.ones(len(problems), bool))


def _solve_one(problem, temperature, index, rtol, max_iter):
    from ..errors import ConvergenceError
    from .newton import solve_problem
    try:
        r = solve_problem(problem, float(temperature), rtol=rtol, max_iter=max_iter)
    except ConvergenceError as exc:
        raise ConvergenceError(f"batch problem {index}: {exc}", exc.result) from None
    return r.state, r.iterations, r.residual


def _phi0(problems, phi):
    """Φ0 of each row, by the convention of its problem (:mod:`.conventions`)."""
    from types import SimpleNamespace
    from ..conventions import conventions
    return np.array([conventions(p.compat).phi0(SimpleNamespace(phi=row, site_charges=p.site_charges))
                     for p, row in zip(problems, phi)])
