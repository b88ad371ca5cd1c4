"""A rigid-ion pair potential for Gd-doped CeO2, as an ASE calculator (matscipy).

Short range: Buckingham ``A exp(-r/rho) - C/r^6`` with the cation–anion and anion–anion
parameters of Minervini, Zacate & Grimes, Solid State Ionics 116 (1999) 339–349 (formal
charges Ce +4, Gd +3, O -2; cation–cation short range neglected).  That paper's model has
oxygen shells; here it is used as a rigid-ion model (no shells), which gives a = 5.452 Å for
CeO2 (experiment 5.411 Å).  Long range: damped shifted-force Coulomb (Fennell & Gezelter,
J. Chem. Phys. 124 (2006) 234104), which is real-space, handles charged defect cells
without a neutralising background, and is smooth at the cutoff.  The Buckingham term is
force-shifted to the same cutoff.  The constant DSF self-energy is left out: it cancels in
every segregation energy (same number of each species at every site).

Good enough to make example grain boundaries with physically sensible segregation
energies; not a research-grade ceria model.
"""

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from scipy.spatial import cKDTree
from scipy.special import erfc
from matscipy.calculators.pair_potential.calculator import CutoffInteraction, PairPotential

COULOMB = 14.399645  # e^2 / (4 pi eps0), eV Å
# (A eV, rho Å, C eV Å^6), Minervini, Zacate & Grimes (1999)
BUCKINGHAM = {("O", "O"): (9547.96, 0.2192, 32.0),
              ("Ce", "O"): (1986.83, 0.35107, 20.40),
              ("Gd", "O"): (1885.75, 0.3399, 20.34)}
CHARGES = {"O": -2.0, "Ce": 4.0, "Gd": 3.0}
NUMBERS = {"O": 8, "Ce": 58, "Gd": 64}


class BuckinghamDSF(CutoffInteraction):
    """Force-shifted Buckingham plus damped shifted-force Coulomb ``q_i q_j`` (eV, Å)."""

    def __init__(self, A, rho, C, alpha, cutoff):
        super().__init__(cutoff)
        self.A, self.rho, self.C, self.alpha = A, rho, C, alpha
        rc, a = cutoff, alpha
        self.e_c = erfc(a * rc) / rc
        self.f_c = erfc(a * rc) / rc**2 + 2 * a / np.sqrt(np.pi) * np.exp(-(a * rc) ** 2) / rc
        self.b0 = A * np.exp(-rc / rho) - C / rc**6
        self.b1 = -A / rho * np.exp(-rc / rho) + 6 * C / rc**7

    def _buck(self, r):
        return self.A * np.exp(-r / self.rho) - self.C / r**6

    def __call__(self, r, qi, qj):
        coul = erfc(self.alpha * r) / r - self.e_c + self.f_c * (r - self.cutoff)
        return self._buck(r) - self.b0 - self.b1 * (r - self.cutoff) + COULOMB * qi * qj * coul

    def first_derivative(self, r, qi, qj):
        a = self.alpha
        dcoul = -(erfc(a * r) / r**2 + 2 * a / np.sqrt(np.pi) * np.exp(-(a * r) ** 2) / r) + self.f_c
        return (-self.A / self.rho * np.exp(-r / self.rho) + 6 * self.C / r**7 - self.b1
                + COULOMB * qi * qj * dcoul)

    def second_derivative(self, r, qi, qj):
        a = self.alpha
        d2coul = 2 * erfc(a * r) / r**3 + 4 * a / np.sqrt(np.pi) * np.exp(-(a * r) ** 2) * (1 / r**2 + a**2)
        return (self.A / self.rho**2 * np.exp(-r / self.rho) - 42 * self.C / r**8
                + COULOMB * qi * qj * d2coul)


def _pair_terms(alpha, cutoff):
    """{(Z_i, Z_j): BuckinghamDSF} for every species pair (Z_i <= Z_j)."""
    species = list(NUMBERS)
    pairs = {}
    for i, s in enumerate(species):
        for t in species[i:]:
            A, rho, C = BUCKINGHAM.get((s, t), BUCKINGHAM.get((t, s), (0.0, 1.0, 0.0)))
            key = tuple(sorted((NUMBERS[s], NUMBERS[t])))
            pairs[key] = BuckinghamDSF(A, rho, C, alpha, cutoff)
    return pairs


def calculator(alpha=0.2, cutoff=11.0):
    """The pair-potential calculator (atoms need a per-atom ``charge`` array: :func:`set_charges`)."""
    return PairPotential(_pair_terms(alpha, cutoff))


class LocalCalculator(Calculator):
    """The same potential for a few free atoms in a frozen environment (no periodicity).

    The ``Atoms`` handed to this calculator are only the free atoms (with ``charge``); the
    environment (positions, atomic numbers, charges) is fixed.  Energy = the pair terms that
    involve at least one free atom (free-free and free-environment); environment-environment
    terms are constant and left out.  A defect relaxed this way is isolated (no periodic
    images) and costs O(free atoms x neighbours) per step instead of the whole supercell.
    The environment must hold every atom within ``cutoff`` of where the free atoms go.
    """

    implemented_properties = ["energy", "forces"]

    def __init__(self, env_positions, env_numbers, env_charges, alpha=0.2, cutoff=11.0):
        super().__init__()
        self.env_pos = np.asarray(env_positions, float)
        self.env_z = np.asarray(env_numbers, int)
        self.env_q = np.asarray(env_charges, float)
        self.tree = cKDTree(self.env_pos)
        self.cutoff = cutoff
        self.terms = _pair_terms(alpha, cutoff)

    def _pairs(self, r, zi, zj, qi, qj):
        """Energy per pair and dE/dr per pair, grouped by species pair."""
        e = np.zeros(r.size)
        de = np.zeros(r.size)
        lo, hi = np.minimum(zi, zj), np.maximum(zi, zj)
        for (a, b), term in self.terms.items():
            m = (lo == a) & (hi == b)
            if m.any():
                e[m] = term(r[m], qi[m], qj[m])
                de[m] = term.first_derivative(r[m], qi[m], qj[m])
        return e, de

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        pos = self.atoms.positions
        z = self.atoms.numbers
        q = self.atoms.arrays["charge"]
        n = len(pos)
        forces = np.zeros((n, 3))
        energy = 0.0
        # free-free pairs
        i, j = np.triu_indices(n, 1)
        vec = pos[j] - pos[i]
        r = np.linalg.norm(vec, axis=1)
        m = r < self.cutoff
        i, j, vec, r = i[m], j[m], vec[m], r[m]
        e, de = self._pairs(r, z[i], z[j], q[i], q[j])
        energy += e.sum()
        f = (de / r)[:, None] * vec  # dE/d(pos_j); -f on j, +f on i
        np.add.at(forces, i, f)
        np.add.at(forces, j, -f)
        # free-environment pairs
        near = self.tree.query_ball_point(pos, self.cutoff)
        i = np.repeat(np.arange(n), [len(k) for k in near])
        k = np.concatenate([np.asarray(k, dtype=int) for k in near]) if n else np.zeros(0, int)
        vec = self.env_pos[k] - pos[i]
        r = np.linalg.norm(vec, axis=1)
        m = r > 1e-8
        i, k, vec, r = i[m], k[m], vec[m], r[m]
        e, de = self._pairs(r, z[i], self.env_z[k], q[i], self.env_q[k])
        energy += e.sum()
        np.add.at(forces, i, (de / r)[:, None] * vec)
        self.results = {"energy": float(energy), "forces": forces}


def set_charges(atoms):
    """Give ``atoms`` the formal charges of the model (per-atom array ``charge``)."""
    atoms.set_array("charge", np.array([CHARGES[s] for s in atoms.get_chemical_symbols()]))
    return atoms
