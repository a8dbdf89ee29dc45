"""Helpers for pipeline tests: bulk events through real aggregates, and the truths to compare."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.base import EventMeta, recording_as
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.values import EnforcementDomain, RevocationReason
from infra.postgres import Database

META = EventMeta(principal="load", role=Role.SYSTEM, correlation_id="load")
ROOT = Path(__file__).resolve().parent.parent


def write_events(
    ledger: SupervisionLedger, officers: int, *, chunk: int = 200, tag: str = "L"
) -> int:
    """Register ``officers`` officers in 3 agencies, certify all, revoke every third.

    Real aggregates and real events, saved ``chunk`` aggregates per transaction (fast enough
    to load tens of thousands of events in seconds). Returns the number of events written.
    """
    written = 0
    with recording_as(META):
        agencies = []
        for code in ("A", "B", "C"):
            agency_code = f"{tag}-{code}"
            ident = Agency.create_id(agency_code)
            if ident not in ledger.repository:
                agency = Agency(
                    code=agency_code, name=agency_code, domains=[EnforcementDomain.MARKET]
                )
                ledger.save(agency)
                written += 1
            agencies.append(ident)
        batch: list[Officer] = []
        for n in range(officers):
            officer = Officer(
                officer_no=f"{tag}{n}",
                name=f"o{n}",
                agency_id=agencies[n % 3],
                frontline=n % 2 == 0,
            )
            day = date(2023, 1, 1) + timedelta(days=n % 365)
            officer.issue_certificate(number=f"{tag}C{n}", issued_on=day)
            if n % 3 == 0:
                officer.revoke_certificate(
                    day + timedelta(days=10), RevocationReason.RETIREMENT, ""
                )
            written += len(officer.pending_events)
            batch.append(officer)
            if len(batch) == chunk:
                ledger.save(*batch)
                batch = []
        if batch:
            ledger.save(*batch)
    return written


def query(database: Database, statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database.url) as conn:
        return conn.execute(statement).fetchall()


def truth_by_topic(database: Database) -> dict[str, int]:
    rows = query(database, "SELECT topic, count(*) FROM supervisionledger_events GROUP BY topic")
    return {topic: n for topic, n in rows}


def viewed_by_topic(database: Database) -> dict[str, int]:
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


def ledger_process(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A ``ledger`` subcommand in its own process (so tests can kill -9 it)."""
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", *command],
            env=full_env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
