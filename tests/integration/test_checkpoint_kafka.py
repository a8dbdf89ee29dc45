"""Checkpoints on the real broker: each sealed checkpoint is published to
``ledger.checkpoints.v1`` as a CloudEvent, once, and a reader holding only the public key can
check each one and the consistency of each with the one before."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from consumers.checkpointer import CHECKPOINT_TOPIC, CLOUDEVENT_TYPE, Checkpointer
from consumers.topics import ensure_topics
from domain.application import SupervisionLedger
from infra.integrity.merkle import verify_consistency
from infra.integrity.signing import Checkpoint, Signer
from infra.integrity.wiring import checkpointer_for, signer_from_settings
from infra.kafka_broker import BrokerInfo
from infra.postgres import Database
from infra.settings import Settings
from tests.integrity_helpers import given_history
from tests.pipeline import ledger_process, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture
def settings_for(kafka_broker: BrokerInfo, database: Database, tmp_path: Path) -> Settings:
    key = tmp_path / "signing.pem"
    Signer.from_file(key)  # a deployment's key exists before its checkpointer starts
    prefix = f"t{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_broker.bootstrap, prefix=prefix)  # as `ledger topics` does
    return Settings(
        database_url=database.url,
        data_dir=tmp_path,
        kafka_bootstrap=kafka_broker.bootstrap,
        kafka_topic_prefix=prefix,
        signing_key_file=key,
        checkpoint_interval=0.2,
    )


@pytest.fixture
def worker(
    ledger: SupervisionLedger, database: Database, settings_for: Settings
) -> Iterator[Checkpointer]:
    made = checkpointer_for(ledger, database, settings_for)
    yield made
    made.close()


def published(settings: Settings, expected: int, timeout: float = 60.0) -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        partition = TopicPartition(settings.kafka_topic_prefix + CHECKPOINT_TOPIC, 0)
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        records: list[Any] = []

        def enough() -> bool:
            for batch in consumer.poll(200).values():
                records.extend(batch)
            return len(records) >= expected

        wait_for(enough, timeout, f"{expected} checkpoint records")
        return records
    finally:
        consumer.close()


def test_each_checkpoint_is_published_once_as_a_cloudevent(
    ledger: SupervisionLedger, worker: Checkpointer, settings_for: Settings
) -> None:
    given_history(ledger, officers=2)
    first = worker.seal()
    assert worker.publish_pending(settings_for.source) == 1
    _more(ledger)
    second = worker.seal()
    assert worker.publish_pending(settings_for.source) == 1
    assert worker.publish_pending(settings_for.source) == 0  # nothing twice
    assert first is not None and second is not None

    records = published(settings_for, 2)
    assert len(records) == 2
    headers = {k: v.decode() for k, v in records[1].headers}
    assert headers["ce_type"] == CLOUDEVENT_TYPE
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_source"] == settings_for.source
    assert headers["ce_subject"] == f"checkpoints/{second.checkpoint.tree_size}"
    assert records[1].key == settings_for.source.encode()

    key = signer_from_settings(settings_for).public_key
    documents = [orjson.loads(r.value) for r in records]
    checkpoints = [Checkpoint.from_json(d) for d in documents]
    assert [c.tree_size for c in checkpoints] == [
        first.checkpoint.tree_size,
        second.checkpoint.tree_size,
    ]
    assert all(c.signed_by(key) for c in checkpoints)
    assert documents[1]["previous_tree_size"] == checkpoints[0].tree_size
    assert verify_consistency(
        checkpoints[0].tree_size,
        checkpoints[1].tree_size,
        checkpoints[0].root_hash,
        checkpoints[1].root_hash,
        [bytes.fromhex(h) for h in documents[1]["consistency_proof"]],
    )


def _more(ledger: SupervisionLedger) -> None:
    from domain.actors import SYSTEM
    from domain.registry import commands as reg

    ledger.execute(reg.DefineGridCell(code="G-K", name="网格 K", street="新港街道"), SYSTEM)


def test_the_checkpointer_process_seals_and_publishes_until_stopped(
    ledger: SupervisionLedger, settings_for: Settings, tmp_path: Path
) -> None:
    given_history(ledger, officers=1)
    env = {
        "LEDGER_DATABASE_URL": settings_for.database_url or "",
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_KAFKA_BOOTSTRAP": settings_for.kafka_bootstrap or "",
        "LEDGER_KAFKA_TOPIC_PREFIX": settings_for.kafka_topic_prefix,
        "LEDGER_SIGNING_KEY_FILE": str(settings_for.signing_key_file),
        "LEDGER_CHECKPOINT_INTERVAL": "0.2",
    }
    process = ledger_process(["checkpointer"], env, tmp_path / "checkpointer.log")
    try:
        first = published(settings_for, 1)
        _more(ledger)
        both = published(settings_for, 2)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, (tmp_path / "checkpointer.log").read_text()
    sizes = [orjson.loads(r.value)["tree_size"] for r in both]
    assert sizes[0] == orjson.loads(first[0].value)["tree_size"] < sizes[1]


def test_a_tail_cut_off_with_its_checkpoints_is_named_by_the_checkpoints_on_kafka(
    ledger: SupervisionLedger,
    database: Database,
    worker: Checkpointer,
    settings_for: Settings,
    tmp_path: Path,
) -> None:
    """The database's own checkpoints can be deleted with the tail they sealed; the copies
    the checkpointer published to Kafka still say how long the log was."""
    from typer.testing import CliRunner

    from gateway.cli import app
    from tests.integrity_helpers import as_superuser, rows

    given_history(ledger, officers=1)
    assert worker.seal() is not None
    ((kept,),) = rows(database, "SELECT max(notification_id) FROM supervisionledger_events")
    _more(ledger)
    assert worker.seal() is not None
    assert worker.publish_pending(settings_for.source) == 2
    with as_superuser(database) as su:
        su.execute("DELETE FROM supervisionledger_events WHERE notification_id > %s", (kept,))
        su.execute("DELETE FROM supervisionledger_checkpoints WHERE last_position > %s", (kept,))
    env = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_KAFKA_BOOTSTRAP": settings_for.kafka_bootstrap or "",
        "LEDGER_KAFKA_TOPIC_PREFIX": settings_for.kafka_topic_prefix,
        "LEDGER_SIGNING_KEY_FILE": str(settings_for.signing_key_file),
    }
    runner = CliRunner()
    assert runner.invoke(app, ["verify"], env=env).exit_code == 0  # the database alone: fine
    result = runner.invoke(app, ["verify", "--checkpoints-from-kafka", "--json"], env=env)
    assert result.exit_code == 1, result.output
    report = orjson.loads(result.output)
    assert report["trusted_checkpoints"] == 2
    first = report["findings"][0]
    assert (first["problem"], first["position"]) == ("tail-truncated", kept + 1)
