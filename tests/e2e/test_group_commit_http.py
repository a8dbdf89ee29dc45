"""Group commit over HTTP: concurrent commands share transactions, each gets its own answer."""

from __future__ import annotations

import asyncio

import httpx2
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from domain.actors import Role
from gateway.auth import grant_token
from infra.postgres import Database
from tests.builders import uscc
from tests.conftest import Clients


def office_client(clients: Clients) -> httpx2.AsyncClient:
    token, grant = grant_token(principal="office-async", role=Role.SUPERVISOR)
    clients.store.add(grant)
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=clients.app),
        base_url="http://ledger",
        headers={"Authorization": f"Bearer {token}"},
    )


async def send_all(
    client: httpx2.AsyncClient, bodies: list[dict[str, object]], path: str
) -> list[httpx2.Response]:
    async with client:
        return list(await asyncio.gather(*(client.post(path, json=b) for b in bodies)))


def batch_histogram(clients: Clients) -> dict[str, float]:
    """``ledger_commit_batch_commands`` as ``/metrics`` shows it: count, sum, and buckets."""
    answer = clients.anonymous.get("/metrics")
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name.startswith("ledger_commit_batch_commands"):
                suffix = sample.name.removeprefix("ledger_commit_batch_commands_")
                found[suffix + sample.labels.get("le", "")] = sample.value
    return found


def test_concurrent_commands_are_committed_together(clients: Clients, database: Database) -> None:
    bodies: list[dict[str, object]] = [{"uscc": uscc(n), "name": f"e{n}"} for n in range(60)]
    before = batch_histogram(clients)
    responses = asyncio.run(send_all(office_client(clients), bodies, "/api/v1/entities"))
    assert [r.status_code for r in responses] == [201] * 60
    assert len({r.json()["id"] for r in responses}) == 60
    committer = clients.app.state.committer
    assert committer.commands == 60
    assert committer.batches < 60  # some commands shared a transaction
    with psycopg.connect(database.url) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM supervisionledger_events"
        ).fetchone()
    assert row is not None and row[0] == committer.batches
    # Operators see the same in the metrics: commands per transaction.
    after = batch_histogram(clients)
    assert after["count"] - before.get("count", 0) == committer.batches
    assert after["sum"] - before.get("sum", 0) == 60
    assert after["bucket+Inf"] - before.get("bucket+Inf", 0) == committer.batches
    assert after["bucket1.0"] - before.get("bucket1.0", 0) < committer.batches


def test_of_conflicting_commands_exactly_one_wins_the_others_get_409(clients: Clients) -> None:
    agency = clients.office.post(
        "/api/v1/agencies", json={"code": "MSA", "name": "x", "domains": ["market"]}
    ).json()["id"]
    officer = clients.office.post(
        "/api/v1/officers", json={"officer_no": "O1", "name": "x", "agency_id": agency}
    ).json()["id"]
    bodies: list[dict[str, object]] = [
        {"number": f"C{n}", "issued_on": "2023-01-01"} for n in range(12)
    ]
    responses = asyncio.run(
        send_all(office_client(clients), bodies, f"/api/v1/officers/{officer}/certificate")
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 11
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {p["rule"] for p in refused} == {"one-certificate-at-a-time"}
    state = clients.auditor.get(f"/api/v1/officers/{officer}").json()["state"]
    assert len(state["certificates"]) == 1  # nothing half-written by the losers
