"""Commands of supervision and coordination: 12345 tickets, meetings, suggestions, equipment."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from domain.commands import (
    AGENCY,
    AGENCY_OR_OFFICE,
    OFFICE,
    ActDay,
    ActTime,
    Code,
    Command,
    Name,
    Summary,
    Text,
)
from domain.oversight.values import (
    EquipmentKind,
    MeetingKind,
    Satisfaction,
    ScreeningResult,
    SuggestionKind,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.personal import PersonalData

# 12345 hotline tickets ------------------------------------------------------------------------


class ReceiveTicket(Command):
    """Receive a 12345 hotline ticket (工单) for supervision.

    The complainant's personal data, if given, goes in ``person`` and nowhere else.
    """

    ROUTE = "POST /hotline-tickets"
    ROLES = OFFICE
    ticket_no: Code
    received_at: ActTime
    channel: TicketChannel
    category: TicketCategory
    summary: Summary
    person: PersonalData | None = None
    deadline: date


class ScreenTicket(Command):
    """Record the office's screening (排查) of a ticket as an enforcement lead."""

    ROUTE = "POST /hotline-tickets/{ticket_id}/screening"
    ROLES = OFFICE
    ticket_id: UUID
    screened_at: ActTime
    result: ScreeningResult
    note: Text = ""


class RouteTicket(Command):
    """Route a screened ticket to the agency that must handle it (optionally a new deadline)."""

    ROUTE = "POST /hotline-tickets/{ticket_id}/routing"
    ROLES = OFFICE
    ticket_id: UUID
    agency_id: UUID
    routed_at: ActTime
    deadline: date | None = None


class HandleTicket(Command):
    """Record how the routed agency handled a ticket (only that agency's officers may)."""

    ROUTE = "POST /hotline-tickets/{ticket_id}/handling"
    ROLES = AGENCY
    ticket_id: UUID
    handled_at: ActTime
    finding: TicketFinding
    result: Summary
    officer_ids: list[UUID] = Field(default_factory=list, max_length=20)


class CloseTicket(Command):
    """Close a handled (or screened-out) ticket; a close after the deadline is recorded late."""

    ROUTE = "POST /hotline-tickets/{ticket_id}/closure"
    ROLES = OFFICE
    ticket_id: UUID
    closed_at: ActTime
    satisfaction: Satisfaction | None = None


class ReopenTicket(Command):
    """Reopen a closed ticket that was not settled."""

    ROUTE = "POST /hotline-tickets/{ticket_id}/reopening"
    ROLES = OFFICE
    ticket_id: UUID
    reopened_at: ActTime
    reason: Summary


# Coordination -------------------------------------------------------------------------------


class RecordCoordinationMeeting(Command):
    """Record a whistle meeting (吹哨会) or difficult-case meeting (疑难案件专题会)."""

    ROUTE = "POST /coordination-meetings"
    ROLES = OFFICE
    reference: Code
    kind: MeetingKind
    held_on: ActDay
    host: Name = Field(description="The street, town or body that convened the meeting.")
    topic: Name
    agency_ids: list[UUID] = Field(min_length=1, max_length=50)


class GiveMeetingOpinion(Command):
    """Record an opinion (工作意见建议) the office gave at a meeting."""

    ROUTE = "POST /coordination-meetings/{meeting_id}/opinions"
    ROLES = OFFICE
    meeting_id: UUID
    given_on: ActDay
    opinion: Summary
    agency_id: UUID | None = Field(
        default=None, description="The attending agency addressed; none when addressed to all."
    )


class ReceiveSuggestion(Command):
    """Receive a judicial (司法建议) or procuratorial (检察建议) suggestion, with its deadline."""

    ROUTE = "POST /suggestions"
    ROLES = OFFICE
    reference: Name = Field(description="The suggestion's document number (文号).")
    kind: SuggestionKind
    issuer: Name
    agency_id: UUID | None = Field(
        default=None, description="The agency addressed; none for the district government."
    )
    subject: Summary
    received_on: ActDay
    deadline: date


class AnswerSuggestion(Command):
    """Record the answer to a suggestion (by the office, or by the agency addressed)."""

    ROUTE = "POST /suggestions/{suggestion_id}/answer"
    ROLES = AGENCY_OR_OFFICE  # the agency addressed; the office for one to the district government
    suggestion_id: UUID
    answered_on: ActDay
    answer: Summary


# Equipment ----------------------------------------------------------------------------------


class IssueEquipment(Command):
    """Issue enforcement equipment (执法终端, 执法记录仪 …) to an agency, under a voucher."""

    ROUTE = "POST /agencies/{agency_id}/equipment-issues"
    ROLES = OFFICE
    agency_id: UUID
    voucher_no: Code
    kind: EquipmentKind
    quantity: int = Field(ge=1, le=10_000, strict=True)
    issued_on: ActDay
    note: Text = ""


class ReturnEquipment(Command):
    """Record equipment an agency returned or wrote off, under a voucher."""

    ROUTE = "POST /agencies/{agency_id}/equipment-returns"
    ROLES = OFFICE
    agency_id: UUID
    voucher_no: Code
    kind: EquipmentKind
    quantity: int = Field(ge=1, le=10_000, strict=True)
    returned_on: ActDay
    reason: Summary
