"""Transport data of the moving species, the electrodes, and the applied voltage.

Units: diffusion coefficients in m²/s (SI, as tabulated; converted to Å²/s inside),
mobilities of band carriers in m²/(V s), migration energies and heats of transport in eV,
temperatures in K, times in s, voltages in V.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..constants import thermal_voltage
from ..errors import InputError, is_number

__all__ = ["Kinetics", "arrhenius", "Voltage", "ELECTRODES", "reversible_ends"]

#: Electrode kinds: every species exchanged; none; band carriers only (ions blocked).
ELECTRODES = ("reversible", "blocking", "mixed")

M2_TO_A2 = 1e20


def arrhenius(prefactor, migration_energy, temperature):
    """``D = D0 exp(-E_m / kT)`` (m²/s).

    Parameters
    ----------
    prefactor : float
        D0 (m²/s).
    migration_energy : float
        E_m (eV).
    temperature : float
        K.

    Returns
    -------
    float

    Examples
    --------
    >>> round(arrhenius(1e-7, 0.6, 773.15) / 1e-7, 6)
    0.000123
    """
    if not (prefactor > 0 and math.isfinite(prefactor)):
        raise InputError(f"diffusivity prefactor must be positive (m²/s), got {prefactor!r}")
    if not math.isfinite(migration_energy):
        raise InputError(f"migration energy must be finite (eV), got {migration_energy!r}")
    return float(prefactor * math.exp(-migration_energy / thermal_voltage(temperature)))


@dataclass(frozen=True)
class Kinetics:
    """Transport data: who moves how fast, and how the fluxes couple.

    **What D means.**  The flux is lattice-gas hopping between neighbouring planes (see
    :mod:`.system`): a uniform region of a species conducts ``σ = z² e² D χ / kT`` with ``χ``
    its susceptibility per volume, ``∂c/∂(μ/kT)``.  For Fermi–Dirac sites (a lattice gas, the
    default) ``χ = c (1 - x)``: **σ = z² e² D c (1 - x) / kT** — a hop needs an empty site, and
    ``D`` is the jump (Fick) diffusivity of the lattice gas; for Boltzmann sites ``χ = c``,
    Nernst–Einstein ``σ = z² e² D c / kT``.  A conductivity converted to ``D`` by
    Nernst–Einstein on Fermi–Dirac sites gives resistances ``1/(1 - x)`` too high: give the
    measured ``conductivity`` instead, and the system converts it with the convention it uses.

    Parameters
    ----------
    diffusivity : dict
        Species label -> diffusion coefficient D (m²/s).  For a band carrier give its
        ``mobility`` instead; ``D = μ kT/e``.
    mobility : dict
        Band-carrier label -> mobility μ (m²/(V s)).
    conductivity : dict
        Species label -> the bulk conductivity σ (S/m) it carries at the system's
        temperature, instead of a diffusivity: :class:`~.system.PNPSystem` sets ``D`` so
        that its :meth:`~.system.PNPSystem.bulk_conductivity` is σ.
    correlation : dict
        ``(label_a, label_b) -> r``: the Onsager matrix of each face is
        ``L = S^{1/2} R S^{1/2}`` with ``S`` the species' own conductances and ``R`` the
        correlation matrix (unit diagonal); ``R`` must be symmetric positive semidefinite.
    heat_of_transport : dict
        Species label -> Q* (eV), the thermal force ``-Q* ∇T/T`` on it.

    Examples
    --------
    >>> k = Kinetics({"Vo": 1e-11}, correlation={("Vo", "Gd"): 0.1})
    >>> k.diffusivities(["Vo", "Gd"], [], 773.15, missing=0.0).round(3).tolist()  # Å²/s
    [1000000000.0, 0.0]
    """

    diffusivity: dict = field(default_factory=dict)
    mobility: dict = field(default_factory=dict)
    correlation: dict = field(default_factory=dict)
    heat_of_transport: dict = field(default_factory=dict)
    conductivity: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, table in (("diffusivity", self.diffusivity), ("mobility", self.mobility)):
            for label, value in table.items():
                if not is_number(value) or not math.isfinite(value) or value < 0:
                    raise InputError(f"{name} of {label!r} must be a non-negative number, got {value!r}")
        for label, value in self.conductivity.items():
            if not is_number(value) or not math.isfinite(value) or value <= 0:
                raise InputError(f"conductivity of {label!r} must be a positive number (S/m), got {value!r}")
            if label in self.diffusivity or label in self.mobility:
                raise InputError(f"{label!r}: give a conductivity or a diffusivity (or mobility), not both")
        for label, value in self.heat_of_transport.items():
            if not math.isfinite(value):
                raise InputError(f"heat of transport of {label!r} must be finite (eV), got {value!r}")

    def diffusivities(self, site_labels, carrier_labels, temperature, missing=None):
        """D (Å²/s) of the site species then the carriers; ``missing`` for species without
        data (None: raise); a species given by its conductivity has D = 1 here (the system
        scales it)."""
        out = []
        for label in site_labels:
            out.append(1.0 / M2_TO_A2 if label in self.conductivity else self._value(self.diffusivity, label, missing))
        for label in carrier_labels:
            if label in self.mobility:
                out.append(self.mobility[label] * thermal_voltage(temperature))
            elif label in self.conductivity:
                out.append(1.0 / M2_TO_A2)
            else:
                out.append(self._value(self.diffusivity, label, missing))
        return np.array(out, float) * M2_TO_A2

    @staticmethod
    def _value(table, label, missing):
        if label in table:
            return float(table[label])
        if missing is None:
            raise InputError(f"no diffusivity (or mobility, or conductivity) for the moving species {label!r}; give one "
                             "in the [[defects]] / [[carriers]] table (diffusivity, m²/s)")
        return float(missing)

    def correlation_matrix(self, labels):
        """R (K, K) for the species ``labels``; raises unless symmetric positive semidefinite."""
        R = np.eye(len(labels))
        for (a, b), r in self.correlation.items():
            if not (is_number(r) and math.isfinite(r) and -1.0 <= r <= 1.0):  # NaN passed the eigenvalue test
                raise InputError(f"correlation ({a!r}, {b!r}) must be a number in [-1, 1] (the correlation of the two "
                                 f"species' fluxes), got {r!r}")
            if a not in labels or b not in labels or a == b:
                raise InputError(f"correlation ({a!r}, {b!r}): needs two different moving species of {labels}")
            i, j = labels.index(a), labels.index(b)
            if R[i, j] != 0 and R[i, j] != r:
                raise InputError(f"correlation ({a!r}, {b!r}) given twice with different values: the Onsager "
                                 "matrix must be symmetric")
            R[i, j] = R[j, i] = r
        lowest = float(np.linalg.eigvalsh(R).min()) if len(labels) else 0.0
        if lowest < -1e-12:
            raise InputError(f"the Onsager correlation matrix of {labels} is not positive semidefinite (lowest "
                             f"eigenvalue {lowest:.3g}): entropy production would be negative")
        return R

    def heats(self, labels):
        """Q* (eV) per species, 0 where not given."""
        return np.array([float(self.heat_of_transport.get(lab, 0.0)) for lab in labels])


def reversible_ends(electrodes, n_site_species, n_carriers):
    """Which species the electrodes exchange: a bool per moving species (site species first).

    Parameters
    ----------
    electrodes : {"reversible", "blocking", "mixed"}
    n_site_species, n_carriers : int

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> reversible_ends("mixed", 1, 2).tolist()
    [False, True, True]
    """
    if electrodes not in ELECTRODES:
        raise InputError(f"electrodes must be one of {ELECTRODES}, got {electrodes!r}")
    ions = electrodes == "reversible"
    carriers = electrodes in ("reversible", "mixed")
    return np.array([ions] * n_site_species + [carriers] * n_carriers, bool)


class Voltage:
    """The applied voltage V(t) (V, upper end minus lower end): a step at t = 0 to a constant,
    or a table of (t, V) points (s, V; times increasing) joined linearly and held after the
    last point.

    Parameters
    ----------
    value : float or sequence of (t, V)

    Examples
    --------
    >>> v = Voltage([[0.0, 0.0], [1e-6, 0.1]])
    >>> v(5e-7), v(1.0), Voltage(0.01)(0.0)
    (0.05, 0.1, 0.01)
    """

    def __init__(self, value):
        if is_number(value):
            if not math.isfinite(value):
                raise InputError(f"voltage must be finite (V), got {value!r}")
            self.times, self.values = np.array([0.0]), np.array([float(value)])
            return
        try:
            table = np.asarray(value, float)
        except (TypeError, ValueError):
            raise InputError(f"voltage: expected a number (V) or a table [[t, V], ...], got {value!r}") from None
        if table.ndim != 2 or table.shape[1] != 2 or not table.size or not np.all(np.isfinite(table)):
            raise InputError(f"voltage: expected a table of finite [t (s), V (V)] pairs, got {value!r}")
        if np.any(np.diff(table[:, 0]) <= 0):
            raise InputError(f"voltage table: the times must increase, got {table[:, 0].tolist()}")
        self.times, self.values = table[:, 0], table[:, 1]

    def __call__(self, t):
        return float(np.interp(t, self.times, self.values))

    def breakpoints(self):
        """Times (s) where V(t) has a kink (the integrator steps onto them)."""
        return self.times.copy()
