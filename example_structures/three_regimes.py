"""Φ0(T) of the shipped CeO2 Σ3(111) boundary in three regimes, and what a Mott–Schottky
analysis of each regime's impedance spectrum would report.

    python example_structures/three_regimes.py [--plot docs/three_regimes.png] [--nyquist docs/nyquist]

The case is ``ceria_sigma3_111/impedance.toml`` (V_O mobile, D = 1e-7 exp(-0.6 eV/kT) m²/s;
Gd frozen on the time scale of the measurement), solved as

* Mott–Schottky: Gd uniform at its nominal fraction;
* Gouy–Chapman: Gd equilibrated at the measurement temperature (then frozen);
* restricted equilibrium: Gd equilibrated at 1673 K (a sintering temperature) and frozen,
  V_O re-equilibrated at the measurement temperature (Usler et al., Solids 5 (2024) 404).

For each, the solved Φ0 and, from the spectrum's two arcs (two RC elements in series), the
grain-boundary resistivity ratio ``r_gb = R_gb C_gb / (R_b C_b)`` and its Mott–Schottky Φ0
(Lambert W).  Prints a Markdown table.
"""

import argparse
from pathlib import Path

from ase_spacecharge.cases.run import run_case
from ase_spacecharge.cases.casefile import load_case

CASE = Path(__file__).resolve().parent / "ceria_sigma3_111" / "impedance.toml"
REGIMES = (("Mott–Schottky", "mott-schottky", None), ("Gouy–Chapman", "gouy-chapman", None),
           ("restricted (1673 K)", "restricted", 1673.0))


def run():
    out = {}
    for name, approximation, t_eq in REGIMES:
        case = load_case(CASE)
        case.update(approximation=approximation, equilibration_temperature=t_eq)
        out[name] = run_case(case).summary
    return out


def table(out):
    lines = ["| T (K) | regime | Φ0 solved (V) | r_gb from the spectrum | Φ0 Mott–Schottky from the spectrum (V) |",
             "|---|---|---|---|---|"]
    temps = [r["temperature"] for r in next(iter(out.values()))["results"]]
    for i, T in enumerate(temps):
        for name, summary in out.items():
            r = summary["results"][i]
            z = r["impedance"]
            ms = "—" if z["phi0_mott_schottky"] is None else f"{z['phi0_mott_schottky']:.3f}"
            lines.append(f"| {T:g} | {name} | {r['phi0']:.3f} | {z['r_gb']:.3g} | {ms} |")
    lines.append("")
    lines.append("Activation energies from the spectra (ln σT against 1/kT), bulk / grain boundary (eV): " + "; ".join(
        f"{name} {s['activation_energy_bulk']:.3f} / {s['activation_energy_gb']:.3f}" for name, s in out.items()))
    return "\n".join(lines)


def plot(out, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 5.5), constrained_layout=True)
    for k, (name, summary) in enumerate(out.items()):
        rows = summary["results"]
        T = [r["temperature"] for r in rows]
        ax.plot(T, [r["phi0"] for r in rows], "o-", color=f"C{k}", label=f"{name}: solved")
        ax.plot(T, [r["impedance"]["phi0_mott_schottky"] for r in rows], "s--", color=f"C{k}", mfc="none",
                label=f"{name}: Mott–Schottky from the spectrum")
    ax.set_xlabel("measurement temperature (K)")
    ax.set_ylabel("Φ0 (V)")
    ax.set_title("CeO2 Σ3(111), 20 % Gd, 5 % V_O: Φ0 solved and read from impedance")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def nyquist(out, stem):
    """One Nyquist figure per regime, ``<stem>_<regime>.png``: a column per temperature."""
    from ase_spacecharge.visual.impedance import nyquist_figure
    paths = []
    for name, summary in out.items():
        fig = nyquist_figure(summary["results"])
        fig.suptitle(f"{name}: Nyquist plots, one column per temperature; open circles: whole decades (Hz)",
                     fontsize="medium")
        slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.split()[0].lower())
        paths.append(f"{stem}_{slug}.png")
        fig.savefig(paths[-1], dpi=150)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PNG", help="write the Φ0(T) plot")
    parser.add_argument("--nyquist", metavar="STEM", help="write each regime's Nyquist plots, <STEM>_<regime>.png")
    args = parser.parse_args(argv)
    out = run()
    print(table(out))
    if args.plot:
        plot(out, args.plot)
        print(f"wrote plot: {args.plot}")
    for path in nyquist(out, args.nyquist) if args.nyquist else []:
        print(f"wrote Nyquist plot: {path}")


if __name__ == "__main__":
    main()
