"""Helpers for pipeline tests: bulk events through real aggregates, and the truths to compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2
import psycopg

from infra.bench.load import write_events as write_events  # re-exported for the tests
from infra.ledger_process import ledger_process as ledger_process  # re-exported for the tests
from infra.postgres import Database


def query(database: Database, statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database.url) as conn:
        return conn.execute(statement).fetchall()


def truth_by_topic(database: Database) -> dict[str, int]:
    rows = query(database, "SELECT topic, count(*) FROM supervisionledger_events GROUP BY topic")
    return {topic: n for topic, n in rows}


def viewed_by_topic(database: Database) -> dict[str, int]:
    """The counters by topic; none while no projection process has created the views yet (a
    test may look before the processes it started are up)."""
    if query(database, "SELECT to_regclass('views.events_daily')")[0][0] is None:
        return {}
    rows = query(database, "SELECT topic, sum(n)::bigint FROM views.events_daily GROUP BY topic")
    return {topic: n for topic, n in rows}


def snapshot_views(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "acts_daily": query(database, "SELECT * FROM views.acts_daily ORDER BY 1, 2, 3"),
        "events_daily": query(database, "SELECT * FROM views.events_daily ORDER BY 1, 2"),
    }


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def healthy(port: int) -> bool:
    """Whether a gateway on ``port`` answers ``/healthz``."""
    try:
        return httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx2.TransportError:
        return False
