"""Commands over HTTP: sustained rate, and latency at half of it, vs bare eventsourcing appends.

The gateway runs as its own process (``ledger serve --workers``, one worker per core, production
shape: Kafka configured, so no projections run inside it). The load generator is a real HTTP
client over loopback (keep-alive connections, asyncio; ``http_load``, lean so that it leaves the
cores to the server), bounded in requests and time:

1. closed loop — ``CONCURRENCY`` clients send back to back for ``seconds``: the maximum rate;
2. open loop — requests at half that rate, evenly spaced, for ``seconds``: p50/p99 latency as
   the client sees it, and as the gateway's own histogram of its commands' durations (its
   ``/metrics``, read before and after) puts it (``gateway_p50/p99_ms_at_half_load``, estimated
   as Prometheus's ``histogram_quantile`` does).

Each command records an area patrol (the most frequent act of the district's year): the gateway
parses and authorises it, loads the agency, the grid cell and two officers, checks the rules
(team, certificates, agency), and appends one event, group-committed with its neighbours.

Baseline: the same patrol aggregates appended with bare eventsourcing, one ``save`` per command
(no HTTP, no rules, no group commit) on the same database server.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from prometheus_client.parser import text_string_to_metric_families

from domain.actors import SYSTEM, Role
from domain.application import SupervisionLedger
from domain.base import EventMeta, recording_as
from domain.field.patrol import AreaPatrol
from domain.registry import commands as reg
from domain.registry.grid_cell import GridCell
from domain.registry.officer import Officer
from domain.values import EnforcementDomain
from gateway.auth import grant_token
from infra.bench.env import BenchEnv, histogram_quantile, percentile, rate
from infra.bench.http_load import LoadClient, collector_paused, wait_for_server
from infra.ports import connections_by_process
from infra.postgres import Database
from infra.wiring import open_ledger

CONCURRENCY = 64
WORKERS = os.cpu_count() or 1
OFFICERS = 40
CELLS = 50


def _prepare(ledger: SupervisionLedger) -> tuple[UUID, list[UUID]]:
    agency = ledger.execute(
        reg.RegisterAgency(code="BENCH", name="bench", domains=[EnforcementDomain.URBAN]), SYSTEM
    ).id
    officers = []
    for n in range(OFFICERS):
        officer = ledger.execute(
            reg.RegisterOfficer(officer_no=f"B{n}", name=f"b{n}", agency_id=agency), SYSTEM
        ).id
        ledger.execute(
            reg.IssueCertificate(officer_id=officer, number=f"BC{n}", issued_on=date(2020, 1, 1)),
            SYSTEM,
        )
        officers.append(officer)
    for n in range(CELLS):
        ledger.execute(reg.DefineGridCell(code=f"BG{n}", name=f"g{n}", street="s"), SYSTEM)
    return agency, officers


class Patrols:
    """Distinct patrol commands (a patrol's id is its agency, cell and start)."""

    def __init__(self, agency: UUID, officers: list[UUID]) -> None:
        self.agency = agency
        self.officers = officers
        self.n = 0
        self.start = datetime(2024, 1, 1, tzinfo=UTC)

    def next(self) -> dict[str, Any]:
        n = self.n = self.n + 1
        started = self.start + timedelta(minutes=n)
        return {
            "agency_id": str(self.agency),
            "grid_cell": f"BG{n % CELLS}",
            "officer_ids": [
                str(self.officers[n % OFFICERS]),
                str(self.officers[(n + 1) % OFFICERS]),
            ],
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(hours=1)).isoformat(),
            "route": "bench",
        }


PATROLS = "/api/v1/area-patrols"


async def _closed_loop(client: LoadClient, patrols: Patrols, seconds: float) -> tuple[int, int]:
    deadline = time.perf_counter() + seconds
    head = client.head("POST", PATROLS)
    ok = failed = 0

    async def worker() -> None:
        nonlocal ok, failed
        while time.perf_counter() < deadline:
            answer = await client.send(head, orjson.dumps(patrols.next()))
            if answer.status == 201:
                ok += 1
            else:
                failed += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return ok, failed


async def _open_loop(
    client: LoadClient, patrols: Patrols, per_second: float, seconds: float
) -> tuple[list[float], int]:
    """Requests sent on a fixed schedule (not when the previous one is answered), so a slow
    answer delays none of the next: the latency includes any wait for a free connection."""
    latencies: list[float] = []
    failed = 0
    head = client.head("POST", PATROLS)
    interval = 1.0 / per_second
    started = time.perf_counter()
    tasks = []

    async def one() -> None:
        nonlocal failed
        sent = time.perf_counter()
        answer = await client.send(head, orjson.dumps(patrols.next()))
        latencies.append((time.perf_counter() - sent) * 1000)
        if answer.status != 201:
            failed += 1

    count = int(per_second * seconds)
    for n in range(count):
        delay = started + n * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return latencies, failed


def _bare_eventsourcing(
    database: Database, agency: UUID, officers: list[UUID], count: int
) -> float:
    """Commands/s of bare eventsourcing appending the same patrol events, one save each."""
    ledger = open_ledger(database, pool_size=2)
    cell: GridCell = ledger.repository.get(GridCell.create_id("BG0"))
    team: list[Officer] = [ledger.repository.get(o) for o in officers[:2]]
    meta = EventMeta(principal="bench", role=Role.SYSTEM, correlation_id="bench")
    start = datetime(2025, 6, 1, tzinfo=UTC)
    with recording_as(meta):
        patrols = [
            AreaPatrol.record(
                agency_id=agency,
                grid_cell=cell,
                officers=team,
                started_at=start + timedelta(minutes=n),
                ended_at=start + timedelta(minutes=n + 60),
                route="bare",
                notes="",
                problems_found=0,
            )
            for n in range(count)
        ]
    started = time.perf_counter()
    for patrol in patrols:
        ledger.save(patrol)
    seconds = time.perf_counter() - started
    ledger.close()
    return rate(count, seconds)


def run(env: BenchEnv, quick: bool) -> dict[str, float]:
    seconds = 5.0 if quick else 20.0
    database = env.fresh_database()
    ledger = open_ledger(database, pool_size=2)
    agency, officers = _prepare(ledger)
    ledger.close()
    token, grant = grant_token(
        principal="bench-officer", role=Role.AGENCY_OFFICER, agency_id=agency
    )
    with env.gateway(database, grant, WORKERS) as port:
        figures = asyncio.run(_drive(port, token, agency, officers, seconds))
    bare = _bare_eventsourcing(database, agency, officers, 2000 if quick else 5000)
    figures["gateway_workers"] = float(WORKERS)
    figures["bare_eventsourcing_per_s"] = bare
    figures["ratio_to_bare"] = figures["commands_per_s"] / bare
    return figures


async def _open_on_every_worker(client: LoadClient, port: int, patience: float = 60.0) -> None:
    """The load's connections, spread over all the gateway's workers: the first to start would
    otherwise take every connection made before the others are ready."""
    deadline = time.monotonic() + patience
    while True:
        await client.open(CONCURRENCY)
        if len(connections_by_process(port)) >= WORKERS:
            return
        client.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gateway's {WORKERS} workers did not all take connections")
        await asyncio.sleep(0.5)


async def _drive(
    port: int, token: str, agency: UUID, officers: list[UUID], seconds: float
) -> dict[str, float]:
    await wait_for_server(port)
    client = LoadClient("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
    await _open_on_every_worker(client, port)
    try:
        patrols = Patrols(agency, officers)
        await _closed_loop(client, patrols, 2.0)  # warm-up
        with collector_paused():
            started = time.perf_counter()
            ok, failed = await _closed_loop(client, patrols, seconds)
            maximum = rate(ok, time.perf_counter() - started)
            before = await _command_seconds(client)
            latencies, open_failed = await _open_loop(client, patrols, maximum / 2, seconds)
            after = await _command_seconds(client)
    finally:
        client.close()
    return {
        "commands_per_s": maximum,
        "refused_or_failed": float(failed + open_failed),
        "half_load_per_s": maximum / 2,
        "p50_ms_at_half_load": percentile(latencies, 50),
        "p99_ms_at_half_load": percentile(latencies, 99),
        "gateway_p50_ms_at_half_load": histogram_quantile(0.5, before, after) * 1000,
        "gateway_p99_ms_at_half_load": histogram_quantile(0.99, before, after) * 1000,
    }


async def _command_seconds(client: LoadClient) -> dict[float, float]:
    """The gateway's own histogram of its commands' durations (request to answer, group commit
    included; all its workers), from ``/metrics``: cumulative count by upper bound (s).

    Beside the load client's figures: on two cores shared with the gateway and PostgreSQL,
    the client itself stalls at times, and every answer it was due to read meanwhile looks
    that much slower."""
    answer = await client.send(client.head("GET", "/metrics"), b"")
    if answer.status != 200:
        raise RuntimeError(f"GET /metrics: {answer.status}")
    counts: dict[float, float] = {}
    for family in text_string_to_metric_families(answer.body.decode()):
        if family.name == "ledger_command_duration_seconds":
            for sample in family.samples:
                if sample.name.endswith("_bucket"):
                    bound = float(sample.labels["le"])
                    counts[bound] = counts.get(bound, 0.0) + sample.value
    return counts
