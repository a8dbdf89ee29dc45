"""Area patrols (区域巡查) and grid coverage.

``patrols_daily(day, agency_id, grid_cell_code; n, problems_found)``: counters per patrol day
(the district's calendar day the patrol started, ``patrol_date``), agency and grid cell.
Coverage over a period is the number of distinct cells patrolled on a day of the period that
are defined in the grid (the registers projection's ``grid_cells``), over the number of cells
defined — ``domain.field.coverage``'s definition, computed at query time.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Table
from projections.values import day_of, uuid_of

PATROLS_DAILY = Table(
    "patrols_daily",
    keys={"day": "date", "agency_id": "uuid", "grid_cell_code": "text"},
    counters={"n": "bigint", "problems_found": "bigint"},
)


class Patrols(Projection):
    NAME = "patrols"
    TABLES = (PATROLS_DAILY,)
    TOPICS = frozenset({"AreaPatrol.Recorded"})

    def apply(self, event: Envelope) -> Iterable[Change]:
        p = event.payload
        key = (day_of(p["patrol_date"]), uuid_of(p["agency_id"]), p["grid_cell_code"])
        yield Add(PATROLS_DAILY, key, {"n": 1, "problems_found": int(p["problems_found"])})
