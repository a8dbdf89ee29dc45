"""A coordination meeting: a street's whistle meeting (吹哨会) or a difficult-case meeting
(疑难案件专题会), with the agencies attending and the opinions the office gave there.

One aggregate per meeting: its opinions belong to it and are dated from it.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

from domain.base import Aggregate
from domain.ids import natural_id
from domain.oversight import rules
from domain.oversight.values import MeetingKind


class Opinion(BaseModel):
    """An opinion (工作意见建议) given at a meeting, addressed to an attending agency or to all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opinion_no: int
    given_on: date
    opinion: str
    agency_id: UUID | None


class CoordinationMeeting(Aggregate):
    TOPIC = "CoordinationMeeting"
    KIND = "coordination-meeting"

    class Held(Aggregate.Created):
        reference: str
        kind: MeetingKind
        held_on: date
        host: str
        topic: str
        agency_ids: list[UUID]

    class OpinionGiven(Aggregate.Event):
        reference: str
        kind: MeetingKind
        opinion_no: int
        given_on: date
        opinion: str
        agency_id: UUID | None
        agency_ids: list[UUID]

    @staticmethod
    def create_id(reference: str) -> UUID:
        return natural_id("coordination-meeting", reference)

    @event(Held)
    def __init__(
        self,
        reference: str,
        kind: MeetingKind,
        held_on: date,
        host: str,
        topic: str,
        agency_ids: list[UUID],
    ) -> None:
        self.reference = reference
        self.kind = kind
        self.held_on = held_on
        self.host = host
        self.topic = topic
        self.agency_ids = list(agency_ids)
        self.opinions: list[Opinion] = []

    def give_opinion(self, given_on: date, opinion: str, agency_id: UUID | None) -> None:
        rules.require_opinion_on_or_after_meeting(self.reference, self.held_on, given_on)
        if agency_id is not None:
            rules.require_attending(self.reference, agency_id, self.agency_ids)
        self._give_opinion(
            reference=self.reference,
            kind=self.kind,
            opinion_no=len(self.opinions) + 1,
            given_on=given_on,
            opinion=opinion,
            agency_id=agency_id,
            agency_ids=self.agency_ids,
        )

    @event(OpinionGiven)
    def _give_opinion(
        self,
        reference: str,
        kind: MeetingKind,
        opinion_no: int,
        given_on: date,
        opinion: str,
        agency_id: UUID | None,
        agency_ids: list[UUID],
    ) -> None:
        self.opinions.append(
            Opinion(opinion_no=opinion_no, given_on=given_on, opinion=opinion, agency_id=agency_id)
        )
