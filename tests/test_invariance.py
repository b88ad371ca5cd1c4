"""The answer does not depend on where the cell's origin is, on the order of the atoms, or
on an atom sitting exactly on the edge of the domain (issue 9)."""

import numpy as np
import pytest
from ase.build import bulk

from ase_spacecharge import InputError
from ase_spacecharge.examples import CERIA_DEFECTS, ceria_like_atoms
from ase_spacecharge.structure import annotate, solve_structure

T = 773.15
KW = dict(permittivity=55.0)


def _shifted(atoms, shift):
    """The same crystal with the origin moved by ``shift`` (fractional, along c)."""
    out = atoms.copy()
    frac = out.get_scaled_positions(wrap=False)
    frac[:, 2] = np.mod(frac[:, 2] + shift, 1.0)
    out.set_scaled_positions(frac)
    return out


def _same(a, b, perm=None):
    (out_a, sol_a, _), (out_b, sol_b, _) = a, b
    assert sol_b.phi0 == pytest.approx(sol_a.phi0, rel=1e-12, abs=1e-14)
    for key in ("sc_r_perp", "sc_r_par"):
        assert out_b.info[key] == pytest.approx(out_a.info[key], rel=1e-12)
    phi_a = out_a.arrays["sc_phi"] if perm is None else out_a.arrays["sc_phi"][perm]
    np.testing.assert_allclose(out_b.arrays["sc_phi"], phi_a, rtol=0, atol=1e-12)


def _two_grains():
    """Two boundaries: a well at 0.5 and a bare boundary at 0.1 (grains 0.4 and 0.6 thick)."""
    return ceria_like_atoms(well=-0.35, symmetric=False), [0.5, 0.1]


@pytest.mark.parametrize("shift", [0.731, 0.25, 0.5, 0.9])
def test_shifting_the_origin_changes_nothing(shift):
    atoms, b = _two_grains()
    ref = solve_structure(atoms, CERIA_DEFECTS, T, boundaries=b, **KW)
    moved = solve_structure(_shifted(atoms, shift), CERIA_DEFECTS, T, boundaries=[v + shift for v in b], **KW)
    _same(ref, moved)


def test_equal_grains_choose_their_reference_by_label_not_by_origin():
    atoms, _ = _two_grains()
    frac = atoms.get_scaled_positions()[:, 2]
    atoms.set_array("grain_label", np.where((frac > 0.25) & (frac < 0.75), "top", "bottom").astype("U8"))
    ref = solve_structure(atoms, CERIA_DEFECTS, T, **KW)
    for shift in (0.3, 0.6, 0.731):
        _same(ref, solve_structure(_shifted(atoms, shift), CERIA_DEFECTS, T, **KW))


def test_permuting_the_atoms_changes_nothing():
    atoms, b = _two_grains()
    perm = np.random.default_rng(3).permutation(len(atoms))
    ref = solve_structure(atoms, CERIA_DEFECTS, T, boundaries=b, **KW)
    _same(ref, solve_structure(atoms[perm], CERIA_DEFECTS, T, boundaries=b, **KW), perm)


def test_atom_exactly_opposite_the_boundary_in_cell_mode():
    atoms = ceria_like_atoms()
    frac = atoms.get_scaled_positions()
    o = int(np.flatnonzero(atoms.symbols == "O")[0])
    edge = atoms.copy()
    frac_e = frac.copy()
    frac_e[:, 2] = np.mod(frac[:, 2] - frac[o, 2], 1.0)  # O atom o at 0, exactly opposite a boundary at 0.5
    edge.set_scaled_positions(frac_e)
    b = 0.5
    out, sol, proj = solve_structure(edge, CERIA_DEFECTS, T, boundaries=[b], **KW)
    assert sol.site_x.size == len(edge) and np.isfinite(out.arrays["sc_phi"]).all()
    nudged = solve_structure(_shifted(edge, 1e-3), CERIA_DEFECTS, T, boundaries=[b + 1e-3], **KW)
    _same((out, sol, proj), nudged)


def test_atom_exactly_midway_in_unfold_mode():
    atoms = ceria_like_atoms()
    frac = atoms.get_scaled_positions()[:, 2]
    o = int(np.flatnonzero(atoms.symbols == "O")[3])
    b = [frac[o] + 0.25, frac[o] - 0.25]  # atom o midway between the two boundaries
    out, sol, proj = solve_structure(atoms, CERIA_DEFECTS, T, boundaries=b, mode="unfold", **KW)
    assert np.isfinite(out.arrays["sc_phi"]).all()
    assert sol.site_x.size == len(atoms)


def test_perfect_fluorite_supercell_is_annotated_whole():
    atoms = bulk("CeO2", "fluorite", a=5.411, cubic=True).repeat((1, 1, 6))
    atoms.set_array("dE_Vo", np.where(atoms.symbols == "O", 0.0, np.nan))
    atoms.set_array("dE_Gd", np.where(atoms.symbols == "Ce", 0.0, np.nan))
    out, sol, proj = solve_structure(atoms, CERIA_DEFECTS, T, **KW)
    assert sol.site_x.size == len(atoms) and np.isfinite(out.arrays["sc_phi"]).all()
    # no segregation: every O plane sits at the same potential (the pattern is periodic)
    o_phi = out.arrays["sc_phi"][atoms.symbols == "O"]
    assert np.ptp(o_phi) < 1e-9


def test_annotate_refuses_another_structure_or_solution():
    atoms, b = _two_grains()
    out, sol, proj = solve_structure(atoms, CERIA_DEFECTS, T, boundaries=b, **KW)
    perm = np.random.default_rng(0).permutation(len(atoms))
    with pytest.raises(InputError, match="same order"):
        annotate(atoms[perm], sol, proj)
    bigger = atoms.copy()
    bigger.append("O")
    with pytest.raises(InputError, match="atoms but the projection was made from"):
        annotate(bigger, sol, proj)
    moved = atoms.copy()
    moved.positions[5, 2] += 0.5
    with pytest.raises(InputError, match="atom 5 is not where it was"):
        annotate(moved, sol, proj)
    _, other, _ = solve_structure(atoms, CERIA_DEFECTS, T, boundaries=[0.5], mode="unfold", pad_to=60.0, **KW)
    with pytest.raises(InputError, match="do not belong together"):
        annotate(atoms, other, proj)
