"""Recording a read: who looked at which record, as of when, in which form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.actors import Actor
from domain.application import SupervisionLedger
from domain.audit.trail import AuditTrail
from domain.base import EventMeta, recording_as
from domain.errors import ConcurrencyConflict
from domain.values import local_date

ATTEMPTS = 20


def record_read(
    ledger: SupervisionLedger,
    actor: Actor,
    *,
    record_kind: str,
    record_id: UUID,
    version: int,
    as_of: datetime | None,
    format: str,
    channel: str,
    correlation_id: str | None = None,
) -> UUID:
    """Append the read to the reader's trail of today; the trail's id.

    Raises ``ConcurrencyConflict`` only if the trail kept changing under it ``ATTEMPTS`` times.
    """
    day = local_date(datetime.now(UTC))
    trail_id = AuditTrail.create_id(actor.principal, day)
    meta = EventMeta(
        principal=actor.principal,
        role=actor.role,
        agency_id=actor.agency_id,
        correlation_id=correlation_id or str(uuid.uuid4()),
    )
    with recording_as(meta):
        for _ in range(ATTEMPTS):
            last = ledger.recorder.select_events(trail_id, desc=True, limit=1)
            try:
                if last:
                    ledger.save(
                        AuditTrail.HistoryRead(
                            originator_id=trail_id,
                            originator_version=last[0].originator_version + 1,
                            record_kind=record_kind,
                            record_id=record_id,
                            version=version,
                            as_of=as_of,
                            format=format,
                            channel=channel,
                        )
                    )
                else:
                    trail = AuditTrail(principal=actor.principal, day=day)
                    trail.read_history(record_kind, record_id, version, as_of, format, channel)
                    ledger.save(trail)
            except IntegrityError:
                continue  # another read of this principal took the version: read it again
            return trail_id
    raise ConcurrencyConflict("the audit trail kept changing; the read was not recorded")
