"""Impedance spectra as an experimentalist reads them: Nyquist plots with one pair of panels per
temperature (the whole spectrum and the bulk arc, equal axes) and frequency-decade markers,
and Bode plots.  Ω·m², Hz.  Needs matplotlib (the ``plot`` extra)."""

from __future__ import annotations

import numpy as np

from .style import pyplot

__all__ = ["decade_points", "nyquist_figure", "plot_impedance"]


def decade_points(frequency, z):
    """Where the spectrum passes each whole decade of frequency (1, 10, 100 ... Hz).

    Parameters
    ----------
    frequency : array_like
        Hz, increasing.
    z : array_like of complex
        Ω·m².

    Returns
    -------
    exponents : int ndarray
        k of each decade 10^k Hz inside the spectrum's range.
    points : complex ndarray
        Z there (interpolated linearly in log f).

    Examples
    --------
    >>> f = np.logspace(0, 2, 5)
    >>> k, p = decade_points(f, 1 / (1 + 1j * f))
    >>> k.tolist(), bool(np.isclose(p[0], 1 / (1 + 1j)))
    ([0, 1, 2], True)
    """
    f = np.asarray(frequency, float)
    z = np.asarray(z, complex)
    logf = np.log10(f)
    k = np.arange(np.ceil(logf.min() - 1e-9), np.floor(logf.max() + 1e-9) + 1).astype(int)
    return k, np.interp(k, logf, z.real) + 1j * np.interp(k, logf, z.imag)


def _nyquist_panel(ax, imp, colour, limit):
    """One spectrum on equal axes from 0 to ``limit`` (Ω·m²), decade markers labelled where
    they are at least 6 % of the panel apart."""
    z = np.asarray(imp["z_real"]) + 1j * np.asarray(imp["z_imag"])
    ax.plot(z.real, -z.imag, ".-", color=colour, ms=2.5, lw=0.8)
    k, p = decade_points(imp["frequency"], z)
    shown = (p.real <= limit) & (-p.imag <= limit / 2)
    ax.plot(p.real[shown], -p.imag[shown], "o", mfc="white", mec="k", ms=4.5, mew=0.8)
    last = None
    for kk, pk in zip(k[shown], p[shown]):
        here = np.array([pk.real, -pk.imag]) / limit
        if last is None or np.hypot(*(here - last)) > 0.06:
            ax.annotate(f"10$^{{{kk}}}$", (pk.real, -pk.imag), textcoords="offset points", xytext=(3, 4),
                        fontsize=6.5)
            last = here
    from matplotlib.ticker import MaxNLocator
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit / 2)
    ax.set_aspect("equal", adjustable="box")
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_locator(MaxNLocator(3))
    ax.ticklabel_format(style="sci", scilimits=(-2, 3))


def nyquist_figure(rows):
    """The Nyquist figure of spectra at one or several temperatures: one column per temperature,
    the whole spectrum on top and its high-frequency (bulk) arc below, each on its own equal
    axes, the whole decades of frequency marked (open circles, labelled 10^k Hz).

    Parameters
    ----------
    rows : list of dict
        Summaries with ``temperature`` (K) and ``impedance`` {``frequency`` (Hz), ``z_real``,
        ``z_imag`` (Ω·m²), ``bulk_resistance`` (Ω·m², None when the arcs are not resolved)}.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` holds the panels, whole spectra first (one per row of ``rows``), then the
        bulk arcs of the spectra that have a bulk resistance.

    Examples
    --------
    >>> f = np.logspace(0, 8, 41)
    >>> z = 1 / (1 + 2j * np.pi * f * 1e-6) + 50 / (1 + 2j * np.pi * f * 50e-4)
    >>> row = dict(temperature=773.15, impedance=dict(frequency=f, z_real=z.real, z_imag=z.imag, bulk_resistance=1.0))
    >>> fig = nyquist_figure([row])
    >>> len(fig.axes), bool(fig.axes[0].get_xlim()[1] > 50)
    (2, True)
    """
    plt = pyplot()
    n = len(rows)
    fig, axes = plt.subplots(2, n, figsize=(3.6 * n + 0.6, 5.6), constrained_layout=True, squeeze=False)
    for j, r in enumerate(rows):
        imp, colour = r["impedance"], f"C{j}"
        z_real, z_imag = np.asarray(imp["z_real"]), np.asarray(imp["z_imag"])
        whole = 1.05 * max(z_real.max(), 2 * (-z_imag).max())
        _nyquist_panel(axes[0, j], imp, colour, whole)
        axes[0, j].set_title(f"{r['temperature']:g} K: whole spectrum", fontsize="medium")
        rb = imp.get("bulk_resistance")
        if rb:
            _nyquist_panel(axes[1, j], imp, colour, 1.3 * rb)
            axes[1, j].set_title(f"bulk arc (R_b = {rb:.3g} Ω·m²)", fontsize="small")
        else:
            axes[1, j].remove()
        axes[0, j].set_xlabel("Z′ (Ω·m²)")
        if rb:
            axes[1, j].set_xlabel("Z′ (Ω·m²)")
    axes[0, 0].set_ylabel("−Z″ (Ω·m²)")
    axes[1, 0].set_ylabel("−Z″ (Ω·m²)") if rows[0]["impedance"].get("bulk_resistance") else None
    fig.suptitle("Nyquist plots, one column per temperature; open circles: whole decades of frequency (Hz)",
                 fontsize="medium")
    return fig


def _bode(plt, rows, path):
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True, constrained_layout=True)
    for j, r in enumerate(rows):
        imp = r["impedance"]
        z = np.asarray(imp["z_real"]) + 1j * np.asarray(imp["z_imag"])
        top.loglog(imp["frequency"], np.abs(z), color=f"C{j}", label=f"{r['temperature']:g} K")
        bottom.semilogx(imp["frequency"], -np.degrees(np.angle(z)), color=f"C{j}")
    top.set_ylabel("|Z| (Ω·m²)")
    bottom.set_ylabel("−phase (°)")
    bottom.set_xlabel("frequency (Hz)")
    top.legend(fontsize="small")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_impedance(stem, rows):
    """Nyquist (:func:`nyquist_figure`) and Bode plots of impedance spectra, one colour per
    temperature: ``<stem>_nyquist.png`` and ``<stem>_bode.png``.

    Parameters
    ----------
    stem : str
        Path without the suffix.
    rows : list of dict
        As :func:`nyquist_figure` takes them.

    Returns
    -------
    list of str
        The two paths.

    Examples
    --------
    >>> import os, tempfile
    >>> f = np.logspace(0, 8, 41)
    >>> z = 1 / (1 + 2j * np.pi * f * 1e-6) + 50 / (1 + 2j * np.pi * f * 50e-4)
    >>> row = dict(temperature=773.15, impedance=dict(frequency=f, z_real=z.real, z_imag=z.imag, bulk_resistance=1.0))
    >>> paths = plot_impedance(os.path.join(tempfile.mkdtemp(), "z"), [row])
    >>> [os.path.getsize(p) > 10000 for p in paths]
    [True, True]
    """
    plt = pyplot()
    paths = [f"{stem}_nyquist.png", f"{stem}_bode.png"]
    fig = nyquist_figure(rows)
    fig.savefig(paths[0], dpi=150)
    plt.close(fig)
    _bode(plt, rows, paths[1])
    return paths
