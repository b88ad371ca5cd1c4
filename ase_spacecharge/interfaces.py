"""Band carriers, materials and layered heterostructures, on the same core and Newton solver.

Units: Å, eV, K, V; densities in Å⁻³ (1 m⁻³ = 1e-30 Å⁻³), charge densities in e/Å³, sheet
charges in e/Å² (1 C/m² = 62.415 e/nm² = 0.62415 e/Å²).

* A :class:`Carrier` is a mobile species without sites of its own: electrons (z = -1),
  holes (z = +1), or ions in a continuum (Boltzmann) description.  Its density is
  ``N F(η - (z φ + ΔE)/kT)`` with ``F = exp`` (Boltzmann) or the Fermi–Dirac integral
  ``F_{1/2}`` (parabolic band, effective density of states ``N``).  ``η`` is fixed by the
  carrier's density in the reference material's bulk (the first layer, φ = 0): one
  electrochemical potential, a flat Fermi level.
* A :class:`Material` has a permittivity, a fixed background charge density (frozen
  dopants) and, per carrier, an energy offset ΔE (eV; band-edge or standard
  chemical-potential step relative to the reference material) and a density of states.
* :func:`layered_problem` stacks materials along x on a cell-centred grid whose material
  boundaries are cell faces: the potential is continuous there, the normal displacement
  continuous up to an optional sheet charge σ (exactly, for the discrete scheme: the face
  permittivity is the distance-weighted harmonic mean, and σ is shared between the two
  neighbouring cells in the ratio of their face conductances).  The ends are fixed at the
  bulk potentials of the outer materials (see :func:`galvani_offset`) unless given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from .constants import EPSILON_0, thermal_voltage
from .grid import Grid
from .occupancy import BAND_STATISTICS, band_occupancy
from .sites import InputError
from .solver import Problem


@dataclass(frozen=True)
class Carrier:
    """A band carrier: ``label``, ``valence`` (e), ``density`` (Å⁻³) in the reference bulk,
    ``dos`` (effective density of states, Å⁻³; required for Fermi–Dirac, optional for
    Boltzmann), ``statistics`` ("boltzmann" or "fermi-dirac"), ``mobility`` (relative)."""

    label: str
    valence: float
    density: float
    dos: float | None = None
    statistics: str = "boltzmann"
    mobility: float = 0.0

    def __post_init__(self):
        if not isinstance(self.label, str) or not self.label:
            raise InputError(f"carrier label must be a non-empty string, got {self.label!r}")
        if not np.isfinite(self.valence) or self.valence == 0:
            raise InputError(f"carrier {self.label!r}: valence must be non-zero, got {self.valence!r}")
        if not np.isfinite(self.density) or self.density <= 0:
            raise InputError(f"carrier {self.label!r}: density must be positive (Å⁻³), got {self.density!r}")
        if self.statistics not in BAND_STATISTICS:
            raise InputError(f"carrier {self.label!r}: statistics must be one of {BAND_STATISTICS}, "
                             f"got {self.statistics!r}")
        if self.dos is not None and (not np.isfinite(self.dos) or self.dos <= 0):
            raise InputError(f"carrier {self.label!r}: density of states must be positive (Å⁻³), got {self.dos!r}")
        if self.statistics == "fermi-dirac" and self.dos is None:
            raise InputError(f"carrier {self.label!r}: Fermi–Dirac statistics need the density of states `dos`")

    @property
    def reference_dos(self):
        return self.density if self.dos is None else self.dos

    def eta(self):
        """Reduced chemical potential that gives ``density`` at φ = 0 in the reference bulk."""
        ratio = self.density / self.reference_dos
        if self.statistics == "boltzmann":
            return float(np.log(ratio))
        lo, hi = np.log(ratio) - 1.0, max(np.log(ratio), 0.0) + 2.0
        while band_occupancy(np.array([hi]), "fermi-dirac")[0][0] < ratio:
            hi *= 2.0
        return float(brentq(lambda u: np.log(band_occupancy(np.array([u]), "fermi-dirac")[0][0] / ratio),
                            lo, hi, xtol=1e-14, rtol=1e-15))


@dataclass
class Material:
    """A material: ``permittivity`` (relative), ``background`` fixed charge density (e/Å³,
    negative for acceptors), per-carrier ``offsets`` (eV) and ``dos`` (Å⁻³; 0 = absent)."""

    label: str
    permittivity: float
    background: float = 0.0
    offsets: dict = field(default_factory=dict)
    dos: dict = field(default_factory=dict)

    def __post_init__(self):
        if not np.isfinite(self.permittivity) or self.permittivity <= 0:
            raise InputError(f"material {self.label!r}: permittivity must be positive, got {self.permittivity!r}")
        if not np.isfinite(self.background):
            raise InputError(f"material {self.label!r}: background must be finite, got {self.background!r}")
        for k, v in self.dos.items():
            if not np.isfinite(v) or v < 0:
                raise InputError(f"material {self.label!r}: density of states of {k!r} must be >= 0, got {v!r}")
        for k, v in self.offsets.items():
            if not np.isfinite(v):
                raise InputError(f"material {self.label!r}: offset of {k!r} must be finite, got {v!r}")

    def carrier_dos(self, carrier: Carrier):
        return float(self.dos.get(carrier.label, carrier.reference_dos))

    def carrier_offset(self, carrier: Carrier):
        return float(self.offsets.get(carrier.label, 0.0))


def _check_carriers(carriers, materials):
    labels = [c.label for c in carriers]
    if len(set(labels)) != len(labels):
        raise InputError(f"carrier labels must be unique, got {labels}")
    for m in materials:
        unknown = (set(m.offsets) | set(m.dos)) - set(labels)
        if unknown:
            raise InputError(f"material {m.label!r} names unknown carriers {sorted(unknown)} (carriers: {labels})")


def bulk_charge(material: Material, carriers, phi, temperature, etas=None):
    """Charge density (e/Å³) of ``material``'s bulk at potential ``phi`` (V); ``etas`` are the
    carriers' :meth:`Carrier.eta` if already known."""
    kT = thermal_voltage(temperature)
    etas = [c.eta() for c in carriers] if etas is None else etas
    total = material.background
    for c, eta in zip(carriers, etas):
        u = eta - (c.valence * phi + material.carrier_offset(c)) / kT
        total += c.valence * material.carrier_dos(c) * band_occupancy(np.array([u]), c.statistics)[0][0]
    return float(total)


def galvani_offset(reference: Material, other: Material, carriers, temperature):
    """Bulk potential (V) of ``other`` relative to ``reference``: the φ at which ``other``'s
    bulk is neutral with the electrochemical potentials fixed by ``reference``'s bulk.

    Raises when the reference bulk is not neutral or ``other`` cannot be neutral.
    """
    _check_carriers(carriers, [reference, other])
    scale = abs(reference.background) + sum(abs(c.valence) * c.density for c in carriers)
    etas = [c.eta() for c in carriers]  # fixed by the reference bulk; computed once
    q_ref = bulk_charge(reference, carriers, 0.0, temperature, etas)
    if abs(q_ref) > 1e-9 * scale:
        raise InputError(f"the bulk of material {reference.label!r} is not neutral: net charge density "
                         f"{q_ref:.6g} e/Å³ (carriers {[c.label for c in carriers]}, background "
                         f"{reference.background!r})")
    if other is reference:
        return 0.0
    f = lambda phi: bulk_charge(other, carriers, phi, temperature, etas)  # noqa: E731 - decreasing in phi
    lo, hi = -1.0, 1.0
    for _ in range(60):
        if f(lo) > 0 > f(hi):
            return float(brentq(f, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=500))
        lo, hi = 2 * lo, 2 * hi
    raise InputError(f"the bulk of material {other.label!r} cannot be neutral with these carriers "
                     f"(net charge {f(0.0):.6g} e/Å³ at φ = 0 and no sign change up to ±{hi:g} V)")


def layered_problem(layers, carriers, *, temperature, spacing=0.1, area=1.0, sheet_charges=None, ends=None):
    """A 1D stack of materials with band carriers, as a :class:`~.solver.Problem`.

    Parameters
    ----------
    layers : sequence of (Material, thickness Å)
        From x = 0 upwards; the first material is the reference (bulk potential 0).
    carriers : sequence of Carrier
    temperature : float
        K; fixes the Galvani offsets used for the default end potentials.
    spacing : float
        Target grid spacing (Å); each layer gets a whole number of equal cells.
    area : float
        Cross-section (Å²); results per area do not depend on it.
    sheet_charges : dict, optional
        Interface index (0 = between layers 0 and 1) -> sheet charge (e/Å²).
    ends : (float, float), optional
        End potentials (V); default: the bulk potentials of the first and last material.
    """
    if not layers:
        raise InputError("no layers given")
    materials = [m for m, _ in layers]
    _check_carriers(carriers, materials)
    if not carriers and all(m.background == 0 for m in materials):
        raise InputError("nothing is charged: give carriers or a background")
    if not np.isfinite(spacing) or spacing <= 0:
        raise InputError(f"spacing must be positive (Å), got {spacing!r}")
    x_parts, h_parts, layer_of = [], [], []
    x0 = 0.0
    for i, (m, thickness) in enumerate(layers):
        if not np.isfinite(thickness) or thickness <= 0:
            raise InputError(f"layer {i} ({m.label!r}): thickness must be positive (Å), got {thickness!r}")
        n = max(3, int(round(thickness / spacing)))
        h = thickness / n
        x_parts.append(x0 + h * (np.arange(n) + 0.5))
        h_parts.append(np.full(n, h))
        layer_of.append(np.full(n, i))
        x0 += thickness
    x = np.concatenate(x_parts)
    dx = np.concatenate(h_parts)
    layer = np.concatenate(layer_of)
    eps_cell = np.array([m.permittivity for m in materials])[layer]
    n = x.size
    # faces: lower end, n-1 interior faces, upper end
    h_between = 0.5 * (dx[:-1] + dx[1:])
    eps_face = h_between / (0.5 * dx[:-1] / eps_cell[:-1] + 0.5 * dx[1:] / eps_cell[1:])
    h_lower = np.concatenate(([0.5 * dx[0]], h_between))
    h_upper = np.concatenate((h_between, [0.5 * dx[-1]]))
    eps_lower = np.concatenate(([eps_cell[0]], eps_face))
    eps_upper = np.concatenate((eps_face, [eps_cell[-1]]))
    grid = Grid(x, dx, h_lower, h_upper, dx.copy(), eps_lower, eps_upper, float(area), "dirichlet", 0.0, float(x0))

    background = np.array([m.background for m in materials])[layer] * dx * area
    for index, sigma in (sheet_charges or {}).items():
        if not 0 <= int(index) < len(layers) - 1:
            raise InputError(f"sheet charge at interface {index}: there are {len(layers) - 1} interfaces")
        if not np.isfinite(sigma):
            raise InputError(f"sheet charge at interface {index} must be finite, got {sigma!r}")
        j = int(np.flatnonzero(layer == int(index))[-1])  # last cell below the interface
        a_lo = eps_cell[j] / (0.5 * dx[j])
        a_hi = eps_cell[j + 1] / (0.5 * dx[j + 1])
        background[j] += sigma * area * a_lo / (a_lo + a_hi)
        background[j + 1] += sigma * area * a_hi / (a_lo + a_hi)

    if ends is None:
        ends = (0.0, galvani_offset(materials[0], materials[-1], carriers, temperature))
    else:
        galvani_offset(materials[0], materials[0], carriers, temperature)  # the reference must be neutral
    k = len(carriers)
    dos = np.array([[m.carrier_dos(c) for m in materials] for c in carriers]).reshape(k, -1)[:, layer]
    offset = np.array([[m.carrier_offset(c) for m in materials] for c in carriers]).reshape(k, -1)[:, layer]
    empty = np.zeros(0)
    info = dict(site_x=empty, site_label=np.zeros(0, dtype=str), approximation="gouy-chapman", model="continuum",
                compat=None, bulk=(0.0, float(x0)), site_charges=False, plane_hosts=np.zeros((n, 0), dtype=bool),
                mobility=[], permittivity=eps_cell, layer=layer, materials=[m.label for m in materials],
                sheet_charges=dict(sheet_charges or {}))
    return Problem(grid=grid, site_plane=np.zeros(0, dtype=int), site_weight=empty, energies=np.zeros((0, 0)),
                   valence=empty, mole_fraction=empty, mobile=np.zeros(0, dtype=bool), fixed_charge=empty,
                   capacity=empty, log_x=np.zeros((0, 0)), gauge=None, fitted=np.zeros(0, dtype=int),
                   target=empty, target_weight=np.zeros((0, 0)), dirichlet=(float(ends[0]), float(ends[1])),
                   statistics="boltzmann", defect_labels=(), info=info,
                   carrier_labels=tuple(c.label for c in carriers),
                   carrier_valence=np.array([c.valence for c in carriers], float),
                   carrier_dos=dos, carrier_eta=np.array([c.eta() for c in carriers], float),
                   carrier_offset=offset, carrier_statistics=tuple(c.statistics for c in carriers),
                   background=background)


def interface_potential(solution, problem, index=0):
    """Potential (V) on the face between layers ``index`` and ``index + 1`` of a
    :func:`layered_problem` solution, from the discrete fluxes and the sheet charge."""
    layer = problem.info["layer"]
    j = int(np.flatnonzero(layer == index)[-1])
    g = problem.grid
    eps = problem.info["permittivity"]
    a_lo = EPSILON_0 * eps[j] / (0.5 * g.dx[j])
    a_hi = EPSILON_0 * eps[j + 1] / (0.5 * g.dx[j + 1])
    sigma = problem.info["sheet_charges"].get(index, 0.0)
    return float((sigma + a_lo * solution.phi[j] + a_hi * solution.phi[j + 1]) / (a_lo + a_hi))
