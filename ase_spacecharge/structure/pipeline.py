"""The one-call pipeline: structure → projection → problem → solve → annotated structure.

The only module of :mod:`ase_spacecharge.structure` that imports the solver.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..model import build_problem
from ..sites import DefectSpecies
from ..solution import solve
from ..transport import space_charge_width
from .annotate import annotate
from .data import read_structure
from .heterointerface import check_materials_neutral, material_fields
from .padding import pad_with_bulk
from .projection import project

__all__ = ["default_bulk", "structure_problem", "solve_structure", "auto_padding"]


def default_bulk(projection):
    """Bulk region (Å) used when none is given: the middle quarter of the lower grain
    (``mode="cell"``; with one boundary the quarter next to the domain edge) or the outer
    quarter of the lower side (``mode="unfold"``).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms
    >>> proj = project(ceria_like_atoms(), [dict(label="Vo", site="O")], boundaries=[0.0, 0.5], missing="zero")
    >>> [round(float(v), 3) for v in default_bulk(proj)]
    [-29.288, -17.573]
    """
    if projection.mode == "unfold":
        lo = projection.x_min
        return lo, lo + 0.25 * abs(lo)
    b = projection.boundaries
    gap = (b[0] - b[-1]) % 1.0 or 1.0
    mid = -0.5 * gap * projection.spacing
    half = 0.125 * gap * projection.spacing
    lo = max(mid - half, projection.x_min)  # one boundary: the grain's middle is the domain edge
    return float(lo), float(lo + 2 * half)


def _problem(data, proj, defects, opts):
    """The problem of one projection (``opts``: the modelling keywords of structure_problem)."""
    lo = proj.x_min if opts["x_min"] is None else opts["x_min"]
    hi = proj.x_max if opts["x_max"] is None else opts["x_max"]
    region = default_bulk(proj) if opts["bulk"] is None else opts["bulk"]
    species = [DefectSpecies.from_dict(d) for d in defects]
    fields, check = {}, None
    if opts["materials"]:
        fields, check = material_fields(data, proj, [d.label for d in species], opts["carriers"], opts["materials"],
                                        opts["material_of"], (lo, hi), region)
    eps = fields.pop("permittivity", opts["permittivity"])
    if eps is None:
        raise InputError("permittivity is required (or give materials)")
    problem = build_problem(fields.pop("sites", proj.sites), species, x_min=lo, x_max=hi, area=proj.area,
                            permittivity=eps, bulk=tuple(region), approximation=opts["approximation"],
                            model=opts["model"], boundary=opts["boundary"], site_charges=opts["site_charges"],
                            statistics=opts["statistics"], plane_tol=1e-3, carriers=opts["carriers"], **fields)
    if check is not None and opts["temperature"] is not None:
        check_materials_neutral(problem, check["plane_material"], check["bulk_energies"], opts["temperature"])
    return problem


def structure_problem(structure, defects, *, permittivity=None, temperature=None, bulk=None, x_min=None,
                      x_max=None, approximation="mott-schottky", model="site-explicit", boundary="periodic",
                      statistics="fermi-dirac", site_charges=False, hosts=None, energies=None, axis=None,
                      boundaries=None, mode=None, plane_tol=0.3, missing="error", valences=None, pad_to=None,
                      carriers=None, materials=None, material_of="material", average_energies=False):
    """Project a structure and build its :class:`~ase_spacecharge.problem.Problem`.

    ``mode`` defaults to "cell" without padding and "unfold" with ``pad_to`` (Å from the
    boundary, a (lower, upper) pair, or ``"auto"``: ``3 δ + 15 L_D`` from a first solve at
    ``temperature``, with δ the depletion width and L_D the Debye length, at least the cell,
    grown until it no longer grows).  ``x_min``, ``x_max`` and ``bulk`` are signed distances
    (Å) from the boundary; the defaults are the projected domain and :func:`default_bulk`.
    ``carriers`` (:class:`~ase_spacecharge.materials.Carrier`) adds band electrons/holes.

    Heterointerfaces: ``materials`` maps material labels to
    :class:`~ase_spacecharge.materials.Material` and ``material_of`` says which atom is which:
    the name of a per-atom array of labels (default ``"material"``) or a list of
    ``(label, frac_lo, frac_hi)`` regions along the axis.  Each plane takes its atoms'
    material (mixed planes raise): its permittivity (harmonic mean on faces between
    materials; ``permittivity`` is then not given), its per-species energy offsets (added to
    the defects' ΔE and the carriers' band edges), densities of states and background
    charge.  The bulk region must lie in one material, the reference.  Other keywords as in
    :func:`~.projection.project` and :func:`~ase_spacecharge.model.build_problem`.

    The structure is read once and projected once; ``"auto"`` padding re-pads that projection.

    Returns
    -------
    problem : Problem
    projection : Projection

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> problem, proj = structure_problem(ceria_like_atoms(), CERIA_DEFECTS, permittivity=55.0, boundaries=[0.5])
    >>> problem.grid.n, proj.mode
    (90, 'cell')
    """
    if mode is None:
        mode = "cell" if pad_to is None else "unfold"
    if materials and model != "site-explicit":
        raise InputError(f"materials need the site-explicit model (planes carry the materials), got model={model!r}")
    if isinstance(pad_to, str) and pad_to != "auto":
        raise InputError(f"pad_to must be a distance (Å), a (lower, upper) pair or 'auto', got {pad_to!r}")
    auto = isinstance(pad_to, str)
    if auto and temperature is None:
        raise InputError("pad_to='auto' needs the temperature (the Debye length depends on it)")
    opts = dict(permittivity=permittivity, temperature=temperature, bulk=bulk, x_min=x_min, x_max=x_max,
                approximation=approximation, model=model, boundary=boundary, statistics=statistics,
                site_charges=site_charges, carriers=carriers, materials=materials, material_of=material_of)
    data = read_structure(structure)
    proj = project(data, defects, hosts=hosts, energies=energies, axis=axis, boundaries=boundaries, mode=mode,
                   plane_tol=plane_tol, missing=missing, valences=valences, average_energies=average_energies,
                   pad_to=None if auto else pad_to)
    problem = _problem(data, proj, defects, opts)
    if not auto:
        return problem, proj
    base = proj
    width = auto_padding(solve(problem, temperature), base)
    for _ in range(4):  # grow until the automatic width no longer grows
        proj = pad_with_bulk(base, width, plane_tol=plane_tol)
        problem = _problem(data, proj, defects, opts)
        new = auto_padding(solve(problem, temperature), proj)
        if new <= 1.05 * width:
            break
        width = new
    return problem, proj


def solve_structure(structure, defects, temperature, *, scr_limit=0.02, inplace=False, **kw):
    """Project, solve and write back in one call (keywords as in :func:`structure_problem`).

    Returns
    -------
    annotated : same type as ``structure``
        A new object (unless ``inplace``) with the per-atom results (see
        :func:`~.annotate.annotate`).
    solution : SpaceChargeSolution
    projection : Projection

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> out, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                  boundaries=[0.5])
    >>> round(out.info["sc_phi0"], 4) == round(sol.phi0, 4)
    True
    """
    problem, proj = structure_problem(structure, defects, temperature=temperature, **kw)
    sol = solve(problem, temperature)
    summary = sol.summary(scr_limit=scr_limit, profile=False)
    return annotate(structure, sol, proj, summary=summary, inplace=inplace), sol, proj


def auto_padding(solution, projection):
    """Default padding distance (Å): ``3 δ + 15 L_D`` (δ the depletion width at the
    solution's Φ0, L_D its Debye length), and at least the cell's own extent."""
    L = solution.debye_length()
    z = solution.valence[solution.mobile][0] if solution.mobile.any() else 1.0
    delta = space_charge_width(L, solution.phi0, z, solution.temperature)
    delta = 0.0 if not np.isfinite(delta) else delta
    cell = max(abs(projection.x_min), abs(projection.x_max))
    return float(max(cell, 3 * delta + 15 * L))
