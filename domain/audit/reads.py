"""Recording a read: who looked at which record, as of when, in which form, through which
channel (the trail is ``domain.audit.trail``)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.persistence import IntegrityError

from domain.actors import Actor
from domain.application import SupervisionLedger
from domain.audit.history import StoredRow, kind_of_topic
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
    """Append a history read to the reader's trail of today; the trail's id.

    Raises ``ConcurrencyConflict`` only if the trail kept changing under it ``ATTEMPTS`` times.
    """
    fields: dict[str, Any] = {
        "record_kind": record_kind,
        "record_id": record_id,
        "version": version,
        "as_of": as_of,
        "format": format,
        "channel": channel,
    }
    return _append(
        ledger,
        actor,
        correlation_id,
        lambda trail_id, version: AuditTrail.HistoryRead(
            originator_id=trail_id, originator_version=version, **fields
        ),
        lambda trail: trail.read_history(**fields),
    )


def record_data_read(
    ledger: SupervisionLedger,
    actor: Actor,
    *,
    what: str,
    channel: str,
    record_kind: str | None = None,
    record_id: UUID | None = None,
    version: int | None = None,
    position: int | None = None,
    detail: str = "",
    correlation_id: str | None = None,
) -> UUID:
    """Append any other read (``AuditTrail.DataRead``) to the reader's trail of today."""
    fields: dict[str, Any] = {
        "what": what,
        "record_kind": record_kind,
        "record_id": record_id,
        "version": version,
        "position": position,
        "detail": detail,
        "channel": channel,
    }
    return _append(
        ledger,
        actor,
        correlation_id,
        lambda trail_id, version: AuditTrail.DataRead(
            originator_id=trail_id, originator_version=version, **fields
        ),
        lambda trail: trail.read_data(**fields),
    )


def record_proof_read(
    ledger: SupervisionLedger,
    actor: Actor,
    event: StoredRow,
    tree_size: int,
    *,
    channel: str = "cli",
    correlation_id: str | None = None,
) -> UUID:
    """Record a read of ``event``'s inclusion proof (it shows the event's redacted state)."""
    return record_data_read(
        ledger,
        actor,
        what="inclusion-proof",
        channel=channel,
        record_kind=kind_of_topic(event.topic),
        record_id=event.originator_id,
        version=event.originator_version,
        position=event.position,
        detail=f"tree_size={tree_size}",
        correlation_id=correlation_id,
    )


_WRITTEN: WeakKeyDictionary[SupervisionLedger, dict[UUID, int]] = WeakKeyDictionary()
"""Per ledger, the version this process last wrote to each trail. A read is then recorded in
one round trip instead of two: the next version is known, and if another process (or thread)
wrote it first, the insert is refused (the version is unique) and the trail is read again. A
memory ahead of the trail (its last event gone) cannot open a gap either: the store refuses a
version that follows no chained version, with the same error."""
_WRITTEN_LOCK = threading.Lock()
_KEPT = 10_000  # trails remembered per ledger (a principal's trail is of one day)


def _written(ledger: SupervisionLedger) -> dict[UUID, int]:
    with _WRITTEN_LOCK:
        found = _WRITTEN.get(ledger)
        if found is None or len(found) > _KEPT:
            found = _WRITTEN[ledger] = {}
        return found


def _append(
    ledger: SupervisionLedger,
    actor: Actor,
    correlation_id: str | None,
    next_event: Callable[[UUID, int], AuditTrail.Event],
    first_read: Callable[[AuditTrail], None],
) -> UUID:
    """``next_event`` appended to today's trail (opened by ``first_read`` if it has none)."""
    day = local_date(datetime.now(UTC))
    trail_id = AuditTrail.create_id(actor.principal, day)
    meta = EventMeta(
        principal=actor.principal,
        role=actor.role,
        agency_id=actor.agency_id,
        correlation_id=correlation_id or str(uuid.uuid4()),
    )
    written = _written(ledger)
    with recording_as(meta):
        for _ in range(ATTEMPTS):
            last = written.get(trail_id)
            if last is None:
                found = ledger.recorder.select_events(trail_id, desc=True, limit=1)
                last = found[0].originator_version if found else 0
            try:
                if last:
                    ledger.save(next_event(trail_id, last + 1))
                    written[trail_id] = last + 1
                else:
                    trail = AuditTrail(principal=actor.principal, day=day)
                    first_read(trail)
                    ledger.save(trail)
                    written[trail_id] = trail.version
            except IntegrityError:
                written.pop(trail_id, None)  # another writer took the version: read it again
                continue
            return trail_id
    raise ConcurrencyConflict("the audit trail kept changing; the read was not recorded")
