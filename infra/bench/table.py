"""The benchmark table: each figure, its baseline, the ratio, and the target it answers to."""

from __future__ import annotations

from typing import Any

# figure -> (comparison, threshold). "ge": at least; "le": at most. The issues' ratios are held
# both one process against one and N against N; the replay target both with and without the
# recorded read (see infra/integrity/bench.py).
TARGETS: dict[str, tuple[str, float]] = {
    "kafka_pipeline.relay_events_per_s": ("ge", 20_000),
    "kafka_pipeline.relay_ratio": ("ge", 0.8),
    "kafka_pipeline.relay_one_process_ratio": ("ge", 0.8),
    "kafka_pipeline.projection_events_per_s": ("ge", 15_000),
    "kafka_pipeline.projection_ratio": ("ge", 0.5),
    "kafka_pipeline.projection_one_process_ratio": ("ge", 0.5),
    "rebuild.rebuild_events_per_s": ("ge", 50_000),
    "freshness.embedded_p50_ms": ("le", 20),
    "freshness.embedded_p99_ms": ("le", 100),
    "freshness.kafka_p50_ms": ("le", 20),
    "freshness.kafka_p99_ms": ("le", 100),
    "commands_http.commands_per_s": ("ge", 2_000),
    "commands_http.p99_ms_at_half_load": ("le", 25),
    "year.projection_seconds": ("le", 60),
    "year.rebuild_events_per_s": ("ge", 50_000),
    "audit.replay_p99_ms": ("le", 5),
    "audit.replay_only_p99_ms": ("le", 5),
    "audit.verify_events_per_s": ("ge", 100_000),
}

# figure -> the baseline figure it is compared with, in the same benchmark.
BASELINES = {
    "relay_events_per_s": "raw_produce_events_per_s",
    "projection_events_per_s": "raw_consume_events_per_s",
    "relay_one_process_events_per_s": "raw_produce_one_process_events_per_s",
    "projection_one_process_events_per_s": "raw_consume_one_process_events_per_s",
    "rebuild_events_per_s": "raw_copy_rows_per_s",
    "commands_per_s": "bare_eventsourcing_per_s",
}


def verdict(name: str, value: float) -> str:
    target = TARGETS.get(name)
    if target is None:
        return ""
    op, threshold = target
    met = value >= threshold if op == "ge" else value <= threshold
    sign = "≥" if op == "ge" else "≤"
    return f"{sign} {threshold:g} {'met' if met else 'MISSED'}"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return str(value)


def render(results: dict[str, Any]) -> str:
    lines = [
        "| benchmark | figure | value | baseline | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for bench, figures in results["figures"].items():
        for name, value in figures.items():
            if name in BASELINES.values():
                continue
            baseline_name = BASELINES.get(name)
            baseline = figures.get(baseline_name) if baseline_name else None
            ratio = value / baseline if baseline else None
            shown_baseline = _fmt(baseline) if baseline is not None else ""
            shown_ratio = _fmt(ratio) if ratio is not None else ""
            target = verdict(f"{bench}.{name}", value)
            lines.append(
                f"| {bench} | {name} | {_fmt(value)} | {shown_baseline} | {shown_ratio} "
                f"| {target} |"
            )
    return "\n".join(lines)
