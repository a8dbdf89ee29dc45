"""Patrol coverage (巡查区域覆盖率), counted from events alone.

Coverage over a period is the number of distinct grid cells patrolled on a day of the period
over the number of grid cells defined. Both come from the event stream as any read model sees
it — (topic, JSON payload) pairs — so this is the definition a projection implements, and the
claim "all areas covered" can be checked against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import UUID

DEFINED = "GridCell.Defined"
PATROLLED = "AreaPatrol.Recorded"


@dataclass(frozen=True)
class Coverage:
    defined: frozenset[str]
    patrolled: frozenset[str]

    @property
    def share(self) -> Fraction:
        """Patrolled cells over defined cells, exactly; 0 when no cell is defined."""
        if not self.defined:
            return Fraction(0)
        return Fraction(len(self.patrolled), len(self.defined))

    @property
    def unpatrolled(self) -> frozenset[str]:
        return self.defined - self.patrolled

    @property
    def complete(self) -> bool:
        return bool(self.defined) and not self.unpatrolled


def patrol_coverage(
    events: Iterable[tuple[str, Mapping[str, Any]]],
    first_day: date,
    last_day: date,
    agency_id: UUID | None = None,
) -> Coverage:
    """Coverage between ``first_day`` and ``last_day`` (both included), by all agencies or one."""
    defined: set[str] = set()
    patrolled: set[str] = set()
    for topic, payload in events:
        if topic == DEFINED:
            defined.add(str(payload["code"]))
        elif topic == PATROLLED:
            day = date.fromisoformat(str(payload["patrol_date"]))
            if not first_day <= day <= last_day:
                continue
            if agency_id is not None and str(payload["agency_id"]) != str(agency_id):
                continue
            patrolled.add(str(payload["grid_cell_code"]))
    # A patrol of a cell defined later still counts only once the cell is in the grid.
    return Coverage(defined=frozenset(defined), patrolled=frozenset(patrolled & defined))
