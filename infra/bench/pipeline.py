"""Pipeline benchmarks: relay, projections, rebuild and freshness, each beside its baseline."""

from __future__ import annotations

import io
import multiprocessing
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

import psycopg

from consumers.envelope import Envelope
from consumers.partitioner import Shard, partition_of
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
    open_ledger,
    projection_store,
    relay_for,
)
from projections.registry import all_projections

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer

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


def bench_kafka_pipeline(env: BenchEnv, events: int = 100_000) -> Figures:
    """Relay vs raw produce, and exactly-once projections vs raw consume, on the same records.

    Like for like: the headline figures are N ledger processes (N = the cores) against N raw
    kafka-python processes doing the bare job on the same records (N producers sharing them
    as the relay shards share the partitions; N consumers in one group); one against one is
    reported too. Every clock starts at the first progress it can see, and only the records
    after it count.
    """
    if env.bootstrap is None:
        raise RuntimeError("the Kafka benchmarks need a broker")
    database, ledger, written = _loaded_ledger(env, events)
    processes = os.cpu_count() or 1
    try:
        # The collector tuned as `ledger relay` and `ledger project` tune it (baselines too).
        with collector_as_in_services():
            settings = env.settings(database)
            ensure_topics(env.bootstrap, prefix=settings.kafka_topic_prefix)
            log = event_log(ledger, database)
            envelopes = log.read(0, written + 10)
            last = log.last_position()
            log.close()
            raw_prefix = settings.kafka_topic_prefix + "raw."
            ensure_topics(env.bootstrap, prefix=raw_prefix)
            _raw_produce(env.bootstrap, raw_prefix, envelopes[:2000])  # warm the broker up
            raw_before = _raw_produce(env.bootstrap, raw_prefix, envelopes)

            relay = relay_for(ledger, database, settings)
            relay_seconds = timed(relay.relay_available)
            relay.close()
            raw_after = _raw_produce(env.bootstrap, raw_prefix, envelopes)
            raw_seconds = (raw_before + raw_after) / 2
        raw_relay_rate = _raw_produce_in_processes(
            env.bootstrap, settings.kafka_topic_prefix + "rawn.", envelopes, processes
        )
        relay_rate = _relay_in_processes(env, database, settings, last, processes)
        # The consumers read the topics the relay filled: the records are the same.
        consume_one = _raw_consume_in_processes(
            env.bootstrap, settings.kafka_topic_prefix, written, 1
        )
        project_one = _project_in_processes(env, database, settings, written, 1)
        consume_rate = _raw_consume_in_processes(
            env.bootstrap, settings.kafka_topic_prefix, written, processes
        )
        group_rate = _project_in_processes(env, database, settings, written, processes)
        return {
            "events": written,
            "relay_events_per_s": relay_rate,
            "relay_processes": processes,
            "raw_produce_events_per_s": raw_relay_rate,
            "relay_ratio": relay_rate / raw_relay_rate,
            "relay_one_process_events_per_s": rate(written, relay_seconds),
            "raw_produce_one_process_events_per_s": rate(written, raw_seconds),
            "relay_one_process_ratio": raw_seconds / relay_seconds,
            "projection_events_per_s": group_rate,
            "projection_processes": processes,
            "raw_consume_events_per_s": consume_rate,
            "projection_ratio": group_rate / consume_rate,
            "projection_one_process_events_per_s": project_one,
            "raw_consume_one_process_events_per_s": consume_one,
            "projection_one_process_ratio": project_one / consume_one,
        }
    finally:
        ledger.close()


def _raw_producer(
    bootstrap: str, prefix: str, envelopes: list[Envelope], ready: Any, go: Any, done: Any
) -> None:
    """In a raw producer process: connect and learn the topics' partitions, say so, wait for
    the start, produce its records as the relay does, report the seconds it took."""
    producer: Any = make_producer(bootstrap, client_id="bench-raw-n")
    try:
        for spec in LEDGER_TOPICS:
            producer.partitions_for(prefix + spec.name)
        ready.release()
        go.wait()
        seconds = timed(lambda: _send_all(producer, prefix, envelopes))
        done.put(seconds)
    finally:
        producer.close()


def _send_all(producer: Any, prefix: str, envelopes: list[Envelope]) -> None:
    for e in envelopes:
        producer.send(
            kafka_topic_for(e.topic, prefix),
            key=str(e.aggregate_id).encode(),
            value=e.state,
            headers=e.cloudevent_headers(),
        )
    producer.flush()


def _raw_produce_in_processes(
    bootstrap: str, prefix: str, envelopes: list[Envelope], processes: int
) -> float:
    """Events/s of ``processes`` bare kafka-python producer processes producing the records,
    each the partitions shard I of N owns (as ``ledger relay --shard I/N``): the relay
    shards' baseline. The clock runs from the moment all are connected to the last flush."""
    ensure_topics(bootstrap, prefix=prefix)
    partitions = {spec.name: list(range(spec.partitions)) for spec in LEDGER_TOPICS}
    shares: list[list[Envelope]] = [[] for _ in range(processes)]
    for e in envelopes:
        name = kafka_topic_for(e.topic)
        partition = partition_of(str(e.aggregate_id).encode(), partitions[name])
        owner = next(i for i in range(processes) if Shard(i, processes).owns(name, partition))
        shares[owner].append(e)
    context = multiprocessing.get_context("spawn")
    ready, go, done = context.Semaphore(0), context.Event(), context.Queue()
    workers = [
        context.Process(target=_raw_producer, args=(bootstrap, prefix, share, ready, go, done))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            if not ready.acquire(timeout=120):
                raise RuntimeError("a raw producer did not connect within 2 minutes")
        started = time.perf_counter()
        go.set()
        for _ in workers:
            done.get(timeout=300)
        return rate(len(envelopes), time.perf_counter() - started)
    finally:
        for worker in workers:
            worker.join(30)


def _raw_consumer(
    bootstrap: str, prefix: str, group: str, offsets: Any, index: dict[str, int], stop: Any
) -> None:
    """In a raw consumer process: read the topics as a member of ``group``, recording each
    partition's next offset (a partition read again after a rebalance counts once)."""
    consumer: Any = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=32 * 1024 * 1024,
        max_poll_records=5000,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
    )
    try:
        consumer.subscribe([prefix + spec.name for spec in LEDGER_TOPICS])
        while not stop.is_set():
            batches = consumer.poll(timeout_ms=200, max_records=5000)
            for tp, records in batches.items():
                slot = index[f"{tp.topic}:{tp.partition}"]
                offsets[slot] = max(offsets[slot], records[-1].offset + 1)
            if batches:
                # As any group member (and the projector) does: a rebalance resumes from here.
                consumer.commit_async()
    finally:
        consumer.close(autocommit=False)


def _raw_consume_in_processes(bootstrap: str, prefix: str, records: int, processes: int) -> float:
    """Events/s of ``processes`` bare kafka-python consumer processes, one group, reading the
    ledger topics' ``records``: the projection processes' baseline, measured the same way
    (the clock starts at the first records read; those do not count)."""
    index = {
        f"{prefix}{spec.name}:{p}": n
        for n, (spec, p) in enumerate(
            (spec, p) for spec in LEDGER_TOPICS for p in range(spec.partitions)
        )
    }
    context = multiprocessing.get_context("spawn")
    offsets, stop = context.Array("q", len(index), lock=False), context.Event()
    group = f"bench-raw-{uuid.uuid4().hex[:6]}"
    workers = [
        context.Process(target=_raw_consumer, args=(bootstrap, prefix, group, offsets, index, stop))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        return _paced(
            lambda: sum(offsets),
            records,
            lambda: any(not w.is_alive() for w in workers),
            "raw consumers",
        )
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)


def _paced(
    progress: Callable[[], int], records: int, failed: Callable[[], bool], what: str
) -> float:
    """Records/s from the first progress seen until ``records`` are done, counting only those
    done after the clock started (the first ones wait for the start and the join)."""
    deadline = time.monotonic() + 300
    started: tuple[float, int] | None = None
    while (done := progress()) < records:
        if started is None and done > 0:
            started = (time.perf_counter(), done)
        if time.monotonic() > deadline or failed():
            raise RuntimeError(f"the {what} did {done} of {records} records")
        time.sleep(0.01)
    if started is None or started[1] >= records * 0.9:
        raise RuntimeError(f"the {what} did most records before the clock started")
    return rate(records - started[1], time.perf_counter() - started[0])


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
    ensure_topics(env.bootstrap or "", prefix=shard_settings.kafka_topic_prefix)
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
    """Events/s of ``processes`` ``ledger project`` processes, one consumer group, applying the
    topics' ``records`` to emptied views: Kafka's way to use more cores, as a deployment scales
    the projector (``--scale projector=N``). The clock starts at the group's first stored batch,
    which does not count: the interpreters' start and the first join are not the projection's
    pace (a rebalance when a later member joins is)."""
    store = projection_store(database)
    for projection in store.projections:
        store.reset(projection)
    store.close()
    variables = kafka_process_env(
        settings, group=f"{settings.kafka_group}-{processes}-{uuid.uuid4().hex[:6]}"
    )
    projectors = [
        ["project", "--feed", "kafka", "--client-id", f"bench-{n}"] for n in range(processes)
    ]
    with (
        env.ledger_processes(projectors, variables) as workers,
        psycopg.connect(database.url, autocommit=True) as conn,
    ):
        return _paced(
            lambda: _applied_offsets(conn),
            records,
            lambda: any(w.poll() is not None for w in workers),
            "projectors",
        )


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
        ensure_topics(env.bootstrap, prefix=settings.kafka_topic_prefix)
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
