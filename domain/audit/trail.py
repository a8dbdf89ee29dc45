"""The audit trail: every recorded read, itself an event in the ledger.

Two kinds of read: ``HistoryRead`` (a record's case file, by any reader) and ``DataRead``
(anything else an auditor or the office looked at — a record's current state, an event's
inclusion proof, a partner region's feed, the checkpoints — and any read that showed an
individual's personal data in the clear, whoever the reader). Which reads are recorded is the
gateway's choice (``gateway.audit_reads``); what a read records is this module's.

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

    class DataRead(Aggregate.Event):
        """A read other than a case file: what (``record-state``, ``inclusion-proof``,
        ``partner-feed``, ``checkpoints``), of which record, event or feed, through which
        channel (``http``, ``cli``)."""

        what: str
        record_kind: str | None
        record_id: UUID | None
        version: int | None
        position: int | None
        """The event's position in the log (an inclusion proof)."""
        detail: str
        """What else identifies the read (``region=…``; a proof's checkpoint size)."""
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

    @event(DataRead)
    def read_data(
        self,
        what: str,
        record_kind: str | None,
        record_id: UUID | None,
        version: int | None,
        position: int | None,
        detail: str,
        channel: str,
    ) -> None:
        self.reads += 1

    def readable_by(self, actor: Actor) -> bool:
        """The office, auditors, and the reader whose trail it is."""
        if actor.role in (Role.SYSTEM, Role.SUPERVISOR, Role.AUDITOR):
            return True
        return actor.principal == self.principal
