"""Which reads over HTTP go into the reader's audit trail, and recording them.

The rule ("every read by an auditor is itself recorded", widened to the data it protects):

- a case file (``/audit/{kind}/{id}/history``) — every reader, every time (``gateway.audit_api``);
- a record's current state, an event's inclusion proof, a partner region's feed read by
  someone who is not that partner, the checkpoints — when the reader is an auditor or the
  supervision office: the oversight roles, who may read everything;
- any read that shows an individual's personal data in the clear, whoever reads it (an agency
  officer reading its own case against a citizen): the data subject's right to know who saw
  their data does not depend on the reader's role.

Not recorded: a refused or failed read (403, 404, 422: nothing was shown; the refusal is in the
access log); the public key and consistency proofs (public, hashes only); a partner reading its
own feed (that feed *is* what it is sent, as on its Kafka topic). On the CLI every read is by
the operator at the database and is recorded (``ledger history``, ``ledger audit proof``).

The read is recorded before the answer leaves: if recording fails, the reader gets an error,
not the data.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from domain.actors import Actor, Role
from domain.audit.reads import record_data_read
from gateway.http import correlation_id, ledger_of

OVERSIGHT = frozenset({Role.AUDITOR, Role.SUPERVISOR})


def is_recorded(actor: Actor, *, shows_personal_data: bool = False) -> bool:
    """Whether ``actor``'s read (showing personal data in the clear or not) is recorded."""
    if actor.role in OVERSIGHT:
        return True
    return shows_personal_data and actor.role not in (Role.SYSTEM, Role.PUBLIC)


def record_http_read(
    request: Request,
    actor: Actor,
    *,
    what: str,
    record_kind: str | None = None,
    record_id: UUID | None = None,
    version: int | None = None,
    position: int | None = None,
    detail: str = "",
) -> UUID:
    """Record ``actor``'s read through HTTP (call it in a worker thread: it writes)."""
    return record_data_read(
        ledger_of(request),
        actor,
        what=what,
        channel="http",
        record_kind=record_kind,
        record_id=record_id,
        version=version,
        position=position,
        detail=detail,
        correlation_id=correlation_id(request),
    )


async def record_http_read_async(request: Request, actor: Actor, **fields: Any) -> UUID:
    """:func:`record_http_read` from an async endpoint."""
    return await run_in_threadpool(lambda: record_http_read(request, actor, **fields))
