"""``python -m infra.bench [--only NAME,...] [--quick]``: run the benchmarks, print the table,
write ``bench/results.json`` and ``bench/results.png`` (with ``--only``, the other benchmarks'
last figures are kept)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.bench.env import BenchEnv, bench_environment
from infra.bench.memory import peak_rss_mib, reset_peak
from infra.bench.plot import plot
from infra.bench.table import TARGETS, render
from infra.settings import load_settings

Bench = Callable[[BenchEnv, bool], dict[str, float]]


def _benchmarks() -> dict[str, Bench]:
    from infra.bench import pipeline

    found: dict[str, Bench] = {
        "kafka_pipeline": lambda env, quick: pipeline.bench_kafka_pipeline(
            env, 20_000 if quick else 100_000
        ),
        "rebuild": lambda env, quick: pipeline.bench_rebuild(env, 50_000 if quick else 300_000),
        "freshness": lambda env, quick: pipeline.bench_freshness(env, 50 if quick else 200),
    }
    for name, module in _optional_modules().items():
        found[name] = module
    return found


def _optional_modules() -> dict[str, Bench]:
    """Benchmarks contributed by other parts of the ledger (each a ``run(env, quick)``)."""
    import importlib

    contributed = {
        "commands_http": "infra.bench.http_commands",
        "year": "infra.bench.year",
        "audit": "infra.integrity.bench",
    }
    found: dict[str, Bench] = {}
    for name, module_name in contributed.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        run = getattr(module, "run", None)
        if run is not None:
            found[name] = run
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--quick", action="store_true", help="smaller data (a smoke run)")
    parser.add_argument("--out", default="bench", help="folder for results.json and results.png")
    args = parser.parse_args(argv)

    benchmarks = _benchmarks()
    chosen = [n for n in args.only.split(",") if n] or list(benchmarks)
    unknown = [n for n in chosen if n not in benchmarks]
    if unknown:
        print(
            f"bench: unknown benchmark {unknown[0]!r}; known: {', '.join(benchmarks)}",
            file=sys.stderr,
        )
        return 2
    out = Path(args.out)
    started_at = datetime.now(UTC).isoformat()
    results: dict[str, Any] = {
        "started_at": started_at,
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "platform": platform.platform(),
        },
        "quick": args.quick,
        "targets": TARGETS,
        "figures": {},
        "measured_at": {},
    }
    if args.only:
        _keep_the_others(results, out / "results.json")
    with bench_environment(load_settings()) as env:
        for name in chosen:
            print(f"running {name} …", flush=True)
            started = time.perf_counter()
            env.peaks.clear()
            reset_peak()
            figures = benchmarks[name](env, args.quick)
            results["figures"][name] = {**figures, **_peaks(env)}
            results["measured_at"][name] = started_at
            print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    plot(results, out / "results.png")
    print(render(results))
    print(f"\nwritten: {out / 'results.json'}, {out / 'results.png'}")
    return 0


def _peaks(env: BenchEnv) -> dict[str, float]:
    """Peak memory of this benchmark: the bench process (in-process work) and each kind of
    ``ledger`` process it started, in MiB."""
    peaks = {f"peak_rss_mib_ledger_{name}": mib for name, mib in sorted(env.peaks.items())}
    own = peak_rss_mib()
    if own is not None:
        peaks["peak_rss_mib_bench_process"] = own
    return peaks


def _keep_the_others(results: dict[str, Any], path: Path) -> None:
    """With ``--only``, the other benchmarks' last figures stay in the results (each with the
    time it was measured), as long as they were measured at the same size (``--quick`` or not)."""
    if not path.exists():
        return
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return
    if earlier.get("quick") != results["quick"]:
        return
    when = earlier.get("measured_at") or {}
    for name, figures in earlier.get("figures", {}).items():
        results["figures"][name] = figures
        results["measured_at"][name] = when.get(name, earlier.get("started_at"))


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    raise SystemExit(main())
