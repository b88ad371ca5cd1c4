"""Band carriers of a :class:`~ase_spacecharge.equilibrium.problem.Problem`: electrons, holes or any continuum species
with a density of states per plane (Å⁻³), an energy offset per plane (eV) and Boltzmann or
Fermi–Dirac (parabolic band) statistics.  A carrier's density on plane ``i`` is
``N_i F(η - (z φ_i + ΔE_i)/kT)``; its charge there is that times ``z dx area``.
"""

from __future__ import annotations

import numpy as np

from ..constants import thermal_voltage
from ..occupancy import band_occupancy

__all__ = ["CarrierTerms"]


class CarrierTerms:
    """The band-carrier part of :class:`~ase_spacecharge.equilibrium.problem.Problem` (a mix-in: it reads the problem's
    ``carrier_*`` fields and ``grid``).

    Examples
    --------
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> p = ceria_like_problem()
    >>> isinstance(p, CarrierTerms), p.carrier_densities(np.zeros(p.grid.n), 773.15)[0].shape
    (True, (0, 90))
    """

    def _init_carriers(self):
        k = len(self.carrier_labels)
        self.carrier_valence = np.asarray(self.carrier_valence, float).reshape(k)
        self.carrier_eta = np.asarray(self.carrier_eta, float).reshape(k)
        self.carrier_dos = self._per_carrier_plane(self.carrier_dos)
        self.carrier_offset = self._per_carrier_plane(self.carrier_offset)
        if len(self.carrier_statistics) != k:
            self.carrier_statistics = ("boltzmann",) * k

    def _per_carrier_plane(self, values):
        """(k, n) array of a per-carrier, per-plane value; None or empty means zero."""
        k, n = len(self.carrier_labels), self.grid.n
        values = np.zeros(0) if values is None else np.asarray(values, float)
        return np.zeros((k, n)) if values.size == 0 else np.broadcast_to(values, (k, n)).copy()

    def carrier_potentials(self, phi, temperature, energy_scale=1.0):
        """Reduced chemical potentials ``u = η - (z φ + ΔE)/kT`` (k, n) of the band carriers."""
        kT = thermal_voltage(temperature)
        z = self.carrier_valence[:, None]
        return self.carrier_eta[:, None] - (z * phi[None, :] + energy_scale * self.carrier_offset) / kT

    def carrier_densities(self, phi, temperature, energy_scale=1.0):
        """Band-carrier densities (k, n) in Å⁻³ and their derivatives with respect to phi."""
        kT = thermal_voltage(temperature)
        u = self.carrier_potentials(phi, temperature, energy_scale)
        n, dn = np.empty_like(u), np.empty_like(u)
        for stat in set(self.carrier_statistics):
            rows = [i for i, s in enumerate(self.carrier_statistics) if s == stat]
            F, dF = band_occupancy(u[rows], stat)
            n[rows] = self.carrier_dos[rows] * F
            dn[rows] = self.carrier_dos[rows] * dF * (-self.carrier_valence[rows, None] / kT)
        return n, dn

    def _carrier_charges(self, phi, temperature, energy_scale=1.0):
        """Band-carrier charge per plane (e), its gross size and its derivative dq/dphi."""
        n, dn = self.carrier_densities(phi, temperature, energy_scale)
        vol = self.grid.dx * self.grid.area
        z = self.carrier_valence
        return (z @ n) * vol, (np.abs(z) @ n) * vol, (z @ dn) * vol
