"""The embedded feed: projections following the event store, exactly once, rebuildable."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consumers.envelope import Envelope
from consumers.follower import Follower
from consumers.rebuild import rebuild
from domain.application import SupervisionLedger
from infra.ledger_process import ledger_process
from infra.postgres import Database
from infra.wiring import event_log, follower_for, projection_store
from projections.model import Change
from projections.store import STORE, Delivery, ProjectionStore
from projections.supervision_counters import SupervisionCounters
from tests.pipeline import snapshot_views, truth_by_topic, viewed_by_topic, wait_for, write_events


@pytest.fixture
def follower(ledger: SupervisionLedger, database: Database) -> Iterator[Follower]:
    running = follower_for(ledger, database)
    yield running
    running.close()


@pytest.fixture
def store(database: Database) -> Iterator[ProjectionStore]:
    opened = projection_store(database)
    yield opened
    opened.close()


def test_the_counters_equal_the_event_stores_truth(
    ledger: SupervisionLedger, database: Database, follower: Follower
) -> None:
    write_events(ledger, 300)
    follower.catch_up()
    assert viewed_by_topic(database) == truth_by_topic(database)


def _applied_once(
    ledger: SupervisionLedger, database: Database, follower: Follower, store: ProjectionStore
) -> tuple[list[Envelope], dict[str, list[tuple[Any, ...]]]]:
    """Events written and applied once; the views they made."""
    write_events(ledger, 60)
    events = follower.events.read(0, 10_000)
    store.apply([Delivery(STORE, None, e) for e in events])
    return events, snapshot_views(database)


def test_applying_the_same_events_twice_changes_nothing(
    ledger: SupervisionLedger, database: Database, follower: Follower, store: ProjectionStore
) -> None:
    events, once = _applied_once(ledger, database, follower, store)
    store.apply([Delivery(STORE, None, e) for e in events])  # a replayed batch
    store.apply([Delivery(STORE, None, e) for e in events[: len(events) // 2]])
    assert snapshot_views(database) == once


def test_a_batch_partly_applied_already_adds_only_its_new_events(
    ledger: SupervisionLedger, database: Database, follower: Follower, store: ProjectionStore
) -> None:
    events, once = _applied_once(ledger, database, follower, store)
    for projection in store.projections:
        store.reset(projection)
    half = len(events) // 2
    store.apply([Delivery(STORE, None, e) for e in events[:half]])
    # The changes worked out in advance (every event new) must not be the ones written.
    store.apply([Delivery(STORE, None, e) for e in events])
    assert snapshot_views(database) == once


class Exploding(SupervisionCounters):
    """The counters, failing on one event: the whole batch must roll back."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at

    def apply(self, event: Envelope) -> list[Change]:
        if event.position == self.fail_at:
            raise RuntimeError("power cut")
        return list(super().apply(event))


def test_a_batch_that_fails_midway_leaves_no_trace(
    ledger: SupervisionLedger, database: Database, follower: Follower
) -> None:
    write_events(ledger, 90)
    events = follower.events.read(0, 10_000)
    exploding = Exploding(fail_at=events[len(events) // 2].position)
    crashing = Follower(event_log(ledger, database), projection_store(database, [exploding]))
    with pytest.raises(RuntimeError, match="power cut"):
        crashing.catch_up()
    crashing.close()
    assert viewed_by_topic(database) == {}
    follower.catch_up()
    assert viewed_by_topic(database) == truth_by_topic(database)


def test_the_live_follower_keeps_up_while_commands_are_written(
    ledger: SupervisionLedger, database: Database, follower: Follower
) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop, 0.2))
    thread.start()
    try:
        for tag in ("P", "Q", "R"):
            write_events(ledger, 50, tag=tag, chunk=7)
        wait_for(lambda: viewed_by_topic(database) == truth_by_topic(database), 20, "the views")
    finally:
        stop.set()
        thread.join()


def test_rebuild_from_zero_equals_the_live_projection(
    ledger: SupervisionLedger, database: Database, follower: Follower
) -> None:
    write_events(ledger, 120, tag="X")
    follower.catch_up()
    write_events(ledger, 80, tag="Y")
    follower.catch_up()
    live = snapshot_views(database)
    log = event_log(ledger, database)
    count = rebuild(log, follower.store, [SupervisionCounters()])
    log.close()
    assert count == sum(truth_by_topic(database).values())
    assert snapshot_views(database) == live
    # ... and the live follower carries on from there without counting anything twice.
    write_events(ledger, 10, tag="Z")
    follower.catch_up()
    assert viewed_by_topic(database) == truth_by_topic(database)


def test_large_batches_of_different_column_sets_go_through_the_staging_path(
    ledger: SupervisionLedger, database: Database, follower: Follower
) -> None:
    # Hundreds of certificates issued, then hundreds revoked: one table, two column sets, both
    # above the COPY threshold in one batch.
    write_events(ledger, 900, chunk=300, tag="S")
    follower.catch_up()
    assert viewed_by_topic(database) == truth_by_topic(database)
    follower.store.close()
    rebuilt = follower_for(ledger, database)
    rebuild(rebuilt.events, rebuilt.store, [SupervisionCounters()])
    rebuilt.close()
    assert viewed_by_topic(database) == truth_by_topic(database)


def test_ledger_project_from_the_store_follows_the_log_and_stops_on_sigterm(
    ledger: SupervisionLedger, database: Database, tmp_path: Path
) -> None:
    write_events(ledger, 200)
    env = {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATA_DIR": str(tmp_path)}
    process = ledger_process(["project", "--feed", "store"], env, tmp_path / "project.log")

    def counted() -> bool:
        return viewed_by_topic(database) == truth_by_topic(database)

    try:
        wait_for(counted, 60, "the store's events to be counted")
        write_events(ledger, 50, tag="M")  # live: woken by the store's notifications
        wait_for(counted, 30, "the later events to be counted")
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()
        process.wait(10)
    assert "Traceback" not in (tmp_path / "project.log").read_text()


def test_ledger_project_refuses_an_unknown_feed_in_one_line(
    database: Database, tmp_path: Path
) -> None:
    env = {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATA_DIR": str(tmp_path)}
    process = ledger_process(["project", "--feed", "carrier-pigeon"], env, tmp_path / "p.log")
    assert process.wait(60) == 2
    lines = (tmp_path / "p.log").read_text().strip().splitlines()
    assert lines[-1] == "ledger: --feed is 'kafka' or 'store'"
