"""Regenerate sites.txt: a model CeO2 (111) grain-boundary column for the solver core.

O-Ce-O trilayers (3.124 Å repeat, 4 sites per plane across a 7.65 Å x 7.65 Å column) with
Gaussian segregation wells at the boundary plane x = 0 (V_O: -0.6 eV, Gd_Ce: -0.3 eV,
1 Å wide).  A stand-in until the DFT/MD-relaxed structures of the adapters land; positions
are written in metres, pyscses-style.
"""

from pathlib import Path

import numpy as np

from ase_spacecharge import Sites, write_pyscses_sites

A = 3.1240
N_CELLS = 40
SITES_PER_PLANE = 4

centres = (np.arange(N_CELLS) - (N_CELLS - 1) / 2) * A
x = np.repeat(np.concatenate([centres - 0.78, centres, centres + 0.78]), SITES_PER_PLANE)
label = np.repeat(np.array(["O"] * N_CELLS + ["Ce"] * N_CELLS + ["O"] * N_CELLS), SITES_PER_PLANE)
E = np.full((x.size, 2), np.nan)
o = label == "O"
E[o, 0] = -0.60 * np.exp(-x[o] ** 2 / (2 * 1.0 ** 2))
E[~o, 1] = -0.30 * np.exp(-x[~o] ** 2 / (2 * 1.0 ** 2))
sites = Sites(x, label, np.where(o, -2.0, 4.0), ("Vo", "Gd"), np.round(E, 9))
write_pyscses_sites(Path(__file__).with_name("sites.txt"), sites)
