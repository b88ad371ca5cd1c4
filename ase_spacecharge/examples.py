"""Synthetic inputs for tests, benchmarks and documentation."""

import numpy as np

from .sites import Sites


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
