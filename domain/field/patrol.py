"""An area patrol (区域巡查): officers of an agency patrol one cell of the district's grid.

The report claims full coverage of areas: coverage is the number of distinct grid cells
patrolled in a period over the number of cells defined. Each ``Recorded`` event carries the
cell's code, the agency and the district's calendar day of the patrol, so both numbers are
countable from events alone (see ``domain/field/coverage.py``).

A patrol is recorded once it is over, in one event. Its id is a natural key (agency, cell,
start), so a patrol sent twice is refused as a duplicate rather than counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.field import rules
from domain.ids import natural_id
from domain.registry.grid_cell import GridCell
from domain.registry.officer import Officer
from domain.values import local_date


class AreaPatrol(Aggregate):
    TOPIC = "AreaPatrol"
    KIND = "area-patrol"

    class Recorded(Aggregate.Created):
        agency_id: UUID
        grid_cell_id: UUID
        grid_cell_code: str
        officer_ids: list[UUID]
        started_at: datetime
        ended_at: datetime
        patrol_date: date
        """The district's calendar day the patrol started: what coverage counts by."""
        route: str
        notes: str
        problems_found: int

    @staticmethod
    def create_id(agency_id: UUID, grid_cell_code: str, started_at: datetime) -> UUID:
        start = started_at.astimezone(UTC).isoformat()
        return natural_id("area-patrol", f"{agency_id}:{grid_cell_code}:{start}")

    @classmethod
    def record(
        cls,
        *,
        agency_id: UUID,
        grid_cell: GridCell,
        officers: Sequence[Officer],
        started_at: datetime,
        ended_at: datetime,
        route: str,
        notes: str,
        problems_found: int,
    ) -> AreaPatrol:
        rules.require_patrol_window(started_at, ended_at)
        rules.require_patrol_team(officers, agency_id, started_at, ended_at)
        return cls(
            agency_id=agency_id,
            grid_cell_id=grid_cell.id,
            grid_cell_code=grid_cell.code,
            officer_ids=[o.id for o in officers],
            started_at=started_at,
            ended_at=ended_at,
            patrol_date=local_date(started_at),
            route=route,
            notes=notes,
            problems_found=problems_found,
        )

    @event(Recorded)
    def __init__(
        self,
        agency_id: UUID,
        grid_cell_id: UUID,
        grid_cell_code: str,
        officer_ids: list[UUID],
        started_at: datetime,
        ended_at: datetime,
        patrol_date: date,
        route: str,
        notes: str,
        problems_found: int,
    ) -> None:
        self.agency_id = agency_id
        self.grid_cell_id = grid_cell_id
        self.grid_cell_code = grid_cell_code
        self.officer_ids = list(officer_ids)
        self.started_at = started_at
        self.ended_at = ended_at
        self.patrol_date = patrol_date
        self.route = route
        self.notes = notes
        self.problems_found = problems_found
