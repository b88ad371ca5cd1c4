"""Many problems on the same planes solved together: temperatures, dopant fractions,
perturbed segregation energies.

:func:`solve_batch` takes problems that share one grid and one set of sites (built with
:func:`with_energies` or :func:`dataclasses.replace` from one problem) and returns plain
arrays, one row per problem.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .errors import InputError

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


def solve_batch(problems, temperatures, *, rtol=1e-10, max_iter=100):
    """Solve problems on one grid.

    Parameters
    ----------
    problems : sequence of Problem
        Same grid and sites (e.g. from :func:`with_energies`).
    temperatures : float or array (B,)
        K.
    rtol, max_iter
        As in :func:`~.solution.solve`.

    Returns
    -------
    BatchResult

    Raises
    ------
    ConvergenceError
        When a problem does not converge (its index named).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> r = solve_batch([p, with_energies(p, p.energies * 0.5)], 773.15)
    >>> r.phi0.round(4).tolist()
    [0.1076, 0.0512]
    """
    from .errors import ConvergenceError
    from .solution import solve
    problems = list(problems)
    T = np.broadcast_to(np.asarray(temperatures, float), (len(problems),))
    rows = []
    for i, (p, t) in enumerate(zip(problems, T)):
        try:
            rows.append(solve(p, float(t), rtol=rtol, max_iter=max_iter))
        except ConvergenceError as exc:
            raise ConvergenceError(f"batch problem {i}: {exc}", exc.result) from None
    return BatchResult(np.array([s.state for s in rows]), np.array([s.phi for s in rows]),
                       np.array([s.phi0 for s in rows]), np.array([s.iterations for s in rows]),
                       np.array([s.residual for s in rows]), np.ones(len(rows), bool))
