"""Heterointerfaces from structures: which material each atom and plane belongs to, and the
per-plane values (permittivity, energy offsets, densities of states, background) the solver
needs; materials' bulks must be able to be neutral."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..grid import group_planes
from ..materials import material_arrays, neutral_potential, periodic_face_permittivity, plane_materials
from ..sites import Sites

__all__ = []


def material_labels(data, material_of, axis):
    """Material label of every atom: ``material_of`` names a per-atom array, or is a list of
    ``(label, frac_lo, frac_hi)`` regions along ``axis`` (fractional, wrapping)."""
    n = len(data.symbols)
    if isinstance(material_of, str):
        if material_of not in data.arrays:
            raise InputError(f"materials given but the structure has no per-atom array {material_of!r}")
        return np.asarray(data.arrays[material_of]).astype(str)
    labels = np.full(n, "", dtype=object)
    f = np.mod(data.frac[:, axis], 1.0)
    for label, a, b in material_of:
        inside = (f >= a % 1.0) & (f < b % 1.0) if a % 1.0 <= b % 1.0 else (f >= a % 1.0) | (f < b % 1.0)
        labels[inside & (labels == "")] = label
    if np.any(labels == ""):
        i = int(np.flatnonzero(labels == "")[0])
        raise InputError(f"material regions leave atom {i} (fractional {f[i]:.4f}) without a material")
    return labels.astype(str)


def _site_materials(data, proj, materials, material_of):
    """Material label of every projected site; a bulk padding site takes the material of the
    nearest site from the structure (the grain it continues)."""
    atom_mat = material_labels(data, material_of, proj.axis)
    unknown = sorted(set(atom_mat.tolist()) - set(materials))
    if unknown:
        raise InputError(f"atoms carry material labels {unknown} that `materials` does not define "
                         f"(defined: {sorted(materials)})")
    s = proj.sites
    site_mat = np.empty(s.x.size, dtype=object)
    on = proj.atom_index >= 0
    site_mat[on] = atom_mat[proj.atom_index[on]]
    if (~on).any():
        order = np.argsort(s.x[on])
        x_on = s.x[on][order]
        pos = np.clip(np.searchsorted(x_on, s.x[~on]), 1, x_on.size - 1)
        nearer = np.where(np.abs(s.x[~on] - x_on[pos - 1]) <= np.abs(x_on[pos] - s.x[~on]), pos - 1, pos)
        site_mat[~on] = site_mat[on][order][nearer]
    return site_mat.astype(str)


def material_fields(data, proj, defect_labels, carriers, materials, material_of, region, bulk):
    """Keywords for :func:`~ase_spacecharge.model.build_problem` from the materials: ``sites``
    (ΔE shifted by each material's offsets relative to the reference), ``permittivity`` per
    face, ``carrier_dos``, ``carrier_offset``, ``background_density``; and, for
    :func:`check_materials_neutral`, each plane's material and each site's energies with the
    offsets only.  ``region`` = (x_min, x_max) and ``bulk`` (Å) as in build_problem."""
    site_mat = _site_materials(data, proj, materials, material_of)
    s = proj.sites
    inside = (s.x > region[0]) & (s.x < region[1])
    plane_x, plane_of = group_planes(s.x[inside], 1e-3)
    plane_mat = plane_materials(plane_of, site_mat[inside], plane_x)
    ref_labels = set(plane_mat[(plane_x > bulk[0]) & (plane_x < bulk[1])].tolist())
    if len(ref_labels) != 1:
        raise InputError(f"the bulk region {bulk[0]}..{bulk[1]} Å must lie in one material, it spans {sorted(ref_labels)}")
    ref = materials[ref_labels.pop()]
    shift = np.array([[materials[m].offsets.get(lab, 0.0) - ref.offsets.get(lab, 0.0) for lab in defect_labels]
                      for m in site_mat]).reshape(s.x.size, len(defect_labels))
    energies = s.energies + shift  # NaN stays NaN
    carriers = list(carriers or [])
    values = material_arrays([materials[m] for m in plane_mat], carriers, ref)
    fields = dict(sites=Sites(s.x, s.label, s.valence, s.defect_labels, energies, source=s.source),
                  permittivity=periodic_face_permittivity(values["permittivity"]),
                  carrier_dos=values["carrier_dos"] if carriers else None,
                  carrier_offset=values["carrier_offset"] if carriers else None,
                  background_density=values["background"] if np.any(values["background"]) else None)
    # the bulk of each material: its sites with the material's offsets only (no segregation)
    check = dict(plane_material=plane_mat, bulk_energies=np.where(np.isfinite(energies), shift, np.nan)[inside])
    return fields, check


def check_materials_neutral(problem, plane_material, bulk_energies, temperature):
    """Raise when a material's bulk (its sites with only the material's energy offsets, its
    carriers and background) is neutral at no potential: the junction could not settle."""
    bulk = replace(problem, energies=bulk_energies)
    n = problem.grid.n

    def charges(phi):
        return bulk.plane_charges(np.full(n, phi), temperature)

    gross = np.abs(charges(0.0)).sum() + 1e-300
    for name in dict.fromkeys(plane_material.tolist()):
        planes = plane_material == name
        neutral_potential(lambda phi: charges(phi)[planes].sum(), f"the bulk of material {name!r}", tol=1e-9 * gross)
