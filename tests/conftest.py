"""Shared fixtures: the reference data beside the project and synthetic columns."""

from pathlib import Path

import numpy as np
import pytest

from ase_spacecharge import DefectSpecies, Sites
from ase_spacecharge.examples import ceria_like_column  # noqa: F401 - re-exported for the tests

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


VO = DefectSpecies("Vo", 2, 0.05, 1.0)
GD = DefectSpecies("Gd", -1, 0.2, 0.0)
