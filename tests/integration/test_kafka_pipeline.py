"""The Kafka path on a real broker: relay, consumers, faults, rebuild.

Each test has its own topic prefix and consumer group on the session's broker, and its own
database, so tests never see each other's records.
"""

from __future__ import annotations

import ast
import re
import signal
import subprocess
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest
from cloudevents.core.bindings import kafka as kafka_binding

from consumers.envelope import TYPE_PREFIX, Envelope
from consumers.partitioner import Shard
from consumers.projector import KafkaProjector
from consumers.rebuild import rebuild
from consumers.relay import Relay
from consumers.topics import ensure_topics, kafka_topic_for
from domain.application import SupervisionLedger
from gateway.demo import load_demo
from infra.kafka_broker import kill_broker, start_broker, stop_broker
from infra.postgres import Database
from infra.settings import Settings
from infra.wiring import event_log, kafka_projector_for, relay_for
from projections.registry import all_projections
from tests.pipeline import (
    env_of,
    last_position,
    ledger_process,
    project_to_the_end,
    query,
    read_all,
    relayed_position,
    snapshot_views,
    truth_by_topic,
    viewed_by_topic,
    views_equal_the_log,
    wait_for,
    write_events,
)

pytestmark = pytest.mark.kafka

RFC_3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@pytest.mark.parametrize("batch", [5000, 64], ids=["one-batch", "many-batches"])
def test_every_stored_event_is_on_its_topic_once_in_order_as_a_cloudevent(
    ledger: SupervisionLedger,
    database: Database,
    relay: Relay,
    settings_for: Settings,
    batch: int,
) -> None:
    load_demo(ledger)  # every kind of act: inspections, cases, patrols, tickets, corrections…
    write_events(ledger, 400)
    written = sum(truth_by_topic(database).values())
    relay.batch = batch  # many: each batch is read while the one before is in flight
    assert relay.relay_available() == written
    assert relay.position() == last_position(database)
    records = read_all(settings_for, written)
    assert len(records) == written  # no crash, so exactly once

    rows = query(
        database,
        "SELECT originator_id, originator_version, topic, state, notification_id, recorded_at "
        "FROM supervisionledger_events",
    )
    stored = {
        (str(agg), ver): (topic, bytes(state), pos) for agg, ver, topic, state, pos, _ in rows
    }
    stored_at = {(str(agg), ver): at for agg, ver, *_, at in rows}
    versions: dict[str, list[int]] = defaultdict(list)
    for record in records:
        event = Envelope.from_cloudevent(list(record.headers), record.value)
        headers = {k: v.decode() for k, v in record.headers}
        topic, state, position = stored[(str(event.aggregate_id), event.version)]
        assert record.topic == kafka_topic_for(topic, settings_for.kafka_topic_prefix)
        assert record.key == str(event.aggregate_id).encode()
        assert record.value == state  # the very bytes the store holds
        assert event.position == position
        # The CloudEvents SDK's own Kafka binding reads it (and validates the attributes).
        sdk = kafka_binding.from_binary_event(
            kafka_binding.KafkaMessage(dict(record.headers), record.key, record.value)
        )
        assert sdk.get_specversion() == "1.0"
        assert sdk.get_type() == TYPE_PREFIX + topic
        assert sdk.get_source() == settings_for.source
        Settings(source=sdk.get_source())  # a URI-reference (the setting's own check)
        assert sdk.get_id() == f"{event.aggregate_id}:{event.version}"
        assert sdk.get_subject() == f"{topic.split('.')[0]}/{event.aggregate_id}"
        assert sdk.get_datacontenttype() == "application/json"
        assert sdk.get_data() == orjson.loads(state)
        assert sdk.get_extension("aggregateversion") == str(event.version)
        assert sdk.get_extension("position") == str(position)
        assert RFC_3339.fullmatch(headers["ce_time"]), headers["ce_time"]
        assert sdk.get_time() == stored_at[(str(event.aggregate_id), event.version)]
        versions[str(event.aggregate_id)].append(event.version)
    assert all(v == sorted(v) for v in versions.values())
    assert {(a, v) for a, vs in versions.items() for v in vs} == set(stored)


def shard_relays(
    ledger: SupervisionLedger, database: Database, settings: Settings, count: int
) -> list[Relay]:
    return [relay_for(ledger, database, settings, Shard(i, count)) for i in range(count)]


def positions_by_partition(records: list[Any]) -> dict[tuple[str, int], list[int]]:
    found: dict[tuple[str, int], list[int]] = defaultdict(list)
    for record in records:
        found[(record.topic, record.partition)].append(
            Envelope.from_cloudevent(list(record.headers), record.value).position
        )
    return found


def test_relays_sharing_the_log_publish_every_event_once_each_partition_in_log_order(
    ledger: SupervisionLedger, database: Database, settings_for: Settings
) -> None:
    written = write_events(ledger, 600)
    relays = shard_relays(ledger, database, settings_for, 2)
    try:
        for relay in relays:
            relay.batch = 97  # many batches, each shard skipping the other's events
            assert relay.relay_available() == written
        assert [r.name for r in relays] == ["relay.0/2", "relay.1/2"]
        assert all(r.position() == last_position(database) for r in relays)
        records = read_all(settings_for, written)
    finally:
        for relay in relays:
            relay.close()
    assert len(records) == written
    stored = {
        int(p) for (p,) in query(database, "SELECT notification_id FROM supervisionledger_events")
    }
    by_partition = positions_by_partition(records)
    assert {p for positions in by_partition.values() for p in positions} == stored
    for (topic, partition), positions in by_partition.items():
        assert positions == sorted(positions), f"{topic}[{partition}] out of log order"
        owners = [r.shard for r in relays if r.shard.owns(topic, partition)]
        assert len(owners) == 1  # one writer per partition
    # Both shards published: the partitions were shared, not left to one.
    assert all(any(r.shard.owns(t, p) for t, p in by_partition) for r in relays)


def test_a_new_shard_starts_where_a_whole_layout_of_relays_vouches(
    ledger: SupervisionLedger, database: Database, settings_for: Settings
) -> None:
    first = write_events(ledger, 300)
    single = relay_for(ledger, database, settings_for)
    try:
        assert single.relay_available() == first
    finally:
        single.close()
    relayed = last_position(database)
    later = write_events(ledger, 200, tag="M")
    relays = shard_relays(ledger, database, settings_for, 2)
    try:
        assert relays[0].position() == relayed  # nothing of its own yet: the family's slowest
        assert relays[0].relay_available() == later
        # The layout of two is not whole yet (1/2 has published nothing): the lone relay vouches.
        third = relay_for(ledger, database, settings_for, Shard(0, 3))
        try:
            assert third.position() == relayed
        finally:
            third.close()
        assert relays[1].relay_available() == later
        # Both shards of the layout have published: it vouches for everything.
        fourth = relay_for(ledger, database, settings_for, Shard(1, 3))
        try:
            assert fourth.position() == last_position(database)
        finally:
            fourth.close()
        records = read_all(settings_for, first + later)
    finally:
        for relay in relays:
            relay.close()
    assert len(records) == first + later  # the earlier events were not published again
    for positions in positions_by_partition(records).values():
        assert positions == sorted(positions) and len(set(positions)) == len(positions)


@pytest.mark.slow
@pytest.mark.parametrize("shards", [1, 2], ids=["one-relay", "two-shards"])
def test_relay_killed_mid_stream_resumes_without_loss_and_duplicates_are_absorbed(
    ledger: SupervisionLedger,
    database: Database,
    settings_for: Settings,
    tmp_path: Path,
    shards: int,
) -> None:
    load_demo(ledger)
    write_events(ledger, 12_000, chunk=500)
    last = last_position(database)

    def start() -> list[subprocess.Popen[bytes]]:
        return [
            ledger_process(["relay", "--shard", f"{i}/{shards}"], env, tmp_path / f"relay{i}.log")
            for i in range(shards)
        ]

    env = env_of(settings_for)
    first = start()
    try:
        wait_for(lambda: relayed_position(database, shards) > 0, 60, "the relays to publish")
        first[0].send_signal(signal.SIGKILL)  # the others go on
        first[0].wait(10)
    finally:
        for process in first[1:]:
            process.terminate()
        for process in first:
            process.kill()
            process.wait(10)
    assert relayed_position(database, shards) < last, "the relay finished before it was killed"
    second = start()
    try:
        wait_for(lambda: relayed_position(database, shards) == last, 120, "the relays to catch up")
    finally:
        for process in second:
            process.kill()
            process.wait(10)

    records = read_all(settings_for, sum(truth_by_topic(database).values()))
    published = {(r.key, dict(r.headers)["ce_aggregateversion"]) for r in records}
    assert len(published) == sum(truth_by_topic(database).values())  # nothing missing

    projector = kafka_projector_for(database, settings_for)
    try:
        project_to_the_end(projector, settings_for, 120)
        assert views_equal_the_log(database)
    finally:
        projector.close()


def projector_progress(database: Database) -> int:
    return sum(viewed_by_topic(database).values())


@pytest.mark.slow
def test_consumer_killed_mid_batch_restarts_to_the_exact_counts(
    ledger: SupervisionLedger,
    database: Database,
    relay: Relay,
    settings_for: Settings,
    tmp_path: Path,
) -> None:
    load_demo(ledger)
    write_events(ledger, 15_000, chunk=500)
    relay.relay_available()
    total = sum(truth_by_topic(database).values())
    log = tmp_path / "project.log"
    first = ledger_process(["project"], env_of(settings_for), log)
    try:
        wait_for(lambda: projector_progress(database) > 0, 60, "the consumer to apply a batch")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
        first.wait(10)
    assert projector_progress(database) < total, "the consumer finished before it could be killed"
    second = ledger_process(["project"], env_of(settings_for), log)
    try:
        wait_for(lambda: views_equal_the_log(database), 120, "exact views")
    finally:
        second.kill()
        second.wait(10)


def assigned(log: Path) -> set[str]:
    """The partitions (``topic:partition``) a ``ledger project`` process was last assigned."""
    found: set[str] = set()
    for line in log.read_text().splitlines():
        if "partitions assigned: " in line:
            found = set(ast.literal_eval(line.split("partitions assigned: ", 1)[1]))
    return found


def next_offsets(database: Database, sources: set[str]) -> dict[str, int]:
    rows = query(
        database,
        "SELECT source, min(next_offset) FROM views.positions WHERE next_offset IS NOT NULL "
        "GROUP BY source",
    )
    return {source: int(offset) for source, offset in rows if source in sources}


@pytest.mark.slow
def test_two_consumers_one_dies_the_other_takes_over_exactly(
    ledger: SupervisionLedger,
    database: Database,
    relay: Relay,
    settings_for: Settings,
    tmp_path: Path,
) -> None:
    env = env_of(settings_for)
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    a = ledger_process(["project", "--client-id", "a"], env, logs["a"])
    b = ledger_process(["project", "--client-id", "b"], env, logs["b"])
    try:
        write_events(ledger, 3_000, chunk=100, tag="E1")
        relay.relay_available()
        wait_for(lambda: views_equal_the_log(database), 90, "both consumers")
        first_wave = projector_progress(database)
        wait_for(lambda: bool(assigned(logs["a"])) and bool(assigned(logs["b"])), 30, "a group")
        owned_by_a = assigned(logs["a"])
        assert not owned_by_a & assigned(logs["b"])  # the group shared the partitions
        # A second wave, and a dies while it is being consumed. a is frozen just before the
        # wave reaches Kafka, so its share is surely not done when it dies: left running, both
        # could finish the wave in the moment between "it moves" and the kill (a run did).
        # Frozen for seconds only, well inside its session (10 s): the group still counts it.
        write_events(ledger, 6_000, chunk=100, tag="E2")
        a.send_signal(signal.SIGSTOP)
        relay.relay_available()
        wait_for(lambda: projector_progress(database) > first_wave, 60, "the second wave")
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        when_a_died = next_offsets(database, owned_by_a)
        assert not views_equal_the_log(database), "the second wave was done before a died"
        wait_for(lambda: views_equal_the_log(database), 90, "the survivor")
    finally:
        for process in (a, b):
            process.kill()
            process.wait(10)
    # The partitions a owned moved on after it died: b took them over.
    assert owned_by_a <= assigned(logs["b"])
    after = next_offsets(database, owned_by_a)
    assert any(after.get(s, 0) > when_a_died.get(s, 0) for s in owned_by_a)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_broker_restart_under_load_converges_to_exact_views(
    ledger: SupervisionLedger, database: Database, settings_for: Settings, tmp_path: Path, how: str
) -> None:
    broker_dir = tmp_path / "own-broker"
    broker = start_broker(broker_dir)
    settings = settings_for.model_copy(update={"kafka_bootstrap": broker.bootstrap})
    ensure_topics(broker.bootstrap, prefix=settings.kafka_topic_prefix)
    relay = relay_for(ledger, database, settings)
    projector: KafkaProjector = kafka_projector_for(database, settings)
    stop = threading.Event()
    workers = [
        threading.Thread(target=relay.run, args=(stop, 0.2, 0.5)),
        threading.Thread(target=projector.run, args=(stop,)),
    ]
    broker_back = threading.Event()

    def write_until_the_broker_is_back() -> None:
        # Waves of officers while the broker is down and after it is back (at least four): load
        # across the restart whatever the machine's pace. "N" ends the tag: W001N2 ≠ W0012….
        wave = 0
        while wave < 4 or not broker_back.is_set():
            write_events(ledger, 400, chunk=20, tag=f"W{wave:03d}N")
            wave += 1

    writing = threading.Thread(target=write_until_the_broker_is_back)
    try:
        for worker in workers:
            worker.start()
        writing.start()
        wait_for(lambda: projector_progress(database) > 0, 60, "the pipeline to flow")
        port = int(broker.bootstrap.rsplit(":", 1)[1])
        if how == "killed":
            kill_broker(broker_dir)  # kill -9: no clean shutdown, an unclean log to recover
        else:
            stop_broker(broker_dir)
        down_at = last_position(database)
        stop.wait(2.0)  # writes go on meanwhile: PostgreSQL does not need Kafka
        assert last_position(database) > down_at, "the log did not grow while Kafka was down"
        start_broker(broker_dir, port=port)
        broker_back.set()
        writing.join()
        wait_for(lambda: views_equal_the_log(database), 180, "convergence")
    finally:
        broker_back.set()
        if writing.is_alive():
            writing.join(120)
        stop.set()
        for worker in workers:
            worker.join(30)
        relay.close()
        projector.close()
        stop_broker(broker_dir)


def test_rebuild_from_zero_equals_the_live_kafka_projection(
    ledger: SupervisionLedger, database: Database, relay: Relay, settings_for: Settings
) -> None:
    write_events(ledger, 500)
    relay.relay_available()
    projector = kafka_projector_for(database, settings_for)
    try:
        project_to_the_end(projector, settings_for, 60)
        assert views_equal_the_log(database)
        live = snapshot_views(database)
        log = event_log(ledger, database)
        rebuild(log, projector.store, all_projections())
        log.close()
        assert snapshot_views(database) == live
        assert views_equal_the_log(database)
        # After a rebuild the consumer reads its topics from the start again: nothing doubles.
        write_events(ledger, 50, tag="after")
        relay.relay_available()
        project_to_the_end(projector, settings_for, 60)
        assert views_equal_the_log(database)
    finally:
        projector.close()
