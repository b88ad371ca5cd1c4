"""What an impedance analyser's user does with a spectrum: the Kramers–Kronig check, the bulk
and grain-boundary arcs (resistances, capacitances, apex frequencies), the grain-boundary
resistivity ratio and its Mott–Schottky Φ0, the brick-layer polycrystal, an equivalent-circuit
fit (the CSV writer: :mod:`ase_spacecharge.cases.output.spectrum_csv`).

Units: Z in Ω·m² (area-specific), frequencies in Hz, capacitances in F/m², lengths in m
where a name says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["kramers_kronig_residuals", "Arcs", "arcs", "brick_layer", "fit_circuit"]


def kramers_kronig_residuals(spectrum, per_decade=6):
    """Linear Kramers–Kronig test (Boukamp 1995; Schönleber et al. 2014): fit
    ``R0 + Σ_k R_k/(1 + iωτ_k) + 1/(iωC)`` with τ_k fixed and log-spaced over the measured
    range by linear least squares (weighted by ``1/|Z|``); a causal, linear, stable response is
    fitted to within round-off, so the residuals measure how far a spectrum is from one.

    Parameters
    ----------
    spectrum : Spectrum
    per_decade : int
        Voigt elements per decade of frequency.

    Returns
    -------
    ndarray of complex
        ``(Z - Z_fit)/|Z|`` per frequency.

    Examples
    --------
    >>> from ase_spacecharge.dynamics.impedance import Spectrum
    >>> f = np.logspace(0, 6, 31)
    >>> z = 10 + 100 / (1 + 2j * np.pi * f * 1e-4)   # an RC arc behind a resistor
    >>> float(np.max(np.abs(kramers_kronig_residuals(Spectrum(f, z, 300.0))))) < 1e-4
    True
    """
    f = np.asarray(spectrum.frequency, float)
    z = np.asarray(spectrum.z, complex)
    w = 2 * np.pi * f
    decades = np.log10(w.max() / w.min()) + 2
    tau = np.logspace(-np.log10(w.max()) - 1, -np.log10(w.min()) + 1, max(int(decades * per_decade), 3))
    columns = [np.ones_like(w, complex)] + [1.0 / (1 + 1j * w * t) for t in tau] + [1.0 / (1j * w)]
    A = np.array(columns).T / np.abs(z)[:, None]
    b = z / np.abs(z)
    lhs = np.vstack((A.real, A.imag))
    rhs = np.concatenate((b.real, b.imag))
    norm = np.linalg.norm(lhs, axis=0)  # unit columns: the capacitor's dwarfs the others otherwise
    coef, *_ = np.linalg.lstsq(lhs / norm, rhs, rcond=None)
    return (z - np.array(columns).T @ (coef / norm)) / np.abs(z)


@dataclass
class Arcs:
    """The two arcs of a grain-boundary spectrum, as an experimentalist reads them.

    Attributes
    ----------
    bulk_resistance, gb_resistance : float
        Ω·m²: the fitted resistances of the two arcs.
    bulk_capacitance, gb_capacitance : float
        F/m²: the fitted capacitances.
    bulk_apex_frequency, gb_apex_frequency : float
        Hz.
    r_gb : float
        Grain-boundary over bulk resistivity, ``R_gb C_gb / (R_b C_b)``: the resistance of the
        boundary's electrical thickness ``ε/C_gb`` against bulk of that thickness.
    phi0_mott_schottky : float or None
        V, from ``r_gb`` by the Lambert-W inversion (None when ``r_gb < e/2``).

    Examples
    --------
    >>> Arcs(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, None).r_gb
    8.0
    """

    bulk_resistance: float
    gb_resistance: float
    bulk_capacitance: float
    gb_capacitance: float
    bulk_apex_frequency: float
    gb_apex_frequency: float
    r_gb: float
    phi0_mott_schottky: float | None


def _apexes(f, z):
    """Indices of the local maxima of -Z″ (arc apexes), highest frequency first."""
    y = -z.imag
    peaks = [i for i in range(1, f.size - 1) if y[i] >= y[i - 1] and y[i] > y[i + 1]]
    return sorted(peaks, key=lambda i: -f[i])


def _refined_apex(f, z, i):
    """Apex frequency and height by a parabola through the three points around ``i`` (log f)."""
    x, y = np.log(f[i - 1:i + 2]), -z.imag[i - 1:i + 2]
    a, b, c = np.polyfit(x, y, 2)
    if a >= 0:
        return f[i], y[1]
    xm = -b / (2 * a)
    return float(np.exp(xm)), float(c - b * b / (4 * a))


def _two_arcs(w, z, start):
    """Least-squares fit of ``R_b/(1 + iωR_b C_b) + R_g/(1 + iωR_g C_g)`` (weighted by 1/|Z|),
    in log parameters, from ``start`` = (R_b, C_b, R_g, C_g)."""
    from scipy.optimize import least_squares

    def model(p):
        Rb, Cb, Rg, Cg = np.exp(p)
        return Rb / (1 + 1j * w * Rb * Cb) + Rg / (1 + 1j * w * Rg * Cg)

    def residual(p):
        r = (model(p) - z) / np.abs(z)
        return np.concatenate((r.real, r.imag))
    fit = least_squares(residual, np.log(start), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    return np.exp(fit.x)


def arcs(spectrum, *, valence, temperature=None):
    """Bulk and grain-boundary arcs of a spectrum, as an experimentalist reads them: the two
    apexes of ``-Z″`` (the bulk at the higher frequency) start a least-squares fit of two
    parallel RC elements in series.

    Parameters
    ----------
    spectrum : Spectrum
    valence : float
        Charge of the conducting species (e), for the Mott–Schottky inversion.
    temperature : float, optional
        K (default: the spectrum's).

    Returns
    -------
    Arcs

    Raises
    ------
    InputError
        When the spectrum does not show two arcs.

    Examples
    --------
    >>> from ase_spacecharge.dynamics.impedance import Spectrum
    >>> f = np.logspace(0, 10, 201)
    >>> z = 1 / (1 / 1.0 + 2j * np.pi * f * 1e-8) + 1 / (1 / 100.0 + 2j * np.pi * f * 1e-7)
    >>> a = arcs(Spectrum(f, z, 773.15), valence=2)
    >>> round(a.bulk_resistance, 6), round(a.gb_resistance, 6), round(a.r_gb, 3)
    (1.0, 100.0, 1000.0)
    """
    from ..analytic import mott_schottky_potential
    f, z = np.asarray(spectrum.frequency, float), np.asarray(spectrum.z, complex)
    peaks = _apexes(f, z)
    if len(peaks) < 2:
        raise InputError(f"the spectrum shows {len(peaks)} arc(s) (maxima of -Z''): the bulk and grain-boundary arcs "
                         "are not resolved; they overlap (a weak boundary) or lie outside the frequency range")
    (fb, hb), (fg, hg) = _refined_apex(f, z, peaks[0]), _refined_apex(f, z, peaks[1])
    start = (2 * hb, 1 / (2 * np.pi * fb * 2 * hb), 2 * hg, 1 / (2 * np.pi * fg * 2 * hg))
    Rb, Cb, Rg, Cg = _two_arcs(2 * np.pi * f, z, start)
    r = Rg * Cg / (Rb * Cb)
    try:
        phi_ms = mott_schottky_potential(r, valence, temperature or spectrum.temperature)
    except InputError:
        phi_ms = None
    return Arcs(float(Rb), float(Rg), float(Cb), float(Cg), float(1 / (2 * np.pi * Rb * Cb)),
                float(1 / (2 * np.pi * Rg * Cg)), float(r), phi_ms)


def brick_layer(spectrum, *, length, grain_size, bulk_conductivity, permittivity):
    """Specific impedance (Ω·m) of a brick-layer polycrystal built from the bicrystal's spectrum.

    Assumptions: cubic grains of edge ``grain_size`` (m); every boundary across the current
    behaves like the modelled one; the boundaries along the current carry no current (valid
    when the boundary is more resistive than the bulk); no porosity.  One repeat unit is a
    grain of bulk plus one boundary: ``Z_unit = Z - Z_bulk(L) + Z_bulk(g)`` with
    ``Z_bulk(ℓ) = ℓ / (σ_b + iω ε)``; per unit thickness ``Z_unit / g``.

    Parameters
    ----------
    spectrum : Spectrum
        Of the modelled cell.
    length : float
        The cell's length L (m).
    grain_size : float
        g (m).
    bulk_conductivity : float
        σ_b (S/m).
    permittivity : float
        ε (F/m).

    Returns
    -------
    ndarray of complex
        Ω·m.

    Examples
    --------
    >>> from ase_spacecharge.dynamics.impedance import Spectrum
    >>> s = Spectrum(np.array([1.0]), np.array([2e-8 + 0j]), 773.15)  # 1e-8 Ω m² of bulk + 1e-8 of boundary
    >>> z = brick_layer(s, length=1e-8, grain_size=1e-6, bulk_conductivity=1.0, permittivity=0.0)
    >>> round(float(z.real[0]), 6)  # per metre: 1e6 boundaries of 1e-8 Ω m² plus 1 Ω m of bulk
    1.01
    """
    if not (grain_size > 0 and length > 0 and bulk_conductivity > 0):
        raise InputError(f"brick layer: grain_size, length and bulk conductivity must be positive, got "
                         f"{grain_size!r}, {length!r}, {bulk_conductivity!r}")
    w = 2 * np.pi * np.asarray(spectrum.frequency, float)
    z_bulk = lambda ell: ell / (bulk_conductivity + 1j * w * permittivity)  # noqa: E731
    return (np.asarray(spectrum.z) - z_bulk(length) + z_bulk(grain_size)) / grain_size


def fit_circuit(spectrum, circuit="p(R1,C1)-p(R2,C2)", initial_guess=None):
    """Fit an equivalent circuit with impedance.py (the optional extra ``circuits``), weighted
    by the modulus so that the small bulk arc counts as much as the large one.

    Parameters
    ----------
    spectrum : Spectrum
    circuit : str
        impedance.py's circuit string (e.g. ``"R0-p(R1,CPE1)-p(R2,CPE2)"``).
    initial_guess : sequence of float, optional
        One per parameter; default for the default circuit: the :func:`arcs` fit.

    Returns
    -------
    dict
        Parameter name -> (value, confidence) in impedance.py's units (Ω·m² for R, F/m² for C
        here, since Z is area-specific).

    Raises
    ------
    InputError
        impedance.py is not installed, or no initial guess for another circuit.

    Examples
    --------
    >>> from ase_spacecharge.dynamics.impedance import Spectrum
    >>> f = np.logspace(0, 10, 101)
    >>> z = 1 / (1 / 1.0 + 2j * np.pi * f * 1e-8) + 1 / (1 / 100.0 + 2j * np.pi * f * 1e-7)
    >>> fit = fit_circuit(Spectrum(f, z, 773.15))  # doctest: +SKIP
    >>> round(fit["R2"][0], 6)  # doctest: +SKIP
    100.0
    """
    try:
        from impedance.models.circuits import CustomCircuit
    except ImportError:
        raise InputError("fit_circuit needs impedance.py: pip install 'ase_spacecharge[circuits]'") from None
    if initial_guess is None:
        if circuit != "p(R1,C1)-p(R2,C2)":
            raise InputError(f"give an initial_guess for the circuit {circuit!r} (one value per parameter)")
        a = arcs(spectrum, valence=1.0)
        initial_guess = [a.bulk_resistance, a.bulk_capacitance, a.gb_resistance, a.gb_capacitance]
    model = CustomCircuit(circuit, initial_guess=list(initial_guess))
    model.fit(np.asarray(spectrum.frequency, float), np.asarray(spectrum.z, complex), weight_by_modulus=True)
    names = model.get_param_names()[0]
    return {n: (float(v), float(c)) for n, v, c in zip(names, model.parameters_, model.conf_)}
