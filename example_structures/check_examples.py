"""Check that the shipped grain-boundary examples reach bulk, and print a table.

    python example_structures/check_examples.py [case.toml ...]

For each structure case (default: every ``example_structures/ceria_sigma*/case.toml``):

* ``phi0`` (V) and ``r_perp`` of the case as shipped (``run_case``);
* bulk-region plane fractions of every defect against the nominal ``mole_fraction``: the
  largest relative deviation over the planes strictly inside the bulk region (the case's
  ``bulk`` or ``default_bulk``) that host the defect;
* the neutralising background ``sol.background`` (C/m³) over the bulk charge density of the
  mobile species, ``sum |z| e x n_host`` (n_host the host sites per volume of the structure);
* ``phi0`` again with the cell grown by half: bulk padding (:func:`pad_with_bulk`: appended
  when unfolded, inserted in every grain's middle for a whole cell) to 1.5 times the distance
  the case reaches from the boundaries;
* the largest |ΔE| within 5 Å of the planes furthest from the boundaries (the
  ``reference="far"`` planes; should be << kT), and the mirror-plane spread of an unfolded case.

Exit status 1 if a fraction is off by more than 1e-3 relative, the background exceeds 1e-3
of the bulk charge density, or phi0 moves by more than 1e-3 V.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
from ase.io import read

from ase_spacecharge import solve
from ase_spacecharge.cases.run import run_case, structure_problem_from_case
from ase_spacecharge.cases.casefile import load_case
from ase_spacecharge.guards import bulk_charge_density
from ase_spacecharge.structure import (boundary_axis, default_bulk, distance_to_boundaries, find_boundaries,
                                       read_structure)

HERE = Path(__file__).resolve().parent
TOL_FRACTION, TOL_BACKGROUND, TOL_PHI0 = 1e-3, 1e-3, 1e-3


def bulk_fraction_error(sol, region):
    """Largest |x_plane / x_nominal - 1| per defect over the host planes inside ``region``."""
    inside = (sol.x > region[0]) & (sol.x < region[1])
    out = {}
    for j, (label, frac) in enumerate(sol.mole_fractions.items()):
        planes = inside & sol.plane_hosts[:, j]
        out[label] = (float(np.max(np.abs(frac[planes] / sol.mole_fraction[j] - 1.0))), int(planes.sum()))
    return out


def padded_distance(proj):
    """How far (Å) from the boundaries the (padded) projection reaches: the outermost plane
    (unfolded) or half the thickest grain (whole cell)."""
    if proj.mode == "unfold":
        return max(abs(proj.x_min), abs(proj.x_max))
    bx = np.sort(proj.boundary_x)
    return 0.5 * float(np.max(np.diff(np.append(bx, bx[0] + proj.x_max - proj.x_min))))


def far_spread(atoms, depth=5.0):
    """Largest |dE_<label>| (eV) over the sites within ``depth`` Å of the planes furthest from
    the boundaries (the reference="far" planes are at 0 by construction)."""
    data = read_structure(atoms)
    ax = boundary_axis(data)
    dist = np.abs(distance_to_boundaries(data, ax, find_boundaries(data, ax))[0])
    out = {}
    for key, e in atoms.arrays.items():
        if key.startswith("dE_"):
            idx = np.flatnonzero(np.isfinite(e))
            far = idx[dist[idx] >= dist[idx].max() - depth]
            out[key[3:]] = float(np.abs(e[far]).max())
    return out


def check(path):
    path = Path(path).resolve()
    text = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("write_structure"))
    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=path.parent, delete=False) as handle:
        handle.write(text)
    try:
        result = run_case(handle.name)
        summary, solutions = result.summary, result.solutions
    finally:
        Path(handle.name).unlink()
    sol = solutions[0]
    case = load_case(path)
    atoms, problem, proj = structure_problem_from_case(case)
    region = tuple(case["bulk"]) if case["bulk"] is not None else default_bulk(proj)
    fractions = bulk_fraction_error(sol, region)
    rho_bulk = bulk_charge_density(sol)
    pad = 1.5 * padded_distance(proj)  # bulk appended (unfolded) or inserted in every grain (cell)
    grown = structure_problem_from_case({**case, "pad_to": pad, "mode": proj.mode})[1]
    how = f"pad_to {pad:.0f} Å (x1.5)"
    phi0_grown = solve(grown, case["temperatures"][0]).phi0
    return dict(name=path.parent.name, mode=proj.mode, phi0=summary["phi0"], r_perp=summary["r_perp"],
                residual=summary["residual"], fractions=fractions, region=region,
                nominal={d["label"]: d["mole_fraction"] for d in case["defects"]},
                background=sol.background, rho_bulk=rho_bulk, phi0_grown=phi0_grown, grown=how,
                far=far_spread(read(case["structure"])), mirror=proj.mirror_spread, domain=(sol.x_min, sol.x_max))


def main(paths):
    paths = paths or sorted(HERE.glob("ceria_sigma*/case.toml"))
    failed = False
    rows = [check(p) for p in paths]
    print(f"{'example':18s} {'mode':7s} {'phi0 (V)':>10s} {'r_perp':>10s} {'bulk fraction rel. error':>34s} "
          f"{'background / bulk rho':>24s} {'phi0 grown (V)':>15s}  grown by")
    for r in rows:
        frac = ", ".join(f"{k} {r['nominal'][k]:g}: {e:.1e} ({n} pl.)" for k, (e, n) in r["fractions"].items())
        ratio = abs(r["background"]) / r["rho_bulk"]
        print(f"{r['name']:18s} {r['mode']:7s} {r['phi0']:10.5f} {r['r_perp']:10.4g} {frac:>34s} "
              f"{r['background']:10.3g}/{r['rho_bulk']:.3g}={ratio:.1e} {r['phi0_grown']:15.5f}  {r['grown']}")
        print(f"{'':18s} bulk region {r['region'][0]:.1f} .. {r['region'][1]:.1f} Å of domain "
              f"{r['domain'][0]:.1f} .. {r['domain'][1]:.1f} Å; max |ΔE| within 5 Å of the far planes "
              + ", ".join(f"{k} {v:.1e} eV" for k, v in r["far"].items())
              + (f"; mirror spread {r['mirror']['position']:.2g} Å, {r['mirror']['energy']:.2g} eV" if r["mirror"] else "")
              + f"; residual {r['residual']:.1e}")
        bad = [k for k, (e, _) in r["fractions"].items() if not e <= TOL_FRACTION]
        if bad or not ratio <= TOL_BACKGROUND or not abs(r["phi0_grown"] - r["phi0"]) <= TOL_PHI0:
            failed = True
            print(f"{'':18s} FAILS: fractions {bad}, background {ratio:.1e}, "
                  f"phi0 change {abs(r['phi0_grown'] - r['phi0']):.1e} V")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
