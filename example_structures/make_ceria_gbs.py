"""Regenerate the CeO2 grain-boundary examples (needs the ``examples`` extra: matscipy).

    python example_structures/make_ceria_gbs.py [--only sigma3_111|sigma5_310] [--jobs 2]
    python example_structures/make_ceria_gbs.py --search sigma5_310     # translation scan only

Each example is a periodic bicrystal with two *equivalent* boundaries and grains thick enough
that their middle planes are bulk:

* **Bicrystal.**  Grain A is a slab of fluorite CeO2 (lattice constant of the potential,
  :mod:`ceria_potential`) between two planes at heights 0 and L (a whole number of lattice
  planes, both boundary planes included); grain B is the mirror image of A's interior through
  the boundary plane, shifted in-plane by ``t``.  The cell vector ``c = (-2t, 2L)`` makes the
  whole cell centrosymmetric about the middle of each grain, so the two boundaries are images
  of each other by inversion (pymatgen's ``GrainBoundaryGenerator`` cells, used before, had
  two inequivalent boundaries).  ``t`` and the height of the mirror plane (on a lattice plane,
  or midway) were chosen by ``--search``: the lowest boundary energy over a grid of rigid
  translations, each relaxed (see ``SEARCH`` below for what it found).
* **Relaxation.**  FIRE on positions and the cell length along the normal (the grains keep
  the bulk in-plane lattice) to 2e-3 eV/Å.  The relaxed cell keeps its symmetry (checked
  with spglib).
* **Defect energies.**  For one representative of every symmetry class of O and Ce sites
  (spglib), a V_O (O removed) or Gd_Ce (Ce -> Gd) is relaxed as an *isolated* defect: the
  atoms within ``RADIUS`` = 10 Å of it move, every atom within the potential's cutoff of them
  is a frozen environment (:class:`ceria_potential.LocalCalculator`: no periodic images, and
  only the pair terms that change are evaluated).  Each defect is relaxed from the pristine
  positions and from ``STARTS - 1`` small random displacements (0.1 Å), FIRE to 0.01 eV/Å,
  and the lowest minimum is kept (relaxations of the previous version, 5 Å spheres in small
  periodic supercells, found different minima on equivalent sites).  The energies go
  through ``ase_spacecharge.segregation_energies(..., reference="far")`` (the planes furthest
  from both boundaries) and are stored as per-atom arrays ``dE_Vo`` / ``dE_Gd`` (eV, NaN on
  the other sublattice) in ``<name>/gb.extxyz``, beside a case file, with the boundary
  energy and the checks in ``info``.

Takes ~15 min on 2 cores (``--jobs 2``).  Printed per example: the boundary energy, the spread
of the far-plane energies (should be << kT) and the spread between relaxation starts.
"""

import argparse
import sys
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import spglib
from ase import Atoms
from ase.build import bulk
from ase.filters import FrechetCellFilter
from ase.io import write
from ase.optimize import FIRE

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceria_potential import CHARGES, LocalCalculator, calculator, set_charges  # noqa: E402

HERE = Path(__file__).resolve().parent
RADIUS = 10.0   # Å, atoms relaxed around a defect
STARTS = 3      # relaxations per defect (pristine positions + random 0.1 Å displacements)
CUTOFF = 11.0   # Å, the potential's cutoff (ceria_potential.calculator)

# name: boundary normal (cubic), in-plane lattice vectors u, v (units of a0, perpendicular to
# the normal), mirror plane (0: on a lattice plane, 0.5: midway between two), in-plane
# translation t of grain B (fractions of u, v) and lattice planes per grain.
BOUNDARIES = {
    # Σ3 (111) twin; the lowest-energy translation breaks the mirror symmetry (an O layer
    # next to the twin plane sits in octahedral sites), so the two sides of a boundary differ:
    # the case solves the whole cell (mode "cell").  151 Å per grain: the V_O energies decay
    # into the grains over ~6 Å (0.03 eV at 20 Å, 1e-3 eV at 40 Å), and the bulk fractions
    # must agree to 1e-3, i.e. |dE| < 7e-5 eV in the bulk region.
    "sigma3_111": dict(normal=(1, 1, 1), u=(0.5, -0.5, 0.0), v=(0.5, 0.0, -0.5), mirror=0.0,
                       t=(2 / 3, 2 / 3), planes=48, grid=(6, 6)),
    # Σ5 (310)[001] symmetric tilt; the lowest-energy translation (half a repeat along
    # [-1 3 0]) makes each boundary glide-mirror symmetric: the case unfolds one boundary and
    # pads it with bulk (mode "unfold").  52 Å per grain.
    "sigma5_310": dict(normal=(3, 1, 0), u=(0.0, 0.0, 1.0), v=(-0.5, 1.5, 0.0), mirror=0.5,
                       t=(0.0, 0.5), planes=60, grid=(6, 8)),
}
# What --search found (boundary energy, J/m², of the grid's lowest translations; 19-21 Å grains):
# sigma3_111: mirror 0.0 t=(2/3, 2/3) 1.712 (mirror 0.5 t=(1/3, 1/3): the same structure);
#             the mirror-symmetric cells: t=0 5.16 (on a Ce plane), 2.89 (midway).
# sigma5_310: mirror 0.5 t=(0, 1/2) 2.978; mirror 0.0 t=(1/2, 1/4) 3.028; t=0 5.14.


# ---------------------------------------------------------------------------- structure

def bulk_reference():
    """Relaxed lattice constant (Å) and energy per CeO2 (eV) of the potential."""
    atoms = set_charges(bulk("CeO2", "fluorite", a=5.411, cubic=True).repeat(2))
    atoms.calc = calculator()
    FIRE(FrechetCellFilter(atoms), logfile=None).run(fmax=1e-4, steps=500)
    return float(np.mean(atoms.cell.lengths()) / 2), atoms.get_potential_energy() / 32


def oriented(a0, normal, u, v):
    """In-plane lattice vectors U, V (Å, lab frame with z along the normal), the fcc lattice
    vector w with the smallest positive height d = w_z, and the fluorite basis."""
    n = np.array(normal, float) / np.linalg.norm(normal)
    x = np.array(u, float) / np.linalg.norm(u)
    rot = np.array([x, np.cross(n, x), n])
    U, V = rot @ (a0 * np.array(u, float)), rot @ (a0 * np.array(v, float))
    if abs(U[2]) > 1e-9 or abs(V[2]) > 1e-9:
        raise ValueError("u and v must lie in the boundary plane")
    fcc = a0 / 2 * np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    grid = np.array(np.meshgrid(*[np.arange(-8, 9)] * 3, indexing="ij")).reshape(3, -1).T
    ws = (grid @ fcc) @ rot.T
    ws = ws[ws[:, 2] > 1e-6]
    w = ws[np.argmin(ws[:, 2])]
    area = abs(U[0] * V[1] - U[1] * V[0])
    if abs(area * w[2] - a0 ** 3 / 4) > 1e-6:
        raise ValueError("u, v are not a primitive in-plane cell of the fcc lattice")
    basis = [("Ce", np.zeros(3)), ("O", rot @ np.full(3, a0 / 4)), ("O", rot @ np.full(3, -a0 / 4))]
    return U, V, w, basis


def bicrystal(a0, normal, u, v, mirror, t, planes):
    """Grain A (heights 0..L, both boundary planes included) and B, the mirror image of A's
    interior through z = 0 shifted in-plane by t; c = (-2t, 2L).  Returns ASE Atoms with a
    ``grain_label`` array ("top" = A, "bottom" = B)."""
    U, V, w, basis = oriented(a0, normal, u, v)
    d = w[2]
    L = planes * d
    z0 = mirror * d
    inplane = np.array([U[:2], V[:2]])
    pos, sym = [], []
    for k in range(-2, planes + 3):
        for s, b in basis:
            p = b + k * w - [0.0, 0.0, z0]
            if -1e-6 <= p[2] <= L + 1e-6:
                f = np.linalg.solve(inplane.T, p[:2])
                p[:2] = (f - np.floor(f + 1e-9)) @ inplane
                pos.append(p)
                sym.append(s)
    pos, sym = np.array(pos), np.array(sym)
    inner = (pos[:, 2] > 1e-6) & (pos[:, 2] < L - 1e-6)
    shift = np.asarray(t, float) @ inplane
    pos_b = pos[inner] * [1, 1, -1] + [shift[0], shift[1], 0.0]
    cell = np.array([U, V, [-2 * shift[0], -2 * shift[1], 2 * L]])
    atoms = Atoms(np.concatenate([sym, sym[inner]]), positions=np.vstack([pos, pos_b]), cell=cell, pbc=True)
    atoms.wrap()
    atoms.arrays["grain_label"] = np.array(["top"] * len(pos) + ["bottom"] * int(inner.sum()), dtype="U16")
    return atoms


def relax(atoms, fmax=2e-3, steps=5000):
    """Positions and the normal cell length (the grains keep the bulk in-plane lattice)."""
    set_charges(atoms)
    atoms.calc = calculator()
    ok = FIRE(FrechetCellFilter(atoms, mask=[0, 0, 1, 0, 0, 0]), logfile=None).run(fmax=fmax, steps=steps)
    return bool(ok)


def boundary_energy(atoms, e_bulk):
    """Energy per boundary (J/m²) of a relaxed two-boundary cell."""
    n = int((atoms.numbers == 58).sum())
    area = np.linalg.norm(np.cross(atoms.cell[0], atoms.cell[1]))
    return (atoms.get_potential_energy() - n * e_bulk) / (2 * area) * 16.021766


def symmetry_classes(atoms, symprec=1e-3):
    """spglib's equivalent atoms (a representative index per atom) and the space group."""
    cell = (np.array(atoms.cell), atoms.get_scaled_positions(), atoms.numbers)
    data = spglib.get_symmetry_dataset(cell, symprec=symprec)
    return np.asarray(data.equivalent_atoms), data.international


# ---------------------------------------------------------------------------- defects

def environment(atoms, centre, radius):
    """Cartesian positions and atom indices of all periodic images within ``radius`` of ``centre``."""
    cell = np.array(atoms.cell)
    vol = abs(np.linalg.det(cell))
    reps = [int(np.ceil(radius * np.linalg.norm(np.cross(cell[(k + 1) % 3], cell[(k + 2) % 3])) / vol)) + 1
            for k in range(3)]
    frac = (atoms.positions - centre) @ np.linalg.inv(cell)
    base = (frac - np.round(frac)) @ cell
    shifts = np.array(np.meshgrid(*[np.arange(-r, r + 1) for r in reps], indexing="ij")).reshape(3, -1).T @ cell
    pos = (base[None] + shifts[:, None]).reshape(-1, 3)
    idx = np.tile(np.arange(len(atoms)), len(shifts))
    keep = np.linalg.norm(pos, axis=1) <= radius
    return pos[keep] + centre, idx[keep]


def defect_energy(atoms, index, kind, seed=0):
    """E(defect) - E(pristine) (eV) of an isolated V_O ("Vo") or Gd_Ce ("Gd") at ``index``:
    the lowest of ``STARTS`` relaxations.  Returns (energy, spread over starts, converged)."""
    centre = atoms.positions[index]
    pos, idx = environment(atoms, centre, RADIUS + CUTOFF + 2.0)
    dist = np.linalg.norm(pos - centre, axis=1)
    numbers = atoms.numbers[idx]
    charges = np.array([CHARGES[s] for s in np.array(atoms.get_chemical_symbols())[idx]])
    free = dist <= RADIUS
    env = (pos[~free], numbers[~free], charges[~free])
    pristine = Atoms(numbers[free], positions=pos[free])
    pristine.set_array("charge", charges[free])
    pristine.calc = LocalCalculator(*env, cutoff=CUTOFF)
    e0 = pristine.get_potential_energy()
    site = dist < 1e-6
    keep = free & ~site if kind == "Vo" else free
    if kind == "Gd":
        numbers, charges = numbers.copy(), charges.copy()
        numbers[site], charges[site] = 64, CHARGES["Gd"]
    rng = np.random.default_rng(seed)
    energies, converged = [], True
    for start in range(STARTS):
        defect = Atoms(numbers[keep], positions=pos[keep])
        defect.set_array("charge", charges[keep])
        if start:
            defect.positions += rng.normal(0.0, 0.1, defect.positions.shape)
        defect.calc = LocalCalculator(*env, cutoff=CUTOFF)
        converged &= bool(FIRE(defect, logfile=None).run(fmax=0.01, steps=3000))
        if np.abs(defect.positions - pos[keep]).max() > 2.0:  # the frozen environment would be too thin
            raise RuntimeError(f"defect at site {index}: an atom moved more than 2 Å")
        energies.append(defect.get_potential_energy() - e0)
    return min(energies), max(energies) - min(energies), converged


def _defect_task(args):
    atoms, index, kind = args
    return index, kind, defect_energy(atoms, index, kind, seed=index)


def raw_defect_energies(atoms, jobs):
    """Per-atom raw energies (eV): V_O on O, Gd_Ce on Ce (NaN elsewhere), one relaxation per
    symmetry class, copied to the class.  Returns (energies, spread over starts, classes)."""
    classes, group = symmetry_classes(atoms)
    sym = np.array(atoms.get_chemical_symbols())
    reps = np.unique(classes)
    tasks = [(atoms, int(i), "Vo" if sym[i] == "O" else "Gd") for i in reps]
    out = {"Vo": np.full(len(atoms), np.nan), "Gd": np.full(len(atoms), np.nan)}
    spread = np.zeros(len(atoms))
    unconverged = []
    with Pool(jobs) as pool:
        for i, kind, (e, s, ok) in pool.imap_unordered(_defect_task, tasks):
            members = classes == i
            out[kind][members] = e
            spread[members] = s
            if not ok:
                unconverged.append(i)
    if unconverged:
        print(f"  {len(unconverged)} defect relaxations hit the step limit: sites {sorted(unconverged)}", flush=True)
    print(f"  space group {group}: {reps.size} symmetry classes for {len(atoms)} sites", flush=True)
    return out, spread, classes


# ---------------------------------------------------------------------------- driver

def build(name, spec, a0, e_bulk, jobs, t0):
    from ase_spacecharge import segregation_energies
    from ase_spacecharge.structure import boundary_axis, distance_to_boundaries, find_boundaries, read_structure

    atoms = bicrystal(a0, spec["normal"], spec["u"], spec["v"], spec["mirror"], spec["t"], spec["planes"])
    ok = relax(atoms)
    gamma = boundary_energy(atoms, e_bulk)
    print(f"{name}: {len(atoms)} atoms, cell {atoms.cell.lengths().round(3).tolist()}, relaxed={ok}, "
          f"boundary energy {gamma:.3f} J/m² ({time.perf_counter() - t0:.0f} s)", flush=True)
    raw, spread, classes = raw_defect_energies(atoms, jobs)
    labels = atoms.arrays["grain_label"]
    atoms.calc = None
    del atoms.arrays["charge"]
    data = read_structure(atoms)
    ax = boundary_axis(data)
    dist = np.abs(distance_to_boundaries(data, ax, find_boundaries(data, ax))[0])
    for kind, e in raw.items():
        idx = np.flatnonzero(np.isfinite(e))
        atoms.arrays[f"dE_{kind}"] = segregation_energies(atoms, list(zip(idx, e[idx])), reference="far")
        dE = atoms.arrays[f"dE_{kind}"]
        far = idx[dist[idx] >= dist[idx].max() - 5.0]
        print(f"  {kind}: min {np.nanmin(dE):+.3f} eV; |dE| <= {np.abs(dE[far]).max():.1e} eV within 5 Å of "
              f"the far planes, <= {np.abs(dE[idx[dist[idx] > 20]]).max():.1e} eV beyond 20 Å", flush=True)
    print(f"  lowest minus highest relaxation start: up to {spread.max():.3f} eV", flush=True)
    atoms.arrays["grain_label"] = labels
    atoms.info.update(boundary_energy=round(gamma, 4), defect_radius=RADIUS, defect_starts=STARTS,
                      source="make_ceria_gbs.py")
    out = HERE / f"ceria_{name}"
    out.mkdir(exist_ok=True)
    write(out / "gb.extxyz", atoms)
    print(f"{name}: written ({time.perf_counter() - t0:.0f} s)", flush=True)


def search(name, spec, a0, e_bulk, planes=None):
    """Boundary energy over a grid of rigid translations t, for both mirror-plane heights."""
    nu, nv = spec["grid"]
    planes = planes or max(6, int(round(20.0 / oriented(a0, spec["normal"], spec["u"], spec["v"])[2][2])))
    for mirror in (0.0, 0.5):
        for i in range(nu):
            for j in range(nv):
                atoms = bicrystal(a0, spec["normal"], spec["u"], spec["v"], mirror, (i / nu, j / nv), planes)
                dist = atoms.get_all_distances(mic=True)
                np.fill_diagonal(dist, np.inf)
                if dist.min() < 1.4:
                    continue  # atoms on top of each other
                ok = relax(atoms, fmax=0.02, steps=1500)
                print(f"{name}: mirror {mirror} t=({i}/{nu}, {j}/{nv}) boundary energy "
                      f"{boundary_energy(atoms, e_bulk):.4f} J/m² relaxed={ok}", flush=True)


def main():
    # FrechetCellFilter's matrix logarithm warns at the 1e-13 level on every step
    warnings.filterwarnings("ignore", message="logm result may be inaccurate")
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=list(BOUNDARIES))
    parser.add_argument("--jobs", type=int, default=2, help="processes for the defect relaxations")
    parser.add_argument("--search", choices=list(BOUNDARIES), help="only scan rigid translations")
    parser.add_argument("--planes", type=int, help="lattice planes per grain (default: BOUNDARIES)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    a0, e_bulk = bulk_reference()
    print(f"bulk CeO2 with the potential: a = {a0:.4f} Å, {e_bulk:.4f} eV per CeO2", flush=True)
    if args.search:
        search(args.search, BOUNDARIES[args.search], a0, e_bulk)
        return
    for name, spec in BOUNDARIES.items():
        if args.only and name != args.only:
            continue
        if args.planes:
            spec = dict(spec, planes=args.planes)
        build(name, spec, a0, e_bulk, args.jobs, t0)


if __name__ == "__main__":
    main()
