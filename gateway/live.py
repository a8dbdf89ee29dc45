"""The live feed: server-sent events telling browsers what the log and the views just did.

One watcher per process (per event loop), however many browsers listen: a single asyncio task
holding one PostgreSQL connection that LISTENs on the event store's channel. Woken by a NOTIFY
(or a timeout, so a missed notification costs at most one period), it reads

- the log after the last position it saw: a summary of each new event (position, topic, time
  of writing, the agencies it names — never its payload, which may hold personal data), at most
  ``SAMPLE`` of them per wake-up with the total count, and
- the views' positions (``views.positions``): when they moved, the figures changed,

and hands both to every subscriber's bounded queue. While the views lag behind the log it looks
again soon (``CATCH_UP``), so a figure shows up moments after the projections wrote it — from the
embedded follower in this process or from Kafka projection runners elsewhere. The watcher starts
with the first subscriber and stops with the last: an idle gateway holds no extra connection.

Authentication. ``EventSource`` cannot send an ``Authorization`` header, so the page first asks
for a *ticket* with its bearer token (``POST /api/v1/live/tickets``) and opens the stream with
``?ticket=``. A ticket is the caller's principal, role and agency with an expiry ``TICKET_SECONDS``
away, signed with HMAC-SHA256 under the configured ``LEDGER_TICKET_KEY`` (or, unset, a key this
process drew at random): short-lived, so that what ends up in access logs, proxies and the
browser's history is worthless a minute later — unlike the bearer token itself, which is never
put in a URL. The stream lives at most ``STREAM_SECONDS``; the browser then reconnects, and
renews the ticket when it has expired.
(Several gateways behind one address share the key: ``ledger serve --workers`` does it for its
workers; separate gateways are given one ``LEDGER_TICKET_KEY``.)

Agency officers receive only the events naming their agency; everyone receives view updates.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg import sql
from pydantic import BaseModel, ValidationError

from domain.actors import Actor, Role
from domain.application import SupervisionLedger
from gateway.metrics import LIVE_STREAMS
from infra.eventstore import LedgerRecorder
from infra.settings import Settings

log = logging.getLogger(__name__)

TICKET_SECONDS = 60
STREAM_SECONDS = 600.0
HEARTBEAT = 15.0
IDLE_WAIT = 1.0
CATCH_UP = 0.25
SAMPLE = 50
QUEUE = 64
RETRY_MS = 2000

VIEWS_POSITION = (
    # Per projection the highest position it applied (any source, the rebuild's floor included),
    # then the lowest of those: every view holds at least the events up to there.
    "SELECT coalesce(min(reached), 0), coalesce(max(updated)::text, '') FROM ("
    " SELECT projection, max(position) AS reached, max(updated_at) AS updated"
    " FROM views.positions GROUP BY projection) p"
)


# Tickets ---------------------------------------------------------------------------------------


class TicketError(Exception):
    """A ticket that is malformed, forged or expired."""


class _Claims(BaseModel):
    p: str
    r: Role
    a: UUID | None = None
    e: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TicketSigner:
    """Signs and checks stream tickets under the key given (or one drawn for this process)."""

    def __init__(self, key: bytes | None = None, ttl: int = TICKET_SECONDS) -> None:
        self._key = key or secrets.token_bytes(32)
        self.ttl = ttl

    def issue(self, actor: Actor, now: float | None = None) -> tuple[str, int]:
        """A ticket for ``actor`` and when it expires (Unix seconds)."""
        expires = int(now if now is not None else time.time()) + self.ttl
        claims = _Claims(p=actor.principal, r=actor.role, a=actor.agency_id, e=expires)
        body = _b64(claims.model_dump_json(exclude_none=True).encode())
        return f"{body}.{self._sign(body)}", expires

    def check(self, ticket: str, now: float | None = None) -> Actor:
        body, dot, signature = ticket.partition(".")
        if not dot or len(ticket) > 1000:
            raise TicketError("not a ticket")
        if not hmac.compare_digest(signature, self._sign(body)):
            raise TicketError("the ticket's signature does not match")
        try:
            claims = _Claims.model_validate_json(_unb64(body))
        except (ValueError, ValidationError):
            raise TicketError("not a ticket") from None
        if claims.e < (now if now is not None else time.time()):
            raise TicketError("the ticket has expired; ask for a new one")
        return Actor(principal=claims.p, role=claims.r, agency_id=claims.a)

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


# What the watcher tells subscribers -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventSummary:
    position: int
    topic: str
    recorded_at: datetime
    agencies: tuple[UUID, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "topic": self.topic,
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class LogNews:
    """Events written since the last news: ``count`` of them, the last ``SAMPLE`` summarised."""

    position: int
    count: int
    events: tuple[EventSummary, ...]


@dataclass(frozen=True, slots=True)
class ViewsNews:
    """The views moved: their lowest position over all projections, and the log's last."""

    position: int
    log_position: int

    @property
    def lag_events(self) -> int:
        return max(0, self.log_position - self.position)


News = LogNews | ViewsNews


def agencies_named(state: bytes) -> tuple[UUID, ...]:
    """The agencies an event's payload names at its top level (``agency_id``, ``agency_ids``)."""
    try:
        payload = orjson.loads(state)
    except orjson.JSONDecodeError:
        return ()
    found: list[UUID] = []
    values: list[Any] = [payload.get("agency_id"), *(payload.get("agency_ids") or [])]
    for value in values:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            found.append(UUID(str(value)))
    return tuple(dict.fromkeys(v for v in found))


# Formatting for one subscriber ------------------------------------------------------------------


def sse(event: str, data: Mapping[str, Any], ident: int | None = None) -> bytes:
    """One server-sent event (``data`` as one line of JSON)."""
    head = f"id: {ident}\n" if ident is not None else ""
    return f"{head}event: {event}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


def visible(actor: Actor, summary: EventSummary) -> bool:
    """The office and auditors see every event; an agency officer those naming its agency."""
    if actor.role in (Role.SUPERVISOR, Role.AUDITOR):
        return True
    return actor.agency_id is not None and actor.agency_id in summary.agencies


def render(actor: Actor, news: News) -> bytes | None:
    """The bytes one subscriber receives for ``news`` (``None``: nothing it may see)."""
    if isinstance(news, ViewsNews):
        return sse(
            "views",
            {
                "position": news.position,
                "log_position": news.log_position,
                "lag_events": news.lag_events,
            },
        )
    seen = [e for e in news.events if visible(actor, e)]
    everything = actor.role in (Role.SUPERVISOR, Role.AUDITOR)
    if not seen and not everything:
        return None
    return sse(
        "log",
        {
            "position": news.position,
            "count": news.count if everything else len(seen),
            "events": [e.as_json() for e in seen],
        },
        ident=news.position,
    )


# The watcher ------------------------------------------------------------------------------------


def connection_settings(recorder: LedgerRecorder) -> dict[str, str]:
    """The ledger's database as its pool connects to it: every parameter of the pool's
    connection string (the whole database URL: TLS and all) and those the pool adds."""
    pool = recorder.datastore.pool
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    settings = {
        k: str(v)
        for k, v in psycopg.conninfo.conninfo_to_dict(conninfo or "").items()
        if v is not None
    }
    kwargs = pool.kwargs
    found = kwargs() if callable(kwargs) else (kwargs or {})
    keys = ("dbname", "host", "port", "user", "password")
    settings.update({k: str(found[k]) for k in keys if found.get(k) is not None})
    return settings


def conninfo_of(ledger: SupervisionLedger) -> str:
    """A connection string for the ledger's own database."""
    return psycopg.conninfo.make_conninfo(**connection_settings(recorder_of(ledger)))


def recorder_of(ledger: SupervisionLedger) -> LedgerRecorder:
    recorder = ledger.recorder
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError("the ledger's event store is not the ledger recorder")
    return recorder


@dataclass(eq=False)
class _Subscriber:
    actor: Actor
    queue: asyncio.Queue[News | None] = field(default_factory=lambda: asyncio.Queue(QUEUE))
    overflowed: bool = False


class LiveHub:
    """The process's one watcher of the log and the views, and the streams it feeds."""

    def __init__(
        self, conninfo: str, recorder: LedgerRecorder, ticket_key: bytes | None = None
    ) -> None:
        self.conninfo = conninfo
        self.signer = TicketSigner(ticket_key)
        self._subscribers: set[_Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        events = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
        self._channel = sql.SQL("LISTEN {}").format(sql.Identifier(recorder.channel_name))
        self._last = sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(events)
        self._count = sql.SQL(
            "SELECT count(*) FROM {} WHERE notification_id > %s AND notification_id <= %s"
        ).format(events)
        self._recent = sql.SQL(
            "SELECT notification_id, topic, recorded_at, state FROM {} "
            "WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT %s"
        ).format(events)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def subscribe(self, actor: Actor) -> AsyncIterator[_Subscriber]:
        subscriber = _Subscriber(actor)
        self._subscribers.add(subscriber)
        self._ensure_watching()
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
            if not self._subscribers and self._task is not None:
                self._task.cancel()
                self._task = None

    def _ensure_watching(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and not self._task.done() and self._loop is loop:
            return
        self._loop = loop
        self._task = loop.create_task(self._watch(), name="live-watcher")

    def _publish(self, news: News) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber.queue.put_nowait(news)
            except asyncio.QueueFull:
                subscriber.overflowed = True  # it is told to re-read everything

    async def _watch(self) -> None:
        while True:
            try:
                await self._follow()
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                log.warning("live watcher lost its database connection (%s); retrying", error)
                await asyncio.sleep(IDLE_WAIT)

    async def _follow(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            await conn.execute(self._channel)
            last = await self._scalar(conn, self._last)
            views = await self._views(conn)
            wait = IDLE_WAIT
            while True:
                async for _ in conn.notifies(timeout=wait, stop_after=1):
                    pass
                now_last = await self._scalar(conn, self._last)
                if now_last > last:
                    self._publish(await self._news(conn, last, now_last))
                    last = now_last
                seen = await self._views(conn)
                if seen != views:
                    views = seen
                    self._publish(ViewsNews(position=seen[0], log_position=last))
                wait = CATCH_UP if views[0] < last else IDLE_WAIT

    async def _scalar(self, conn: psycopg.AsyncConnection[Any], query: sql.Composed) -> int:
        cur = await conn.execute(query)
        row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def _news(self, conn: psycopg.AsyncConnection[Any], after: int, upto: int) -> LogNews:
        cur = await conn.execute(self._count, (after, upto))
        row = await cur.fetchone()
        count = int(row[0]) if row else 0
        cur = await conn.execute(self._recent, (after, upto, SAMPLE))
        rows = await cur.fetchall()
        events = tuple(
            EventSummary(int(p), str(topic), at, agencies_named(bytes(state)))
            for p, topic, at, state in reversed(rows)
        )
        return LogNews(position=upto, count=count, events=events)

    async def _views(self, conn: psycopg.AsyncConnection[Any]) -> tuple[int, str]:
        """The views' lowest position over projections, and a mark that changes with any write."""
        try:
            cur = await conn.execute(VIEWS_POSITION)
        except psycopg.errors.UndefinedTable:
            return 0, ""
        row = await cur.fetchone()
        return (int(row[0]), str(row[1])) if row else (0, "")


def hub_of(state: Any, ledger: SupervisionLedger) -> LiveHub:
    """The app's hub (``app.state.live``), made on first use."""
    hub: LiveHub | None = getattr(state, "live", None)
    if hub is None:
        settings: Settings | None = getattr(state, "settings", None)
        key = settings.ticket_key if settings is not None else None
        hub = LiveHub(conninfo_of(ledger), recorder_of(ledger), bytes.fromhex(key) if key else None)
        state.live = hub
    return hub


async def stream(
    hub: LiveHub, actor: Actor, *, lifetime: float = STREAM_SECONDS
) -> AsyncIterator[bytes]:
    """The event stream of one browser: a greeting, then news as it comes, with heartbeats."""
    deadline = time.monotonic() + lifetime
    with LIVE_STREAMS.track_inprogress():
        async for chunk in _stream(hub, actor, deadline):
            yield chunk


async def _stream(hub: LiveHub, actor: Actor, deadline: float) -> AsyncIterator[bytes]:
    async with hub.subscribe(actor) as me:
        yield f"retry: {RETRY_MS}\n\n".encode()
        yield sse("hello", {"role": actor.role.value, "agency_id": _text(actor.agency_id)})
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                news = await asyncio.wait_for(me.queue.get(), timeout=min(HEARTBEAT, remaining))
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if me.overflowed:
                me.overflowed = False
                _drain(me.queue)
                yield sse("resync", {"reason": "too much news at once: read the figures again"})
                continue
            if news is not None and (message := render(actor, news)) is not None:
                yield message


def _drain(queue: asyncio.Queue[News | None]) -> None:
    with contextlib.suppress(asyncio.QueueEmpty):
        while True:
            queue.get_nowait()


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)
