"""The plane profiles as CSV (``--csv``)."""

from __future__ import annotations

import csv

__all__ = ["write_profile_csv", "write"]


def write_profile_csv(path, solutions):
    """Write the plane profiles as CSV.

    Columns: temperature (K), x (Å), phi (V), rho (C/m³), one mole-fraction column per
    defect (``nan`` on planes that cannot host it); one block of rows per solution.

    Parameters
    ----------
    path : str or path-like
    solutions : sequence of SpaceChargeSolution

    Returns
    -------
    None

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge import solve
    >>> from ase_spacecharge.examples import ceria_like_problem
    >>> path = os.path.join(tempfile.mkdtemp(), "profile.csv")
    >>> write_profile_csv(path, [solve(ceria_like_problem(), 773.15)])
    >>> open(path).readline().strip()
    'temperature,x,phi,rho,Vo_mole_fraction,Gd_mole_fraction'
    """
    labels = solutions[0].defect_labels
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["temperature", "x", "phi", "rho"] + [f"{lab}_mole_fraction" for lab in labels])
        for sol in solutions:
            mf = sol.mole_fractions
            for i in range(sol.x.size):
                writer.writerow([sol.temperature, repr(float(sol.x[i])), repr(float(sol.phi[i])),
                                 repr(float(sol.rho[i]))] + [repr(float(mf[lab][i])) for lab in labels])


def write(path, result, **options):
    """The command line's writer: the profiles of every solved temperature.

    Parameters
    ----------
    path : str or path-like
    result : CaseResult
    **options
        Ignored (the command line passes every writer the same options).

    Returns
    -------
    list of (str, str)
        What was written and where.

    Examples
    --------
    >>> import os, tempfile
    >>> from ase_spacecharge.cases import load_case, run_case
    >>> from ase_spacecharge.examples import write_ceria_like_case
    >>> folder = tempfile.mkdtemp()
    >>> result = run_case(load_case(write_ceria_like_case(folder, temperature=773.15)))
    >>> write(os.path.join(folder, "p.csv"), result)[0][0]
    'profiles'
    """
    write_profile_csv(path, result.solutions)
    return [("profiles", path)]
