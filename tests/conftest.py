"""Shared fixtures: the reference data beside the project and synthetic columns."""

import os
from pathlib import Path

import numpy as np
import pytest

from ase_spacecharge import DefectSpecies, Sites

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
PYSCSES = REFERENCE / "pyscses"


@pytest.fixture
def pyscses_reference():
    if not PYSCSES.is_dir():
        pytest.skip("../shared/reference/pyscses is not present")
    return PYSCSES


def lattice_gas_column(n_planes, spacing, species, energies=None, x0=0.0):
    """A column of planes ``x0 + spacing * (i + 1)``, each carrying one site per species.

    ``species``: list of (site_label, defect_label).  ``energies``: dict defect -> array
    (n_planes,) of ΔE (default zero).
    """
    xs = x0 + spacing * (np.arange(n_planes) + 1.0)
    labels = [d for _, d in species]
    x, lab, E = [], [], []
    for j, (site, defect) in enumerate(species):
        row = np.full((n_planes, len(species)), np.nan)
        row[:, j] = 0.0 if energies is None or defect not in energies else energies[defect]
        x.append(xs)
        lab.append(np.full(n_planes, site))
        E.append(row)
    return Sites(np.concatenate(x), np.concatenate(lab), np.zeros(n_planes * len(species)), labels,
                 np.vstack(E)), xs


def ceria_like_column(n_cells=30, well=-0.3, width=3.0, symmetric=True):
    """O-Ce-O trilayers (CeO2 (111)-like, 3.124 Å repeat) filling a periodic cell of
    ``n_cells`` repeats, mirror-symmetric about x = 0, with a Gaussian segregation well at
    x = 0 for both defects.  Returns (sites, x_min, x_max)."""
    a = 3.1240
    centres = (np.arange(n_cells) - (n_cells - 1) / 2) * a
    x = np.concatenate([centres - 0.78, centres, centres + 0.78])
    label = np.array(["O"] * n_cells + ["Ce"] * n_cells + ["O"] * n_cells)
    E = np.full((x.size, 2), np.nan)
    o = label == "O"
    E[o, 0] = well * np.exp(-x[o] ** 2 / (2 * width ** 2))
    E[~o, 1] = 0.5 * well * np.exp(-x[~o] ** 2 / (2 * width ** 2))
    if not symmetric:
        E[o, 0] *= 1 + 0.3 * np.tanh(x[o])
    half = n_cells * a / 2
    return Sites(x, label, np.where(o, -2.0, 4.0), ("Vo", "Gd"), E), -half, half


VO = DefectSpecies("Vo", 2, 0.05, 1.0)
GD = DefectSpecies("Gd", -1, 0.2, 0.0)
