"""Impedance spectra as CSV (``--spectrum``)."""

from __future__ import annotations

import os

__all__ = ["write_spectrum_csv", "write", "HEADER"]


#: The header line: a comment for NumPy's genfromtxt (impedance.py's ``readCSV`` reads the first
#: three columns), the column names for pandas (pyimpspec's ``parse_data`` finds Z' and Z'' by
#: name and the frequency in the fourth column, which repeats the first under a name it knows).
HEADER = "# frequency (Hz),Z' (ohm m2),Z'' (ohm m2),f (Hz)"


def write_spectrum_csv(path, spectrum):
    """Write ``frequency, Z', Z''`` (Hz, Ω·m², Ω·m²; every digit) under a header that both
    impedance.py's ``preprocessing.readCSV`` and pyimpspec's ``parse_data`` read as written:
    the header is a ``#`` comment line for readCSV (NumPy's genfromtxt skips it, and it uses
    the first three columns), and column names for pyimpspec (pandas), which finds Z' and Z''
    by name and the frequency in a fourth column repeating the first.  Z'' is as computed
    (negative for a capacitive response; pyimpspec's convention).

    Parameters
    ----------
    path : str or path-like
    spectrum : Spectrum

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from ase_spacecharge.dynamics.impedance import Spectrum
    >>> path = os.path.join(tempfile.mkdtemp(), "z.csv")
    >>> write_spectrum_csv(path, Spectrum(np.array([1.0]), np.array([2.0 - 3.0j]), 773.15))
    >>> print(open(path).read())
    # frequency (Hz),Z' (ohm m2),Z'' (ohm m2),f (Hz)
    1.0,2.0,-3.0,1.0
    <BLANKLINE>
    """
    with open(path, "w") as handle:
        handle.write(HEADER + "\n")
        for fk, zk in zip(spectrum.frequency, spectrum.z):
            handle.write(f"{float(fk)!r},{float(zk.real)!r},{float(zk.imag)!r},{float(fk)!r}\n")


def write(path, result, **options):
    """The command line's writer: one file, or one per temperature (``<stem>_<T>K.csv``).

    Parameters
    ----------
    path : str or path-like
    result : CaseResult
    **options
        Ignored (the command line passes every writer the same options).

    Returns
    -------
    list of (str, str)
        What was written and where.

    Examples
    --------
    >>> import os, tempfile
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> from ase_spacecharge.dynamics.impedance import Spectrum
    >>> spectra = [Spectrum(np.array([1.0]), np.array([2.0 - 3.0j]), T) for T in (773.15, 873.15)]
    >>> result = SimpleNamespace(dynamics=[{"impedance": z} for z in spectra])
    >>> [os.path.basename(p) for _, p in write(os.path.join(tempfile.mkdtemp(), "z.csv"), result)]
    ['z_773.15K.csv', 'z_873.15K.csv']
    """
    spectra = [run["impedance"] for run in result.dynamics]
    if len(spectra) == 1:
        write_spectrum_csv(path, spectra[0])
        return [("impedance spectrum", path)]
    stem, ext = os.path.splitext(path)
    paths = [f"{stem}_{s.temperature:g}K{ext or '.csv'}" for s in spectra]
    for p, s in zip(paths, spectra):
        write_spectrum_csv(p, s)
    return [("impedance spectrum", p) for p in paths]
