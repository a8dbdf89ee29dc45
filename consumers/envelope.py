"""The event as it travels: one shape for both feeds (the event store, and Kafka).

Projections see only ``Envelope``s, so the same projection code runs behind either feed.

On Kafka an event is a CloudEvents 1.0 record in the Kafka protocol binding's *binary* content
mode: the attributes are ``ce_*`` headers, the record value is the stored event state — the
very bytes the event store holds (plain JSON), so anyone can hash them and compare — and the
record key is the aggregate id, which keeps each aggregate's events in one partition, in order.

Attributes: ``id`` = ``<aggregate id>:<version>`` (stable, so a re-published duplicate has the
same id), ``source`` = the ledger instance, ``type`` = ``cn.binhai.ledger.<Topic>``, ``subject``
= ``<Aggregate>/<aggregate id>``, ``time`` = when the database wrote it; extensions
``position`` (the notification id in the ledger's log) and ``aggregateversion``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from infra.eventstore import LedgerNotification
from projections.values import uuid_of

SPEC_VERSION = "1.0"
SPEC_BYTES = SPEC_VERSION.encode()
TYPE_PREFIX = "cn.binhai.ledger."
DEFAULT_SOURCE = "/ledgers/binhai"
CONTENT_TYPE = "application/json"
SPEC_HEADER = ("ce_specversion", SPEC_BYTES)
CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE.encode())

Headers = list[tuple[str, bytes]]


@dataclass(slots=True)
class Envelope:
    """One stored event. Treat as immutable (not frozen only because the parsed payload is
    cached in place: it is read by every projection, and a frozen dataclass is slow to build
    on the rebuild's hot path)."""

    position: int
    aggregate_id: UUID
    version: int
    topic: str
    recorded_at: datetime
    state: bytes
    _payload: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def aggregate(self) -> str:
        """The aggregate's kind as its topic prefix (``Inspection`` of ``Inspection.Concluded``)."""
        return self.topic.split(".", 1)[0]

    @property
    def payload(self) -> dict[str, Any]:
        """The event's JSON, parsed once however many projections read it."""
        if self._payload is None:
            self._payload = orjson.loads(self.state)
        return self._payload

    @classmethod
    def from_notification(cls, n: LedgerNotification) -> Envelope:
        return cls(
            position=n.id,
            aggregate_id=n.originator_id
            if isinstance(n.originator_id, UUID)
            else UUID(n.originator_id),
            version=n.originator_version,
            topic=n.topic,
            recorded_at=n.recorded_at,
            state=n.state,
        )

    # CloudEvents, Kafka binding, binary mode ------------------------------------------------

    def cloudevent_headers(self, source: str = DEFAULT_SOURCE) -> Headers:
        ident = str(self.aggregate_id)
        return [
            SPEC_HEADER,
            ("ce_id", f"{ident}:{self.version}".encode()),
            ("ce_source", source.encode()),
            ("ce_type", (TYPE_PREFIX + self.topic).encode()),
            ("ce_subject", f"{self.aggregate}/{ident}".encode()),
            ("ce_time", self.recorded_at.isoformat().encode()),
            ("ce_position", str(self.position).encode()),
            ("ce_aggregateversion", str(self.version).encode()),
            CONTENT_TYPE_HEADER,
        ]

    @classmethod
    def from_cloudevent(cls, headers: Headers, value: bytes) -> Envelope:
        """Parse a record written by the relay; ``ValueError`` if it is not one."""
        # Only the attributes read are decoded (a projector parses every record it applies).
        h = dict(headers)
        try:
            kind = h["ce_type"].decode()
            if h["ce_specversion"] != SPEC_BYTES or not kind.startswith(TYPE_PREFIX):
                raise ValueError(f"not a ledger CloudEvent: {kind}")
            aggregate_id, _, version = h["ce_id"].decode().rpartition(":")
            return cls(
                position=int(h["ce_position"]),
                aggregate_id=uuid_of(aggregate_id),  # memoised: an aggregate recurs
                version=int(version),
                topic=kind.removeprefix(TYPE_PREFIX),
                recorded_at=datetime.fromisoformat(h["ce_time"].decode()),
                state=value,
            )
        except KeyError as missing:
            raise ValueError(f"CloudEvent attribute {missing} missing") from None
