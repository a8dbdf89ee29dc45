"""Prometheus metrics: what the gateway counts as it answers, and what it reads at scrape time.

Counted in process (declared once, here): commands by area, command and outcome, and their
latency — by ``CommandMetrics``, an ASGI middleware around the app that recognises a command by
the endpoint the router chose (each command's own, ``COMMAND_ENDPOINTS``) and its
outcome by the answer's status and problem type. Labels are bounded: areas and commands are the
declared ones, outcomes the fixed set of ``OUTCOMES``.

Read at scrape time (``LedgerCollector``, a custom collector over one database connection):

- business figures from the views — acts by kind and by the acting agency (its code, and its
  first enforcement domain: the agency's *kind*, 16 values), overdue ordinary cases by agency,
  decisions awaiting legal review, open and overdue 12345 tickets, certified officers, and the
  supervision indicators of the year so far. The agency is a bounded label (the register of a
  district's agencies: 94 in Binhai, so some 940 series of acts at most, 94 agencies by 10
  kinds); no entity, officer or case id is ever a label. What "overdue" and "awaiting legal
  review" mean is written once, in ``projections.queries``, and read from there;
- pipeline health from the log, ``views.positions`` and ``ledger_relay_positions`` — how far
  each projection and each relay got, their lag in events and in seconds (the age of the
  oldest event they have not handled yet), and their throughput in events per second over the
  time between two scrapes.

A table that does not exist yet (no projection ran, no relay) leaves its metrics out; the
scrape itself never fails on it.
"""

from __future__ import annotations

import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from psycopg import sql
from psycopg.rows import tuple_row
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.oversight.values import TicketStatus
from domain.values import local_date
from gateway import projection_lag
from projections import queries
from projections.store import FLOOR, STORE
from projections.supervision_counters import ENFORCEMENT

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

OPEN_TICKETS = tuple(s.value for s in TicketStatus if s is not TicketStatus.CLOSED)

# In-process metrics ---------------------------------------------------------------------------

COMMANDS = Counter(
    "ledger_commands",
    "Commands the gateway answered, by area, command and outcome.",
    ["area", "command", "outcome"],
)
COMMAND_SECONDS = Histogram(
    "ledger_command_duration_seconds",
    "Time from a command's request to its answer (group commit included), by area.",
    ["area"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMIT_BATCH = Histogram(
    "ledger_commit_batch_commands",
    "Commands carried out per group-commit transaction of the gateway (grows under load).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
LIVE_STREAMS = Gauge(
    "ledger_live_streams",
    "Server-sent event streams open (in all the gateway's worker processes).",
    multiprocess_mode="livesum",
)

OUTCOMES = (
    "accepted",
    "unchanged",
    "refused_by_rule",
    "already_exists",
    "conflict",
    "invalid",
    "malformed",
    "unauthenticated",
    "forbidden",
    "not_found",
    "unavailable",
    "error",
)


def outcome_of(status: int | None, problem_type: str | None) -> str:
    """A command's outcome from its answer: the HTTP status and, for a problem, its type."""
    slug = (problem_type or "").rsplit("/", 1)[-1]
    if status is None or status >= 500:
        return "unavailable" if status == 503 else "error"
    if status == 201:
        return "accepted"
    if 200 <= status < 300:
        return "unchanged"  # an idempotent replay, or a state already reached
    if status in (409, 412):
        return {"already-exists": "already_exists", "concurrent-change": "conflict"}.get(
            slug, "refused_by_rule"
        )
    if slug == "malformed-body":  # a 422 since the body is input like any other
        return "malformed"
    return {
        400: "malformed",
        413: "malformed",
        415: "malformed",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        422: "invalid",
    }.get(status, "error")


COMMAND_ENDPOINTS: weakref.WeakKeyDictionary[Callable[..., Any], tuple[str, str, str]] = (
    weakref.WeakKeyDictionary()
)
"""Each command's endpoint -> (method, area, command), filled as the endpoints are made
(``commands_api``): the router leaves the endpoint it chose in the request's scope, and that
names the command (no second matching of the path against every command's route)."""


class CommandMetrics:
    """ASGI middleware counting commands by outcome and timing them.

    Add it to the app with ``Starlette(..., middleware=[Middleware(CommandMetrics)])``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        answer: dict[str, Any] = {"status": None, "problem": False, "body": b""}

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                headers = dict(message.get("headers", []))
                answer["problem"] = b"problem+json" in headers.get(b"content-type", b"")
            elif message["type"] == "http.response.body" and answer["problem"]:
                answer["body"] = (answer["body"] + message.get("body", b""))[:4096]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, watching)
        finally:
            endpoint = scope.get("endpoint")
            found = COMMAND_ENDPOINTS.get(endpoint) if endpoint is not None else None
            if found is not None and found[0] == scope["method"]:
                _, area, name = found
                COMMAND_SECONDS.labels(area).observe(time.perf_counter() - started)
                problem = _problem_type(answer["body"]) if answer["problem"] else None
                COMMANDS.labels(area, name, outcome_of(answer["status"], problem)).inc()


def _problem_type(body: bytes) -> str | None:
    found = re.search(rb'"type"\s*:\s*"([^"]{1,200})"', body)
    return found.group(1).decode() if found else None


# Read at scrape time ----------------------------------------------------------------------------

Connection = psycopg.Connection[Any]
Connect = Callable[[], AbstractContextManager[Connection]]


class Throughput:
    """Events per second of each consumer, from its positions at two scrapes."""

    MIN_INTERVAL = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int, float]] = {}

    def rate(self, scope: str, consumer: str, position: int, now: float) -> float:
        key = (scope, consumer)
        with self._lock:
            before = self._seen.get(key)
            if before is None or position < before[1]:
                self._seen[key] = (now, position, 0.0)
                return 0.0
            at, then, last_rate = before
            if now - at < self.MIN_INTERVAL:
                return last_rate
            value = (position - then) / (now - at)
            self._seen[key] = (now, position, value)
            return value


THROUGHPUT = Throughput()


def _rows(conn: Connection, query: str | sql.Composed, params: Any = None) -> list[Any]:
    cur = conn.cursor(row_factory=tuple_row)
    return cur.execute(query, params).fetchall()


class LedgerCollector(Collector):
    """The ledger's figures and pipeline health, read from the database at each scrape."""

    def __init__(
        self,
        connect: Connect,
        events_table: sql.Composable,
        *,
        scope: str = "",
        today: date | None = None,
    ) -> None:
        self.connect = connect
        self.events = events_table
        self.scope = scope
        self.today = today
        self.log_position = 0

    def collect(self) -> Iterator[Metric]:
        with self.connect() as conn:
            present = self._present(conn)
            yield from self._log(conn)
            if present["views.positions"]:
                yield from self._projections(conn)
            if present["ledger_relay_positions"]:
                yield from self._relays(conn)
            ready = GaugeMetricFamily(
                "ledger_views_ready", "1 when the views exist (the projections have run)."
            )
            views = all(v for k, v in present.items() if k.startswith("views."))
            ready.add_metric([], 1.0 if views else 0.0)
            yield ready
            if views:
                yield from self._business(conn)

    def _present(self, conn: Connection) -> dict[str, bool]:
        names = [
            "views.positions",
            "views.acts_daily",
            "views.agencies",
            "views.penalty_cases",
            "views.hotline_tickets",
            "views.certificates",
            "ledger_relay_positions",
        ]
        row = _rows(
            conn, "SELECT " + ", ".join(["to_regclass(%s) IS NOT NULL"] * len(names)), names
        )
        return dict(zip(names, row[0], strict=True))

    # Pipeline -----------------------------------------------------------------------------------

    def _log(self, conn: Connection) -> Iterator[Metric]:
        query = sql.SQL(
            "SELECT notification_id, extract(epoch FROM recorded_at) FROM {} "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(self.events)
        rows = _rows(conn, query)
        position, at = (int(rows[0][0]), float(rows[0][1])) if rows else (0, 0.0)
        last = GaugeMetricFamily("ledger_log_position", "The log's last position (event number).")
        last.add_metric([], position)
        written = GaugeMetricFamily(
            "ledger_log_last_event_timestamp_seconds", "When the log's last event was written."
        )
        written.add_metric([], at)
        self.log_position = position
        yield last
        yield written

    def _lag_seconds(self, conn: Connection, positions: Iterable[int]) -> dict[int, float]:
        """For each position, the age of the first event after it (0 when none is)."""
        wanted = sorted({p for p in positions if p < self.log_position})
        if not wanted:
            return {}
        query = sql.SQL(
            "SELECT p, extract(epoch FROM clock_timestamp() - ("
            " SELECT recorded_at FROM {} WHERE notification_id > p"
            " ORDER BY notification_id LIMIT 1)) FROM unnest(%s::bigint[]) AS p"
        ).format(self.events)
        return {int(p): max(0.0, float(age or 0.0)) for p, age in _rows(conn, query, [wanted])}

    def _consumers(
        self,
        conn: Connection,
        kind: str,
        label: str,
        found: list[tuple[str, int]],
        lags: dict[str, tuple[int, float]] | None = None,
    ) -> Iterator[Metric]:
        """``lags``: each consumer's lag in events and seconds where it is not simply the
        events after its position (a projection fed by Kafka partitions)."""
        lags = lags or {}
        ages = self._lag_seconds(conn, (p for n, p in found if n not in lags))
        position = GaugeMetricFamily(
            f"ledger_{kind}_position", f"The last log position each {kind} handled.", labels=[label]
        )
        lag = GaugeMetricFamily(
            f"ledger_{kind}_lag_events",
            f"Events in the log each {kind} has not handled yet.",
            labels=[label],
        )
        lag_seconds = GaugeMetricFamily(
            f"ledger_{kind}_lag_seconds",
            f"Age of the oldest event each {kind} has not handled yet (0 when caught up).",
            labels=[label],
        )
        now = time.monotonic()
        rate = GaugeMetricFamily(
            f"ledger_{kind}_throughput_events_per_second",
            f"Events each {kind} handled per second between the last two scrapes.",
            labels=[label],
        )
        for name, reached in found:
            position.add_metric([name], reached)
            events, seconds = lags.get(
                name, (max(0, self.log_position - reached), ages.get(reached, 0.0))
            )
            lag.add_metric([name], events)
            lag_seconds.add_metric([name], seconds)
            rate.add_metric([name], THROUGHPUT.rate(f"{self.scope}:{kind}", name, reached, now))
        yield from (position, lag, lag_seconds, rate)

    def _projections(self, conn: Connection) -> Iterator[Metric]:
        # A projection fed by Kafka has a position per partition: its highest is shown as how
        # far it got, and its lag is counted per partition (``gateway.projection_lag``).
        sources: dict[str, dict[str, int]] = {}
        for name, source, position in _rows(
            conn, "SELECT projection, source, position FROM views.positions ORDER BY 1, 2"
        ):
            sources.setdefault(str(name), {})[str(source)] = int(position)
        found = [(name, projection_lag.reached(s)) for name, s in sources.items()]
        yield from self._consumers(
            conn, "projection", "projection", found, self._kafka_lags(conn, sources)
        )

    def _kafka_lags(
        self, conn: Connection, sources: dict[str, dict[str, int]]
    ) -> dict[str, tuple[int, float]]:
        kafka = {
            name: projection_lag.kafka_sources(s)
            for name, s in sources.items()
            if STORE not in s and projection_lag.kafka_sources(s)
        }
        if not kafka:
            return {}
        lowest = min(min(p.values()) for p in kafka.values())
        floors = {name: sources[name].get(FLOOR, 0) for name in kafka}
        since = min(lowest, min(floors.values()))
        query = sql.SQL(
            "SELECT notification_id, originator_id, topic, extract(epoch FROM recorded_at) "
            "FROM {} WHERE notification_id > %s ORDER BY notification_id DESC LIMIT %s"
        ).format(self.events)
        tail = [
            projection_lag.Tail(int(n), a, str(t), float(at))
            for n, a, t, at in _rows(conn, query, (since, projection_lag.WINDOW))
        ]
        prefix, partitions = projection_lag.topic_layout(
            key for positions in kafka.values() for key in positions
        )
        tails = projection_lag.tail_by_partition(tail, prefix, partitions)
        now = float(_rows(conn, "SELECT extract(epoch FROM clock_timestamp())")[0][0])
        lags = {}
        for name, positions in kafka.items():
            found = projection_lag.kafka_lag(tails, positions, floors[name])
            age = 0.0 if found.oldest_at is None else max(0.0, now - found.oldest_at)
            lags[name] = (found.events, age)
        return lags

    def _relays(self, conn: Connection) -> Iterator[Metric]:
        found = _rows(conn, "SELECT name, position FROM ledger_relay_positions ORDER BY 1")
        yield from self._consumers(conn, "relay", "relay", [(str(n), int(p)) for n, p in found])

    # Business -----------------------------------------------------------------------------------

    def _business(self, conn: Connection) -> Iterator[Metric]:
        today = self.today or local_date(datetime.now(UTC))
        # Every agency's code and kind (its first enforcement domain): the agencies are a
        # bounded register (a district has about a hundred), so both are fit labels.
        agencies = {
            r[0]: (str(r[1]), str(r[2]))
            for r in _rows(
                conn, "SELECT agency_id, code, coalesce(domains[1], 'unknown') FROM views.agencies"
            )
        }
        unknown = ("unknown", "unknown")
        acts = CounterMetricFamily(
            "ledger_acts",
            "Acts by kind and by the acting agency (its code and its enforcement domain), by "
            "the act's own date.",
            labels=["kind", "agency", "agency_domain"],
        )
        for agency_id, kinds in sorted(
            queries.acts_by_agency(conn).items(), key=lambda a: agencies.get(a[0], unknown)
        ):
            code, agency_domain = agencies.get(agency_id, unknown)
            for kind, n in sorted(kinds.items()):
                acts.add_metric([kind, code, agency_domain], n)
        yield acts

        overdue = GaugeMetricFamily(
            "ledger_overdue_cases",
            "Ordinary penalty cases past their decision deadline today (90 days or extended).",
            labels=["agency", "agency_domain"],
        )
        late_cases = queries.overdue_case_counts(conn, today)
        for agency_id, (code, agency_domain) in sorted(agencies.items(), key=lambda a: a[1]):
            overdue.add_metric([code, agency_domain], late_cases.get(agency_id, 0))
        yield overdue

        review = GaugeMetricFamily(
            "ledger_cases_awaiting_legal_review", "Decisions sent to legal review, not reviewed."
        )
        review.add_metric([], queries.awaiting_legal_review_count(conn))
        yield review

        tickets = GaugeMetricFamily(
            "ledger_open_tickets", "12345 hotline tickets not closed, by status.", labels=["status"]
        )
        late = GaugeMetricFamily(
            "ledger_overdue_tickets", "12345 hotline tickets not closed past their deadline today."
        )
        open_by_status = dict.fromkeys(OPEN_TICKETS, 0) | queries.open_tickets_by_status(conn)
        for status, n in open_by_status.items():
            tickets.add_metric([status], n)
        late.add_metric([], queries.overdue_ticket_count(conn, today))
        yield tickets
        yield late

        year = queries.indicators(conn, date(today.year, 1, 1), today)
        certified = GaugeMetricFamily(
            "ledger_certified_officers", "Officers holding an enforcement certificate today."
        )
        certified.add_metric([], year.certified_officers)
        per_capita = GaugeMetricFamily(
            "ledger_per_capita_actions",
            f"Enforcement acts ({', '.join(ENFORCEMENT)}) this year per certified officer.",
        )
        per_capita.add_metric([], year.per_capita_actions)
        participation = GaugeMetricFamily(
            "ledger_participation_ratio",
            "Share of certified officers named on at least one enforcement act this year.",
        )
        participation.add_metric([], year.participation_rate / 100)
        performance = GaugeMetricFamily(
            "ledger_performance_ratio",
            "Share of agencies with at least one enforcement act this year.",
        )
        performance.add_metric([], year.performance_rate / 100)
        yield from (certified, per_capita, participation, performance)


def _workers_folder() -> str | None:
    """The workers' metrics folder: prometheus-client's own setting, which ``ledger serve
    --workers`` sets for its workers (:mod:`gateway.serving`); unset in a lone gateway."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def gateway_metrics() -> Iterator[Metric]:
    """The in-process metrics: this process's, or with several gateway workers (``ledger serve
    --workers``, which sets prometheus-client's ``PROMETHEUS_MULTIPROC_DIR`` for them) all the
    workers' together, read from the files each keeps there — whichever worker is scraped."""
    folder = _workers_folder()
    if not folder:
        yield from REGISTRY.collect()
        return
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    yield from registry.collect()


def forget_dead_workers() -> list[int]:
    """Drop the live gauges of gateway workers that died (the processes they name are gone);
    the ids of those workers. A worker's open live streams are counted in a file of its own
    (``livesum``), which outlives a worker killed outright: uvicorn starts a replacement, and
    without this the streams of the dead one would be counted for ever. Each worker calls it
    as it starts (the replacement starts after the dead one is reaped)."""
    folder = _workers_folder()
    if not folder or not os.path.isdir(folder):
        return []
    dead = []
    for name in os.listdir(folder):
        found = _LIVE_GAUGE_FILE.fullmatch(name)
        if found and not _running(pid := int(found.group(1))):
            mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]
            dead.append(pid)
    return dead


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+_(\d+)\.db")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, someone else's
    return True


class Scrape(Collector):
    """One scrape: the gateway's own metrics, then the ledger's read from the database."""

    def __init__(self, ledger_collector: LedgerCollector) -> None:
        self.ledger = ledger_collector

    def collect(self) -> Iterator[Metric]:
        yield from gateway_metrics()
        yield from self.ledger.collect()
