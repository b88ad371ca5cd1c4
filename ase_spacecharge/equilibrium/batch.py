"""Many problems on the same planes solved together: temperatures, dopant fractions,
perturbed segregation energies.

:func:`solve_batch` takes problems that share one grid and one set of sites (built with
:func:`with_energies` or :func:`dataclasses.replace` from one problem) and returns plain
arrays, one row per problem; :mod:`ase_spacecharge.equilibrium.batch_newton` is its vectorised Newton loop.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import ConvergenceError, InputError
from .batch_newton import BatchResult, batch_newton, stack_problems
from .newton import solve_problem

__all__ = ["solve_batch", "with_energies"]


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
    by one with :func:`~.solution.solve` (continuation included); their rows say so
    (``alone``, ``message``).

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
        Every row converged (``success`` all True): the record of how (:meth:`BatchResult.row`
        reads row ``i`` as a :class:`~ase_spacecharge.errors.NewtonResult`).

    Raises
    ------
    ConvergenceError
        When a problem does not converge even alone: its index named, carrying the record
        of its solve alone (last iterate, residual history).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> r = solve_batch([p, with_energies(p, p.energies * 0.5)], 773.15)
    >>> r.phi0.round(4).tolist(), r.success.tolist(), r.alone.tolist()
    ([0.1076, 0.0512], [True, True], [False, False])
    """
    problems = list(problems)
    if not problems:
        raise InputError("solve_batch needs at least one problem")
    T = np.broadcast_to(np.asarray(temperatures, float), (len(problems),)).copy()
    if np.any(~np.isfinite(T)) or np.any(T <= 0):
        raise InputError(f"temperatures must be positive (K), got {np.asarray(temperatures).tolist()}")
    stack = stack_problems(problems, T)
    batched = None if stack is None else batch_newton(stack, rtol=rtol, max_iter=max_iter, initial=initial)
    if batched is not None and batched.success.all():
        result = batched
    else:  # the rows the batch did not converge (all, if it could not stack them) alone
        alone = np.ones(len(problems), bool) if batched is None else ~batched.success
        rows = [_solve_alone(p, t, i, rtol, max_iter, None if batched is None else batched.row(i)) if alone[i]
                else batched.row(i) for i, (p, t) in enumerate(zip(problems, T))]
        result = _records(rows, alone, problems[0].grid.n)
    result.phi0 = _phi0(problems, result.phi)
    return result


def _solve_alone(problem, temperature, index, rtol, max_iter, batched=None):
    """Row ``index`` solved by itself, with continuation, as a NewtonResult whose iterations
    include those the batched Newton (``batched``, its record, if any) spent on it."""
    try:
        r = solve_problem(problem, float(temperature), rtol=rtol, max_iter=max_iter)
    except ConvergenceError as exc:
        raise ConvergenceError(f"batch problem {index}: {exc.result.message}", exc.result) from None
    if batched is None:
        return r
    return replace(r, iterations=r.iterations + batched.iterations,
                   message=f"{r.message} (solved alone after the batched Newton: {batched.message})")


def _records(rows, alone, n):
    """The :class:`BatchResult` of one NewtonResult per row (``alone``: the rows solved by
    themselves; ``n`` planes)."""
    states = np.array([r.state for r in rows])
    return BatchResult(states, states[:, :n], np.array([r.success for r in rows]), np.array([r.status for r in rows]),
                       tuple(r.message for r in rows), np.array([r.iterations for r in rows]),
                       np.array([r.residual for r in rows]), tuple(r.residual_history for r in rows), alone)


def _phi0(problems, phi):
    """Φ0 of each row, by the convention of its problem (:mod:`.conventions`)."""
    from types import SimpleNamespace
    from ..conventions import conventions
    return np.array([conventions(p.compat).phi0(SimpleNamespace(phi=row, site_charges=p.site_charges))
                     for p, row in zip(problems, phi)])
