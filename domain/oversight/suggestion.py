"""A judicial suggestion (司法建议, from the district court) or a procuratorial suggestion
(检察建议, from the procuratorate), addressed to the district government or to an agency.

It is received with a deadline and must be answered; an answer after the deadline is on file
as late (the ``Answered`` event carries the deadline and the flag).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.oversight import rules
from domain.oversight.values import SuggestionKind


class Suggestion(Aggregate):
    TOPIC = "Suggestion"
    KIND = "suggestion"

    class Received(Aggregate.Created):
        reference: str
        kind: SuggestionKind
        issuer: str
        agency_id: UUID | None
        """The agency addressed; ``None`` when addressed to the district government."""
        subject: str
        received_on: date
        deadline: date

    class Answered(Aggregate.Event):
        reference: str
        kind: SuggestionKind
        agency_id: UUID | None
        answered_on: date
        answer: str
        deadline: date
        late: bool

    @staticmethod
    def create_id(kind: SuggestionKind, reference: str) -> UUID:
        return natural_id("suggestion", f"{kind.value}:{reference}")

    @event(Received)
    def __init__(
        self,
        reference: str,
        kind: SuggestionKind,
        issuer: str,
        agency_id: UUID | None,
        subject: str,
        received_on: date,
        deadline: date,
    ) -> None:
        self.reference = reference
        self.kind = kind
        self.issuer = issuer
        self.agency_id = agency_id
        self.subject = subject
        self.received_on = received_on
        self.deadline = deadline
        self.answered_on: date | None = None
        self.answer: str | None = None
        self.late: bool | None = None

    def agency_scope(self) -> frozenset[UUID]:
        # One addressed to the district government is the office's, not every agency's.
        return frozenset({self.agency_id}) if self.agency_id else frozenset()

    def overdue_on(self, day: date) -> bool:
        """Answered late, or still unanswered after the deadline, as seen on ``day``."""
        return rules.is_late(self.answered_on or day, self.deadline)

    def record_answer(self, answered_on: date, answer: str) -> None:
        rules.require_unanswered(self.reference, self.answered_on)
        rules.require_answer_after_receipt(self.reference, self.received_on, answered_on)
        self._answer(
            reference=self.reference,
            kind=self.kind,
            agency_id=self.agency_id,
            answered_on=answered_on,
            answer=answer,
            deadline=self.deadline,
            late=rules.is_late(answered_on, self.deadline),
        )

    @event(Answered)
    def _answer(
        self,
        reference: str,
        kind: SuggestionKind,
        agency_id: UUID | None,
        answered_on: date,
        answer: str,
        deadline: date,
        late: bool,
    ) -> None:
        self.answered_on = answered_on
        self.answer = answer
        self.late = late
