"""A partner region's feed over HTTP: ``GET /api/v1/partner/feed``, server-sent events.

Each event is the region's partner record — the collaboration event concerning the region,
personal data redacted, with its inclusion-proof reference — as a CloudEvent in structured
JSON (``data:``), its log position as the SSE ``id``, its type as the SSE ``event``. A client
resumes where it stopped with ``Last-Event-ID`` (or ``?after=``), the standard SSE way.
``?follow=false`` sends what there is and ends the response (batch pulls, curl); by default
the stream stays open and follows the log, with a comment line as keep-alive, for up to 15
minutes, after which the client reconnects as SSE clients do.

Who sees what: a partner token sees its own region's feed and nothing else (asking for
another region is a 403, so nothing of it leaks); the supervision office and auditors may read
any region's feed (``?region=``), to see exactly what a partner was sent — each such read
recorded in the reader's audit trail (``gateway.audit_reads``); agency officers and the public
get nothing (403 / 401).

The records are read from the event store itself, so the feed works with or without Kafka and
is the same, record for record, as the region's Kafka topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from consumers.partner_filter import FeedReader, partner_cloudevent
from consumers.topics import PARTNER_REGIONS
from domain.actors import Actor, Role
from gateway.api import ApiRoute
from gateway.audit_reads import record_http_read_async
from gateway.http import ledger_of, require_role
from gateway.problems import ProblemError
from infra.integrity.wiring import pooled_connection, tables_of

API = "/api/v1/partner"
FEED_READERS = frozenset({Role.PARTNER, Role.SUPERVISOR, Role.AUDITOR})
BATCH = 500
POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 900.0
"""A followed stream ends after this long; the client reconnects with Last-Event-ID (the SSE
way), so no connection holds a worker and a database poll forever."""
RETRY_MS = 3000


class FeedQuery(BaseModel):
    region: str | None = Field(
        default=None,
        description="The region (a partner's own by default; required for the office/auditors).",
    )
    after: int | None = Field(
        default=None, ge=0, description="Start after this log position (Last-Event-ID wins)."
    )
    follow: bool = Field(
        default=True, description="Keep the stream open for new events (false: end when read)."
    )


def region_for(actor: Actor, asked: str | None) -> str:
    """The region ``actor`` may read the feed of, given what it asked for."""
    if actor.role is Role.PARTNER:
        if actor.region not in PARTNER_REGIONS:
            raise ProblemError(403, "forbidden", "Forbidden", "this token names no partner region")
        if asked is not None and asked != actor.region:
            raise ProblemError(
                403,
                "forbidden",
                "Forbidden",
                f"a partner of {actor.region} reads only its own feed",
            )
        return actor.region
    if asked is None or asked not in PARTNER_REGIONS:
        raise ProblemError(
            422,
            "invalid-request",
            "Invalid request",
            f"name the region: ?region= one of {', '.join(PARTNER_REGIONS)}",
        )
    return asked


def start_position(request: Request, after: int | None) -> int:
    last_event_id = request.headers.get("last-event-id")
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise ProblemError(
                422, "invalid-request", "Invalid request", "Last-Event-ID is a log position"
            )
        return int(last_event_id)
    return after or 0


def sse_event(document: dict[str, Any]) -> bytes:
    data = orjson.dumps(document).decode()
    return f"id: {document['position']}\nevent: {document['type']}\ndata: {data}\n\n".encode()


def _query(request: Request) -> FeedQuery:
    params = dict(request.query_params)
    try:
        return FeedQuery.model_validate(params)
    except ValueError as error:
        raise ProblemError(422, "invalid-request", "Invalid request", str(error)) from None


async def feed(request: Request) -> Response:
    actor = require_role(request, FEED_READERS)
    query = _query(request)
    region = region_for(actor, query.region)
    after = start_position(request, query.after)
    if actor.role is not Role.PARTNER:  # the office or an auditor looking at what a partner gets
        await record_http_read_async(
            request,
            actor,
            what="partner-feed",
            detail=f"region={region} after={after} follow={str(query.follow).lower()}",
        )
    ledger = ledger_of(request)
    source: str = request.app.state.settings.source
    reader = FeedReader(tables_of(ledger))

    def read(position: int) -> tuple[list[bytes], int]:
        with pooled_connection(ledger) as conn:
            found, scanned = reader.read(conn, region, position, BATCH)
        return [sse_event(partner_cloudevent(e, ref, source)) for e, ref in found], scanned

    async def stream() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        yield f"retry: {RETRY_MS}\n\n".encode()
        position = after
        quiet = 0.0
        ends = loop.time() + STREAM_SECONDS
        while loop.time() < ends:
            events, position = await run_in_threadpool(read, position)
            for event in events:
                yield event
            if len(events) == BATCH:
                continue
            if not query.follow:
                return
            await asyncio.sleep(POLL_SECONDS)
            quiet = 0.0 if events else quiet + POLL_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield b": keep-alive\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            method="GET",
            path=f"{API}/feed",
            endpoint=feed,
            operation_id="partner_feed",
            summary="A partner region's collaboration feed (server-sent events)",
            tag="partner",
            roles=FEED_READERS,
            query_model=FeedQuery,
            response_media_type="text/event-stream",
            description=__doc__ or "",
        )
    ]
