"""A 12345 hotline ticket (12345便民平台工单) followed by the supervision office.

The office receives the ticket, screens it as an enforcement lead (排查) and routes a relevant
one to an agency; that agency handles it; the office closes it, and reopens it when the
complainant or a check says it was not settled. A ticket closed after its deadline is on file
as overdue: the ``Closed`` event carries the deadline and whether it was late.

The complainant's personal data lives in ``person`` and nowhere else.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.oversight import rules
from domain.oversight.values import (
    Satisfaction,
    ScreeningResult,
    TicketCategory,
    TicketChannel,
    TicketFinding,
    TicketStatus,
)
from domain.personal import PersonalData
from domain.values import local_date


class HotlineTicket(Aggregate):
    TOPIC = "HotlineTicket"
    KIND = "hotline-ticket"

    class Received(Aggregate.Created):
        ticket_no: str
        received_at: datetime
        channel: TicketChannel
        category: TicketCategory
        summary: str
        person: PersonalData | None
        deadline: date

    class Screened(Aggregate.Event):
        screened_at: datetime
        category: TicketCategory
        result: ScreeningResult
        note: str

    class Routed(Aggregate.Event):
        routed_at: datetime
        agency_id: UUID
        deadline: date

    class Handled(Aggregate.Event):
        handled_at: datetime
        agency_id: UUID
        officer_ids: list[UUID]
        finding: TicketFinding
        result: str

    class Closed(Aggregate.Event):
        closed_at: datetime
        category: TicketCategory
        agency_id: UUID | None
        satisfaction: Satisfaction | None
        deadline: date
        late: bool

    class Reopened(Aggregate.Event):
        reopened_at: datetime
        agency_id: UUID | None
        reason: str

    @staticmethod
    def create_id(ticket_no: str) -> UUID:
        return natural_id("hotline-ticket", ticket_no)

    @event(Received)
    def __init__(
        self,
        ticket_no: str,
        received_at: datetime,
        channel: TicketChannel,
        category: TicketCategory,
        summary: str,
        person: PersonalData | None,
        deadline: date,
    ) -> None:
        self.ticket_no = ticket_no
        self.received_at = received_at
        self.channel = channel
        self.category = category
        self.summary = summary
        self.person = person
        self.deadline = deadline
        self.status = TicketStatus.RECEIVED
        self.last_step_at = received_at
        self.agency_id: UUID | None = None
        self.routed_to: list[UUID] = []
        self.closed_at: datetime | None = None
        self.late: bool | None = None
        self.satisfaction: Satisfaction | None = None
        self.times_reopened = 0

    # Queries -----------------------------------------------------------------------------

    def agency_scope(self) -> frozenset[UUID]:
        # Not None even before routing: an unrouted ticket (and its complainant) is the
        # office's alone; an agency reads the tickets that were ever routed to it.
        return frozenset(self.routed_to)

    def overdue_at(self, moment: datetime) -> bool:
        """Whether the ticket is (or was closed) past its deadline, as seen at ``moment``."""
        return rules.is_late(self.closed_at or moment, self.deadline)

    # Commands ----------------------------------------------------------------------------

    def _step(self, step: str, at: datetime) -> None:
        rules.require_ticket_step(self.ticket_no, self.status, step)
        rules.require_after_previous_step(self.ticket_no, step, at, self.last_step_at)

    def screen(self, screened_at: datetime, result: ScreeningResult, note: str) -> None:
        self._step("screened", screened_at)
        self._screen(screened_at, self.category, result, note)

    @event(Screened)
    def _screen(
        self,
        screened_at: datetime,
        category: TicketCategory,
        result: ScreeningResult,
        note: str,
    ) -> None:
        relevant = result is ScreeningResult.RELEVANT
        self.status = TicketStatus.SCREENED if relevant else TicketStatus.SCREENED_OUT
        self.last_step_at = screened_at

    def route(self, agency_id: UUID, routed_at: datetime, deadline: date | None) -> None:
        self._step("routed", routed_at)
        deadline = deadline or self.deadline
        what = f"ticket {self.ticket_no}"
        rules.require_deadline_not_before(deadline, local_date(self.received_at), what)
        self._route(routed_at, agency_id, deadline)

    @event(Routed)
    def _route(self, routed_at: datetime, agency_id: UUID, deadline: date) -> None:
        self.status = TicketStatus.ROUTED
        self.agency_id = agency_id
        if agency_id not in self.routed_to:
            self.routed_to.append(agency_id)
        self.deadline = deadline
        self.last_step_at = routed_at

    def handle(
        self, handled_at: datetime, officer_ids: list[UUID], finding: TicketFinding, result: str
    ) -> None:
        self._step("handled", handled_at)
        agency_id = rules.require_routed(self.ticket_no, self.agency_id)
        self._handle(handled_at, agency_id, officer_ids, finding, result)

    @event(Handled)
    def _handle(
        self,
        handled_at: datetime,
        agency_id: UUID,
        officer_ids: list[UUID],
        finding: TicketFinding,
        result: str,
    ) -> None:
        self.status = TicketStatus.HANDLED
        self.last_step_at = handled_at

    def close(self, closed_at: datetime, satisfaction: Satisfaction | None) -> None:
        self._step("closed", closed_at)
        late = rules.is_late(closed_at, self.deadline)
        self._close(
            closed_at,
            self.category,
            self.agency_id,
            satisfaction,
            self.deadline,
            late,
        )

    @event(Closed)
    def _close(
        self,
        closed_at: datetime,
        category: TicketCategory,
        agency_id: UUID | None,
        satisfaction: Satisfaction | None,
        deadline: date,
        late: bool,
    ) -> None:
        self.status = TicketStatus.CLOSED
        self.closed_at = closed_at
        self.satisfaction = satisfaction
        self.late = late
        self.last_step_at = closed_at

    def reopen(self, reopened_at: datetime, reason: str) -> None:
        self._step("reopened", reopened_at)
        self._reopen(reopened_at, self.agency_id, reason)

    @event(Reopened)
    def _reopen(self, reopened_at: datetime, agency_id: UUID | None, reason: str) -> None:
        self.status = TicketStatus.REOPENED
        self.closed_at = None
        self.late = None
        self.satisfaction = None
        self.times_reopened += 1
        self.last_step_at = reopened_at
