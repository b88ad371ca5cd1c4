"""Start-up time of the package and its command line, relative to ``import numpy``; prints a table.

    python benchmarks/bench_startup.py [--repeat 20]

Each command is run in a fresh subprocess of the same interpreter (``sys.executable``);
wall-clock seconds from spawn to exit.  The commands are interleaved round-robin (one run of
each per round, ``--repeat`` rounds, after one untimed warm-up round) so that drift on a
shared, noisy machine affects all of them alike.  Printed per command: median and min
seconds, and the ratio of its median to the median of the baseline measured in the same run.

    baseline  python -c "import numpy"
    (a)       python -c "import ase_spacecharge"                           target <= 3x
    (b)       ase-spacecharge --help                                       target <= 2x
    (c)       python -c "from ase_spacecharge import solve, build_problem"  information
    (d)       python -m ase_spacecharge --version                          information

The console script is the ``ase-spacecharge`` next to ``sys.executable``; if absent,
``python -m ase_spacecharge --help`` stands in (noted).  This script only reports: it
always exits 0.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def commands():
    """[(label, argv, target ratio or None, note)]; the first one is the baseline."""
    py = sys.executable
    exe = Path(py).with_name("ase-spacecharge" + (".exe" if os.name == "nt" else ""))
    if exe.is_file():
        cli, cli_note = [str(exe), "--help"], ""
        cli_label = "ase-spacecharge --help"
    else:
        cli, cli_note = [py, "-m", "ase_spacecharge", "--help"], f"({exe.name} not found: via -m)"
        cli_label = "python -m ase_spacecharge --help"
    return [
        ('python -c "import numpy"', [py, "-c", "import numpy"], None, "baseline"),
        ('python -c "import ase_spacecharge"', [py, "-c", "import ase_spacecharge"], 3.0, ""),
        (cli_label, cli, 2.0, cli_note),
        ('python -c "from ase_spacecharge import solve, build_problem"',
         [py, "-c", "from ase_spacecharge import solve, build_problem"], None, "information"),
        ("python -m ase_spacecharge --version", [py, "-m", "ase_spacecharge", "--version"], None, "information"),
    ]


def run_once(argv):
    """Wall-clock seconds of one run of ``argv``; None if it failed."""
    t = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        print(f"  ! {' '.join(argv)} exited {proc.returncode}: {err[-1] if err else ''}", file=sys.stderr)
        return None
    return t


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds (each runs every command once)")
    args = parser.parse_args()
    cmds = commands()
    times = [[] for _ in cmds]
    for _, argv, _, _ in cmds:  # warm-up: file-system caches, .pyc files
        run_once(argv)
    args.repeat = max(1, args.repeat)
    for _ in range(args.repeat):
        for i, (_, argv, _, _) in enumerate(cmds):
            t = run_once(argv)
            if t is not None:
                times[i].append(t)
    base = statistics.median(times[0]) if times[0] else float("nan")
    print(f"Python {sys.version.split()[0]} ({sys.executable}); {args.repeat} interleaved rounds; "
          f"{os.cpu_count()} CPUs\n")
    print("| command | median (s) | min (s) | ratio (median / numpy) | target |")
    print("|---|---:|---:|---:|---|")
    for (label, _, target, note), ts in zip(cmds, times):
        if not ts:
            print(f"| `{label}` | failed | failed | | {note} |")
            continue
        med, lo = statistics.median(ts), min(ts)
        ratio = med / base
        if target is None:
            tgt = note
        else:
            tgt = f"<= {target:g}x: {'met' if ratio <= target else 'NOT met'}" + (f" {note}" if note else "")
        print(f"| `{label}` | {med:.3f} | {lo:.3f} | {ratio:.2f}x | {tgt} |")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # report, never fail
        print(f"bench_startup: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(0)
