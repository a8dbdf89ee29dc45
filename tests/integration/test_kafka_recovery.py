"""The projector on a real broker when a batch cannot be applied: PostgreSQL failing, records
that are not the ledger's, and the same events delivered twice.

Each test has its own topic prefix, consumer group and database (``settings_for``).
"""

from __future__ import annotations

import logging
import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from consumers.projector import KafkaProjector
from consumers.rebuild import rebuild
from consumers.relay import Relay, make_producer
from domain.application import SupervisionLedger
from infra.postgres import Database
from infra.settings import Settings
from infra.wiring import event_log, kafka_projector_for, relay_for
from projections.registry import all_projections
from projections.store import Prepared, ProjectionStore
from tests.pipeline import (
    env_of,
    ledger_process,
    query,
    read_all,
    snapshot_views,
    views_equal_the_log,
    wait_for,
    write_events,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition

pytestmark = pytest.mark.kafka


class FailingStore(ProjectionStore):
    """The real store, but the next batch fails as if PostgreSQL had dropped the connection
    while it was being written (nothing of it committed)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, all_projections())
        self.fail_next = False
        self.failed: list[set[str]] = []

    def write(self, batch: Prepared) -> int:
        if self.fail_next and batch.deliveries:
            self.fail_next = False
            self.failed.append({d.source for d in batch.deliveries})
            raise psycopg.OperationalError("server closed the connection unexpectedly (test)")
        return super().write(batch)


@contextmanager
def running(projector: KafkaProjector) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=projector.run, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
        projector.close()


def test_a_batch_postgresql_failed_to_apply_is_read_again_even_with_no_offset_stored(
    ledger: SupervisionLedger, database: Database, relay: Relay, settings_for: Settings
) -> None:
    assert settings_for.kafka_bootstrap
    write_events(ledger, 600)
    relay.relay_available()
    store = FailingStore(database.url)
    store.create_schema()
    # Small batches: the failed one is far from all there is, so skipping it would show.
    projector = KafkaProjector(
        settings_for.kafka_bootstrap,
        store,
        group_id=settings_for.kafka_group,
        topic_prefix=settings_for.kafka_topic_prefix,
        max_records=300,
    )
    with running(projector):
        # Given the very first batch fails: no partition has an offset stored yet.
        store.fail_next = True
        wait_for(lambda: views_equal_the_log(database), 60, "the views after a failed batch")
        # Given a rebuild, which deletes every stored offset, and the next batch failing too.
        log = event_log(ledger, database)
        rebuild(log, ProjectionStore(database.url, all_projections()), all_projections())
        log.close()
        store.fail_next = True
        write_events(ledger, 600, tag="after")
        relay.relay_available()
        wait_for(lambda: views_equal_the_log(database), 60, "the views after the rebuild")
    assert len(store.failed) == 2, "a batch was meant to fail twice"


def stored_offsets(database: Database) -> dict[str, set[int]]:
    """Each Kafka source's next offsets as stored, one per projection."""
    found: dict[str, set[int]] = {}
    for source, offset in query(
        database, "SELECT source, next_offset FROM views.positions WHERE next_offset IS NOT NULL"
    ):
        found.setdefault(source, set()).add(int(offset))
    return found


def test_a_record_that_is_not_a_ledger_event_is_logged_skipped_and_its_offset_stored(
    ledger: SupervisionLedger,
    database: Database,
    relay: Relay,
    settings_for: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert settings_for.kafka_bootstrap
    write_events(ledger, 200)
    relay.relay_available()
    topic = settings_for.kafka_topic_prefix + "ledger.officers.v1"
    producer: Any = make_producer(settings_for.kafka_bootstrap, client_id="a-stranger")
    try:
        # A foreign record, and one claiming to be a CloudEvent with nothing to back it.
        foreign = producer.send(topic, key=b"k", value=b"\x00 not json", partition=0).get(30)
        forged = producer.send(
            topic, value=b"{}", partition=0, headers=[("ce_type", b"cn.binhai.ledger.X")]
        ).get(30)
    finally:
        producer.close()
    write_events(ledger, 100, tag="later")  # ledger events after them, on the same topic
    relay.relay_available()

    projector = kafka_projector_for(database, settings_for)
    with running(projector):
        wait_for(lambda: views_equal_the_log(database), 60, "the views past the strangers")
    skipped = projector_errors(caplog)
    assert len(skipped) == 2, skipped
    assert f"{topic}[0] offset {foreign.offset}: CloudEvent attribute 'ce_type'" in skipped[0]
    assert f"{topic}[0] offset {forged.offset}: CloudEvent attribute 'ce_spec" in skipped[1]
    # Their offsets were stored with the batch: a consumer starting afresh does not meet them.
    assert stored_offsets(database)[f"{topic}:0"] == {end_offset(settings_for, topic, 0)}
    caplog.clear()
    again = kafka_projector_for(database, settings_for.model_copy(update={"kafka_group": "other"}))
    try:
        for _ in range(10):
            again.poll_once(timeout_ms=300)
    finally:
        again.close()
    assert not projector_errors(caplog)
    assert views_equal_the_log(database)


def projector_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The projector's own errors (kafka-python logs a socket it closes at ERROR too)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "consumers.projector" and r.levelno >= logging.ERROR
    ]


def end_offset(settings: Settings, topic: str, partition: int) -> int:
    consumer: Any = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        tp = TopicPartition(topic, partition)
        return int(consumer.end_offsets([tp])[tp])
    finally:
        consumer.close()


def test_every_event_published_twice_changes_no_view(
    ledger: SupervisionLedger, database: Database, relay: Relay, settings_for: Settings
) -> None:
    written = write_events(ledger, 500)
    relay.relay_available()
    projector = kafka_projector_for(database, settings_for)
    with running(projector):
        wait_for(lambda: views_equal_the_log(database), 60, "the views")
        once = snapshot_views(database)
        applied = projector.applied
        # The relay forgets how far it published: it publishes the whole log again.
        query(database, "DELETE FROM ledger_relay_positions RETURNING 1")
        again = relay_for(ledger, database, settings_for)
        try:
            assert again.relay_available() == written
        finally:
            again.close()
        wait_for(lambda: projector.applied >= applied + written, 60, "the duplicates read")
        assert snapshot_views(database) == once
        assert views_equal_the_log(database)
    assert len(read_all(settings_for, 2 * written)) == 2 * written


APP = "ledger-project-under-test"


def projector_in_transaction(database: Database) -> bool:
    """Whether the projector's views connection is inside a transaction right now."""
    rows = query(
        database,
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        "'ledger-project-under-test' AND state IN ('idle in transaction', 'active') "
        "AND xact_start IS NOT NULL AND query ILIKE '%views%'",
    )
    return bool(rows[0][0])


@pytest.mark.slow
def test_a_projector_killed_inside_its_transaction_restarts_to_exact_views(
    ledger: SupervisionLedger,
    database: Database,
    relay: Relay,
    settings_for: Settings,
    tmp_path: Path,
) -> None:
    write_events(ledger, 15_000, chunk=500)
    relay.relay_available()
    # libpq names every connection of the process: the test can see its transactions.
    env = {**env_of(settings_for), "PGAPPNAME": APP}
    log = tmp_path / "project.log"
    first = ledger_process(["project"], env, log)
    try:
        wait_for(lambda: projector_in_transaction(database), 60, "a batch being written")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
        first.wait(10)
    assert not views_equal_the_log(database), "the projector finished before it was killed"
    second = ledger_process(["project"], env, log)
    try:
        wait_for(lambda: views_equal_the_log(database), 120, "exact views after the restart")
    finally:
        second.terminate()
        second.wait(30)
