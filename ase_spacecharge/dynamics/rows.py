"""The rows of the implicit PNP system at one evaluated state: the residual and the Newton
matrix's entries, each row's own scale (what "converged" is measured against), the dense rows
of conserved amounts and the derivative of the residual in the applied voltage.

Rows, plane-major ``i (1 + K) + c``: Poisson (``c = 0``, e/Å²) and, per species ``k``,
``(c0 N + h)/Δt - rate`` (particles/s; ``c0 = 0``: the steady state ``-rate``), or
``ν - ν_eq`` (kT) on a plane that does not host the species.

**Row scales.**  A row's scale is the sum of the magnitudes of its terms — Poisson: the two
displacement fluxes, the gross fixed charge and the moving charge; conservation: the fluxes
through the plane's faces and, in a time step, ``|c0 N/Δt|`` and ``|h/Δt|`` — plus its
round-off over the tolerance, ``ROUNDOFF Σ_j |∂F_i/∂y_j| (|y_j| + s_j) / rtol`` (``s`` = kT/e
for φ, 1 for ν: what rounding the unknowns changes the row by; zero-flux states have no other
scale).  A row has converged when ``|F_i| ≤ rtol · scale_i``: every equation holds to
``rtol`` of its own terms, however small they are beside the other rows' (the equilibrium
solver scales its rows the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .banded import band_matrix

__all__ = ["ROUNDOFF", "Rows", "implicit_rows", "scaled_residual", "residual_and_matrix", "conservation_rows",
           "voltage_drive"]

#: Round-off of the unknowns, relative: a row's round-off floor is this times
#: ``Σ_j |∂F_i/∂y_j| (|y_j| + s_j)`` (4 ε: with 64 ε the Σ3 current was path-dependent at 1e-7).
ROUNDOFF = 4 * np.finfo(float).eps


@dataclass
class Rows:
    """The implicit system's rows at one state.

    Attributes
    ----------
    residual : ndarray (n_unknowns,)
        Unscaled: Poisson in e/Å², conservation in particles/s, absent species' ν rows in kT.
    rows, cols, vals : ndarray
        The Newton matrix's entries (summed where repeated).
    scale : ndarray (n_unknowns,)
        Each row's own terms plus its round-off floor over ``rtol`` (see the module).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> from ase_spacecharge.dynamics.equations import evaluate
    >>> s = ceria_like_system()
    >>> r = implicit_rows(s, evaluate(s, s.y_eq, 0.0), s.y_eq)
    >>> r.residual.shape == r.scale.shape == (s.n_unknowns,), bool(np.all(r.scale > 0))
    (True, True)
    """

    residual: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    scale: np.ndarray


def _residual(system, ev, y, c0_dt, history):
    """The unscaled residual (n_unknowns,)."""
    R = np.empty((system.n, 1 + system.K))
    R[:, 0] = ev.poisson
    _, nu = system.unpack(y)
    cons = c0_dt * ev.N + history - ev.rate if c0_dt else -ev.rate
    R[:, 1:] = np.where(system.hosts, cons, nu - system.nu_eq[None, :])
    return R.ravel()


def _entries(system, ev, c0_dt):
    """The Newton matrix's entries (rows, cols, vals); absent species' rows are the identity."""
    rows, cols, vals = ev.dpoisson.arrays()
    parts = [(rows, cols, vals)]
    if c0_dt:
        parts.append(ev.dN.scaled(c0_dt).arrays())
    r2, c2, v2 = ev.drate.arrays()
    parts.append((r2, c2, -v2))
    dummy_rows = system.absent_rows
    parts.append((dummy_rows, dummy_rows, np.ones(dummy_rows.size)))
    rows, cols, vals = (np.concatenate(x) for x in zip(*parts))
    if not dummy_rows.size:
        return rows, cols, vals
    dummy = np.zeros(system.n_unknowns, bool)
    dummy[dummy_rows] = True
    keep = ~dummy[rows] | (rows == cols)
    return rows[keep], cols[keep], vals[keep]


def _terms(system, ev, y, t, c0_dt, history):
    """The sum of the magnitudes of each row's terms (n_unknowns,)."""
    p, n = system.problem, system.n
    op = p.operator
    phi, _ = system.unpack(y)
    ends = system.end_potentials(t)
    terms = np.empty((n, 1 + system.K))
    terms[:, 0] = np.abs(op.lower * (np.concatenate(([ends[0]], phi[:-1])) - phi)) \
        + np.abs(op.upper * (np.concatenate((phi[1:], [ends[1]])) - phi)) \
        + op.c * (p.gross_fixed_charge + np.abs(ev.N) @ np.abs(system.valence))
    flux = np.zeros((n, system.K))
    for k, f in enumerate(system.faces):
        if ev.fluxes[k] is not None and f.lo.size:
            a = np.abs(ev.fluxes[k])
            flux[:, k] = np.bincount(f.hi[:-1], a[:-1], n) + np.bincount(f.lo[1:], a[1:], n)
    if c0_dt:
        flux += np.abs(c0_dt * ev.N) + np.abs(history)
    terms[:, 1:] = np.where(system.hosts, flux, 1.0)
    return terms.ravel()


def implicit_rows(system, ev, y, t=0.0, c0_dt=0.0, history=0.0, rtol=1e-9):
    """The residual, the Newton matrix's entries and the row scales at ``y``.

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation
        :func:`~.equations.evaluate` at ``y`` and ``t``.
    y : ndarray (n_unknowns,)
    t : float
        s (sets the electrode potentials).
    c0_dt : float
        BDF coefficient over the time step (1/s); 0 for the steady state.
    history : float or ndarray (n, K)
        The BDF history term of the amounts over the time step (0 for the steady state).
    rtol : float
        The tolerance the round-off floor is measured against.

    Returns
    -------
    Rows

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> from ase_spacecharge.dynamics.equations import evaluate
    >>> s = ceria_like_system()
    >>> r = implicit_rows(s, evaluate(s, s.y_eq, 0.0), s.y_eq)
    >>> bool(np.max(np.abs(r.residual) / r.scale) < 1e-9)  # the equilibrium is a steady state
    True
    """
    rows, cols, vals = _entries(system, ev, c0_dt)
    col_scale = np.ones(system.n_unknowns)
    col_scale[::1 + system.K] = system.kT
    rounding = np.bincount(rows, np.abs(vals) * (np.abs(y[cols]) + col_scale[cols]), system.n_unknowns)
    scale = _terms(system, ev, y, t, c0_dt, history) + ROUNDOFF * rounding / max(rtol, ROUNDOFF)
    return Rows(_residual(system, ev, y, c0_dt, history), rows, cols, vals, np.where(scale > 0, scale, 1.0))


def scaled_residual(system, ev, y, scale, conserved=(), c0_dt=0.0, history=0.0):
    """``|F_i| / scale_i`` for every row (n_unknowns,); the row a conserved species' constraint
    replaces reads ``|Σ N - N_total| / N_total``.

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation
        At ``y``.
    y : ndarray
    scale : ndarray (n_unknowns,)
        Row scales (:func:`implicit_rows`; a line search keeps its start's).
    conserved : sequence of (int, float, int)
        Species, total amount (particles) and replaced row of the steady state's conserved
        species (:meth:`~.system.PNPSystem.conservation_row`).
    c0_dt, history : as :func:`implicit_rows`

    Returns
    -------
    ndarray (n_unknowns,)

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> from ase_spacecharge.dynamics.equations import evaluate
    >>> s = ceria_like_system()
    >>> ev = evaluate(s, s.y_eq, 0.0)
    >>> bool(scaled_residual(s, ev, s.y_eq, implicit_rows(s, ev, s.y_eq).scale).max() < 1e-9)
    True
    """
    out = np.abs(_residual(system, ev, y, c0_dt, history)) / scale
    for k, total, row in conserved:
        out[row] = abs(float(ev.N[:, k].sum()) - total) / max(abs(total), 1e-300)
    return out


def residual_and_matrix(system, ev, y, c0_dt, history, rows=None):
    """The implicit system's residual and Newton matrix at ``y``, rows equilibrated.

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation
        :func:`~.equations.evaluate` at ``y``.
    y : ndarray (n_unknowns,)
    c0_dt : float
        BDF coefficient over the time step (1/s); 0 for the steady state.
    history : float or ndarray (n, K)
        The BDF history term of the amounts (0 for the steady state).
    rows : Rows, optional
        :func:`implicit_rows` at ``y``, if already built.

    Returns
    -------
    R : ndarray (n_unknowns,)
        Residual rows divided by ``size``.
    band : ndarray
        Band storage (LAPACK ``gbsv`` layout) of the Newton matrix, rows divided by ``size``.
    size : ndarray (n_unknowns,)
        Each row's largest Jacobian entry (Poisson rows in e/Å², conservation rows in
        particles/s): the equilibration, which keeps the LU's digits.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> from ase_spacecharge.dynamics.equations import evaluate
    >>> s = ceria_like_system()
    >>> R, band, size = residual_and_matrix(s, evaluate(s, s.y_eq, 0.0), s.y_eq, 0.0, 0.0)
    >>> R.shape == size.shape == (s.n_unknowns,), bool(np.abs(R).max() < 1e-12)
    (True, True)
    """
    if rows is None:
        R = _residual(system, ev, y, c0_dt, history)
        r, c, v = _entries(system, ev, c0_dt)
    else:
        R, r, c, v = rows.residual, rows.rows, rows.cols, rows.vals
    size = np.full(system.n_unknowns, 1e-300)
    np.maximum.at(size, r, np.abs(v))
    return R / size, band_matrix(system.n_unknowns, system.bandwidth, r, c, v / size[r]), size


def conservation_rows(system, ev, conserved):
    """Dense rows ``∂(Σ_i N_ik)/∂y`` and residuals ``Σ_i N_ik - N_total`` of the constraints
    that species keep their amounts.

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation
        :func:`~.equations.evaluate` at the state.
    conserved : sequence of (int, float, ...)
        Species index ``k`` and its total amount ``N_total`` (particles).

    Returns
    -------
    list of (ndarray (n_unknowns,), float)

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> from ase_spacecharge.dynamics.equations import evaluate
    >>> s = ceria_like_system()
    >>> ev = evaluate(s, s.y_eq, 0.0)
    >>> [(row.shape, residual) for row, residual in conservation_rows(s, ev, [(0, ev.N[:, 0].sum())])]
    [((180,), 0.0)]
    """
    K1 = 1 + system.K
    out = []
    i = np.arange(system.n)
    for k, total, *_ in conserved:
        row = np.zeros(system.n_unknowns)
        row[i * K1] = ev.state.dN_dphi[:, k]
        for m in range(system.K):
            row[i * K1 + 1 + m] = ev.state.dN_dnu[:, k, m]
        out.append((row, float(ev.N[:, k].sum() - total)))
    return out


def voltage_drive(system, ev):
    """``∂F/∂V``, the derivative of the (unscaled) residual in the applied voltage at an
    evaluated state: the last Poisson row sees the upper electrode's potential, and the last
    plane of each species the flux through the upper wall (its reservoir moves with V).

    Parameters
    ----------
    system : PNPSystem
    ev : Evaluation

    Returns
    -------
    ndarray (n_unknowns,)
        Per volt.

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_system
    >>> from ase_spacecharge.dynamics.equations import evaluate
    >>> s = ceria_like_system()
    >>> b = voltage_drive(s, evaluate(s, s.y_eq, 0.0))
    >>> np.flatnonzero(b).tolist()  # the last plane's Poisson and V_O rows
    [178, 179]
    """
    K1 = 1 + system.K
    out = np.zeros(system.n_unknowns)
    out[(system.n - 1) * K1] = system.problem.operator.upper[-1]
    for k, f in enumerate(system.faces):
        if ev.flux_voltage[k] is not None and f.lo.size and f.hi[-1] == system.n:
            out[f.lo[-1] * K1 + 1 + k] += ev.flux_voltage[k][-1]  # -rate: +J out of the last plane
    return out
