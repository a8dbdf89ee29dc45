"""Group commit over HTTP: concurrent commands share transactions, each gets its own answer."""

from __future__ import annotations

import asyncio

import httpx2
import psycopg

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


def test_concurrent_commands_are_committed_together(clients: Clients, database: Database) -> None:
    bodies: list[dict[str, object]] = [{"uscc": uscc(n), "name": f"e{n}"} for n in range(60)]
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
