"""The audit trail: every history read, itself an event in the ledger.

One trail per principal and calendar day (``natural_id`` of both): what one auditor read on
one day is one aggregate, whose history the same history endpoint replays, and whose hash chain
shows a read removed from it as a gap, on top of the log-wide leaf index and checkpoints.

A read never depends on earlier reads, so appending one does not load the trail: the recorder
(``domain.audit.reads``) reads the trail's last version and writes the next event; two reads by
one principal at the same moment clash on that version and the loser retries. The cost of a
read stays constant however many reads the day already holds.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.actors import Actor, Role
from domain.base import Aggregate
from domain.ids import natural_id


class AuditTrail(Aggregate):
    TOPIC = "AuditTrail"
    KIND = "audit-trail"

    class Opened(Aggregate.Created):
        principal: str
        day: date

    class HistoryRead(Aggregate.Event):
        record_kind: str
        record_id: UUID
        version: int
        as_of: datetime | None
        format: str
        channel: str

    @staticmethod
    def create_id(principal: str, day: date) -> UUID:
        return natural_id("audit-trail", f"{principal}/{day.isoformat()}")

    @event(Opened)
    def __init__(self, principal: str, day: date) -> None:
        self.principal = principal
        self.day = day
        self.reads = 0

    @event(HistoryRead)
    def read_history(
        self,
        record_kind: str,
        record_id: UUID,
        version: int,
        as_of: datetime | None,
        format: str,
        channel: str,
    ) -> None:
        self.reads += 1

    def readable_by(self, actor: Actor) -> bool:
        """The office, auditors, and the reader whose trail it is."""
        if actor.role in (Role.SYSTEM, Role.SUPERVISOR, Role.AUDITOR):
            return True
        return actor.principal == self.principal
