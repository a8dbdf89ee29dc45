"""Rules of supervision and coordination, as pure functions.

Each is named for what it requires and raises a ``RuleViolation`` naming itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from domain.errors import AlreadyExists, RuleViolation
from domain.oversight.values import EquipmentKind, TicketStatus
from domain.values import local_date

L = TypeVar("L")
S = TicketStatus
TICKET_STEPS: Mapping[str, frozenset[TicketStatus]] = {
    "screened": frozenset({S.RECEIVED}),
    # Routed again: the first agency was the wrong one, or a reopened ticket goes elsewhere.
    "routed": frozenset({S.SCREENED, S.ROUTED, S.REOPENED}),
    "handled": frozenset({S.ROUTED, S.REOPENED}),
    # A lead screened out is closed by the office without troubling an agency.
    "closed": frozenset({S.HANDLED, S.SCREENED_OUT}),
    "reopened": frozenset({S.CLOSED}),
}
"""Which statuses each step of a ticket may follow."""


def require_ticket_step(ticket_no: str, status: TicketStatus, step: str) -> None:
    """A ticket goes received → screened → routed → handled → closed (→ reopened), in order."""
    if status not in TICKET_STEPS[step]:
        # In words: "screened out", not the value "screened_out".
        allowed = " or ".join(sorted(s.value.replace("_", " ") for s in TICKET_STEPS[step]))
        now = status.value.replace("_", " ")
        raise RuleViolation(
            "ticket-steps-in-order",
            f"ticket {ticket_no} is {now}; it can be {step} only when {allowed}",
        )


def require_routed(ticket_no: str, agency_id: UUID | None) -> UUID:
    """Only a ticket routed to an agency can be handled (by that agency)."""
    if agency_id is None:
        raise RuleViolation(
            "ticket-steps-in-order",
            f"ticket {ticket_no} was never routed to an agency; route it before it is handled",
        )
    return agency_id


def require_after_previous_step(ticket_no: str, step: str, at: datetime, last: datetime) -> None:
    """Each step of a ticket is dated no earlier than the step before it."""
    if at < last:
        raise RuleViolation(
            "ticket-times-in-order",
            f"ticket {ticket_no} cannot be {step} at {at.isoformat()}, "
            f"before its previous step at {last.isoformat()}",
        )


def require_deadline_not_before(deadline: date, day: date, what: str) -> None:
    """A deadline cannot fall before the day the matter was received (or routed)."""
    if deadline < day:
        raise RuleViolation(
            "deadline-after-receipt",
            f"the deadline {deadline} of {what} falls before the day it was received, {day}",
        )


def is_late(done_at: datetime | date, deadline: date) -> bool:
    """Done after the deadline's day (the district's calendar): recorded as overdue."""
    day = local_date(done_at) if isinstance(done_at, datetime) else done_at
    return day > deadline


def require_opinion_on_or_after_meeting(reference: str, held_on: date, given_on: date) -> None:
    """An opinion of a meeting is given on or after the day the meeting was held."""
    if given_on < held_on:
        raise RuleViolation(
            "opinion-after-meeting",
            f"meeting {reference} was held on {held_on}; an opinion of it cannot be dated "
            f"{given_on}",
        )


def require_attending(reference: str, agency_id: UUID, attending: Collection[UUID]) -> None:
    """A meeting's opinion is addressed to an agency that attended it."""
    if agency_id not in attending:
        raise RuleViolation(
            "opinion-to-attending-agency",
            f"the agency addressed did not attend meeting {reference}",
        )


def require_distinct_agencies(agency_ids: Collection[UUID]) -> None:
    """Each agency attends a meeting once."""
    if len(set(agency_ids)) != len(agency_ids):
        raise RuleViolation(
            "agencies-listed-once", "an agency is listed twice among those attending"
        )


def require_unanswered(reference: str, answered_on: date | None) -> None:
    """A suggestion is answered once."""
    if answered_on is not None:
        raise RuleViolation(
            "answer-once", f"suggestion {reference} was already answered on {answered_on}"
        )


def require_answer_after_receipt(reference: str, received_on: date, answered_on: date) -> None:
    """A suggestion is answered on or after the day it was received."""
    if answered_on < received_on:
        raise RuleViolation(
            "answer-after-receipt",
            f"suggestion {reference} was received on {received_on}; it cannot have been "
            f"answered on {answered_on}",
        )


def require_held(kind: EquipmentKind, held: int, quantity: int) -> None:
    """An agency returns (or writes off) no more equipment of a kind than it holds."""
    if quantity > held:
        raise RuleViolation(
            "return-only-held-equipment",
            f"the agency holds {held} {kind.value.replace('_', ' ')}(s); it cannot return "
            f"{quantity}",
        )


def require_equipment_issued(agency_code: str, ledger: L | None) -> L:
    """Only equipment once issued to an agency can come back from it."""
    if ledger is None:
        raise RuleViolation(
            "return-only-held-equipment",
            f"no equipment was ever issued to agency {agency_code}; it has nothing to return",
        )
    return ledger


def require_new_voucher(voucher_no: str, booked: Collection[str]) -> None:
    """An equipment voucher is booked once: a second booking is a duplicate, not a delivery."""
    if voucher_no in booked:
        raise AlreadyExists("equipment voucher", voucher_no)
