"""The one-call pipeline: structure → projection → problem → solve → annotated structure.

The only module of :mod:`ase_spacecharge.structure` that imports the solver.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..model import build_problem
from ..sites import DefectSpecies
from ..solution import solve
from ..analytic import space_charge_width
from .annotate import annotate
from .data import read_structure
from .heterointerface import check_materials_neutral, material_fields
from .padding import pad_with_bulk
from .projection import project

__all__ = ["default_bulk", "structure_problem", "solve_structure", "auto_padding"]


def default_bulk(projection):
    """Bulk region (Å) used when none is given.

    ``mode="unfold"``: the outer quarter of the lower side.  ``mode="cell"``: the middle
    quarter of the lower grain (the grain that ends at the first boundary; with one
    boundary the quarter next to the domain edge) or, when bulk was inserted in the grains
    (:func:`~.padding.pad_with_bulk`), the middle half of the lower grain's inserted slab.

    Parameters
    ----------
    projection : Projection

    Returns
    -------
    (float, float)

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
    period = projection.x_max - projection.x_min
    bx = np.asarray(projection.boundary_x, float)
    below = bx[bx < 0]
    lower = below.max() if below.size else bx.max() - period  # the boundary before the first
    for a, b in projection.padding.get("inserted", []):
        if lower < 0.5 * (a + b) < 0:
            return float(a + 0.25 * (b - a)), float(b - 0.25 * (b - a))
    mid, half = 0.5 * lower, -0.125 * lower
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
    try:
        problem = build_problem(fields.pop("sites", proj.sites), species, x_min=lo, x_max=hi, area=proj.area,
                                permittivity=eps, bulk=tuple(region), approximation=opts["approximation"],
                                model=opts["model"], boundary=opts["boundary"], site_charges=opts["site_charges"],
                                statistics=opts["statistics"], plane_tol=1e-3, carriers=opts["carriers"],
                                equilibration_temperature=opts["equilibration_temperature"], **fields)
    except InputError as exc:
        raise _dropped_sites_explained(exc, proj) from None
    if check is not None and opts["temperature"] is not None:
        check_materials_neutral(problem, check["plane_material"], check["bulk_energies"], opts["temperature"])
    return problem


def _dropped_sites_explained(exc, proj):
    """``exc``, and when it is the bulk's neutrality that failed while host sites were left
    without their defect (``missing="drop"`` or ΔE = +inf), why."""
    dropped = {lab: c["none"] for lab, c in proj.source_counts().items() if c["none"]}
    if "not charge neutral" not in str(exc) or not dropped:
        return exc
    which = ", ".join(f"{n} {proj.hosts[lab]!r} sites of {lab!r}" for lab, n in dropped.items())
    return InputError(f"{exc}. {which} have no energy and were dropped (missing='drop', or ΔE = +inf): they "
                      "cannot host the defect, so the bulk region holds fewer of its sites than the mole fractions "
                      "assume and its charges no longer cancel; compute those sites, or use missing='equivalent' "
                      "(symmetry-equivalent sites) or 'zero' (bulk-like)")


def structure_problem(structure, defects, *, permittivity=None, temperature=None, bulk=None, x_min=None,
                      x_max=None, approximation="mott-schottky", model="site-explicit", boundary="periodic",
                      statistics="fermi-dirac", site_charges=False, hosts=None, energies=None, axis=None,
                      boundaries=None, mode=None, plane_tol=0.3, missing="error", valences=None, pad_to=None,
                      carriers=None, materials=None, material_of="material", average_energies=False,
                      equilibration_temperature=None, symprec=0.01):
    """Project a structure and build its :class:`~ase_spacecharge.equilibrium.problem.Problem`.

    The structure is read once and projected once; ``"auto"`` padding re-pads that
    projection.

    Parameters
    ----------
    structure : ase.Atoms, pymatgen Structure or StructureData
    defects : sequence of dicts (or DefectSpecies with ``hosts``)
        Each with ``site``, the host species.
    permittivity : float
        Relative (not given with ``materials``).
    temperature : float, optional
        K; needed for ``pad_to="auto"`` and the materials' neutrality check.
    bulk, x_min, x_max : optional
        Signed distances (Å) from the boundary; defaults: :func:`default_bulk` and the
        projected domain.
    mode : {"cell", "unfold"}, optional
        Default "cell" without padding, "unfold" with ``pad_to``.
    pad_to : float, (float, float) or "auto", optional
        Å from the boundary that bulk reaches (:func:`~.padding.pad_with_bulk`: appended
        beyond the outermost planes when unfolded, inserted in every grain's middle for a
        whole cell); ``"auto"`` is ``3 δ + 15 L_D`` from a first solve at
        ``temperature`` (δ the depletion width, L_D the Debye length), at least the cell,
        grown until it no longer grows.
    carriers : sequence of :class:`~ase_spacecharge.materials.Carrier`, optional
        Band electrons/holes.
    materials : dict, optional
        Material label -> :class:`~ase_spacecharge.materials.Material` (heterointerfaces):
        each plane takes its atoms' material (mixed planes raise): permittivity (harmonic mean
        on faces between materials), per-species energy offsets (added to the defects' ΔE
        and the carriers' band edges), densities of states and background.  The bulk region
        must lie in one material, the reference.
    material_of : str or list
        The name of a per-atom array of material labels (default ``"material"``) or a list of
        ``(label, frac_lo, frac_hi)`` regions along the axis.
    approximation, model, boundary, statistics, site_charges, equilibration_temperature
        As in :func:`~ase_spacecharge.model.build_problem`.
    hosts, energies, axis, boundaries, plane_tol, missing, valences, average_energies, symprec
        As in :func:`~.projection.project`.

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
                site_charges=site_charges, carriers=carriers, materials=materials, material_of=material_of,
                equilibration_temperature=equilibration_temperature)
    data = read_structure(structure)
    proj = project(data, defects, hosts=hosts, energies=energies, axis=axis, boundaries=boundaries, mode=mode,
                   plane_tol=plane_tol, missing=missing, valences=valences, average_energies=average_energies,
                   pad_to=None if auto else pad_to, symprec=symprec)
    problem = _problem(data, proj, defects, opts)
    return _auto_padded(data, proj, problem, defects, opts, plane_tol) if auto else (problem, proj)


def _auto_padded(data, base, problem, defects, opts, plane_tol):
    """Pad ``base`` to :func:`auto_padding`'s width, grown until it no longer grows."""
    width = auto_padding(solve(problem, opts["temperature"]), base)
    for _ in range(4):
        proj = pad_with_bulk(base, width, plane_tol=plane_tol)
        problem = _problem(data, proj, defects, opts)
        new = auto_padding(solve(problem, opts["temperature"]), proj)
        if new <= 1.05 * width:
            break
        width = new
    return problem, proj


def solve_structure(structure, defects, temperature, *, scr_limit=0.02, inplace=False, **kw):
    """Project, solve and write back in one call.

    Parameters
    ----------
    structure : ase.Atoms or pymatgen Structure
    defects : sequence of dicts
        With ``site``, the host species.
    temperature : float
        K.
    scr_limit : float
        V, for the resistivity ratios recorded on the structure.
    inplace : bool
        Write onto ``structure`` itself.
    **kw
        As in :func:`structure_problem`.

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
    from ..guards import check_bulk
    problem, proj = structure_problem(structure, defects, temperature=temperature, **kw)
    sol = solve(problem, temperature)
    check_bulk(sol)
    summary = sol.summary(scr_limit=scr_limit, profile=False)
    return annotate(structure, sol, proj, summary=summary, inplace=inplace), sol, proj


def auto_padding(solution, projection):
    """Default padding distance (Å): ``3 δ + 15 L_D`` (δ the depletion width at the
    solution's Φ0, L_D its Debye length), and at least the cell's own extent (unfolded:
    its outermost plane; whole cell: half the thickest grain).

    Parameters
    ----------
    solution : SpaceChargeSolution
    projection : Projection

    Returns
    -------
    float

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_atoms, CERIA_DEFECTS
    >>> _, sol, proj = solve_structure(ceria_like_atoms(), CERIA_DEFECTS, 773.15, permittivity=55.0,
    ...                                boundaries=[0.5])
    >>> auto_padding(sol, proj) >= proj.x_max
    True
    """
    L = solution.debye_length()
    z = solution.valence[solution.mobile][0] if solution.mobile.any() else 1.0
    delta = space_charge_width(L, solution.phi0, z, solution.temperature)
    delta = 0.0 if not np.isfinite(delta) else delta
    if projection.mode == "cell":
        bx = np.sort(np.asarray(projection.boundary_x, float))
        cell = 0.5 * float(np.max(np.diff(np.append(bx, bx[0] + projection.x_max - projection.x_min))))
    else:
        cell = max(abs(projection.x_min), abs(projection.x_max))
    return float(max(cell, 3 * delta + 15 * L))
