"""The benchmark plot: throughput beside its baseline, and latencies against their targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.bench.table import BASELINES


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display here
    import matplotlib.pyplot as plt

    throughput: list[tuple[str, float, float]] = []
    latency: list[tuple[str, float]] = []
    for bench, figures in results["figures"].items():
        for name, value in figures.items():
            if name in BASELINES:
                throughput.append((f"{bench}\n{name}", value, figures.get(BASELINES[name], 0.0)))
            elif name.endswith("_ms") or "_ms_" in name:
                latency.append((f"{bench}\n{name}", value))

    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6))
    if throughput:
        labels = [t[0] for t in throughput]
        xs = range(len(labels))
        left.bar([x - 0.2 for x in xs], [t[1] for t in throughput], width=0.4, label="ledger")
        left.bar([x + 0.2 for x in xs], [t[2] for t in throughput], width=0.4, label="baseline")
        left.set_xticks(list(xs), labels, fontsize=7, rotation=20, ha="right")
        left.set_ylabel("per second")
        left.set_yscale("log")
        left.legend()
        left.set_title("Throughput vs baseline (same run)")
    if latency:
        labels = [t[0] for t in latency]
        right.bar(range(len(labels)), [t[1] for t in latency], color="tab:orange")
        right.set_xticks(range(len(labels)), labels, fontsize=7, rotation=20, ha="right")
        right.set_ylabel("milliseconds")
        right.set_title("Latency")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
