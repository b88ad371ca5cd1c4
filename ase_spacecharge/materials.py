"""Band carriers and materials: what each plane is made of, and whether a bulk can be neutral.

Units: Å, eV, K, V; densities in Å⁻³ (1 m⁻³ = 1e-30 Å⁻³), charge densities in e/Å³.

* A :class:`Carrier` is a mobile species without sites of its own: electrons (z = -1),
  holes (z = +1), or ions in a continuum (Boltzmann) description.  Its density is
  ``N F(η - (z φ + ΔE)/kT)`` with ``F = exp`` (Boltzmann) or the Fermi–Dirac integral
  ``F_{1/2}`` (parabolic band, effective density of states ``N``).  ``η`` is fixed by the
  carrier's density in the reference material's bulk (φ = 0): one electrochemical
  potential, a flat Fermi level.
* A :class:`Material` has a permittivity, a fixed background charge density (frozen
  dopants) and, per species, an energy offset ΔE (eV; band-edge or standard
  chemical-potential step relative to the reference material) and a density of states.
* :func:`plane_materials` gives each plane its material (one place for the mapping) and
  :func:`material_arrays` the per-plane values the solver needs.
* :func:`neutral_potential` is the one neutrality check: the potential at which a bulk's
  charge vanishes, or a named error when there is none (:func:`galvani_offset` and the
  structure heterointerfaces use it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .constants import thermal_voltage
from .errors import InputError, is_number
from .grid import harmonic_face_permittivity
from .occupancy import BAND_STATISTICS, band_occupancy

__all__ = ["Carrier", "Material", "bulk_charge", "galvani_offset", "neutral_potential"]


@dataclass(frozen=True)
class Carrier:
    """A band carrier.

    Parameters
    ----------
    label : str
    valence : float
        Charge (e), non-zero.
    density : float
        Density in the reference bulk (Å⁻³).
    dos : float, optional
        Effective density of states (Å⁻³); required for Fermi–Dirac statistics.
    statistics : {"boltzmann", "fermi-dirac"}
    mobility : float
        Relative mobility.

    Examples
    --------
    >>> e = Carrier("e", -1, 1e-12, dos=2.8e-5, statistics="fermi-dirac")
    >>> round(e.eta(), 4)
    -17.1477
    """

    label: str
    valence: float
    density: float
    dos: float | None = None
    statistics: str = "boltzmann"
    mobility: float = 0.0

    def __post_init__(self):
        if not isinstance(self.label, str) or not self.label:
            raise InputError(f"carrier label must be a non-empty string, got {self.label!r}")
        for name in ("valence", "density", "mobility"):
            if not is_number(getattr(self, name)) or not np.isfinite(getattr(self, name)):
                raise InputError(f"carrier {self.label!r}: {name} must be a finite number, got {getattr(self, name)!r}")
        if self.valence == 0:
            raise InputError(f"carrier {self.label!r}: valence must be non-zero, got {self.valence!r}")
        if self.density <= 0:
            raise InputError(f"carrier {self.label!r}: density must be positive (Å⁻³), got {self.density!r}")
        if self.statistics not in BAND_STATISTICS:
            raise InputError(f"carrier {self.label!r}: statistics must be one of {BAND_STATISTICS}, "
                             f"got {self.statistics!r}")
        if self.dos is not None and (not is_number(self.dos) or not np.isfinite(self.dos) or self.dos <= 0):
            raise InputError(f"carrier {self.label!r}: density of states must be positive (Å⁻³), got {self.dos!r}")
        if self.statistics == "fermi-dirac" and self.dos is None:
            raise InputError(f"carrier {self.label!r}: Fermi–Dirac statistics need the density of states `dos`")

    @property
    def reference_dos(self):
        """Density of states (Å⁻³) in the reference material: ``dos``, or ``density``."""
        return self.density if self.dos is None else self.dos

    def eta(self):
        """Reduced chemical potential that gives ``density`` at φ = 0 in the reference bulk."""
        ratio = self.density / self.reference_dos
        if self.statistics == "boltzmann":
            return float(np.log(ratio))
        from scipy.optimize import brentq
        lo, hi = np.log(ratio) - 1.0, max(np.log(ratio), 0.0) + 2.0
        while band_occupancy(np.array([hi]), "fermi-dirac")[0][0] < ratio:
            hi *= 2.0
        return float(brentq(lambda u: np.log(band_occupancy(np.array([u]), "fermi-dirac")[0][0] / ratio),
                            lo, hi, xtol=1e-14, rtol=1e-15))


@dataclass
class Material:
    """A material.

    Parameters
    ----------
    label : str
    permittivity : float
        Relative permittivity.
    background : float
        Fixed charge density (e/Å³; negative for acceptors).
    offsets : dict
        Species label -> energy offset (eV) relative to the reference material.
    dos : dict
        Carrier label -> density of states (Å⁻³; 0 = absent).

    Examples
    --------
    >>> Material("electrode", 30.0, offsets={"p": -0.3}).carrier_offset(Carrier("p", 1, 1e-6))
    -0.3
    """

    label: str
    permittivity: float
    background: float = 0.0
    offsets: dict = field(default_factory=dict)
    dos: dict = field(default_factory=dict)

    def __post_init__(self):
        if not is_number(self.permittivity) or not np.isfinite(self.permittivity) or self.permittivity <= 0:
            raise InputError(f"material {self.label!r}: permittivity must be positive, got {self.permittivity!r}")
        if not is_number(self.background) or not np.isfinite(self.background):
            raise InputError(f"material {self.label!r}: background must be finite, got {self.background!r}")
        for k, v in self.dos.items():
            if not is_number(v) or not np.isfinite(v) or v < 0:
                raise InputError(f"material {self.label!r}: density of states of {k!r} must be >= 0, got {v!r}")
        for k, v in self.offsets.items():
            if not is_number(v) or not np.isfinite(v):
                raise InputError(f"material {self.label!r}: offset of {k!r} must be finite, got {v!r}")

    def carrier_dos(self, carrier: Carrier):
        """Density of states (Å⁻³) of ``carrier`` here."""
        return float(self.dos.get(carrier.label, carrier.reference_dos))

    def carrier_offset(self, carrier: Carrier):
        """Energy offset (eV) of ``carrier`` here."""
        return float(self.offsets.get(carrier.label, 0.0))


def check_carriers(carriers, materials, other_species=()):
    """Raise for duplicate carrier labels and materials naming species that are neither
    carriers nor ``other_species`` (defect labels)."""
    labels = [c.label for c in carriers]
    if len(set(labels)) != len(labels):
        raise InputError(f"carrier labels must be unique, got {labels}")
    for m in materials:
        unknown = (set(m.offsets) | set(m.dos)) - set(labels) - set(other_species)
        if unknown:
            raise InputError(f"material {m.label!r} names unknown carriers {sorted(unknown)} (carriers: {labels})")


def bulk_charge(material: Material, carriers, phi, temperature, etas=None):
    """Charge density (e/Å³) of ``material``'s bulk at potential ``phi`` (V): background plus
    band carriers.

    Parameters
    ----------
    material : Material
    carriers : sequence of Carrier
    phi : float
        V.
    temperature : float
        K.
    etas : sequence of float, optional
        The carriers' :meth:`Carrier.eta`, if already known.

    Returns
    -------
    float

    Examples
    --------
    >>> bulk_charge(Material("m", 10.0), [Carrier("p", 1, 1e-6), Carrier("n", -1, 1e-6)], 0.0, 500.0)
    0.0
    """
    kT = thermal_voltage(temperature)
    etas = [c.eta() for c in carriers] if etas is None else etas
    total = material.background
    for c, eta in zip(carriers, etas):
        u = eta - (c.valence * phi + material.carrier_offset(c)) / kT
        total += c.valence * material.carrier_dos(c) * band_occupancy(np.array([u]), c.statistics)[0][0]
    return float(total)


def neutral_potential(charge, what, *, unit="e", tol=0.0, span_max=64.0):
    """The potential (V) at which ``charge(phi)`` (decreasing in phi) vanishes.

    Brackets from ±1 V, doubling up to ``span_max`` (V), then Brent's method.  When there is
    no sign change but the charge at a bracket end is within ``tol`` of zero (nothing left to
    charge), that end is returned.

    Parameters
    ----------
    charge : callable
        ``phi -> net charge``.
    what : str
        Names the bulk in the error message.
    unit : str
        Unit of the charge, for the message.
    tol : float
        Charge counted as zero.
    span_max : float
        V.

    Returns
    -------
    float

    Raises
    ------
    InputError
        Saying that ``what`` cannot be neutral, with its charge at both ends.

    Examples
    --------
    >>> round(neutral_potential(lambda phi: 0.2 - phi, "a line"), 12)
    0.2
    """
    span = 1.0
    while True:
        q_lo, q_hi = charge(-span), charge(span)
        if q_lo > 0 > q_hi:
            from scipy.optimize import brentq
            return float(brentq(charge, -span, span, xtol=1e-15, rtol=1e-15, maxiter=500))
        if span >= span_max:
            break
        span *= 2
    if min(abs(q_lo), abs(q_hi)) <= tol:
        return -span if abs(q_lo) <= abs(q_hi) else span
    raise InputError(f"{what} cannot be neutral: its net charge is {q_lo:+.4g} {unit} at -{span:g} V and "
                     f"{q_hi:+.4g} {unit} at +{span:g} V (no species of the other sign can compensate)")


def galvani_offset(reference: Material, other: Material, carriers, temperature):
    """Bulk potential (V) of ``other`` relative to ``reference``: the φ at which ``other``'s
    bulk is neutral with the electrochemical potentials fixed by ``reference``'s bulk.

    Parameters
    ----------
    reference, other : Material
    carriers : sequence of Carrier
    temperature : float
        K.

    Returns
    -------
    float
        V.

    Raises
    ------
    InputError
        When the reference bulk is not neutral or ``other`` cannot be neutral.

    Examples
    --------
    >>> p, m = Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)
    >>> round(galvani_offset(Material("L", 10.0), Material("R", 30.0, offsets={"p": -0.3, "m": 0.1}),
    ...                      [p, m], 500.0), 6)
    0.2
    """
    check_carriers(carriers, [reference, other])
    scale = abs(reference.background) + sum(abs(c.valence) * c.density for c in carriers)
    etas = [c.eta() for c in carriers]  # fixed by the reference bulk; computed once
    q_ref = bulk_charge(reference, carriers, 0.0, temperature, etas)
    if abs(q_ref) > 1e-9 * scale:
        raise InputError(f"the bulk of material {reference.label!r} is not neutral: net charge density "
                         f"{q_ref:.6g} e/Å³ (carriers {[c.label for c in carriers]}, background "
                         f"{reference.background!r})")
    if other is reference:
        return 0.0
    return neutral_potential(lambda phi: bulk_charge(other, carriers, phi, temperature, etas),
                             f"the bulk of material {other.label!r}", unit="e/Å³")


def plane_materials(plane_of, site_material, plane_x):
    """Material label of every plane from its sites' labels; raises when a plane's sites
    disagree (``plane_x``, Å, names the plane).

    Examples
    --------
    >>> plane_materials(np.array([0, 0, 1]), np.array(["A", "A", "B"]), np.array([0.0, 1.0])).tolist()
    ['A', 'B']
    """
    names, code = np.unique(np.asarray(site_material).astype(str), return_inverse=True)
    code = code.reshape(-1)
    first = np.full(len(plane_x), -1)
    first[plane_of[::-1]] = code[::-1]  # one label per plane ...
    mixed = np.flatnonzero(np.bincount(plane_of, weights=(code != first[plane_of]), minlength=len(plane_x)))
    if mixed.size:  # ... unless its sites disagree
        p = int(mixed[0])
        raise InputError(f"inconsistent material labels on the plane at x = {plane_x[p]:.4f} Å: "
                         f"{sorted(set(names[code[plane_of == p]].tolist()))}")
    return names[first]


def material_arrays(mats, carriers, reference=None):
    """Per-plane values of the materials ``mats`` (one :class:`Material` per plane).

    Returns a dict: ``permittivity`` (n,), ``carrier_dos`` and ``carrier_offset`` (k, n;
    offsets relative to ``reference``, a :class:`Material`, or absolute if None),
    ``background`` (n, e/Å³).
    """
    reference = Material("reference", 1.0) if reference is None else reference
    shape = (len(carriers), len(mats))
    return dict(permittivity=np.array([m.permittivity for m in mats], float),
                carrier_dos=np.array([[m.carrier_dos(c) for m in mats] for c in carriers], float).reshape(shape),
                carrier_offset=np.array([[m.carrier_offset(c) - reference.carrier_offset(c) for m in mats]
                                         for c in carriers], float).reshape(shape),
                background=np.array([m.background for m in mats], float))


def periodic_face_permittivity(eps):
    """Face permittivities (n + 1, lower boundary face first) of a periodic row of planes of
    permittivity ``eps``: the harmonic mean of each pair of neighbours, the wrap-around face
    between the last plane and the first at both ends."""
    eps = np.asarray(eps, float)
    faces = np.empty(eps.size + 1)
    faces[1:-1] = harmonic_face_permittivity(eps[:-1], eps[1:])
    faces[0] = faces[-1] = harmonic_face_permittivity(eps[-1], eps[0])
    return faces


def check_bulk_neutral(disc, stats, defects, bulk, extra=0.0):
    """Raise if the bulk composition is not charge neutral in the bulk region.

    The bulk region may cut a repeat unit, so a net charge up to that of one plane is
    tolerated; a non-neutral composition grows with the number of planes in the region.
    ``extra`` is further charge in the region (e): band carriers, background.
    """
    valence = np.array([d.valence for d in defects], float)
    x_bulk = np.array([d.mole_fraction for d in defects], float)
    hosted, mobile = np.isfinite(disc.energies), stats.mobile
    in_bulk = (disc.grid.x[disc.plane] > bulk[0]) & (disc.grid.x[disc.plane] < bulk[1])
    q = disc.weight * (stats.fixed_charge + (hosted[:, mobile] * x_bulk[mobile]) @ valence[mobile])
    gross = disc.weight * (np.abs(stats.fixed_charge) + (hosted[:, mobile] * x_bulk[mobile]) @ np.abs(valence[mobile]))
    plane_gross = np.bincount(disc.plane[in_bulk], weights=gross[in_bulk], minlength=disc.grid.n)
    net = q[in_bulk].sum() + extra
    if abs(net) > plane_gross.max() * (1 + 1e-9) + 1e-12:
        raise InputError(
            f"the bulk is not charge neutral under the given mole fractions: the bulk region "
            f"{bulk[0]}..{bulk[1]} Å holds a net charge of {net:+.6g} e "
            f"({', '.join(f'{d.label}: z={d.valence:+g}, x={d.mole_fraction:g}' for d in defects)})")


def bulk_region_charge(grid, carriers, background, bulk):
    """Charge (e) of the band carriers and the background in the bulk region."""
    in_bulk = (grid.x > bulk[0]) & (grid.x < bulk[1])
    extra = sum(c.valence * c.density for c in carriers) * float(np.sum(grid.dx[in_bulk]) * grid.area)
    if background is not None:
        extra += float(background[in_bulk].sum())
    return extra
