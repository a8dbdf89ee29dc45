"""Partner feeds on a real broker and real PostgreSQL: relay -> partner filter -> each region's
topic -> the region's subscriber, proven against signed checkpoints.

Each test has its own topic prefix, consumer groups and database (as in
``test_kafka_pipeline.py``), so tests never see each other's records.
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import psycopg
import pytest
import uvicorn
from eventsourcing.utils import get_topic
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from typer.testing import CliRunner

from consumers.checkpointer import Checkpointer
from consumers.partner_copy import VERIFIED, LocalCopy, Summary
from consumers.partner_filter import EVENT_HASH, ChainLookup, PartnerFilter
from consumers.partner_proofs import HttpProofSource
from consumers.partner_subscriber import PartnerSubscriber
from consumers.relay import Relay, make_producer
from consumers.topics import PARTNER_REGIONS, ensure_topics, partner_topic
from domain.actors import SYSTEM, Role
from domain.application import SupervisionLedger
from domain.collaboration import commands as co
from domain.collaboration.values import PartnerRegion
from domain.personal import PersonalData
from gateway.app import create_app
from gateway.auth import TokenStore, grant_token
from gateway.cli import app as cli
from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, EventLeaf
from infra.integrity.signing import Signer
from infra.integrity.wiring import tables_of
from infra.kafka_broker import BrokerInfo
from infra.postgres import Database
from infra.privacy.vault import SealingCipher
from infra.settings import Settings
from infra.wiring import eventstore_env, relay_for
from tests.builders_oversight import (
    given_checked_site,
    given_cross_case,
    given_joint_action,
    given_problem,
    given_transfer,
    given_two_agencies,
)
from tests.integrity_helpers import a_signer
from tests.pipeline import ledger_process, wait_for

pytestmark = pytest.mark.kafka

SEALED_ENV = {"CIPHER_TOPIC": get_topic(SealingCipher)}
CITIZEN = PersonalData(name="杨某某", id_number="13020019850505123X", phone="13900000000")
COLLABORATION = ("JointAction.", "CaseTransfer.", "CrossRegionalCase.")


# The world ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerWorld:
    action: UUID
    transfer: UUID
    business_case: UUID
    citizen_case: UUID


def given_partner_world(ledger: SupervisionLedger) -> PartnerWorld:
    """A joint action with Tangshan and Cangzhou (a site in Tangshan checked, a problem), a
    transfer to Langfang, a business's case with Langfang and Tangshan (goods seized), and a
    citizen's case with Tangshan."""
    agencies = given_two_agencies(ledger)
    action = given_joint_action(ledger, agencies.a)
    given_checked_site(ledger, action, list(agencies.a_officers))
    given_problem(ledger, action)
    transfer = given_transfer(ledger, agencies.a, PartnerRegion.LANGFANG)
    business = given_cross_case(ledger, agencies.a, list(agencies.a_officers))
    citizen = ledger.execute(
        co.OpenCrossRegionalCase.model_validate(
            {
                "case_no": "跨〔2023〕9号",
                "regions": ["tangshan"],
                "agency_id": str(agencies.a),
                "opened_on": "2023-04-01",
                "cause": "无照经营",
                "party_kind": "citizen",
                "person": CITIZEN.model_dump(mode="json"),
            }
        ),
        SYSTEM,
    ).id
    return PartnerWorld(action, transfer, business, citizen)


def stored_for(database: Database, region: str) -> dict[int, bytes]:
    """The truth: position -> stored state of each collaboration event naming ``region``."""
    with psycopg.connect(database.url) as conn:
        rows = conn.execute(
            "SELECT notification_id, topic, state FROM supervisionledger_events"
        ).fetchall()
    return {
        row[0]: bytes(row[2])
        for row in rows
        if row[1].startswith(COLLABORATION) and region in orjson.loads(bytes(row[2]))["regions"]
    }


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def sealed(database: Database) -> Iterator[SupervisionLedger]:
    app = SupervisionLedger(env={**eventstore_env(database, pool_size=2), **SEALED_ENV})
    yield app
    app.close()
    app.mapper.vault.close()  # type: ignore[attr-defined]


@pytest.fixture
def settings_for(kafka_broker: BrokerInfo, database: Database, tmp_path: Path) -> Settings:
    tag = uuid.uuid4().hex[:8]
    ensure_topics(kafka_broker.bootstrap, prefix=f"t{tag}.")  # as `ledger topics` does
    return Settings(
        database_url=database.url,
        data_dir=tmp_path,
        kafka_bootstrap=kafka_broker.bootstrap,
        kafka_topic_prefix=f"t{tag}.",
        kafka_group=f"g{tag}",
        partner_filter_group=f"pf{tag}",
    )


@pytest.fixture
def relay(sealed: SupervisionLedger, database: Database, settings_for: Settings) -> Iterator[Relay]:
    worker = relay_for(sealed, database, settings_for)
    yield worker
    worker.close()


@pytest.fixture
def signer() -> Signer:
    return a_signer()


@pytest.fixture
def sealer(
    sealed: SupervisionLedger, database: Database, settings_for: Settings, signer: Signer
) -> Iterator[Checkpointer]:
    bootstrap = settings_for.kafka_bootstrap or ""
    made = Checkpointer(
        database.url,
        tables_of(sealed),
        signer,
        origin=settings_for.source,
        producer_factory=lambda: make_producer(bootstrap, client_id="test-checkpointer"),
        topic_prefix=settings_for.kafka_topic_prefix,
    )
    yield made
    made.close()


def new_filter(sealed: SupervisionLedger, database: Database, s: Settings) -> PartnerFilter:
    return PartnerFilter(
        s.kafka_bootstrap or "",
        ChainLookup(database.url, tables_of(sealed)),
        group_id=s.partner_filter_group,
        topic_prefix=s.kafka_topic_prefix,
        source=s.source,
    )


@pytest.fixture
def partner_filter(
    sealed: SupervisionLedger, database: Database, settings_for: Settings
) -> Iterator[PartnerFilter]:
    worker = new_filter(sealed, database, settings_for)
    yield worker
    worker.close()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port, in a thread; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    wait_for(lambda: server.started, 20, "the test server")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


@dataclass
class LedgerServer:
    url: str
    tokens: dict[str, str]
    """A partner token per region."""


@pytest.fixture
def ledger_server(sealed: SupervisionLedger, settings_for: Settings) -> Iterator[LedgerServer]:
    """The ledger's HTTP API (the proofs the subscribers ask for), with a token per partner."""
    store = TokenStore([])
    tokens: dict[str, str] = {}
    for region in PARTNER_REGIONS:
        token, grant = grant_token(principal=f"partner-{region}", role=Role.PARTNER, region=region)
        store.add(grant)
        tokens[region] = token
    app = create_app(sealed, store, settings_for)
    with serving(app) as url:
        yield LedgerServer(url, tokens)


@dataclass
class Partner:
    subscriber: PartnerSubscriber
    copy: LocalCopy

    def sync(self) -> Summary:
        return self.subscriber.run_until_idle(idle_polls=2, timeout_ms=300)


@pytest.fixture
def partners(
    ledger_server: LedgerServer, settings_for: Settings, signer: Signer, tmp_path: Path
) -> Iterator[dict[str, Partner]]:
    made: dict[str, Partner] = {}
    for region in ("tangshan", "cangzhou", "langfang"):
        copy = LocalCopy(tmp_path / f"{region}.sqlite")
        subscriber = PartnerSubscriber(
            settings_for.kafka_bootstrap or "",
            region,
            copy,
            signer.public_key,
            HttpProofSource(ledger_server.url, ledger_server.tokens[region]),
            topic_prefix=settings_for.kafka_topic_prefix,
        )
        made[region] = Partner(subscriber, copy)
    yield made
    for partner in made.values():
        partner.subscriber.close()
        partner.copy.close()


def filter_everything(worker: PartnerFilter, expected_in: int) -> None:
    def done() -> bool:
        worker.poll_once(timeout_ms=200)
        return worker.records_in >= expected_in

    wait_for(done, 60, f"the partner filter to read {expected_in} collaboration records")


def collaboration_count(database: Database) -> int:
    with psycopg.connect(database.url) as conn:
        rows = conn.execute("SELECT topic FROM supervisionledger_events").fetchall()
    return sum(1 for (topic,) in rows if topic.startswith(COLLABORATION))


def partner_records(settings: Settings, region: str) -> list[Any]:
    """Every committed record of a region's topic, from the beginning."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    try:
        tp = TopicPartition(partner_topic(region, settings.kafka_topic_prefix), 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        records: list[Any] = []
        end = consumer.end_offsets([tp])[tp]

        def read_to_the_end() -> bool:
            records.extend(consumer.poll(300).get(tp, []))
            return bool(consumer.position(tp) >= end)

        wait_for(read_to_the_end, 30, f"{region}'s records")
        return records
    finally:
        consumer.close()


def hdr(record: Any) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


# Tests --------------------------------------------------------------------------------------


def test_each_partner_gets_exactly_its_own_events_redacted_and_proven(
    sealed: SupervisionLedger,
    database: Database,
    relay: Relay,
    sealer: Checkpointer,
    partner_filter: PartnerFilter,
    partners: dict[str, Partner],
    settings_for: Settings,
) -> None:
    # Given the world relayed to Kafka and a signed checkpoint published.
    world = given_partner_world(sealed)
    relay.relay_available()
    assert sealer.seal() is not None
    assert sealer.publish_pending(settings_for.source) == 1

    # When the filter runs and each partner synchronises.
    filter_everything(partner_filter, collaboration_count(database))
    summaries = {region: p.sync() for region, p in partners.items()}

    # Then each partner holds every event naming its region, and nothing else, all verified.
    for region, partner in partners.items():
        truth = stored_for(database, region)
        assert truth, region
        held = partner.copy.records()
        assert {r["position"] for r in held} == set(truth), region
        assert summaries[region] == Summary(
            verified=len(truth), pending=0, rejected=0, checkpoint=summaries[region].checkpoint
        ), summaries[region].rejections
        assert all(r["status"] == VERIFIED for r in held)
        for record in partner_records(settings_for, region):
            assert region in orjson.loads(record.value)["regions"]
    tangshan = {r["aggregate_id"] for r in partners["tangshan"].copy.records()}
    assert tangshan == {str(world.action), str(world.business_case), str(world.citizen_case)}
    assert {r["aggregate_id"] for r in partners["cangzhou"].copy.records()} == {str(world.action)}
    langfang = {r["aggregate_id"] for r in partners["langfang"].copy.records()}
    assert langfang == {str(world.transfer), str(world.business_case)}

    # No personal data reaches a partner: no ciphertext, no name; a business keeps its code.
    records = partner_records(settings_for, "tangshan")
    for record in records:
        for secret in (CITIZEN.name, CITIZEN.id_number or "", CITIZEN.phone or ""):
            assert secret.encode() not in record.value
        assert b'"sealed"' not in record.value
    opened = next(
        orjson.loads(r.value)
        for r in records
        if hdr(r)["ce_type"].endswith("CrossRegionalCase.Opened")
        and orjson.loads(r.value)["party_kind"] == "citizen"
    )
    assert set(opened["person"]) == {"subject", "digest"}
    site = next(r for r in partners["tangshan"].copy.records() if r["topic"].endswith("Checked"))
    assert site["data"]["uscc"].startswith("91130200")
    # The redacted record still hashes to what the ledger chained.
    for record in records:
        stored = stored_for(database, "tangshan")[int(hdr(record)["ce_position"])]
        assert content_hash(record.value) == content_hash(stored)


def test_records_not_yet_under_a_checkpoint_wait_and_are_proven_when_one_arrives(
    sealed: SupervisionLedger,
    database: Database,
    relay: Relay,
    sealer: Checkpointer,
    partner_filter: PartnerFilter,
    partners: dict[str, Partner],
    settings_for: Settings,
) -> None:
    given_partner_world(sealed)
    relay.relay_available()
    filter_everything(partner_filter, collaboration_count(database))
    tangshan = partners["tangshan"]
    pending = tangshan.sync()
    assert (pending.verified, pending.pending, pending.checkpoint) == (0, 6, None)

    assert sealer.seal() is not None
    sealer.publish_pending(settings_for.source)
    proven = tangshan.sync()

    assert (proven.verified, proven.pending, proven.rejected) == (6, 0, 0)
    assert proven.checkpoint is not None


def stored_event(database: Database, topic: str) -> tuple[int, int, UUID, datetime, bytes]:
    """``(position, leaf index, aggregate, recorded_at, state)`` of the first ``topic`` event."""
    with psycopg.connect(database.url) as conn:
        row = conn.execute(
            "SELECT notification_id, leaf_index, originator_id, recorded_at, state "
            "FROM supervisionledger_events WHERE topic = %s ORDER BY notification_id LIMIT 1",
            (topic,),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2], row[3], bytes(row[4])


def forged_headers(
    template: dict[str, bytes], value: bytes, position: int, leaf_index: int, aggregate: UUID
) -> list[tuple[str, bytes]]:
    """A forger's consistent record: every attribute and hash recomputed for ``value``."""
    leaf = EventLeaf(
        leaf_index=leaf_index,
        position=position,
        aggregate_id=aggregate,
        version=1,
        topic="JointAction.Launched",
        recorded_at=datetime.fromisoformat(template["ce_time"].decode()),
        content_hash=content_hash(value),
        prev_hash=GENESIS,
    )
    replaced = {
        **template,
        "ce_id": f"{aggregate}:1".encode(),
        "ce_subject": f"JointAction/{aggregate}".encode(),
        "ce_position": str(position).encode(),
        "ce_leafindex": str(leaf_index).encode(),
        EVENT_HASH: leaf.event_hash().hex().encode(),
    }
    return list(replaced.items())


def test_the_subscriber_rejects_forged_records_and_keeps_the_genuine_ones(
    sealed: SupervisionLedger,
    database: Database,
    relay: Relay,
    sealer: Checkpointer,
    partner_filter: PartnerFilter,
    partners: dict[str, Partner],
    settings_for: Settings,
) -> None:
    world = given_partner_world(sealed)
    relay.relay_available()
    sealer.seal()
    sealer.publish_pending(settings_for.source)
    position, leaf_index, aggregate, recorded_at, state = stored_event(
        database, "JointAction.Launched"
    )
    changed = orjson.dumps(
        {**orjson.loads(state), "title": "伪造的行动"}, option=orjson.OPT_SORT_KEYS
    )
    template = {
        "ce_specversion": b"1.0",
        "ce_source": settings_for.source.encode(),
        "ce_type": b"cn.binhai.ledger.JointAction.Launched",
        "ce_time": recorded_at.isoformat().encode(),
        "ce_aggregateversion": b"1",
        "ce_prevhash": GENESIS.hex().encode(),
        "content-type": b"application/json",
    }
    producer = KafkaProducer(bootstrap_servers=settings_for.kafka_bootstrap)
    topic = partner_topic("tangshan", settings_for.kafka_topic_prefix)

    # A forger with write access to the topic rewrites the action's launch, hashes and all,
    # and gets it onto the topic before the genuine record.
    producer.send(
        topic,
        value=changed,
        headers=forged_headers(template, changed, position, leaf_index, aggregate),
    )
    producer.flush()
    filter_everything(partner_filter, collaboration_count(database))
    genuine = next(
        r
        for r in partner_records(settings_for, "tangshan")
        if int(hdr(r)["ce_position"]) == position and r.value == state
    )
    langfang_only = min(
        set(stored_for(database, "langfang")) - set(stored_for(database, "tangshan"))
    )
    other_leaf = stored_leaf(database, langfang_only)
    # Then: the genuine record with a changed payload (hashes left as they were); a consistent
    # record in the place of another region's event; one where the log has no event; one
    # whose leaf lies beyond the checkpoint that covers its position.
    producer.send(topic, value=changed, headers=list(genuine.headers))
    for at, leaf in ((langfang_only, other_leaf), (10**9, 0), (position, 10**6)):
        producer.send(
            topic, value=changed, headers=forged_headers(template, changed, at, leaf, uuid.uuid4())
        )
    producer.flush()
    producer.close()

    summary = partners["tangshan"].sync()

    assert summary.verified == len(stored_for(database, "tangshan"))
    assert summary.pending == 0
    assert summary.rejected == 5, summary.rejections
    reasons = [r["reason"] for r in partners["tangshan"].copy.rejections()]
    for expected in (
        "not in the log signed at tree size",
        "event hash does not match its content",
        "is not this region's",
        "no event at position 1000000000",
    ):
        assert any(expected in r for r in reasons), (expected, reasons)
    assert any("beyond the checkpoint" in r or "verified record" in r for r in reasons), reasons
    launched = [
        r["data"]["title"]
        for r in partners["tangshan"].copy.records()
        if r["aggregate_id"] == str(world.action) and r["topic"] == "JointAction.Launched"
    ]
    assert launched == ["联合联动执法"]


def stored_leaf(database: Database, position: int) -> int:
    with psycopg.connect(database.url) as conn:
        row = conn.execute(
            "SELECT leaf_index FROM supervisionledger_events WHERE notification_id = %s",
            (position,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_relay_duplicates_and_a_filter_restart_write_each_record_once(
    sealed: SupervisionLedger,
    database: Database,
    relay: Relay,
    partner_filter: PartnerFilter,
    settings_for: Settings,
) -> None:
    given_partner_world(sealed)
    relay.relay_available()
    count = collaboration_count(database)
    filter_everything(partner_filter, count)
    partner_filter.close()

    # The relay loses its position (a crash before saving it) and publishes everything again.
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("UPDATE ledger_relay_positions SET position = 0")
    relay.relay_available()
    again = new_filter(sealed, database, settings_for)
    try:
        filter_everything(again, count)  # only the duplicates: the committed offsets resume
        assert again.records_out == 0
    finally:
        again.close()

    for region in PARTNER_REGIONS:
        truth = stored_for(database, region)
        got = [int(hdr(r)["ce_position"]) for r in partner_records(settings_for, region)]
        assert sorted(got) == sorted(truth), region  # each once


def test_the_command_line_runs_the_filter_and_a_partner_s_subscriber(
    sealed: SupervisionLedger,
    database: Database,
    relay: Relay,
    sealer: Checkpointer,
    ledger_server: LedgerServer,
    signer: Signer,
    settings_for: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given_partner_world(sealed)
    relay.relay_available()
    sealer.seal()
    sealer.publish_pending(settings_for.source)
    env = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_KAFKA_BOOTSTRAP": settings_for.kafka_bootstrap or "",
        "LEDGER_KAFKA_TOPIC_PREFIX": settings_for.kafka_topic_prefix,
        "LEDGER_PARTNER_FILTER_GROUP": settings_for.partner_filter_group,
    }

    # The filter as its own process, until stopped.
    process = ledger_process(["partner", "relay"], env, tmp_path / "filter.log")
    try:
        expected = len(stored_for(database, "tangshan"))
        wait_for(
            lambda: len(partner_records(settings_for, "tangshan")) >= expected,
            90,
            "the filter process to fill Tangshan's topic",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, (tmp_path / "filter.log").read_text()

    # The partner's subscriber, on the partner's side: the public key and a token only.
    key = tmp_path / "ledger-public.pem"
    key.write_text(signer.public_pem)
    token = tmp_path / "token"
    token.write_text(ledger_server.tokens["tangshan"])
    copy = tmp_path / "tangshan-copy.sqlite"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    subscribed = runner.invoke(
        cli,
        [
            "partner",
            "subscribe",
            "--region",
            "tangshan",
            "--public-key",
            str(key),
            "--ledger-url",
            ledger_server.url,
            "--token-file",
            str(token),
            "--copy",
            str(copy),
            "--until-idle",
        ],
    )
    assert subscribed.exit_code == 0, subscribed.output
    assert f"tangshan: {expected} verified, 0 pending, 0 rejected" in subscribed.output

    shown = runner.invoke(cli, ["partner", "show", "--copy", str(copy)])
    assert shown.exit_code == 0, shown.output
    document = orjson.loads(shown.output)
    assert document["verified"] == expected and document["rejections"] == []
    assert {r["status"] for r in document["records"]} == {VERIFIED}

    described = runner.invoke(cli, ["asyncapi"])
    assert described.exit_code == 0, described.output
    asyncapi = orjson.loads(described.output)
    assert asyncapi["asyncapi"] == "3.0.0"
    prefix = settings_for.kafka_topic_prefix
    assert all(c["address"].startswith(prefix) for c in asyncapi["channels"].values())
