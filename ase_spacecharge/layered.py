"""Layered heterostructures: materials stacked along x with band carriers, on the core solver.

:func:`layered_problem` stacks materials on a cell-centred grid whose material boundaries are
cell faces: the potential is continuous there, the normal displacement continuous up to an
optional sheet charge σ (exactly, for the discrete scheme: the face permittivity is the
distance-weighted harmonic mean, and σ is shared between the two neighbouring cells in the
ratio of their face conductances).  The ends are fixed at the bulk potentials of the outer
materials (see :func:`~.materials.galvani_offset`) unless given.

Units: Å, eV, K, V; sheet charges in e/Å² (1 C/m² = 0.62415 e/Å²).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import EPSILON_0
from .errors import InputError
from .grid import Grid
from .materials import check_carriers, galvani_offset, material_arrays
from .equilibrium.problem import Problem

__all__ = ["Stack", "layered_problem", "interface_potential", "layer_charges"]


@dataclass
class Stack:
    """Layers of a layered heterostructure (see :func:`layered_problem`).

    Attributes
    ----------
    layer : int ndarray (n,)
        Layer of each cell.
    labels : tuple of str
        Material label of each layer.
    permittivity : ndarray (n,)
        Relative permittivity of each cell.
    sheet_charges : dict
        Interface index -> sheet charge (e/Å²).
    sheet_charge : ndarray (n,)
        The part of each cell's fixed charge (e) that belongs to the interface sheets.

    Examples
    --------
    >>> from ase_spacecharge.materials import Carrier, Material
    >>> stack = layered_problem([(Material("A", 10.0), 10.0), (Material("B", 20.0), 10.0)],
    ...                         [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)], temperature=500.0,
    ...                         spacing=1.0, sheet_charges={0: 0.01}).stack
    >>> stack.labels, stack.layer.tolist(), round(float(stack.sheet_charge.sum()), 12)
    (('A', 'B'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0.01)
    """

    layer: np.ndarray
    labels: tuple
    permittivity: np.ndarray
    sheet_charges: dict
    sheet_charge: np.ndarray


def _cells(layers, spacing):
    """Cell widths (Å) and layer index per cell: each layer a whole number (≥ 3) of equal cells."""
    if not np.isfinite(spacing) or spacing <= 0:
        raise InputError(f"spacing must be positive (Å), got {spacing!r}")
    widths, layer = [], []
    for i, entry in enumerate(layers):
        m, thickness = entry[0], entry[1]
        own = entry[2] if len(entry) > 2 else spacing
        if not isinstance(thickness, (int, float, np.integer, np.floating)) or not np.isfinite(thickness) \
                or thickness <= 0:
            raise InputError(f"layer {i} ({m.label!r}): thickness must be positive (Å), got {thickness!r}")
        if not np.isfinite(own) or own <= 0:
            raise InputError(f"layer {i} ({m.label!r}): spacing must be positive (Å), got {own!r}")
        n = max(3, int(round(thickness / own)))
        widths.append(np.full(n, thickness / n))
        layer.append(np.full(n, i))
    return np.concatenate(widths), np.concatenate(layer)


def _sheet_charge(sheet_charges, layer, grid, eps_cell, n_layers):
    """Fixed charge per cell (e) of the interface sheets, split between the two cells next to
    each interface in the ratio of their face conductances."""
    sheet = np.zeros(grid.n)
    for index, sigma in (sheet_charges or {}).items():
        if not 0 <= int(index) < n_layers - 1:
            raise InputError(f"sheet charge at interface {index}: there are {n_layers - 1} interfaces")
        if not np.isfinite(sigma):
            raise InputError(f"sheet charge at interface {index} must be finite, got {sigma!r}")
        j = int(np.flatnonzero(layer == int(index))[-1])  # last cell below the interface
        a_lo = eps_cell[j] / (0.5 * grid.dx[j])
        a_hi = eps_cell[j + 1] / (0.5 * grid.dx[j + 1])
        sheet[j] += sigma * grid.area * a_lo / (a_lo + a_hi)
        sheet[j + 1] += sigma * grid.area * a_hi / (a_lo + a_hi)
    return sheet


def layered_problem(layers, carriers, *, temperature, spacing=0.1, area=1.0, sheet_charges=None, ends=None):
    """A 1D stack of materials with band carriers, as a :class:`~ase_spacecharge.equilibrium.problem.Problem`.

    Parameters
    ----------
    layers : sequence of (Material, thickness Å) or (Material, thickness Å, spacing Å)
        From x = 0 upwards; the first material is the reference (bulk potential 0).  A third
        entry overrides ``spacing`` in that layer (to refine a grid near an electrode).
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

    Returns
    -------
    Problem
        With ``stack`` describing the layers.

    Examples
    --------
    >>> from ase_spacecharge.materials import Carrier, Material
    >>> from ase_spacecharge import solve
    >>> p, m = Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)
    >>> problem = layered_problem([(Material("L", 10.0), 200.0), (Material("R", 30.0, offsets={"p": -0.3, "m": 0.1}), 200.0)],
    ...                           [p, m], temperature=500.0, spacing=0.5)
    >>> sol = solve(problem, 500.0)
    >>> [round(v, 6) for v in problem.dirichlet], round(interface_potential(sol, problem, 0), 4)
    ([0.0, 0.2], 0.1558)
    """
    if not layers:
        raise InputError("no layers given")
    materials = [entry[0] for entry in layers]
    check_carriers(carriers, materials)
    if not carriers and all(m.background == 0 for m in materials):
        raise InputError("nothing is charged: give carriers or a background")
    widths, layer = _cells(layers, spacing)
    eps_cell = np.array([m.permittivity for m in materials])[layer]
    grid = Grid.from_cells(widths, eps_cell, area)
    labels = tuple(m.label for m in materials)
    values = material_arrays([materials[i] for i in layer], carriers)
    sheet = _sheet_charge(sheet_charges, layer, grid, eps_cell, len(layers))
    if ends is None:
        ends = (0.0, galvani_offset(materials[0], materials[-1], carriers, temperature))
    else:
        galvani_offset(materials[0], materials[0], carriers, temperature)  # the reference must be neutral
    empty = np.zeros(0)
    n = grid.n
    return Problem(grid=grid, site_plane=np.zeros(0, dtype=int), site_weight=empty, energies=np.zeros((0, 0)),
                   valence=empty, mole_fraction=empty, mobile=np.zeros(0, dtype=bool), fixed_charge=empty,
                   capacity=empty, log_x=np.zeros((0, 0)), gauge=None, fitted=np.zeros(0, dtype=int),
                   target=empty, target_weight=np.zeros((0, 0)), dirichlet=(float(ends[0]), float(ends[1])),
                   statistics="boltzmann", carrier_labels=tuple(c.label for c in carriers),
                   carrier_valence=np.array([c.valence for c in carriers], float),
                   carrier_dos=values["carrier_dos"], carrier_eta=np.array([c.eta() for c in carriers], float),
                   carrier_offset=values["carrier_offset"],
                   carrier_statistics=tuple(c.statistics for c in carriers),
                   background=values["background"] * grid.dx * area + sheet,
                   plane_hosts=np.zeros((n, 0), dtype=bool), permittivity=eps_cell, approximation="gouy-chapman",
                   model="continuum", bulk=(grid.x_min, grid.x_max),
                   stack=Stack(layer, labels, eps_cell, dict(sheet_charges or {}), sheet))


def _layered(problem):
    if problem.stack is None:
        raise InputError("not a layered problem (build it with layered_problem)")
    return problem.stack


def interface_potential(solution, problem, index=0):
    """Potential (V) on the face between layers ``index`` and ``index + 1`` of a
    :func:`layered_problem` solution, from the discrete fluxes and the sheet charge.

    Parameters
    ----------
    solution : SpaceChargeSolution
    problem : Problem
        Built by :func:`layered_problem`.
    index : int
        Interface (0 = between layers 0 and 1).

    Returns
    -------
    float

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.materials import Carrier, Material
    >>> problem = layered_problem([(Material("A", 10.0), 40.0), (Material("A", 10.0), 40.0)],
    ...                           [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)], temperature=500.0, spacing=0.5)
    >>> abs(interface_potential(solve(problem, 500.0), problem)) < 1e-12  # one material: flat
    True
    """
    stack = _layered(problem)
    j = int(np.flatnonzero(stack.layer == index)[-1])
    g = problem.grid
    a_lo = EPSILON_0 * stack.permittivity[j] / (0.5 * g.dx[j])
    a_hi = EPSILON_0 * stack.permittivity[j + 1] / (0.5 * g.dx[j + 1])
    sigma = stack.sheet_charges.get(index, 0.0)
    return float((sigma + a_lo * solution.phi[j] + a_hi * solution.phi[j + 1]) / (a_lo + a_hi))


def layer_charges(solution, problem):
    """Charge per area (e/Å²) of each layer: its carriers and its frozen background, the
    interface sheets excluded, so that layers plus sheets sum to zero.

    Parameters
    ----------
    solution : SpaceChargeSolution
    problem : Problem
        Built by :func:`layered_problem`.

    Returns
    -------
    list of float

    Examples
    --------
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.materials import Carrier, Material
    >>> problem = layered_problem([(Material("A", 10.0), 600.0), (Material("B", 20.0), 600.0)],
    ...                           [Carrier("p", 1, 1e-6), Carrier("m", -1, 1e-6)], temperature=500.0,
    ...                           spacing=1.0, sheet_charges={0: 0.001})
    >>> q = layer_charges(solve(problem, 500.0), problem)  # 15 screening lengths a side
    >>> abs(sum(q) + 0.001) < 1e-8
    True
    """
    stack = _layered(problem)
    q = problem.plane_charges(solution.phi, solution.temperature) - stack.sheet_charge
    return [float(q[stack.layer == i].sum() / problem.grid.area) for i in range(len(stack.labels))]
