"""Defect images of the shipped Σ5(310) cell whose energies are known functions of position,
written the ways DFT users have them: extxyz files, an ase.db, OUTCAR and vasprun.xml files.

The energies are rounded to the 8 decimals an OUTCAR carries, so every format holds the
same numbers and the functions below are what the files say exactly.
"""

from pathlib import Path

import numpy as np
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read, write

from ase_spacecharge.examples import CERIA_DEFECTS, defect_tables

SIGMA5 = Path(__file__).resolve().parents[1] / "example_structures" / "ceria_sigma5_310" / "gb.extxyz"
E_PRISTINE = -3456.78901234  # eV, the pristine cell
MU = {"Vo": 12.3456789, "Gd": -4.56789012}  # eV, the bulk defect formation terms (cancel with "far")
DEFECTS = {"Vo": ("O", None), "Gd": ("Ce", "Gd")}
CASE_DEFECTS = "\n" + defect_tables(CERIA_DEFECTS)  # V_O (z = 2, 5 %, mobile) and Gd_Ce (z = -1, 20 %)


def pristine(repeat=(1, 1, 1)):
    """The shipped cell without its energy arrays, with its energy (eV)."""
    atoms = read(SIGMA5)
    for key in ("dE_Vo", "dE_Gd"):
        del atoms.arrays[key]
    atoms = atoms.repeat(repeat)
    atoms.calc = SinglePointCalculator(atoms, energy=E_PRISTINE * np.prod(repeat))
    return atoms


def segregation(label, frac):
    """ΔE (eV) at fractional positions ``frac`` (n, 3): a well at the boundaries (c = 0 and
    0.5, as the cell's grain labels put them), a repulsive shoulder, and an in-plane
    modulation near the boundaries (not symmetric: a test of positions, not of symmetry); flat
    in the grains' middles, which are bulk."""
    s, y = frac[:, 2], frac[:, 1]
    d = np.minimum.reduce([np.abs(s), np.abs(s - 0.5), np.abs(1 - s)]) * 104.95637246853535  # Å
    depth, width, shoulder = (-0.9, 2.5, 0.35) if label == "Vo" else (-0.4, 3.5, 0.15)
    return (depth * np.exp(-(d / width) ** 2) + shoulder * np.exp(-((d - 6.0) / 2.0) ** 2)
            + 0.02 * np.sin(2 * np.pi * y) * np.exp(-(d / 8.0) ** 2))


def symmetric_segregation(label, frac, centre):
    """ΔE (eV) that every operation of the cell's space group keeps: a function of the
    fractional c coordinate invariant under ``c -> 2 centre - c`` and ``c -> c + 1/2``."""
    u = 2 * np.pi * (frac[:, 2] - centre)
    a, b = (0.4, -0.25) if label == "Vo" else (0.2, 0.1)
    return a * np.cos(2 * u) + b * np.cos(4 * u) + (0.05 * np.cos(6 * u) if label == "Vo" else 0.0)


def image_energy(label, de):
    """The image's total energy (eV), rounded to an OUTCAR's 8 decimals."""
    return np.round(E_PRISTINE + MU[label] + de, 8)


def images(atoms, sites, function=segregation, seed=0):
    """Relaxed-looking images: the defect at each site (a vacancy on O, Gd on Ce), every atom
    displaced by up to 0.02 Å, the atoms shuffled, and the energy of ``function``."""
    rng = np.random.default_rng(seed)
    frac = atoms.get_scaled_positions()
    symbols = np.array(atoms.get_chemical_symbols())
    out = []
    for site in sites:
        label = "Vo" if symbols[site] == "O" else "Gd"
        image = atoms.copy()
        image.calc = None
        if label == "Vo":
            del image[int(site)]
        else:
            image.symbols[int(site)] = "Gd"
        image.positions += rng.uniform(-0.02, 0.02, image.positions.shape)
        image = image[rng.permutation(len(image))]
        energy = float(image_energy(label, function(label, frac[[site]])[0]))
        image.calc = SinglePointCalculator(image, energy=energy)
        out.append(image)
    return out


def write_extxyz(folder, images_, stem="img"):
    folder.mkdir(parents=True, exist_ok=True)
    for k, image in enumerate(images_):
        write(folder / f"{stem}_{k:03d}.extxyz", image)


def write_db(path, images_):
    from ase.db import connect
    with connect(path) as db:
        for image in images_:
            db.write(image, relaxed=True)


def write_outcar(path, atoms):
    """A VASP OUTCAR of one ionic step, in the layout ASE's OUTCAR parser reads (the lines its
    own tests use: POTCAR, ions per type, lattice vectors, positions and forces, energies);
    atoms grouped by species as VASP writes them, positions to 5 decimals."""
    path.parent.mkdir(parents=True, exist_ok=True)
    symbols = np.array(atoms.get_chemical_symbols())
    species = list(dict.fromkeys(symbols))
    order = np.concatenate([np.flatnonzero(symbols == s) for s in species])
    energy = atoms.get_potential_energy()
    rec = np.linalg.inv(atoms.cell[:]).T
    lines = [" vasp.6.4.2 (written by the ase_spacecharge tests)"]
    lines += [f" POTCAR:    PAW_PBE {s} 08Apr2002" for s in species] * 2
    lines += [f"   number of dos      NEDOS =    301   number of ions     NIONS = {len(atoms):6d}",
              "   ions per type =  " + "".join(f"{int(np.sum(symbols == s)):6d}" for s in species), "",
              "-" * 41 + " Iteration    1(   1)  " + "-" * 39, "",
              "      direct lattice vectors                 reciprocal lattice vectors"]
    lines += ["   " + " ".join(f"{v:13.9f}" for v in row) + "  " + " ".join(f"{v:13.9f}" for v in r)
              for row, r in zip(atoms.cell[:], rec)]
    lines += ["", " POSITION                                       TOTAL-FORCE (eV/Angst)", " " + "-" * 83]
    lines += [" " + "".join(f"{v:13.5f}" for v in atoms.positions[i]) + "    " + "      0.000000" * 3 for i in order]
    lines += [" " + "-" * 83, "    total drift:                                0.000000      0.000000      0.000000",
              "", "", "  FREE ENERGIE OF THE ION-ELECTRON SYSTEM (eV)", "  " + "-" * 51,
              f"  free  energy   TOTEN  = {energy:18.8f} eV", "",
              f"  energy  without entropy= {energy:18.8f}  energy(sigma->0) = {energy:18.8f}", ""]
    path.write_text("\n".join(lines) + "\n")


def write_vasprun(path, atoms):
    """A vasprun.xml of one ionic step in the layout of ASE's own hand-written test vasprun
    (ase/test/fio/vasp/test_read_vasp_xml.py), closed, with the generator, incar and
    parameters that pymatgen's ``Vasprun`` also needs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    symbols = np.array(atoms.get_chemical_symbols())
    species = list(dict.fromkeys(symbols))
    order = np.concatenate([np.flatnonzero(symbols == s) for s in species])
    energy = atoms.get_potential_energy()

    def varray(name, rows):
        return [f'   <varray name="{name}" >'] + ["    <v> " + " ".join(f"{v:16.8f}" for v in r) + " </v>"
                                                   for r in rows] + ["   </varray>"]

    structure = ([" <structure>", "  <crystal>"] + varray("basis", atoms.cell[:]) + ["  </crystal>"]
                 + varray("positions", atoms.get_scaled_positions()[order]) + [" </structure>"])
    types = {s: k + 1 for k, s in enumerate(species)}
    lines = ['<?xml version="1.0" encoding="ISO-8859-1"?>', "<modeling>", " <generator>",
             '  <i name="program" type="string">vasp </i>', '  <i name="version" type="string">6.4.2 </i>',
             " </generator>", " <incar>", '  <i type="string" name="SYSTEM">fixture</i>', " </incar>",
             " <parameters>", '  <separator name="electronic" >', '   <i type="int" name="ISPIN">     1</i>',
             '   <i type="int" name="NELM">     60</i>', "  </separator>", " </parameters>", " <kpoints>",
             '  <varray name="kpointlist" >', "   <v>       0.00000000       0.00000000       0.00000000 </v>",
             "  </varray>", '  <varray name="weights" >', "   <v>       1.00000000 </v>", "  </varray>",
             " </kpoints>", " <atominfo>",
             f"  <atoms>  {len(atoms)} </atoms>", f"  <types>  {len(species)} </types>", '  <array name="atoms" >',
             "   <set>"] + [f"    <rc><c>{symbols[i]:2s}</c><c>{types[symbols[i]]:4d}</c></rc>" for i in order]
    lines += ["   </set>", "  </array>", " </atominfo>"]
    lines += [line.replace("<structure>", '<structure name="initialpos" >') for line in structure]
    block = ["  <energy>", f'   <i name="e_fr_energy"> {energy:16.8f} </i>',
             f'   <i name="e_wo_entrp"> {energy:16.8f} </i>', f'   <i name="e_0_energy"> {energy:16.8f} </i>',
             "  </energy>"]
    lines += [" <calculation>", "  <scstep>"] + block + ["  </scstep>"] + ["  " + line for line in structure]
    lines += varray("forces", np.zeros((len(atoms), 3))) + block + [" </calculation>", "</modeling>"]
    path.write_text("\n".join(lines) + "\n")


def far_reference(atoms, energies, plane_tol=0.3):
    """The mean of ``energies`` over the sites that have one on the planes furthest from both
    boundaries (c = 0, 0.5), as ``reference = "far"`` defines it (computed here from the
    positions alone)."""
    s = atoms.get_scaled_positions()[:, 2]
    d = np.minimum.reduce([np.abs(s), np.abs(s - 0.5), np.abs(1 - s)]) * 104.95637246853535
    have = np.isfinite(energies)
    far = have & (d >= d[have].max() - plane_tol)
    return float(np.mean(energies[far]))
