"""Plain-array input model: sites, defect species, and the pyscses site-file format.

Sign conventions
----------------
* Positions ``x`` are in Å along the boundary normal.
* Segregation energies ``dE`` (eV) are ``E(defect at site) - E(defect in bulk)``; a negative
  value attracts the defect to the site.
* Valences are in units of the elementary charge: ``z = +2`` for an oxygen vacancy.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from .constants import ANGSTROM
from .errors import InputError, did_you_mean, is_number
from .occupancy import RegularSolution

__all__ = ["DefectSpecies", "Sites", "read_pyscses_sites", "write_pyscses_sites"]


@dataclass(frozen=True)
class DefectSpecies:
    """A point-defect species.

    Parameters
    ----------
    label : str
        Name used in site files (e.g. ``"Vo"``).
    valence : float
        Charge in units of e relative to the perfect host site (``+2`` for V_O).
    mole_fraction : float
        Bulk site fraction on its host sublattice, in (0, 1).
    mobility : float
        Relative mobility; zero freezes the species at its bulk fraction under the
        Mott–Schottky approximation.
    activity : callable, optional
        Non-ideal activity model ``x -> (μ_ex, dμ_ex/dx)`` (eV), e.g.
        ``occupancy.RegularSolution(omega)``; None is the ideal lattice gas.

    Examples
    --------
    >>> DefectSpecies("Vo", 2, 0.05, mobility=1.0)
    DefectSpecies(label='Vo', valence=2, mole_fraction=0.05, mobility=1.0, activity=None)
    """

    label: str
    valence: float
    mole_fraction: float
    mobility: float = 0.0
    activity: object = None

    def __post_init__(self):
        if not isinstance(self.label, str) or not self.label:
            raise InputError(f"defect label must be a non-empty string, got {self.label!r}")
        for name in ("valence", "mole_fraction", "mobility"):
            value = getattr(self, name)
            if not is_number(value) or not math.isfinite(value):
                raise InputError(f"defect {self.label!r}: {name} must be a finite number, got {value!r}")
        if self.valence == 0:
            raise InputError(f"defect {self.label!r}: valence 0: an uncharged defect neither feels the potential nor "
                             "makes space charge, so it takes no part in the space-charge layer (its segregation is "
                             "ΔE alone); give its charge (e) or leave it out")
        if not 0.0 < self.mole_fraction < 1.0:
            raise InputError(
                f"defect {self.label!r}: mole_fraction must lie in (0, 1), got {self.mole_fraction!r}")
        if self.mobility < 0:
            raise InputError(f"defect {self.label!r}: mobility must be >= 0, got {self.mobility!r}")
        if self.activity is not None:
            if not callable(self.activity):
                raise InputError(f"defect {self.label!r}: activity must be callable x -> (mu_ex, dmu_ex/dx), "
                                 f"got {self.activity!r}")
            try:
                mu, dmu = self.activity(np.array([self.mole_fraction]))
                ok = np.all(np.isfinite(mu)) and np.all(np.isfinite(dmu))
            except Exception as exc:  # noqa: BLE001 - report any failure of the user's model
                raise InputError(f"defect {self.label!r}: activity model failed at x = {self.mole_fraction}: "
                                 f"{exc}") from None
            if not ok:
                raise InputError(f"defect {self.label!r}: activity model is not finite at x = {self.mole_fraction}")

    #: keys a defect table (case file or dict) may have; ``site`` is the host species of
    #: structure cases, ``interaction`` a regular-solution Ω (eV); the transport data
    #: (diffusivity, ...) are read by :mod:`~ase_spacecharge.dynamics`
    TABLE_KEYS = ("label", "valence", "mole_fraction", "mobility", "interaction", "site", "diffusivity",
                  "diffusivity_prefactor", "migration_energy", "heat_of_transport", "conductivity")

    @classmethod
    def from_dict(cls, table):
        """A :class:`DefectSpecies` from a dict or case-file table: ``label``, ``valence``,
        ``mole_fraction``, optional ``mobility`` and ``interaction`` (regular-solution Ω, eV);
        ``site`` (the host species of structure cases) and the transport data are accepted and
        ignored here.

        Examples
        --------
        >>> DefectSpecies.from_dict(dict(label="Vo", valence=2, mole_fraction=0.05, mobility=1.0))
        DefectSpecies(label='Vo', valence=2, mole_fraction=0.05, mobility=1.0, activity=None)
        """
        if isinstance(table, cls):
            return table
        if not isinstance(table, dict):
            raise InputError(f"a defect must be a DefectSpecies or a dict, got {table!r}")
        label = table.get("label")
        unknown = sorted(set(table) - set(cls.TABLE_KEYS))
        if unknown:
            raise InputError(f"defect {label!r}: unknown keys {unknown}{did_you_mean(unknown[0], cls.TABLE_KEYS)}; "
                             f"allowed: {list(cls.TABLE_KEYS)}")
        missing = [k for k in ("label", "valence", "mole_fraction") if k not in table]
        if missing:
            raise InputError(f"defect {label!r}: missing keys {missing}")
        if not isinstance(label, str) or not label:
            raise InputError(f"defect label must be a non-empty string, got {label!r}")
        activity = None
        if table.get("interaction") is not None:
            try:
                activity = RegularSolution(table["interaction"])
            except (TypeError, ValueError):
                raise InputError(f"defect {label!r}: interaction must be a number (eV), "
                                 f"got {table['interaction']!r}") from None
        return cls(label, table["valence"], table["mole_fraction"], table.get("mobility", 0.0), activity)


@dataclass
class Sites:
    """Sites of a one-dimensional space-charge problem, as arrays.

    Attributes
    ----------
    x : ndarray, shape (n,)
        Position along the boundary normal (Å).
    label : ndarray of str, shape (n,)
        Host-site label (e.g. ``"O"``, ``"Ce"``).
    valence : ndarray, shape (n,)
        Formal charge of the perfect host site (e), used when site charges are on.
    defect_labels : tuple of str, length m
        Defect species that appear in ``energies``' columns.
    energies : ndarray, shape (n, m)
        Segregation energy ΔE (eV) of defect ``j`` at site ``i``; NaN where the defect
        cannot occupy the site.
    source : str
        Where the sites came from (named in error messages).

    Examples
    --------
    >>> s = Sites([1.0, 2.0], ["O", "Ce"], [-2, 4], ("Vo", "Gd"), [[-0.1, np.nan], [np.nan, 0.0]])
    >>> len(s), s.hosts().tolist()
    (2, [[True, False], [False, True]])
    """

    x: np.ndarray
    label: np.ndarray
    valence: np.ndarray
    defect_labels: tuple
    energies: np.ndarray
    source: str = field(default="<arrays>", compare=False)

    def __post_init__(self):
        self.x = np.asarray(self.x, dtype=float)
        self.label = np.asarray(self.label, dtype=str)
        self.valence = np.asarray(self.valence, dtype=float)
        self.defect_labels = tuple(self.defect_labels)
        self.energies = np.asarray(self.energies, dtype=float).reshape(len(self.x), len(self.defect_labels))
        n = len(self.x)
        if self.label.shape != (n,) or self.valence.shape != (n,):
            raise InputError("x, label and valence must have the same length")
        bad = np.flatnonzero(~np.isfinite(self.x))
        if bad.size:
            raise InputError(f"{self.source}: site {bad[0]} has a non-finite position {float(self.x[bad[0]])!r}")
        bad = np.flatnonzero(~np.isfinite(self.valence))
        if bad.size:
            raise InputError(f"{self.source}: site {bad[0]} has a non-finite valence {float(self.valence[bad[0]])!r}")
        bad = np.argwhere(np.isinf(self.energies))
        if bad.size:
            i, j = bad[0]
            raise InputError(f"{self.source}: site {i} has an infinite energy for "
                             f"{self.defect_labels[j]!r}")
        if len(set(self.defect_labels)) != len(self.defect_labels):
            raise InputError(f"duplicate defect labels: {self.defect_labels}")

    def __len__(self):
        return len(self.x)

    def hosts(self):
        """Boolean (n, m) mask: defect ``j`` may occupy site ``i``."""
        return np.isfinite(self.energies)

    def select(self, mask):
        """A new :class:`Sites` with the sites where ``mask`` is true."""
        return Sites(self.x[mask], self.label[mask], self.valence[mask], self.defect_labels,
                     self.energies[mask], source=self.source)

    def in_region(self, x_min, x_max):
        """Sites strictly inside ``x_min < x < x_max`` (Å)."""
        return self.select((self.x > x_min) & (self.x < x_max))


def _parse_float(token, path, lineno, what):
    try:
        value = float(token)
    except ValueError:
        raise InputError(f"{path}, line {lineno}: {what} {token!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}, line {lineno}: {what} is {token!r}; it must be finite")
    return value


def read_pyscses_sites(path):
    """Read a pyscses-format site file.

    Each non-empty line is ``site_label site_valence x[m] defect_label dE[eV]
    [defect_label dE ...]``; lines starting ``#`` are comments.  Positions are converted
    from metres to Å.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Sites

    Raises
    ------
    InputError
        Naming the file and line of anything that is not a site.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "sites.txt")
    >>> _ = open(path, "w").write("O -2 1.0e-10 Vo -0.2\\nCe 4 2.0e-10 Gd 0.0\\n")
    >>> s = read_pyscses_sites(path)
    >>> s.x.tolist(), s.defect_labels
    ([1.0, 2.0], ('Vo', 'Gd'))
    """
    path = os.fspath(path)
    xs, labels, valences, rows = [], [], [], []
    defect_labels: list = []
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.readlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text site file (it cannot be read as UTF-8)") from None
    for lineno, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if len(tokens) < 5 or (len(tokens) - 3) % 2:
            raise InputError(f"{path}, line {lineno}: expected 'label valence x defect dE "
                             f"[defect dE ...]', got {line.strip()!r}")
        labels.append(tokens[0])
        valences.append(_parse_float(tokens[1], path, lineno, "site valence"))
        xs.append(_parse_float(tokens[2], path, lineno, "position") / ANGSTROM)
        row = {}
        for d, e in zip(tokens[3::2], tokens[4::2]):
            if d in row:
                raise InputError(f"{path}, line {lineno}: defect {d!r} listed twice")
            row[d] = _parse_float(e, path, lineno, f"energy of {d!r}")
            if d not in defect_labels:
                defect_labels.append(d)
        rows.append(row)
    if not xs:
        raise InputError(f"{path}: no sites")
    energies = np.full((len(xs), len(defect_labels)), np.nan)
    column = {d: j for j, d in enumerate(defect_labels)}
    for i, row in enumerate(rows):
        for d, e in row.items():
            energies[i, column[d]] = e
    return Sites(np.array(xs), np.array(labels), np.array(valences), tuple(defect_labels), energies,
                 source=path)


def write_pyscses_sites(path, sites):
    """Write :class:`Sites` in pyscses format (positions in metres, 17 significant digits).

    Parameters
    ----------
    path : str or path-like
    sites : Sites

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.examples import ceria_like_column
    >>> path = os.path.join(tempfile.mkdtemp(), "sites.txt")
    >>> write_pyscses_sites(path, ceria_like_column()[0])
    >>> len(read_pyscses_sites(path))
    90
    """
    hosts = sites.hosts()
    with open(path, "w") as handle:
        for i in range(len(sites)):
            parts = [str(sites.label[i]), f"{sites.valence[i]:+g}", repr(float(sites.x[i] * ANGSTROM))]
            for j in np.flatnonzero(hosts[i]):
                parts += [sites.defect_labels[j], repr(float(sites.energies[i, j]))]
            handle.write(" ".join(parts) + "\n")
