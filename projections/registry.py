"""Every projection the ledger maintains, by name."""

from __future__ import annotations

from projections.model import Projection
from projections.supervision_counters import SupervisionCounters


def all_projections() -> list[Projection]:
    return [SupervisionCounters()]


def by_names(names: list[str]) -> list[Projection]:
    projections = {p.NAME: p for p in all_projections()}
    unknown = [n for n in names if n not in projections]
    if unknown:
        raise KeyError(
            f"unknown projection {unknown[0]!r}; known: {', '.join(sorted(projections))}"
        )
    return [projections[n] for n in names]
