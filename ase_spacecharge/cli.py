"""Command line: ``ase-spacecharge run CASE.toml [--json OUT] [--csv PROFILE] [--plot PNG]``."""

from __future__ import annotations

import argparse
import json
import math
import sys

from .sites import InputError
from .solver import ConvergenceError


def _print_layered(rows, stream):
    print(f"{'T (K)':>8} {'ends (V)':>24} {'interface potentials (V)':>30} {'iter':>5}", file=stream)
    for r in rows:
        ends = ", ".join(f"{v:.8f}" for v in r["ends"])
        faces = ", ".join(f"{v:.8f}" for v in r["interface_potentials"]) or "-"
        print(f"{r['temperature']:8.2f} {ends:>24} {faces:>30} {r['iterations']:5d}", file=stream)
        for lab, c in r["carriers"].items():
            print(f"{'':8} {lab}: band edge shift {c['edge_shift']:+.6f} eV (first plane - last)", file=stream)


def _print_summary(summary, stream):
    rows = summary.get("results", [summary])
    if "interface_potentials" in rows[0]:
        return _print_layered(rows, stream)
    print(f"{'T (K)':>8} {'phi0 (V)':>12} {'r_perp':>12} {'r_par':>12} {'phi0_MS (V)':>12} "
          f"{'L_D (Å)':>9} {'width (Å)':>10} {'iter':>5}", file=stream)
    for r in rows:
        ms = r["phi0_mott_schottky"]
        print(f"{r['temperature']:8.2f} {r['phi0']:12.8f} {r['r_perp']:12.6g} {r['r_par']:12.6g} "
              f"{(ms if ms is not None else float('nan')):12.6f} {r['debye_length']:9.4f} "
              f"{r['space_charge_width']:10.4f} {r['iterations']:5d}", file=stream)
    if "activation_energy_perp" in summary:
        print(f"activation energy: perpendicular {summary['activation_energy_perp']:.4f} eV, "
              f"parallel {summary['activation_energy_par']:.4f} eV", file=stream)


def _json_safe(obj):
    """NaN/inf become null: JSON has no such numbers."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ase-spacecharge",
                                     description="Space-charge layers at grain boundaries and interfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="solve a case file")
    run.add_argument("case", help="case file (TOML)")
    run.add_argument("--json", metavar="OUT", help="write the summary as JSON")
    run.add_argument("--csv", metavar="PROFILE", help="write the plane profiles as CSV")
    run.add_argument("--plot", metavar="PNG", help="plot the profiles")
    run.add_argument("--plot-structure", metavar="PNG",
                     help="picture of the annotated cell (structure cases), coloured by --color-by")
    run.add_argument("--color-by", metavar="ARRAY", default="sc_phi",
                     help="per-atom array to colour by: sc_phi (default), sc_occ_<defect>, sc_dE_<defect>")
    args = parser.parse_args(argv)

    from .case import plot_profiles, plot_structure, run_case, write_profile_csv
    try:
        summary, solutions = run_case(args.case)
    except (InputError, ConvergenceError, OSError) as exc:
        print(f"ase-spacecharge: error: {exc}", file=sys.stderr)
        return 2
    _print_summary(summary, sys.stdout)
    if "projection" in summary:
        print(summary["projection"])
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(_json_safe(summary), handle, indent=1)
    if args.csv:
        write_profile_csv(args.csv, solutions)
    try:
        if args.plot:
            plot_profiles(args.plot, solutions)
        if args.plot_structure:
            plot_structure(args.plot_structure, solutions, color_by=args.color_by)
    except InputError as exc:
        print(f"ase-spacecharge: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
