"""``ledger serve --workers 2``: two gateway processes on one port behave as one gateway.

Every answer is the store's truth whichever worker gave it: concurrent commands are all written
once, a conflicting pair split across the workers still has exactly one winner, the metrics of
any scrape count the commands of both workers, and a live-stream ticket issued by one worker
opens a stream on the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from domain.actors import Role
from gateway.auth import grant_token, save_grants
from infra.bench.http_commands import Patrols, _prepare
from infra.ports import connections_by_process, free_port
from infra.postgres import Database
from infra.wiring import open_ledger
from tests.pipeline import healthy, ledger_process, query, wait_for

WORKERS = 2


class Served:
    def __init__(
        self,
        database: Database,
        port: int,
        tokens: tuple[str, str],
        agency: UUID,
        team: list[UUID],
        supervisor: subprocess.Popen[bytes],
    ) -> None:
        self.supervisor = supervisor
        self.database = database
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.officer, self.office = tokens
        self.agency = agency
        self.team = team

    def client(self, token: str, connections: int = 1) -> httpx2.AsyncClient:
        """A client of ``connections`` kept-alive connections (made as requests need them)."""
        return httpx2.AsyncClient(
            base_url=self.base,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx2.Limits(max_connections=connections),
            timeout=30,
        )


def _every_worker_serving(base: str, port: int) -> bool:
    """Whether fresh connections, made one at a time, reach every worker (one that is still
    starting takes none: its siblings accept them all)."""
    clients = [httpx2.Client(base_url=base, timeout=10) for _ in range(16)]
    try:
        for client in clients:
            client.get("/healthz")
        return len(connections_by_process(port)) == WORKERS
    finally:
        for client in clients:
            client.close()


@pytest.fixture
def served(database: Database, tmp_path: Path) -> Iterator[Served]:
    ledger = open_ledger(database, pool_size=2)
    agency, officers = _prepare(ledger)
    ledger.close()
    officer, officer_grant = grant_token(
        principal="patroller", role=Role.AGENCY_OFFICER, agency_id=agency
    )
    office, office_grant = grant_token(principal="office", role=Role.SUPERVISOR)
    save_grants(tmp_path / "tokens.json", [officer_grant, office_grant])
    port = free_port()
    env = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_TOKENS_FILE": str(tmp_path / "tokens.json"),
        "LEDGER_CHECKPOINT_INTERVAL": "3600",
    }
    process = ledger_process(
        ["serve", "--port", str(port), "--workers", str(WORKERS)], env, tmp_path / "serve.log"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: healthy(port), 180, "the gateway")
        wait_for(lambda: _every_worker_serving(base, port), 180, "every worker to take connections")
        yield Served(database, port, (officer, office), agency, officers, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


def scraped(base: str, name: str, **labels: str) -> float:
    """The sum of the samples ``name`` with ``labels`` in one scrape of ``/metrics``."""
    text = httpx2.get(base + "/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def commands_counted(base: str) -> float:
    return scraped(base, "ledger_commands_total", command="record_area_patrol", outcome="accepted")


def test_concurrent_commands_through_both_workers_are_written_once_and_counted(
    served: Served,
) -> None:
    patrols = Patrols(served.agency, served.team)
    bodies = [patrols.next() for _ in range(120)]

    async def send() -> tuple[list[int], list[str], Counter[int]]:
        clients: list[httpx2.AsyncClient] = []
        try:
            # Connections made one at a time are taken by the workers in turn, at random (a
            # burst of them may all go to whichever worker wakes first; on a busy machine one
            # worker may take many in a row): at least 16, and more until both workers hold some.
            while len(clients) < 16 or (
                len(connections_by_process(served.port)) < WORKERS and len(clients) < 64
            ):
                clients.append(served.client(served.officer))
                await clients[-1].get("/healthz")
            answers = await asyncio.gather(
                *(
                    clients[n % len(clients)].post("/api/v1/area-patrols", json=body)
                    for n, body in enumerate(bodies)
                )
            )
            spread = connections_by_process(served.port)  # the connections, kept alive
        finally:
            for client in clients:
                await client.aclose()
        return [a.status_code for a in answers], [a.json()["id"] for a in answers], spread

    statuses, ids, spread = asyncio.run(send())
    assert statuses == [201] * 120
    assert len(spread) == WORKERS, f"the connections were not spread over the workers: {spread}"
    stored = query(
        served.database,
        "SELECT originator_id::text FROM supervisionledger_events "
        "WHERE topic = 'AreaPatrol.Recorded'",
    )
    assert sorted(row[0] for row in stored) == sorted(ids)  # each once, none lost
    # Whichever worker answers the scrape, it counts the commands of both.
    for _ in range(6):
        assert commands_counted(served.base) == 120


def test_of_a_conflicting_pair_across_the_workers_exactly_one_wins(served: Served) -> None:
    async def race(officer: UUID) -> list[int]:
        # Two connections, each taken by either worker: the pair often straddles them.
        async with served.client(served.office, connections=2) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"/api/v1/officers/{officer}/certificate/revocation",
                        json={"reason": "other", "note": f"race {n}", "revoked_on": "2024-01-01"},
                    )
                    for n in range(2)
                )
            )
        return sorted(a.status_code for a in answers)

    for officer in served.team[:10]:
        assert asyncio.run(race(officer)) == [200, 409]
    revocations = query(
        served.database,
        "SELECT originator_id, count(*) FROM supervisionledger_events "
        "WHERE topic = 'Officer.CertificateRevoked' GROUP BY originator_id",
    )
    assert sorted(str(r[0]) for r in revocations) == sorted(str(o) for o in served.team[:10])
    assert {r[1] for r in revocations} == {1}


def test_a_ticket_from_one_worker_opens_a_stream_on_any(served: Served) -> None:
    async def streams() -> tuple[list[int], Counter[int]]:
        async with served.client(served.office) as issuer:
            ticket = (await issuer.post("/api/v1/live/tickets")).json()["ticket"]
        clients: list[httpx2.AsyncClient] = []
        opened = []
        try:
            # A new connection each: the workers take turns at random (on a busy machine one
            # may take many in a row): at least 12, and more until both workers serve some.
            while len(clients) < 12 or (
                len(connections_by_process(served.port)) < WORKERS and len(clients) < 48
            ):
                client = httpx2.AsyncClient(base_url=served.base, timeout=30)
                clients.append(client)
                request = client.build_request("GET", "/api/v1/live", params={"ticket": ticket})
                opened.append(await client.send(request, stream=True))
            spread = connections_by_process(served.port)
            return [answer.status_code for answer in opened], spread
        finally:
            for answer in opened:
                await answer.aclose()
            for client in clients:
                await client.aclose()

    statuses, spread = asyncio.run(streams())
    assert len(statuses) >= 12 and set(statuses) == {200}
    assert len(spread) == WORKERS, f"the streams were not spread over the workers: {spread}"


def live_streams(base: str) -> float:
    return scraped(base, "ledger_live_streams")


def test_the_live_streams_of_a_killed_worker_are_no_longer_counted(served: Served) -> None:
    async def open_stream_and_kill_its_worker() -> int:
        async with served.client(served.office) as issuer:
            ticket = (await issuer.post("/api/v1/live/tickets")).json()["ticket"]
        async with httpx2.AsyncClient(base_url=served.base, timeout=30) as client:
            request = client.build_request("GET", "/api/v1/live", params={"ticket": ticket})
            answer = await client.send(request, stream=True)
            assert answer.status_code == 200
            wait_for(lambda: live_streams(served.base) == 1, 30, "the stream to be counted")
            (holder,) = connections_by_process(served.port)  # the worker serving the stream
            os.kill(holder, signal.SIGKILL)
            with contextlib.suppress(httpx2.HTTPError):  # the connection died with the worker
                await answer.aclose()
            return holder

    killed = asyncio.run(open_stream_and_kill_its_worker())
    # uvicorn's supervisor starts a replacement, which drops the dead worker's live gauges.
    wait_for(
        lambda: _every_worker_serving(served.base, served.port),
        90,
        "a replacement worker to take connections",
    )
    assert killed not in connections_by_process(served.port)
    assert live_streams(served.base) == 0


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue  # gone meanwhile
            if parent == pid:
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except OSError:
        return False


def test_the_workers_stop_when_the_supervisor_is_killed(served: Served) -> None:
    children = children_of(served.supervisor.pid)  # the workers (and multiprocessing's helper)
    workers = {c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()}
    assert len(workers) == WORKERS
    served.supervisor.send_signal(signal.SIGKILL)
    served.supervisor.wait(10)
    wait_for(lambda: not any(alive(c) for c in children), 30, "the orphaned workers to stop")
    assert not healthy(served.port)  # nobody holds the port: a new gateway can take it
