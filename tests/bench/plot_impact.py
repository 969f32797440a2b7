#!/usr/bin/python3
"""Draws the impact bench's figures: for each fault, the clients' answered and failed queries
per 100 ms around the fault (t = 0), one panel per checker, side by side, as
OUTDIR/impact-FAULT.png. Input: the JSON tests/bench/run impact writes ({checker: {fault:
[[t, answered, failed], ...]}}). Debian's python3-matplotlib; run by /usr/bin/python3. FAMILY
(optional, e.g. IPv6) goes into each figure's title.

  /usr/bin/python3 tests/bench/plot_impact.py build/bench/impact-series.json deploy/docs [FAMILY]
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    series = json.loads(Path(argv[1]).read_text())
    outdir = Path(argv[2])
    family = f" over {argv[3]}" if len(argv) > 3 else ""
    checkers = [c for c in series if series[c]]
    faults = sorted({f for c in checkers for f in series[c]})
    written = []
    for fault in faults:
        fig, axes = plt.subplots(1, len(checkers), figsize=(4.2 * len(checkers), 3.0),
                                 sharey=True, squeeze=False)
        for ax, checker in zip(axes[0], checkers):
            rows = series[checker].get(fault, [])
            t = [r[0] for r in rows]
            ax.bar(t, [r[1] for r in rows], width=0.1, align="edge", color="#4a90d9",
                   label="answered")
            ax.bar(t, [r[2] for r in rows], width=0.1, align="edge", color="#d9534f",
                   bottom=[r[1] for r in rows], label="failed or lost")
            ax.axvline(0, color="black", linewidth=0.8, linestyle="--")
            lost = sum(r[2] for r in rows)
            ax.set_title(f"{checker}: {lost} failed", fontsize=9)
            ax.set_xlabel("seconds from the fault (100 ms bins)", fontsize=8)
            ax.tick_params(labelsize=7)
        axes[0][0].set_ylabel("queries per 100 ms", fontsize=8)
        axes[0][0].legend(fontsize=7, loc="lower left")
        fig.suptitle(f"{fault}: 1,000 queries/s{family}, 3 nodes, fault on node 1 at t = 0",
                     fontsize=9)
        fig.tight_layout()
        path = outdir / f"impact-{fault}.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        written.append(path.name)
    print(f"impact: figures {', '.join(written)} in {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
