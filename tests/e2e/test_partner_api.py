"""A partner region's feed over HTTP (server-sent events), and the AsyncAPI document.

The ledger runs with its key vault (personal data sealed), as in production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2
import orjson
import pytest
from eventsourcing.utils import get_topic
from starlette.testclient import TestClient

from consumers.asyncapi import asyncapi_document
from consumers.checkpointer import Checkpointer
from domain.actors import SYSTEM, Role
from domain.application import SupervisionLedger
from domain.collaboration import commands as co
from infra.integrity.content import content_hash
from infra.integrity.leaf import EventLeaf
from infra.integrity.proofs import InclusionProofDoc, check_inclusion
from infra.integrity.wiring import tables_of
from infra.postgres import Database
from infra.privacy.vault import SealingCipher
from infra.settings import Settings
from infra.wiring import eventstore_env
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem
from tests.integration.test_partner_feed import (
    CITIZEN,
    PartnerWorld,
    given_partner_world,
    serving,
    stored_for,
)
from tests.integrity_helpers import a_signer

FEED = "/api/v1/partner/feed"
SEALED_ENV = {"CIPHER_TOPIC": get_topic(SealingCipher)}


@pytest.fixture
def sealed(database: Database) -> Iterator[SupervisionLedger]:
    app = SupervisionLedger(env={**eventstore_env(database, pool_size=4), **SEALED_ENV})
    yield app
    app.close()
    app.mapper.vault.close()  # type: ignore[attr-defined]


@pytest.fixture
def web(sealed: SupervisionLedger, tmp_path: Path) -> Iterator[Clients]:
    made = Clients(sealed, Settings(data_dir=tmp_path))
    yield made
    made.app.state.committer.close()


@pytest.fixture
def world(sealed: SupervisionLedger) -> PartnerWorld:
    return given_partner_world(sealed)


@dataclass(frozen=True)
class Sse:
    id: int
    event: str
    data: dict[str, Any]


def events_of(response: httpx2.Response) -> list[Sse]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    # A block with only ``retry:`` dispatches no event (the SSE rules); this parser yields it.
    return [
        Sse(int(e.id), e.event, orjson.loads(e.data))
        for e in httpx2.EventSource(response)
        if e.data
    ]


def feed(client: TestClient, **params: Any) -> list[Sse]:
    headers = params.pop("headers", {})
    return events_of(client.get(FEED, params={"follow": "false", **params}, headers=headers))


def test_a_partner_reads_its_own_region_s_events_as_cloudevents_and_no_personal_data(
    web: Clients, world: PartnerWorld, database: Database
) -> None:
    for region in ("tangshan", "cangzhou", "langfang"):
        received = feed(web.partner(region))
        truth = stored_for(database, region)
        assert [e.id for e in received] == sorted(truth), region
        for event in received:
            document = event.data
            assert event.event == document["type"]
            assert document["specversion"] == "1.0"
            assert document["position"] == event.id
            assert region in document["data"]["regions"]
            assert {"leafindex", "eventhash", "prevhash"} <= set(document)
    body = web.partner("tangshan").get(FEED, params={"follow": "false"}).text
    for secret in (CITIZEN.name, CITIZEN.id_number or "", CITIZEN.phone or ""):
        assert secret not in body
    assert '"sealed"' not in body
    citizen = next(
        e.data["data"]
        for e in feed(web.partner("tangshan"))
        if e.data["subject"].endswith(str(world.citizen_case))
    )
    assert set(citizen["person"]) == {"subject", "digest"}


def test_the_feed_resumes_after_the_last_event_id(web: Clients, world: PartnerWorld) -> None:
    partner = web.partner("tangshan")
    everything = [e.id for e in feed(partner)]
    assert len(everything) == 6

    after_second = feed(partner, headers={"Last-Event-ID": str(everything[1])})
    assert [e.id for e in after_second] == everything[2:]
    assert [e.id for e in feed(partner, after=everything[3])] == everything[4:]
    assert feed(partner, headers={"Last-Event-ID": str(everything[-1])}) == []
    assert_problem(
        partner.get(FEED, params={"follow": "false"}, headers={"Last-Event-ID": "x"}),
        422,
        "invalid-request",
    )


def test_only_partners_of_the_region_the_office_and_auditors_read_a_feed(
    web: Clients, world: PartnerWorld, database: Database
) -> None:
    tangshan = web.partner("tangshan")
    assert_problem(tangshan.get(FEED, params={"region": "cangzhou"}), 403, "forbidden")
    assert [e.id for e in feed(tangshan, region="tangshan")] == sorted(
        stored_for(database, "tangshan")
    )
    langfang = sorted(stored_for(database, "langfang"))
    assert [e.id for e in feed(web.office, region="langfang")] == langfang
    assert [e.id for e in feed(web.auditor, region="langfang")] == langfang
    assert_problem(web.office.get(FEED, params={"follow": "false"}), 422, "invalid-request")
    assert_problem(web.auditor.get(FEED, params={"region": "mars"}), 422, "invalid-request")
    officer = web.as_(Role.AGENCY_OFFICER, agency_id=world.action)
    assert_problem(officer.get(FEED, params={"region": "tangshan"}), 403, "forbidden")
    assert_problem(web.anonymous.get(FEED), 401, "unauthenticated")
    assert_problem(web.partner("mars").get(FEED), 403, "forbidden")


def test_a_feed_record_proves_itself_against_a_signed_checkpoint(
    web: Clients, world: PartnerWorld, sealed: SupervisionLedger, database: Database
) -> None:
    signer = a_signer()
    sealer = Checkpointer(database.url, tables_of(sealed), signer, origin="test/binhai")
    try:
        checkpoint = sealer.seal()
    finally:
        sealer.close()
    assert checkpoint is not None
    partner = web.partner("tangshan")
    for event in feed(partner):
        record = event.data
        assert record["treesize"] == checkpoint.checkpoint.tree_size
        # The partner recomputes the event hash from the record itself ...
        leaf = EventLeaf(
            leaf_index=record["leafindex"],
            position=record["position"],
            aggregate_id=UUID(record["id"].rsplit(":", 1)[0]),
            version=record["aggregateversion"],
            topic=record["type"].removeprefix("cn.binhai.ledger."),
            recorded_at=datetime.fromisoformat(record["time"]),
            content_hash=content_hash(orjson.dumps(record["data"], option=orjson.OPT_SORT_KEYS)),
            prev_hash=bytes.fromhex(record["prevhash"]),
        )
        assert leaf.event_hash().hex() == record["eventhash"]
        # ... and the ledger's proof for it checks with only the public key.
        proof = partner.get(
            "/api/v1/audit/proofs/inclusion",
            params={"position": record["position"], "tree_size": record["treesize"]},
        )
        assert proof.status_code == 200, proof.text
        document = InclusionProofDoc.model_validate(proof.json())
        assert document.event.event_hash == record["eventhash"]
        assert check_inclusion(document, signer.public_key).ok


def test_the_feed_follows_the_log_live(
    sealed: SupervisionLedger, web: Clients, world: PartnerWorld, database: Database
) -> None:
    token = str(web.partner("cangzhou").headers["Authorization"]).removeprefix("Bearer ")
    received: list[int] = []
    done = threading.Event()
    initial = sorted(stored_for(database, "cangzhou"))

    with serving(web.app) as url:

        def listen() -> None:
            with (
                httpx2.Client(timeout=30) as client,
                client.stream(
                    "GET", url + FEED, headers={"Authorization": f"Bearer {token}"}
                ) as response,
            ):
                for event in httpx2.EventSource(response):
                    if not event.data:
                        continue
                    received.append(int(event.id))
                    if len(received) == len(initial) + 1:
                        done.set()
                        return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        deadline = time.monotonic() + 20
        while len(received) < len(initial) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert received == initial

        sealed.execute(
            co.RecordJointMeeting.model_validate(
                {"action_id": str(world.action), "held_on": "2023-05-10", "topic": "座谈"}
            ),
            SYSTEM,
        )
        assert done.wait(20), received
        reader.join(5)
    assert received[-1] == max(stored_for(database, "cangzhou"))


def test_the_asyncapi_document_is_served_to_anyone(web: Clients) -> None:
    response = web.anonymous.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.json() == orjson.loads(orjson.dumps(asyncapi_document()))
    openapi = web.anonymous.get("/openapi.json").json()
    operation = openapi["paths"][FEED]["get"]
    assert "text/event-stream" in operation["responses"]["200"]["content"]
    assert sorted(operation["x-roles"]) == ["auditor", "partner", "supervisor"]


def test_a_partner_sees_a_citizen_under_the_pseudonym_it_is_sent_under(
    web: Clients, world: PartnerWorld, database: Database
) -> None:
    sent = next(
        e.data["data"]["person"]
        for e in feed(web.partner("tangshan"))
        if e.data["subject"].endswith(str(world.citizen_case))
    )
    shown = {"subject": sent["subject"], "withheld": True}
    partner = web.partner("tangshan")
    record = partner.get(f"/api/v1/cross-regional-cases/{world.citizen_case}").json()
    assert record["state"]["person"] == shown
    history = partner.get(f"/api/v1/audit/cross-regional-case/{world.citizen_case}/history")
    assert history.json()["state"]["person"] == shown
    assert history.json()["steps"][0]["payload"]["person"] == shown
