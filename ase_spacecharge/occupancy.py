"""Site occupancy: Fermi–Dirac lattice-gas statistics with segregation energies.

A site ``s`` hosts mobile defects ``m`` (and possibly frozen ones with total fraction
``F_s``).  With bulk fractions ``x_m`` and the empty fraction ``A_s = 1 - F_s - sum x_m``,
equality of electrochemical potential with the bulk gives

    p_m = (1 - F_s) exp(u_m) / (1 + sum_k exp(u_k)),
    u_m = ln(x_m / A_s) + eta_m - (z_m phi_s + dE_sm) / kT,

which for one defect on the site is the familiar ``x B / (1 + x (B - 1))`` with
``B = exp(-(z phi + dE)/kT)``.  ``eta_m`` shifts the chemical potential (zero unless the
Gouy–Chapman bulk fractions are fitted).  Boltzmann statistics drop site exclusion:
``p_m = x_m exp(eta_m - (z_m phi + dE)/kT)``.

Everything is evaluated in log space (a soft-max with the empty site as reference), so no
``phi`` or ``dE`` overflows.  Units: ``phi`` in V, ``dE`` in eV, ``kT`` in eV.
"""

from __future__ import annotations

import numpy as np

from .constants import thermal_voltage

__all__ = ["STATISTICS", "BAND_STATISTICS", "occupancy", "occupancy_response", "fermi_dirac", "fermi_dirac_half",
           "fermi_dirac_half_curvature", "band_occupancy", "RegularSolution", "activity_occupancy"]

STATISTICS = ("fermi-dirac", "boltzmann")


def occupancy(u, capacity, statistics="fermi-dirac", *, out=None):
    """Occupancies from log-weights.

    Parameters
    ----------
    u : ndarray, shape (n, m)
        Log-weights: ``ln(x/A) + eta - (z phi + dE)/kT`` for Fermi–Dirac, or
        ``ln x + eta - (z phi + dE)/kT`` for Boltzmann; ``-inf`` where a defect cannot sit.
    capacity : ndarray, shape (n,), or float
        ``1 - F_s``: fraction of the site open to mobile defects (one value for all sites).
    statistics : {"fermi-dirac", "boltzmann"}
    out : ndarray (n, m), optional
        Where to write the result; may be ``u`` itself.

    Returns
    -------
    p : ndarray, shape (n, m)
        Site fractions in [0, capacity].

    Examples
    --------
    >>> occupancy(np.array([[0.0, -np.inf], [1000.0, 0.0]]), np.ones(2)).round(6).tolist()
    [[0.5, 0.0], [1.0, 0.0]]
    """
    if statistics == "boltzmann":
        with np.errstate(over="ignore"):
            return np.exp(u, out=out)
    if u.shape[1] == 1:  # one species: capacity / (1 + e^-u), one exponential per site
        e = np.negative(u, out=out)
        with np.errstate(over="ignore"):
            np.exp(e, out=e)
        e += 1.0
        return np.divide(_per_site(capacity), e, out=e)
    top = np.maximum(u.max(axis=1, initial=-np.inf), 0.0)[:, None]
    e = np.exp(u - top)
    return np.divide(_per_site(capacity) * e, np.exp(-top) + e.sum(axis=1, keepdims=True), out=out)


def _per_site(capacity):
    """Capacity broadcastable against (n, m): a column, or the one value."""
    return capacity[:, None] if isinstance(capacity, np.ndarray) else capacity


def occupancy_response(p, capacity, v, statistics="fermi-dirac", *, out=None):
    """Directional derivative ``sum_k dp_m/du_k v_k`` of :func:`occupancy`.

    Parameters
    ----------
    p : ndarray (n, m)
        Occupancies from :func:`occupancy`.
    capacity : ndarray (n,) or float
    v : ndarray, broadcastable to (n, m)
        Direction: ``v = -z/kT`` gives ``dp/dphi``; ``v = e_k`` gives ``dp/deta_k``.
    statistics : {"fermi-dirac", "boltzmann"}
    out : ndarray (n, m), optional
        Work space for the result (used when one species sits on the sites).

    Returns
    -------
    ndarray (n, m)

    Examples
    --------
    >>> p = occupancy(np.zeros((1, 1)), np.ones(1))
    >>> occupancy_response(p, np.ones(1), np.ones((1, 1))).tolist()  # p (1 - p) at p = 1/2
    [[0.25]]
    """
    v = np.asarray(v, float)
    in_place = v.shape in ((1, 1), p.shape)  # the result has p's shape: out can hold it
    if statistics == "boltzmann":
        return np.multiply(p, v, out=out if in_place else None)
    if p.shape[1] == 1 and np.min(capacity, initial=1.0) > 0:  # one species: (p - p²/c) v
        out = np.multiply(p, p, out=out)
        if isinstance(capacity, np.ndarray) or capacity != 1.0:
            out /= _per_site(capacity)
        np.subtract(p, out, out=out)
        return np.multiply(out, v, out=out) if in_place else out * v
    cap = np.broadcast_to(_per_site(capacity), p.shape)
    s = np.divide(p, cap, out=np.zeros_like(p), where=cap > 0)
    return p * (v - (s * v).sum(axis=1, keepdims=True))


def fermi_dirac(phi, dE, valence, mole_fraction, temperature):
    """Occupancy of a site hosting one defect species (array-friendly).

    ``x B / (1 + x (B - 1))`` with ``B = exp(-(z phi + dE)/kT)``; overflow-safe for any
    ``phi`` and ``dE``.

    Parameters
    ----------
    phi : float or array
        V.
    dE : float or array
        Segregation energy (eV).
    valence : float
        e.
    mole_fraction : float
        Bulk fraction x.
    temperature : float
        K.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> round(float(fermi_dirac(0.0, -0.407282687, 2, 0.05, 773.15)), 12)  # analytic (d)
    0.959636554108
    """
    phi, dE = np.broadcast_arrays(np.asarray(phi, float), np.asarray(dE, float))
    kT = thermal_voltage(temperature)
    u = np.log(mole_fraction / (1.0 - mole_fraction)) - (valence * phi + dE) / kT
    p = occupancy(u.reshape(-1, 1), np.ones(u.size))
    return p.reshape(phi.shape)


# ---------------------------------------------------------------------------- band carriers

BAND_STATISTICS = ("boltzmann", "fermi-dirac")
_FD_RANGE = (-40.0, 120.0)
_FD_SPLINE = None


def _fermi_dirac_half_quadrature(eta):
    """``F_{1/2}(η)`` and ``F_{-1/2}(η)`` (normalised by Γ(j+1)) by composite Gauss–Legendre in
    ``u = √t`` (64 panels × 16 nodes over ``[0, √(max(η,0)+45)]``): relative error ~1e-15."""
    from scipy.special import roots_legendre
    eta = np.asarray(eta, float)
    xg, wg = roots_legendre(16)
    h = np.sqrt(np.maximum(eta, 0.0) + 45.0) / 64
    u = (np.arange(64) + 0.5)[None, :, None] * h[:, None, None] + 0.5 * h[:, None, None] * xg[None, None, :]
    w = 0.5 * h[:, None, None] * wg[None, None, :]
    t = u * u - eta[:, None, None]
    ex = np.exp(-np.abs(t))
    occ = np.where(t > 0, ex / (1 + ex), 1 / (1 + ex))   # 1 / (1 + e^t), overflow-free
    weight = w * 2 * u * u * (2.0 / np.sqrt(np.pi))
    return np.sum(weight * occ, axis=(1, 2)), np.sum(weight * ex / (1 + ex) ** 2, axis=(1, 2))


def _fermi_dirac_spline():
    global _FD_SPLINE
    if _FD_SPLINE is None:
        from scipy.interpolate import CubicHermiteSpline
        eta = np.arange(_FD_RANGE[0], _FD_RANGE[1] + 0.005, 0.01)
        F, dF = np.empty_like(eta), np.empty_like(eta)
        for s in range(0, eta.size, 1000):
            F[s:s + 1000], dF[s:s + 1000] = _fermi_dirac_half_quadrature(eta[s:s + 1000])
        _FD_SPLINE = CubicHermiteSpline(eta, np.log(F), dF / F)
    return _FD_SPLINE


def fermi_dirac_half(eta):
    """Complete Fermi–Dirac integral ``F_{1/2}(η)`` and its derivative ``F_{-1/2}(η)``.

    ``F_{1/2}(η) = (1/Γ(3/2)) ∫ √t / (1 + e^{t-η}) dt`` for any real ``η`` (relative error
    ~1e-12).  The density of a parabolic band is ``N_eff F_{1/2}(η)`` with
    ``η = (E_F - E_c)/kT`` for electrons.  ``-40 <= η <= 120``: cubic Hermite interpolation of
    ``ln F`` tabulated (once, ~0.4 s) by quadrature; below: the series
    ``Σ (-1)^{k+1} e^{kη}/k^{3/2}``; above: the Sommerfeld expansion.

    Parameters
    ----------
    eta : array_like

    Returns
    -------
    F, dF : ndarray

    Examples
    --------
    >>> F, dF = fermi_dirac_half(np.array([-50.0]))  # non-degenerate: e^η
    >>> bool(np.isclose(F[0], np.exp(-50.0), rtol=1e-12))
    True
    """
    eta = np.asarray(eta, float)
    F, dF = np.empty_like(eta), np.empty_like(eta)
    low, high = eta < _FD_RANGE[0], eta > _FD_RANGE[1]
    mid = ~(low | high)
    if mid.any():
        spline = _fermi_dirac_spline()
        lnF = spline(eta[mid])
        F[mid] = np.exp(lnF)
        dF[mid] = F[mid] * spline(eta[mid], 1)
    if low.any():
        e = np.exp(eta[low])
        F[low] = e - e * e / 2 ** 1.5 + e ** 3 / 3 ** 1.5
        dF[low] = e - e * e / 2 ** 0.5 + e ** 3 / 3 ** 0.5
    if high.any():
        x = eta[high]
        c = 4.0 / (3.0 * np.sqrt(np.pi))
        F[high] = c * x ** 1.5 * (1 + np.pi ** 2 / (8 * x ** 2) + 7 * np.pi ** 4 / (640 * x ** 4))
        dF[high] = (2.0 / np.sqrt(np.pi)) * x ** 0.5 * (1 - np.pi ** 2 / (24 * x ** 2) - 7 * np.pi ** 4 / (384 * x ** 4))
    return F, dF


def fermi_dirac_half_curvature(eta):
    """Second derivative ``F_{-3/2}``-like curvature ``d²F_{1/2}/dη²`` of :func:`fermi_dirac_half`
    (same pieces: the tabulated ``ln F`` spline, the series below, Sommerfeld above).

    Parameters
    ----------
    eta : array_like

    Returns
    -------
    ndarray

    Examples
    --------
    >>> bool(np.isclose(fermi_dirac_half_curvature(np.array([-50.0]))[0], np.exp(-50.0), rtol=1e-12))
    True
    """
    eta = np.asarray(eta, float)
    out = np.empty_like(eta)
    low, high = eta < _FD_RANGE[0], eta > _FD_RANGE[1]
    mid = ~(low | high)
    if mid.any():
        spline = _fermi_dirac_spline()
        F = np.exp(spline(eta[mid]))
        d1 = spline(eta[mid], 1)
        out[mid] = F * (spline(eta[mid], 2) + d1 * d1)
    if low.any():
        e = np.exp(eta[low])
        out[low] = e - 2 * e * e / 2 ** 0.5 + 3 * e ** 3 / 3 ** 0.5
    if high.any():
        x = eta[high]
        out[high] = (1.0 / np.sqrt(np.pi)) * x ** -0.5 * (1 + np.pi ** 2 / (8 * x ** 2) + 49 * np.pi ** 4 / (384 * x ** 4))
    return out


def band_occupancy(u, statistics="boltzmann"):
    """Reduced density ``n/N`` of a band carrier at reduced chemical potential ``u`` and its
    derivative: ``e^u`` (Boltzmann) or ``F_{1/2}(u)`` (Fermi–Dirac, parabolic band).

    Parameters
    ----------
    u : ndarray
    statistics : {"boltzmann", "fermi-dirac"}

    Returns
    -------
    F, dF : ndarray

    Examples
    --------
    >>> band_occupancy(np.array([0.0]))
    (array([1.]), array([1.]))
    """
    if statistics == "boltzmann":
        with np.errstate(over="ignore"):
            e = np.exp(u)
        return e, e
    return fermi_dirac_half(u)


# ---------------------------------------------------------------------------- activities

class RegularSolution:
    """Excess chemical potential of a regular lattice-gas solution.

    Defects and empty sites on one sublattice with interaction ``omega`` (eV):
    ``μ_ex(x) = Ω (1 - 2x)``, from ``G_mix = Ω x (1 - x) + kT [x ln x + (1 - x) ln(1 - x)]``
    per site.  Ω > 0 favours clustering; the solution is stable while ``Ω < 2 kT``.  Called
    with site fractions, it returns ``(μ_ex, dμ_ex/dx)``; any callable with that signature is
    an activity model.

    Parameters
    ----------
    omega : float
        eV.

    Examples
    --------
    >>> RegularSolution(0.1)(np.array([0.25]))
    (array([0.05]), array([-0.2]))
    """

    def __init__(self, omega):
        omega = float(omega)
        if not np.isfinite(omega):
            raise ValueError(f"interaction parameter must be finite, got {omega!r}")
        self.omega = omega

    def __call__(self, x):
        x = np.asarray(x, float)
        return self.omega * (1.0 - 2.0 * x), np.full_like(x, -2.0 * self.omega)

    def __repr__(self):
        return f"RegularSolution(omega={self.omega!r})"


def activity_occupancy(u, capacity, mu_ex, mu_bulk, kT, label="defect"):
    """Site fractions of a species alone on its sites with an excess chemical potential.

    ``p`` is the root of ``ln(p/(c-p)) + (μ_ex(p) - μ_ex,bulk)/kT = u`` (``c`` the capacity);
    the response factor is ``1/g`` with ``g = 1 + μ_ex'(p) p (c-p)/(c kT)`` the non-ideality
    factor (``dp/du = p (c-p) / (c g)``).  For ``c = 1``, Darken's thermodynamic factor
    (:func:`~.analytic.thermodynamic_factor`) is ``Γ = g / (1 - p)``.  Safeguarded Newton in
    ``t = ln(p/(c-p))``, vectorised.

    Parameters
    ----------
    u : ndarray
        Log-weights as for :func:`occupancy`.
    capacity : ndarray
    mu_ex : callable
        ``x -> (μ_ex, dμ_ex/dx)`` (eV).
    mu_bulk : float
        ``μ_ex`` at the bulk fraction (eV).
    kT : float
        eV.
    label : str
        Named in errors.

    Returns
    -------
    p, inv_g : ndarray

    Raises
    ------
    ValueError
        When ``g`` is not positive (the solution would phase-separate) or no root is found.

    Examples
    --------
    >>> p, inv_g = activity_occupancy(np.array([0.0]), np.ones(1), RegularSolution(0.0), 0.0, 0.0666)
    >>> p.tolist(), inv_g.tolist()  # Ω = 0: the ideal Fermi function
    ([0.5], [1.0])
    """
    u = np.asarray(u, float)
    c = np.asarray(capacity, float)
    grid = np.linspace(0.0, 1.0, 257)
    mu_grid = mu_ex(grid)[0]
    lo = u - (np.max(mu_grid) - mu_bulk) / kT - 1.0
    hi = u - (np.min(mu_grid) - mu_bulk) / kT + 1.0
    t = np.clip(u, lo, hi)
    for _ in range(200):
        s = 0.5 * (1.0 + np.tanh(0.5 * t))  # logistic, overflow-free
        p = c * s
        mu, dmu = mu_ex(p)
        g = t + (mu - mu_bulk) / kT - u
        g_factor = 1.0 + dmu * c * s * (1.0 - s) / kT
        if np.any(g_factor <= 0):
            raise ValueError(f"{label}: non-ideality factor {float(np.min(g_factor)):.3g} <= 0 at site fraction "
                             f"{float(p.flat[np.argmin(g_factor)]):.4g}: the activity model phase-separates at "
                             f"kT = {kT:.5g} eV")
        hi = np.where(g > 0, np.minimum(hi, t), hi)  # g increases with t
        lo = np.where(g < 0, np.maximum(lo, t), lo)
        step = t - g / g_factor
        t_new = np.where((step > lo) & (step < hi), step, 0.5 * (lo + hi))
        if np.all(np.abs(g) <= 1e-13 * (1.0 + np.abs(u))):
            return p, 1.0 / g_factor
        t = t_new
    raise ValueError(f"{label}: activity equation did not converge (|g| = {float(np.max(np.abs(g))):.3g})")
