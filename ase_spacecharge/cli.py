"""Command line: ``ase-spacecharge run CASE.toml [--json OUT] [--csv PROFILE] [--plot PNG]
[--plot-structure PNG] [--view HTML] [--chemiscope JSON] [--spectrum CSV] [-o STRUCTURE]``,
``ase-spacecharge energies CASE.toml -o STRUCTURE`` and ``ase-spacecharge screen CASE.toml
--structures SRC... --out results.db [--scheduler ADDRESS | --workers N | --serial]``;
``-q/--quiet`` and ``-T/--traceback`` (as ASE's command line) everywhere.

Also ``python -m ase_spacecharge``.  Nothing heavy is imported before the arguments are
parsed, so ``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]

CASE_HELP = """\
A case file is TOML: a site file (sites = "sites.txt", pyscses format), a structure
(structure = "gb.extxyz", anything ase.io.read reads) or layers ([[layers]]), plus
temperature (K, or a list), permittivity, [[defects]] tables (label, valence, mole_fraction,
mobility; site = host species for structures) and options; out of equilibrium also
[transient], [steady_state] and [impedance] tables (with boundary = "dirichlet" and the
species' diffusivities).  A structure's energies come from its dE_<defect> arrays or from
defect images: [images] files = ["relax/*/OUTCAR"] (globs, file@SLICE, ase.db) with
[images.defects] Vo = ["O", ""].  A structure this command wrote re-runs from its
info["sc_params"]: ase-spacecharge run out.extxyz.  See the README, section "Case files".
Paths inside a case file are relative to the case file; output paths given on the command
line are relative to the working directory."""


def _parser():
    from . import __version__
    parser = argparse.ArgumentParser(prog="ase-spacecharge",
                                     description="Space-charge layers at grain boundaries and interfaces.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common_options(parser, None)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="solve a case file", description="Solve a case file.", epilog=CASE_HELP,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("case", help="case file (TOML), or a structure this command wrote (re-run from its sc_params)")
    _common_options(run, argparse.SUPPRESS)
    run.add_argument("-o", "--write-structure", metavar="PATH", help="write the annotated structure here (extxyz, "
                     "ase.db, ...; instead of the case's write_structure)")
    run.add_argument("--json", metavar="OUT", help="write the summary as JSON ('-': to standard output)")
    run.add_argument("--csv", metavar="PROFILE", help="write the plane profiles as CSV")
    run.add_argument("--plot", metavar="PNG", help="plot the profiles (and beside it the transient, I–V, Nyquist "
                     "and Bode plots of the case's dynamics)")
    run.add_argument("--spectrum", metavar="CSV", help="write the impedance spectrum as CSV: frequency (Hz), Z' and "
                     "Z'' (Ω·m²), no header, as impedance.py and pyimpspec read it; one file per temperature "
                     "(<stem>_<T>K.csv) for a temperature list")
    run.add_argument("--plot-structure", metavar="PNG",
                     help="picture of the annotated cell (structure cases), coloured by --color-by")
    run.add_argument("--view", metavar="HTML", help="interactive viewer of the annotated cell (structure cases): "
                     "one self-contained HTML file, the atoms in 3D coloured by any sc_ array beside the profile")
    run.add_argument("--chemiscope", metavar="JSON", help="the annotated cell as a chemiscope dataset (structure "
                     "cases; pip install 'ase_spacecharge[chemiscope]'): every sc_ property with its unit")
    run.add_argument("--color-by", metavar="ARRAY", default="sc_phi",
                     help="per-atom array to colour by: sc_phi (default), sc_log10_occ_<defect>, sc_occ_<defect>, "
                     "sc_dE_<defect>")
    energies = sub.add_parser("energies", help="write a structure case's segregation energies without solving",
                              description="Write the pristine structure with its dE_<defect> arrays (the images' "
                              "among them), sc_dE_<defect> as the solve would take them and sc_dE_source_<defect>, "
                              "without solving.")
    energies.add_argument("case", help="case file (TOML) of a structure case")
    energies.add_argument("-o", "--output", required=True, metavar="PATH", help="the structure to write (extxyz, ...)")
    _common_options(energies, argparse.SUPPRESS)
    _screen_parser(sub)
    return parser


def _common_options(parser, default):
    default = False if default is None else default  # a subcommand's SUPPRESS keeps the top level's value
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="print only warnings and errors")
    parser.add_argument("-T", "--traceback", action="store_true", default=default,
                        help="show the traceback of an error (for bug reports)")


SCREEN_HELP = """\
The case gives the common settings of a structure case (no `structure` needed) and a
[sweep] table of parameter lists, one row per structure and parameter set (the product):
  [sweep]
  temperature = [673, 773, 873]
  "defects.Gd.mole_fraction, defects.Vo.mole_fraction" = [[0.1, 0.025], [0.2, 0.05]]
(keys joined by commas vary together).  Rows go into an ase.db as tasks finish; a failed
row records why; rerunning the same command computes only the rows the database lacks.
Dask runs the tasks: in this process by default, on N local worker processes with
--workers, or on a running dask.distributed scheduler with --scheduler (e.g. started by
dask-jobqueue on Slurm/PBS).  See the README, section "Screening"."""


def _seconds(text):
    """A positive, finite number of seconds (argparse names the option when this raises)."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise ValueError(text)
    return value


_seconds.__name__ = "positive number of seconds"


def _screen_parser(sub):
    scr = sub.add_parser("screen", help="screen structures x parameter sets into an ase.db",
                         description="Screen structures x parameter sets.", epilog=SCREEN_HELP,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    scr.add_argument("case", help="case file (TOML) with the common settings and a [sweep] table")
    scr.add_argument("--structures", nargs="+", metavar="SRC", help="structure files, quoted globs "
                     "('dir/*.extxyz') or ase.db files (default: the case's `structure`)")
    scr.add_argument("--select", metavar="SEL", help="ase.db selection for database sources, e.g. 'natoms<500'")
    scr.add_argument("--out", required=True, metavar="DB", help="results database (ase.db, *.db)")
    where = scr.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running dask.distributed scheduler, "
                       "e.g. tcp://host:8786")
    where.add_argument("--workers", type=int, metavar="N", help="a local cluster of N worker processes")
    where.add_argument("--serial", action="store_true", help="a plain loop in this process (no Dask)")
    scr.add_argument("--timeout", type=_seconds, default=10.0, metavar="S",
                     help="seconds to reach --scheduler (default 10)")
    scr.add_argument("--retry-failed", action="store_true", help="compute the failed rows again")
    scr.add_argument("--no-writeback", action="store_true", help="store the structures without per-atom results")
    _common_options(scr, argparse.SUPPRESS)


class _ProgressLine:
    """A progress line on stderr: redrawn in place (``\\r``) at most five times a second on a
    terminal; elsewhere (a log file, a pipe) a plain line at most every ten seconds, and the
    last; nothing when quiet."""

    def __init__(self, quiet=False):
        import time
        self.clock, self.start, self.last = time.perf_counter, time.perf_counter(), -1e9
        self.tty, self.quiet = sys.stderr.isatty(), quiet

    def show(self, text, final=False):
        now = self.clock()
        if self.quiet or not (final or now - self.last > (0.2 if self.tty else 10.0)):
            return
        self.last = now
        if self.tty:
            print(f"\r{text}   ", end="\n" if final else "", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)


class _ScreenProgress:
    """Progress of a screen on stderr (see :class:`_ProgressLine`)."""

    def __init__(self, out, quiet=False):
        self.line, self.out, self.total = _ProgressLine(quiet), out, 0

    def __call__(self, done, total, failed):
        self.total = total
        if done == 0 and not self.line.quiet:
            print(f"screen: {total} rows to compute into {self.out}", file=sys.stderr, flush=True)
        if total:
            elapsed = self.line.clock() - self.line.start
            left = f", ~{elapsed * (total - done) / done:.0f} s left" if 0 < done < total else ""
            self.line.show(f"screen: {done}/{total} rows, {failed} failed, {elapsed:.0f} s{left}", done == total)


def _screen_report(args, table, computed):
    """The outcome on stdout, failed rows (by structure and error) and warnings on stderr; 1
    when rows are missing."""
    status = table.status.value_counts().to_dict() if len(table) else {}
    print(f"screen: {len(table)} rows in {args.out} ({computed} computed now): {status.get('ok', 0)} ok, "
          f"{status.get('failed', 0)} failed")
    failed = table[table.status == "failed"]
    if len(failed):
        print(f"ase-spacecharge: warning: {len(failed)} rows failed (`ase db {args.out} status=failed` lists them):",
              file=sys.stderr)
        groups = failed.groupby(["source", "error"], sort=False).size()
        for (source, error), n in groups.head(5).items():
            print(f"  {source} ({n} rows): {error}", file=sys.stderr)
        if len(groups) > 5:
            print(f"  ... and {len(groups) - 5} more", file=sys.stderr)
    warned = int((table.warning.fillna("") != "").sum()) if len(table) else 0
    if warned:
        print(f"ase-spacecharge: warning: {warned} rows have warnings (their `warning` says which)", file=sys.stderr)
    missing = int(status.get("missing", 0))
    if missing:
        print(f"ase-spacecharge: error: {missing} rows were not computed (a worker was lost); rerun the same "
              "command to finish them", file=sys.stderr)
    return 1 if missing else 0


def _screen(args):
    """``ase-spacecharge screen``: plan (every input checked), connect, run, report."""
    import sqlite3
    from .errors import InputError
    from .screen import connect, plan_screen, run_plan
    try:
        plan = plan_screen(args.structures, args.case, select=args.select, out=args.out)
        if plan["repeated"]:
            print(f"screen: {len(plan['repeated'])} structures repeat an earlier one (same content), screened once: "
                  f"{', '.join(plan['repeated'][:3])}", file=sys.stderr)
        progress = _ScreenProgress(args.out, args.quiet)
        with connect(args.scheduler, args.workers, args.timeout) as client:
            table = run_plan(plan, "serial" if args.serial else client, out=args.out, progress=progress,
                             retry_failed=args.retry_failed, writeback=not args.no_writeback)
    except (InputError, OSError, sqlite3.Error) as exc:
        return _fail(args, exc)
    except KeyboardInterrupt:
        print(f"\nase-spacecharge: interrupted; the finished rows are in {args.out}: rerun the same command to "
              "finish", file=sys.stderr)
        return 130
    return _screen_report(args, table, progress.total)


def _check_options(args, case):
    """Everything the options ask for is possible, before the solve: output folders exist
    and are writable, plots have matplotlib, the cell picture has a structure case and a
    per-atom array to colour by."""
    import os
    from .cases.casefile import check_write_structure
    from .errors import InputError, check_writable
    for option in ("json", "csv", "plot", "plot_structure", "spectrum", "view", "chemiscope"):
        path = getattr(args, option)
        if path and not (option == "json" and path == "-"):
            check_writable(os.path.dirname(os.path.abspath(path)), f"--{option.replace('_', '-')} {path}")
    if args.write_structure and case["kind"] != "structure":
        raise InputError("--write-structure needs a structure case (structure = ...)")
    args.write_structure = check_write_structure(case, args.write_structure) if case["kind"] == "structure" else None
    if args.spectrum and not case.get("impedance"):
        raise InputError("--spectrum needs an [impedance] table in the case file")
    if args.plot or args.plot_structure:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise InputError("--plot and --plot-structure need matplotlib: pip install 'ase_spacecharge[plot]'") \
                from None
    for option in ("view", "chemiscope"):
        if getattr(args, option) and case["kind"] != "structure":
            raise InputError(f"--{option} needs a structure case (structure = ...)")
    if args.chemiscope:
        try:
            import chemiscope  # noqa: F401
        except ImportError:
            raise InputError("--chemiscope needs chemiscope: pip install 'ase_spacecharge[chemiscope]'") from None
    if args.plot_structure or args.view:
        if case["kind"] != "structure":
            raise InputError("--plot-structure needs a structure case (structure = ...)")
        from .structure.annotate import result_keys
        allowed = result_keys([d["label"] for d in case["defects"]], [c.label for c in case["carriers"]],
                              sensitivities=case.get("sensitivity") is not None, text=False)
        if args.color_by not in allowed:
            raise InputError(f"--color-by {args.color_by!r}: not a per-atom result of this case; choose one of "
                             f"{allowed}")


class _Progress:
    """A progress line on stderr for transients that take more than a second (see
    :class:`_ProgressLine`)."""

    def __init__(self, quiet=False):
        self.line = _ProgressLine(quiet)

    def __call__(self, t, t_end):
        if self.line.clock() - self.line.start > 1.0:
            self.line.show(f"transient: t = {t:.3e} s of {t_end:.3e} s", t >= t_end)


def _write_outputs(args, result):
    """Write what the options ask for (one writer per format: :mod:`.cases.output`)."""
    from .cases.output import FORMATS, write_outputs
    return write_outputs(result, {option: getattr(args, option) for option in FORMATS}, color_by=args.color_by)


def _fail(args, exc):
    """Report an error in one line (exit status 2), or with ``-T`` raise it with its traceback."""
    if getattr(args, "traceback", False):
        raise exc
    print(f"ase-spacecharge: error: {exc}", file=sys.stderr)
    return 2


def _warn(caught):
    """Print each space-charge warning once, as one line."""
    from .errors import SpaceChargeWarning
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, SpaceChargeWarning)):
        print(f"ase-spacecharge: warning: {message}", file=sys.stderr)


def _run(args):
    """``ase-spacecharge run``: check every option, solve, print, write."""
    import warnings
    from .errors import ConvergenceError, InputError, SpaceChargeWarning
    from .cases.run import run_case
    from .cases.casefile import load_case
    from .report import format_summary
    out = sys.stderr if args.json == "-" else sys.stdout  # --json -: standard output holds the JSON alone
    try:
        case = load_case(args.case)
        _check_options(args, case)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SpaceChargeWarning)
            result = run_case(case, progress=_Progress(args.quiet), write=False)
        _warn(caught)
        if not args.quiet:
            print(format_summary(result.summary), file=out)
            if result.projection is not None:
                print(result.summary["projection"], file=out)
        written = _write_outputs(args, result)
    except (InputError, ConvergenceError, OSError) as exc:
        return _fail(args, exc)
    for what, path in written if not args.quiet else ():
        print(f"wrote {what}: {path}", file=out)
    return 0


def _energies(args):
    """``ase-spacecharge energies``: the pristine structure with its energies and their sources."""
    import os
    import warnings
    from .errors import InputError, SpaceChargeWarning, check_writable
    from .cases.casefile import load_case
    from .cases.run import case_energies
    from .cases.output.structure_file import write_structure_file
    try:
        case = load_case(args.case)
        check_writable(os.path.dirname(os.path.abspath(args.output)), f"--output {args.output}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SpaceChargeWarning)
            atoms, proj = case_energies(case)
        _warn(caught)
        write_structure_file(args.output, [atoms])
    except (InputError, OSError) as exc:
        return _fail(args, exc)
    if not args.quiet:
        print(proj.report())
        print(f"wrote the structure with its energies: {args.output}")
    return 0


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for bad input or a solve that did not converge (the message names
        the problem; no traceback unless ``-T``); ``screen``: 1 when rows were lost with a
        worker (a rerun finishes them), 130 when interrupted.

    Examples
    --------
    >>> import os, tempfile
    >>> case = os.path.join(tempfile.mkdtemp(), "case.toml")
    >>> _ = open(case, "w").write('sites = "missing.txt"\\ntemperature = 773.15\\n')
    >>> main(["run", case])
    2
    """
    args = _parser().parse_args(argv)
    return {"screen": _screen, "energies": _energies}.get(args.command, _run)(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
