"""Commands of work in the field: area patrols (区域巡查)."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from domain.commands import AGENCY, ActTime, Code, Command, Text


class RecordAreaPatrol(Command):
    """Record an area patrol of a grid cell by officers of an agency.

    At least two officers of the agency, certified on the day(s) of the patrol; the patrol ends
    after it starts and lasts at most 24 hours.
    """

    ROUTE = "POST /area-patrols"
    ROLES = AGENCY
    agency_id: UUID
    grid_cell: Code = Field(description="The code of the grid cell patrolled (G-001 …).")
    officer_ids: list[UUID] = Field(min_length=1, max_length=20)
    started_at: ActTime
    ended_at: ActTime
    route: Text = ""
    notes: Text = ""
    problems_found: int = Field(default=0, ge=0, le=10_000)
