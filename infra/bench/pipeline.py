"""Pipeline benchmarks: relay, projections, rebuild and freshness, each beside its baseline."""

from __future__ import annotations

import io
import os
import threading
import time
import warnings
from typing import Any

import psycopg

from consumers.envelope import Envelope
from consumers.rebuild import rebuild
from consumers.relay import ensure_positions_table, make_producer
from consumers.topics import LEDGER_TOPICS, ensure_topics, kafka_topic_for
from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.registry import commands as reg
from domain.registry.uscc import check_character
from infra.bench.env import (
    BenchEnv,
    collector_as_in_services,
    kafka_process_env,
    percentile,
    rate,
    timed,
)
from infra.bench.load import write_events
from infra.postgres import Database
from infra.settings import Settings
from infra.wiring import (
    event_log,
    follower_for,
    kafka_projector_for,
    open_ledger,
    projection_store,
    relay_for,
    topics_ready,
)
from projections.registry import all_projections

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition

Figures = dict[str, float]


def _loaded_ledger(env: BenchEnv, events: int) -> tuple[Database, SupervisionLedger, int]:
    database = env.fresh_database()
    ledger = open_ledger(database, pool_size=4)
    # 2 or 3 events per officer (registered, certified, every third revoked): ~2.33 on average.
    written = write_events(ledger, int(events / 2.34), chunk=500)
    return database, ledger, written


def _raw_produce(bootstrap: str, prefix: str, envelopes: list[Envelope]) -> float:
    """Seconds for bare kafka-python to produce the same records (same producer settings)."""
    producer: Any = make_producer(bootstrap, client_id="bench-raw")
    try:
        started = time.perf_counter()
        for e in envelopes:
            producer.send(
                kafka_topic_for(e.topic, prefix),
                key=str(e.aggregate_id).encode(),
                value=e.state,
                headers=e.cloudevent_headers(),
            )
        producer.flush()
        return time.perf_counter() - started
    finally:
        producer.close()


def _raw_consume(bootstrap: str, prefix: str, expected: int) -> float:
    """Seconds for a bare consumer to read ``expected`` records of the ledger topics."""
    consumer: Any = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_bytes=32 * 1024 * 1024,
        max_poll_records=5000,
    )
    try:
        partitions = [
            TopicPartition(prefix + spec.name, p)
            for spec in LEDGER_TOPICS
            for p in range(spec.partitions)
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        seen = 0
        started = time.perf_counter()
        while seen < expected:
            for records in consumer.poll(timeout_ms=500, max_records=5000).values():
                seen += len(records)
        return time.perf_counter() - started
    finally:
        consumer.close()


def bench_kafka_pipeline(env: BenchEnv, events: int = 100_000) -> Figures:
    """Relay vs raw produce, and exactly-once projections vs raw consume, on the same records."""
    if env.bootstrap is None:
        raise RuntimeError("the Kafka benchmarks need a broker")
    database, ledger, written = _loaded_ledger(env, events)
    try:
        # The collector tuned as `ledger relay` and `ledger project` tune it (baselines too).
        with collector_as_in_services():
            settings = env.settings(database)
            log = event_log(ledger, database)
            envelopes = log.read(0, written + 10)
            raw_prefix = settings.kafka_topic_prefix + "raw."
            ensure_topics(env.bootstrap, prefix=raw_prefix)
            _raw_produce(env.bootstrap, raw_prefix, envelopes[:2000])  # warm the broker up
            raw_before = _raw_produce(env.bootstrap, raw_prefix, envelopes)

            relay = relay_for(ledger, database, settings)
            relay_seconds = timed(relay.relay_available)
            relay.close()
            raw_after = _raw_produce(env.bootstrap, raw_prefix, envelopes)
            raw_seconds = (raw_before + raw_after) / 2

            raw_consume = _raw_consume(env.bootstrap, settings.kafka_topic_prefix, written)
            projector = kafka_projector_for(database, settings)
            applied = 0
            started = time.perf_counter()
            while applied < written:
                applied += projector.poll_once(timeout_ms=500)
            project_seconds = time.perf_counter() - started
            projector.close()
            log.close()
        processes = os.cpu_count() or 1
        group_seconds = _project_in_processes(env, database, settings, written, processes)
        relay_rate = _relay_in_processes(env, database, settings, log.last_position(), processes)
        raw_rate = rate(written, raw_seconds)
        group_rate, consume_rate = rate(written, group_seconds), rate(written, raw_consume)
        return {
            "events": written,
            "relay_events_per_s": relay_rate,
            "relay_processes": processes,
            "relay_one_process_events_per_s": rate(written, relay_seconds),
            "raw_produce_events_per_s": raw_rate,
            "relay_ratio": relay_rate / raw_rate,
            "projection_events_per_s": group_rate,
            "projection_processes": processes,
            "projection_one_process_events_per_s": rate(written, project_seconds),
            "raw_consume_events_per_s": consume_rate,
            "projection_ratio": group_rate / consume_rate,
        }
    finally:
        ledger.close()


def _relay_in_processes(
    env: BenchEnv, database: Database, settings: Settings, last: int, processes: int
) -> float:
    """Events/s of ``processes`` ``ledger relay --shard I/N`` processes publishing the whole log
    again (to topics of their own; the positions emptied): Kafka producers on more cores, one
    writer per partition. The clock starts once every shard has saved its first batch (the
    interpreters' start and the producers' first connection are not the relay's pace), and only
    the events after the slowest shard's first batch count."""
    shard_settings = settings.model_copy(
        update={"kafka_topic_prefix": settings.kafka_topic_prefix + "shards."}
    )
    topics_ready(shard_settings)
    variables = kafka_process_env(shard_settings)
    with psycopg.connect(database.url, autocommit=True) as conn:
        ensure_positions_table(conn)
        conn.execute("DELETE FROM ledger_relay_positions")
        shards = [["relay", "--shard", f"{n}/{processes}"] for n in range(processes)]
        with env.ledger_processes(shards, variables) as workers:
            deadline = time.monotonic() + 300

            def positions() -> tuple[int, int]:
                """How many shards saved a position, and the slowest one's."""
                if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                    raise RuntimeError("a relay stopped, or the relays took over 5 minutes")
                time.sleep(0.005)
                row = conn.execute(
                    "SELECT count(*), coalesce(min(position), 0) FROM ledger_relay_positions"
                ).fetchone()
                return (int(row[0]), int(row[1])) if row else (0, 0)

            while (found := positions())[0] < processes:
                pass
            clock, first = time.perf_counter(), found[1]
            if first >= last:  # all in the first batches: too few events to tell a pace
                raise RuntimeError("the relays' first batches held the whole log")
            while positions()[1] < last:
                pass
            return rate(last - first, time.perf_counter() - clock)


def _project_in_processes(
    env: BenchEnv, database: Database, settings: Settings, records: int, processes: int
) -> float:
    """Seconds for ``processes`` ``ledger project`` processes, one consumer group, to apply the
    topics' ``records`` to emptied views: Kafka's way to use more cores, as a deployment scales
    the projector (``--scale projector=N``). The clock starts at the group's first stored batch:
    the interpreters' start and the first join are not the projection's pace (a rebalance when
    a later member joins is)."""
    store = projection_store(database)
    for projection in store.projections:
        store.reset(projection)
    store.close()
    variables = kafka_process_env(settings, group=settings.kafka_group + "-processes")
    launched = time.perf_counter()
    projectors = [
        ["project", "--feed", "kafka", "--client-id", f"bench-{n}"] for n in range(processes)
    ]
    with (
        env.ledger_processes(projectors, variables) as workers,
        psycopg.connect(database.url, autocommit=True) as conn,
    ):
        deadline = time.monotonic() + 300
        started: float | None = None
        while (applied := _applied_offsets(conn)) < records:
            if started is None and applied > 0:
                started = time.perf_counter()
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise RuntimeError(f"the projectors applied {applied} of {records} records")
            time.sleep(0.01)
        # (Had everything been applied before the first look, the launch starts the clock.)
        return time.perf_counter() - (started or launched)


def _applied_offsets(conn: psycopg.Connection[Any]) -> int:
    """Records applied by the projection that is furthest behind (offsets start at 0 on the
    bench's fresh topics, so a partition's next offset is how many of its records it has)."""
    row = conn.execute(
        "SELECT coalesce(min(n), 0)::bigint FROM (SELECT sum(next_offset) AS n "
        "FROM views.positions WHERE next_offset IS NOT NULL GROUP BY projection) AS applied"
    ).fetchone()
    return int(row[0]) if row else 0


def settle(database: Database) -> None:
    """Vacuum and analyse after a bulk write: otherwise autovacuum of the new rows runs during
    whichever measurement comes next (the baseline or the rebuild), on the same two cores."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


def raw_copy_seconds(database: Database) -> float:
    """Seconds to COPY the event rows out and into a scratch table: PostgreSQL's raw pace."""
    with psycopg.connect(database.url) as conn:
        conn.execute("CREATE TEMP TABLE copy_target (LIKE supervisionledger_events)")
        started = time.perf_counter()
        buffer = io.BytesIO()
        with conn.cursor().copy("COPY supervisionledger_events TO STDOUT") as out:
            for chunk in out:
                buffer.write(chunk)
        buffer.seek(0)
        with conn.cursor().copy("COPY copy_target FROM STDIN") as into:
            while chunk := buffer.read(1 << 20):
                into.write(chunk)
        conn.commit()
        return time.perf_counter() - started


def bench_rebuild(env: BenchEnv, events: int = 300_000) -> Figures:
    """A full rebuild of every projection vs a raw COPY of the same rows."""
    database, ledger, written = _loaded_ledger(env, events)
    try:
        follower = follower_for(ledger, database)
        follower.catch_up()
        settle(database)
        copy_seconds = raw_copy_seconds(database)
        started = time.perf_counter()
        rebuild(follower.events, follower.store, all_projections())
        rebuild_seconds = time.perf_counter() - started
        follower.close()
        rebuild_rate, copy_rate = rate(written, rebuild_seconds), rate(written, copy_seconds)
        return {
            "events": written,
            "rebuild_events_per_s": rebuild_rate,
            "raw_copy_rows_per_s": copy_rate,
            "rebuild_ratio": rebuild_rate / copy_rate,
        }
    finally:
        ledger.close()


def _freshness(
    ledger: SupervisionLedger,
    database: Database,
    samples: int,
    first: int = 0,
    patience: float = 60.0,
) -> list[float]:
    """Milliseconds from a command's start to its event being counted in the view."""
    latencies: list[float] = []
    with psycopg.connect(database.url, autocommit=True) as conn:
        for n in range(first, first + samples):
            before = _count(conn)
            first17 = f"91120116{900000000 + n:09d}"
            started = time.perf_counter()
            ledger.execute(
                reg.RegisterEntity(uscc=first17 + check_character(first17), name=f"f{n}"), SYSTEM
            )
            while _count(conn) == before:
                if time.perf_counter() - started > patience:
                    raise RuntimeError(f"an event was not seen in the views within {patience} s")
                time.sleep(0.0005)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _count(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(n), 0)::bigint FROM views.events_daily "
        "WHERE topic = 'Entity.Registered'"
    ).fetchone()
    return int(row[0]) if row else 0


def bench_freshness(env: BenchEnv, samples: int = 200) -> Figures:
    """Command-to-view freshness p50/p99: the embedded feed, and via Kafka (relay + consumer)."""
    figures: Figures = {}
    database = env.fresh_database()
    ledger = open_ledger(database, pool_size=4)
    follower = follower_for(ledger, database)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop, 1.0))
    thread.start()
    try:
        with collector_as_in_services():  # as `ledger serve`, which runs the follower
            embedded = _freshness(ledger, database, samples)
    finally:
        stop.set()
        thread.join()
        follower.close()
        ledger.close()
    figures["embedded_p50_ms"] = percentile(embedded, 50)
    figures["embedded_p99_ms"] = percentile(embedded, 99)
    if env.bootstrap:
        # Production shape: the relay and the projector are processes of their own
        # (``ledger relay``, ``ledger project``), not threads sharing the bench's interpreter.
        database = env.fresh_database()
        ledger = open_ledger(database, pool_size=4)
        settings = env.settings(database)
        topics_ready(settings)
        projection_store(database).close()  # the views exist before the first count
        variables = kafka_process_env(settings)
        pipeline = [["relay"], ["project", "--feed", "kafka"]]
        try:
            with env.ledger_processes(pipeline, variables):
                # The first events wait for the processes to start and the consumer to join.
                _freshness(ledger, database, 5, patience=120.0)
                via_kafka = _freshness(ledger, database, samples, first=5)
        finally:
            ledger.close()
        figures["kafka_p50_ms"] = percentile(via_kafka, 50)
        figures["kafka_p99_ms"] = percentile(via_kafka, 99)
    return figures
