"""Regenerate the CeO2 grain-boundary examples (needs the ``examples`` extra: matscipy).

    python example_structures/make_ceria_gbs.py [--only sigma3_111|sigma5_310]

For each boundary: the bulk lattice constant of the potential (:mod:`ceria_potential`), the
boundary from pymatgen's ``GrainBoundaryGenerator`` with ``rm_ratio=0.0`` (the default
removes close oxygen atoms and breaks stoichiometry; checked below), relaxed with ASE (FIRE,
positions and the cell length along the boundary normal).  Then, for every O and every Ce
site of the relaxed cell, a defect (V_O: the O removed; Gd_Ce: Ce replaced by Gd) in an
in-plane supercell (8.6-11.6 Å), relaxing the atoms within 5 Å of it (FIRE to 0.03 eV/Å).  The raw energies
E(defect cell) - E(pristine cell) go through ``ase_spacecharge.segregation_energies`` with
``reference="far"`` and are stored as per-atom arrays ``dE_Vo`` / ``dE_Gd`` (eV, NaN on the
other sublattice) in ``<name>/gb.extxyz``, beside a case file.  Takes ~15 min on 2 cores.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from ase.constraints import FixAtoms
from ase.filters import FrechetCellFilter
from ase.io import write
from ase.optimize import FIRE
from pymatgen.core import Lattice, Structure
from pymatgen.core.interface import GrainBoundaryGenerator
from pymatgen.io.ase import AseAtomsAdaptor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceria_potential import calculator, set_charges  # noqa: E402

HERE = Path(__file__).resolve().parent
# name: (rotation axis, Sigma, plane, ab_shift, expand_times, in-plane repeat for defects)
BOUNDARIES = {
    "sigma3_111": ((1, 1, 1), 3, (1, 1, 1), (0.0, 0.0), 3, (3, 3, 1)),
    "sigma5_310": ((0, 0, 1), 5, (3, 1, 0), (0.0, 0.5), 6, (2, 1, 1)),
}


def bulk_lattice_constant():
    """Relaxed lattice constant (Å) of CeO2 with the potential."""
    from ase.build import bulk
    atoms = set_charges(bulk("CeO2", "fluorite", a=5.411, cubic=True).repeat(2))
    atoms.calc = calculator()
    FIRE(FrechetCellFilter(atoms), logfile=None).run(fmax=1e-4, steps=500)
    return float(np.mean(atoms.cell.lengths()) / 2)


def make_boundary(a0, axis, sigma, plane, shift, expand):
    prim = Structure.from_spacegroup("Fm-3m", Lattice.cubic(a0), ["Ce", "O"],
                                     [[0, 0, 0], [0.25, 0.25, 0.25]]).get_primitive_structure()
    angle = GrainBoundaryGenerator.get_rotation_angle_from_sigma(sigma, axis)[0]
    gb = GrainBoundaryGenerator(prim).gb_from_parameters(axis, angle, expand_times=expand, plane=plane,
                                                         rm_ratio=0.0, ab_shift=shift)
    if gb.composition.reduced_formula != "CeO2":
        raise RuntimeError(f"boundary is not stoichiometric: {gb.composition}")
    return gb


def relax_boundary(gb):
    atoms = set_charges(AseAtomsAdaptor.get_atoms(gb))
    atoms.calc = calculator()
    # positions and the normal strain only: the grains keep the bulk in-plane lattice
    FIRE(FrechetCellFilter(atoms, mask=[0, 0, 1, 0, 0, 0]), logfile=None).run(fmax=0.01, steps=3000)
    return atoms


def defect_energy(super_pristine, e0, index, kind, radius=5.0, fmax=0.03, steps=800):
    """E(defect supercell) - E(pristine supercell), relaxing atoms within ``radius`` Å of the
    defect; returns (energy, converged)."""
    atoms = super_pristine.copy()
    centre = atoms.positions[index].copy()
    if kind == "Vo":
        del atoms[index]
    else:
        atoms.symbols[index] = "Gd"
    set_charges(atoms)
    vec = atoms.positions - centre
    frac = np.linalg.solve(atoms.cell.T, vec.T).T
    frac -= np.round(frac)
    d = np.linalg.norm(frac @ atoms.cell, axis=1)
    atoms.set_constraint(FixAtoms(mask=d > radius))
    atoms.calc = calculator()
    converged = FIRE(atoms, logfile=None).run(fmax=fmax, steps=steps)
    return atoms.get_potential_energy() - e0, bool(converged)


def raw_defect_energies(atoms, repeat):
    """Per-atom raw energies (eV) of V_O (on O) and Gd_Ce (on Ce); NaN elsewhere."""
    sup = set_charges(atoms.repeat(repeat))
    sup.calc = calculator()
    e0 = sup.get_potential_energy()
    out = {"Vo": np.full(len(atoms), np.nan), "Gd": np.full(len(atoms), np.nan)}
    sym = np.array(atoms.get_chemical_symbols())
    unconverged = []
    for i in range(len(atoms)):  # atoms.repeat keeps the original cell's atoms first
        kind = "Vo" if sym[i] == "O" else "Gd"
        out[kind][i], ok = defect_energy(sup, e0, i, kind)
        if not ok:
            unconverged.append(i)
    if unconverged:
        print(f"  {len(unconverged)} defect relaxations hit the step limit: sites {unconverged}", flush=True)
    return out


def main():
    # FrechetCellFilter's matrix logarithm warns at the 1e-13 level on every step
    warnings.filterwarnings("ignore", message="logm result may be inaccurate")
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=list(BOUNDARIES))
    parser.add_argument("--stage", choices=["raw", "all"], default="all")
    args = parser.parse_args()
    t0 = time.perf_counter()
    a0 = bulk_lattice_constant()
    print(f"bulk CeO2 with the potential: a = {a0:.4f} Å", flush=True)
    for name, (axis, sigma, plane, shift, expand, repeat) in BOUNDARIES.items():
        if args.only and name != args.only:
            continue
        out = HERE / f"ceria_{name}"
        out.mkdir(exist_ok=True)
        gb = make_boundary(a0, axis, sigma, plane, shift, expand)
        atoms = relax_boundary(gb)
        atoms.arrays["grain_label"] = np.array(gb.site_properties["grain_label"], dtype="U16")
        print(f"{name}: {len(atoms)} atoms relaxed ({time.perf_counter() - t0:.0f} s)", flush=True)
        raw = raw_defect_energies(atoms, repeat)
        for kind, e in raw.items():
            atoms.arrays[f"E_{kind}"] = e
        del atoms.arrays["charge"]
        atoms.calc = None
        write(out / "raw.extxyz", atoms)
        print(f"{name}: defect energies done ({time.perf_counter() - t0:.0f} s)", flush=True)
        if args.stage == "all":
            finish(out)


def finish(out):
    """Segregation energies relative to the planes furthest from both boundaries."""
    from ase.io import read
    from ase_spacecharge import segregation_energies
    atoms = read(out / "raw.extxyz")
    for kind in ("Vo", "Gd"):
        e = atoms.arrays.pop(f"E_{kind}")
        idx = np.flatnonzero(np.isfinite(e))
        atoms.arrays[f"dE_{kind}"] = segregation_energies(atoms, list(zip(idx, e[idx])), reference="far")
    write(out / "gb.extxyz", atoms)
    (out / "raw.extxyz").unlink()


if __name__ == "__main__":
    main()
