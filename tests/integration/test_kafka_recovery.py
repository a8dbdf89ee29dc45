"""The projector on a real broker when a batch cannot be applied: PostgreSQL failing, records
that are not the ledger's, and the same events delivered twice.

Each test has its own topic prefix, consumer group and database (``settings_for``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
import pytest

from consumers.projector import KafkaProjector
from consumers.rebuild import rebuild
from consumers.relay import Relay
from domain.application import SupervisionLedger
from infra.postgres import Database
from infra.settings import Settings
from infra.wiring import event_log
from projections.registry import all_projections
from projections.store import Delivery, ProjectionStore
from tests.pipeline import views_equal_the_log, wait_for, write_events

pytestmark = pytest.mark.kafka


class FailingStore(ProjectionStore):
    """The real store, but the next batch fails as if PostgreSQL had dropped the connection
    while it was being written (nothing of it committed)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, all_projections())
        self.fail_next = False
        self.failed: list[set[str]] = []

    def apply(self, deliveries: Sequence[Delivery]) -> int:
        if self.fail_next and deliveries:
            self.fail_next = False
            self.failed.append({d.source for d in deliveries})
            raise psycopg.OperationalError("server closed the connection unexpectedly (test)")
        return super().apply(deliveries)


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
