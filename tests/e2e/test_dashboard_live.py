"""The live stream (server-sent events) of a real ``ledger serve``: a command's event reaches
the office's stream as soon as it is written, and a ``views`` message follows once the
projections applied it; agency officers see only their agency's events; however many streams
are open, the process watches the database through one connection."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.registry.agency import Agency
from gateway.demo import load_demo
from gateway.live import VIEWS_POSITION
from infra.postgres import Database
from infra.wiring import follower_for
from tests.browser.served import Served, served_ledger, wait_until
from tests.browser.test_dashboard_browser import patrol

MSA, ECO = Agency.create_id("MSA"), Agency.create_id("ECO")
PATROL = "AreaPatrol.Recorded"


class Stream:
    """An open event stream, read one event at a time."""

    def __init__(self, served: Served, token: str) -> None:
        status, ticket = served.request("POST", "/api/v1/live/tickets", token)
        assert status == 201, ticket
        where = urlsplit(served.url)
        self.conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=20)
        self.conn.request("GET", ticket["url"], headers={"Accept": "text/event-stream"})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("content-type", "").startswith("text/event-stream")

    def next(self) -> tuple[str, dict[str, Any]]:
        event, data = "message", ""
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if not line:
                if data:
                    return event, json.loads(data)
                continue
            name, _, value = line.partition(": ")
            if name == "event":
                event = value
            elif name == "data":
                data += value

    def until(self, wanted: str, check: Any = lambda _: True) -> list[tuple[str, dict[str, Any]]]:
        """Every event up to and including the first ``wanted`` one that passes ``check``."""
        seen = []
        while True:
            event, data = self.next()
            seen.append((event, data))
            if event == wanted and check(data):
                return seen

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def served(ledger: SupervisionLedger, database: Database, tmp_path: Path) -> Iterator[Served]:
    load_demo(ledger)
    follower = follower_for(ledger, database)
    follower.catch_up()
    follower.close()
    principals = {
        "office": (Role.SUPERVISOR, None),
        "msa": (Role.AGENCY_OFFICER, MSA),
        "eco": (Role.AGENCY_OFFICER, ECO),
    }
    with served_ledger(database, tmp_path / "serve", principals) as server:
        yield server


def watchers(database: Database) -> int:
    """Connections to the test database busy with the live watcher's views query."""
    with psycopg.connect(database.url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query = %s",
            (database.dbname, VIEWS_POSITION),
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_new_event_and_then_the_updated_views_reach_the_stream(served: Served) -> None:
    office = Stream(served, served.tokens["office"])
    try:
        assert office.next() == ("hello", {"role": "supervisor", "agency_id": None})
        # When an officer records a patrol
        status, accepted = served.request(
            "POST", "/api/v1/area-patrols", served.tokens["msa"], patrol(5)
        )
        assert status == 201, accepted
        # Then the office hears of the event, then of the views that applied it
        log = office.until("log", lambda d: any(e["topic"] == PATROL for e in d["events"]))
        news = log[-1][1]
        position = max(e["position"] for e in news["events"] if e["topic"] == PATROL)
        assert news["count"] >= 1 and news["position"] >= position
        assert set(news["events"][0]) == {"position", "topic", "recorded_at"}  # no payload
        views = office.until("views", lambda d: d["position"] >= position)
        assert views[-1][1]["lag_events"] == 0
    finally:
        office.close()


def test_an_agency_officer_hears_only_of_its_agency(served: Served) -> None:
    eco, msa = Stream(served, served.tokens["eco"]), Stream(served, served.tokens["msa"])
    try:
        assert eco.next()[0] == "hello" and msa.next()[0] == "hello"
        status, _ = served.request("POST", "/api/v1/area-patrols", served.tokens["msa"], patrol(6))
        assert status == 201
        heard = msa.until("log", lambda d: any(e["topic"] == PATROL for e in d["events"]))
        position = max(e["position"] for e in heard[-1][1]["events"])
        # ECO's officer is told the views moved, and never of MSA's patrol
        before = eco.until("views", lambda d: d["position"] >= position)
        assert [e for e, _ in before if e == "log"] == []
    finally:
        eco.close()
        msa.close()


def test_many_streams_share_one_watcher_connection(served: Served, database: Database) -> None:
    streams = [Stream(served, served.tokens["office"]) for _ in range(3)]
    try:
        for stream in streams:
            assert stream.next()[0] == "hello"
        wait_until(lambda: watchers(database) == 1, 10, "the watcher's query")
        served.request("POST", "/api/v1/area-patrols", served.tokens["msa"], patrol(7))
        for stream in streams:
            stream.until("views")
        seen = []
        for _ in range(10):
            seen.append(watchers(database))
            time.sleep(0.1)
        assert max(seen) == 1
    finally:
        for stream in streams:
            stream.close()
    # And with the last stream gone the watcher lets its connection go
    wait_until(lambda: watchers(database) == 0, 30, "the watcher to stop")
