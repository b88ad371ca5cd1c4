"""What each case-file key means, for the table ``.. case-keys::`` builds from the schema.

The keys (left) must be exactly the schema's (docs/_ext/case_keys.py raises otherwise, and
tests/test_docs.py checks it): add a line here when a key is added to
``ase_spacecharge/cases/casefile.py``.  Text is reST.
"""

MEANINGS = {
    # -- every kind ------------------------------------------------------------------------
    "temperature": "In K. A list is a sweep: one solve per temperature (warm-started), plus Arrhenius activation "
                   "energies of the resistivity ratios.",
    "tolerance": "Newton's relative residual per plane at which a solve counts as converged.",
    "carriers": "Band carriers (electrons, holes, or continuum ions) solved with the defects.",
    "[[carriers]].label": "Name of the carrier (``e``, ``h``, ...).",
    "[[carriers]].valence": "Charge in e: −1 for electrons, +1 for holes.",
    "[[carriers]].density": "Density in the reference bulk (Å⁻³; 1e24 m⁻³ = 1e-6 Å⁻³).",
    "[[carriers]].dos": "Effective density of states (Å⁻³); needed for Fermi–Dirac statistics.",
    "[[carriers]].statistics": "``boltzmann`` or ``fermi-dirac`` (parabolic band, F½).",
    "[[carriers]].mobility": "Relative mobility for the resistivity ratios (0: does not conduct).",
    "[[carriers]].drift_mobility": "Drift mobility μ (m²/(V s)) for dynamics; D = μ kT/e.",
    "[[carriers]].diffusivity": "Diffusion coefficient D (m²/s) for dynamics (or give ``drift_mobility``).",
    "[[carriers]].conductivity": "Instead of ``diffusivity``: the carrier's bulk conductivity σ (S/m) at the case "
                                 "temperature.",
    "[[carriers]].heat_of_transport": "Heat of transport Q* (eV): the thermal force −Q* ∇T/T.",
    "resistivity": "How resistivity ratios are evaluated.",
    "[resistivity].scr_limit": "The space-charge region is the planes with \\|φ\\| above this (V).",
    "[resistivity].species": "The conducting species (default: the first mobile one).",
    "sensitivity": "Adjoint sensitivities of Φ0 and r_perp to every site's ΔE; needs ``tolerance <= 1e-6``.",
    "[sensitivity].energy_uncertainty": "One standard deviation of every site's ΔE (eV, independent): adds "
                                        "``sigma_phi0``, ``bias_phi0``, ``sigma_r_perp``, ``dphi0_dT``.",
    "transient": "A transient (PNP) after a voltage step or under a voltage table; needs electrodes "
                 "(``boundary = \"dirichlet\"`` or a layered case).",
    "[transient].start": "``equilibrium`` or ``uniform`` (every species at its bulk fraction).",
    "[transient].electrodes": "``reversible`` (reservoirs of every species), ``blocking`` (none pass) or "
                              "``mixed`` (ions blocked, electrons and holes exchanged).",
    "[transient].voltage": "V, upper end minus lower end: a step at t = 0, or a table [[t (s), V], ...].",
    "[transient].times": "Output times (s), increasing.",
    "[transient].rtol": "Relative tolerance of the time stepper (BDF2).",
    "steady_state": "Steady states under bias: an I–V curve by continuation.",
    "[steady_state].electrodes": "As in ``[transient]``.",
    "[steady_state].voltages": "V, upper end minus lower end.",
    "impedance": "Small-signal impedance spectrum about the equilibrium, read as two arcs.",
    "[impedance].frequencies": "Hz: [lowest, highest, count] (log-spaced) or an increasing list.",
    "[impedance].electrodes": "As in ``[transient]``.",
    "[impedance].grain_size": "m: also give the brick-layer spectrum of a polycrystal of cubic grains.",
    "onsager": "Onsager cross coefficients between the fluxes of species that hop between the same planes.",
    "[onsager].correlations": "[[label_a, label_b, r], ...]: L = S½ R S½ with \\|r\\| <= 1.",
    # -- defects (site and structure cases) ------------------------------------------------
    "defects": "The defect species, one table each.",
    "[[defects]].label": "Name used in the site file or in the structure's ``dE_<label>`` arrays.",
    "[[defects]].valence": "Charge relative to the perfect lattice (e), e.g. +2 for V_O, −1 for Gd_Ce.",
    "[[defects]].mole_fraction": "Site fraction in the bulk (per host site).",
    "[[defects]].mobility": "Relative mobility; 0 = frozen under Mott–Schottky and restricted equilibrium.",
    "[[defects]].site": "Host species in a structure (``O`` for V_O); site files name the host per line.",
    "[[defects]].interaction": "Regular-solution Ω (eV): μ_ex = Ω (1 − 2x) per site, stable while Ω < 2kT (activities).",
    "[[defects]].diffusivity_prefactor": "D0 (m²/s) of D = D0 exp(−E_m/kT); give with ``migration_energy``.",
    "[[defects]].migration_energy": "E_m (eV); give with ``diffusivity_prefactor`` (or ``conductivity``).",
    "[[defects]].diffusivity": "D (m²/s) at every temperature (or the Arrhenius pair): with Fermi–Dirac site "
                               "statistics the lattice gas's jump (Fick) diffusivity, so that the bulk σ = "
                               "z²e²Dc(1−x)/kT; with Boltzmann statistics σ = z²e²Dc/kT (Nernst–Einstein).",
    "[[defects]].conductivity": "Instead of ``diffusivity``: the bulk conductivity σ (S/m) at the case temperature, "
                                "converted to D by the same convention; with ``migration_energy`` the prefactor σ0 "
                                "of σ0 exp(−E_m/kT).",
    "[[defects]].heat_of_transport": "Heat of transport Q* (eV): the thermal force −Q* ∇T/T.",
    "approximation": "``mott-schottky`` (frozen species at their bulk fraction), ``gouy-chapman`` (every "
                     "species equilibrates) or ``restricted`` (frozen at ``equilibration_temperature``).",
    "equilibration_temperature": "K: where the frozen species equilibrated (restricted equilibrium only).",
    "model": "``site-explicit`` (every site on its own plane with its own ΔE) or ``continuum`` (a regular grid "
             "of ``n_points`` cells with plane-averaged ΔE).",
    "boundary": "``periodic`` (a cell with a neutralising background) or ``dirichlet`` (ends: electrodes "
                "for dynamics).",
    "site_charges": "Include the host sites' own valences in the charge.",
    "statistics": "Site statistics: ``fermi-dirac`` (site exclusion) or ``boltzmann`` (dilute limit).",
    "dirichlet": "[φ_lower, φ_upper] (V): fixed end potentials; without it Dirichlet ends float with the gauge.",
    "permittivity": "Relative permittivity (structure cases may give it per material instead).",
    "x_min": "Å: lower edge of the solved region (structure cases: signed distance from the first boundary).",
    "x_max": "Å: upper edge; a periodic cell's period is ``x_max - x_min``.",
    "bulk": "[lo, hi] (Å): the bulk region, where φ averages to zero (structure cases: default from the grains).",
    "plane_tol": "Å: sites closer than this along the normal form one plane.",
    # -- site-file cases -------------------------------------------------------------------
    "sites": "The pyscses-format site file, relative to the case file.",
    "area": "Å²: cross-section of the column (pyscses' b × c); structure cases take it from the cell; "
            "layered cases' results per area do not depend on it.",
    "compat": "``pyscses``: pyscses 1.0.0's discretisation, Φ0 and resistivity formulas.",
    "n_points": "Grid points of ``model = \"continuum\"``.",
    # -- structure cases -------------------------------------------------------------------
    "structure": "A structure file (anything ``ase.io.read`` reads) with per-atom ``dE_<defect>`` arrays; "
                 "in a screen, the default source (it may be a glob or an ase.db).",
    "axis": "Lattice vector normal to the boundaries (0, 1, 2 or a, b, c; default: largest normal spacing, "
            "c for a pymatgen GrainBoundary).",
    "boundaries": "Fractional positions of the boundaries along ``axis`` (default: from ``grain_label``, "
                  "else (0, 0.5)).",
    "mode": "``cell`` (the whole periodic cell) or ``unfold`` (every site measured from its nearest boundary).",
    "pad_to": "Å from the boundary that bulk reaches: whole repeat units of the grain's own planes are added; "
              "``auto`` pads to 3 δ + 15 L_D.",
    "missing": "What a NaN ΔE means: ``error``; ``zero`` (filled with 0 eV, said in ``sc_dE_source_<defect>``); "
               "``equivalent`` (copied from a symmetry-equivalent site with an energy, spglib); ``drop`` the site.",
    "symprec": "Tolerance (Å) of spglib's symmetry search for ``missing = \"equivalent\"``.",
    "images": "Relaxed defect images (DFT or MD runs) from which the ``dE_<defect>`` arrays are formed.",
    "[images].files": "Image files relative to the case file: globs, ``file@SLICE`` or an ase.db path (anything "
                      "``ase.io.iread`` reads: OUTCAR, vasprun.xml, extxyz, traj, ...).",
    "[images].defects": "Per defect, ``[host species, replacing species]`` (``\"\"`` for a vacancy).",
    "[images].reference": "The zero of ΔE: ``far`` (the images furthest from a boundary), an energy (eV, a TOML "
                          "float) or a site index (a TOML integer).",
    "[images].missing": "As the top-level ``missing``, for sites without an image (give it once).",
    "[images].select": "An ase.db selection of the image rows.",
    "[images].pristine_energy": "The pristine structure's energy (eV), when its file carries none.",
    "average_energies": "Average ΔE over each plane (default: every site keeps its own).",
    "write_structure": "Write the annotated structure here (per-atom ``sc_phi``, ``sc_occ_<defect>``, "
                       "``sc_log10_occ_<defect>``, ...; ``info[\"sc_params\"]`` holds how it was made).",
    "materials": "Materials of a heterointerface, one table per label used by ``material_of``.",
    "[materials.<label>].permittivity": "Relative permittivity of the material.",
    "[materials.<label>].background": "Fixed charge density (e/Å³; negative for acceptors).",
    "[materials.<label>].offsets": "Label = energy offset (eV) of a defect or carrier relative to the "
                                   "reference material (standard chemical potential or band-edge step).",
    "[materials.<label>].dos": "Carrier label = density of states (Å⁻³; 0 = absent).",
    "material_of": "Per-atom array naming each atom's material, or [[label, frac_lo, frac_hi], ...] regions.",
    # -- layered cases ---------------------------------------------------------------------
    "layers": "The stack, from x = 0 upwards; the first layer is the reference (bulk potential 0).",
    "[[layers]].permittivity": "Relative permittivity of the layer.",
    "[[layers]].background": "Fixed charge density (e/Å³).",
    "[[layers]].offsets": "Label = energy offset (eV) relative to the first layer.",
    "[[layers]].dos": "Carrier label = density of states (Å⁻³; 0 = absent).",
    "[[layers]].thickness": "Thickness of the layer (Å).",
    "[[layers]].label": "Name of the layer's material (default ``layer <i>``).",
    "spacing": "Target grid spacing (Å); each layer gets a whole number of equal cells.",
    "sheet_charges": "e/Å², one per interface (1 C/m² = 0.62415 e/Å²).",
    "ends": "[φ_lower, φ_upper] (V); default: the bulk potentials of the outer materials.",
    # -- screening cases -------------------------------------------------------------------
    "sweep": "``ase-spacecharge screen`` only: key = [values]; the product over the entries, keys joined by "
             "commas vary together.",
}
