"""Helpers for pipeline tests: bulk events through real aggregates, and the truths to compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2
import psycopg
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql

from consumers.projector import KafkaProjector
from consumers.topics import LEDGER_TOPICS
from infra.bench.load import write_events as write_events  # re-exported for the tests
from infra.ledger_process import ledger_process as ledger_process  # re-exported for the tests
from infra.postgres import Database
from infra.settings import Settings
from projections.model import Tables, fold
from projections.registry import all_projections

END = 2**62
"""A log position past any a test reaches."""


def query(database: Database, statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database.url) as conn:
        return conn.execute(statement).fetchall()


def truth_by_topic(database: Database) -> dict[str, int]:
    rows = query(database, "SELECT topic, count(*) FROM supervisionledger_events GROUP BY topic")
    return {topic: n for topic, n in rows}


def viewed_by_topic(database: Database) -> dict[str, int]:
    """The counters by topic; none while no projection process has created the views yet (a
    test may look before the processes it started are up)."""
    if query(database, "SELECT to_regclass('views.events_daily')")[0][0] is None:
        return {}
    rows = query(database, "SELECT topic, sum(n)::bigint FROM views.events_daily GROUP BY topic")
    return {topic: n for topic, n in rows}


def snapshot_views(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table of every projection, rows in key order."""
    with psycopg.connect(database.url) as conn:
        return {
            table.name: conn.execute(
                sql.SQL("SELECT * FROM views.{} ORDER BY {}").format(
                    sql.Identifier(table.name),
                    sql.SQL(", ").join(map(sql.Identifier, table.keys)),
                )
            ).fetchall()
            for projection in all_projections()
            for table in projection.TABLES
        }


def as_folded(database: Database) -> Tables:
    """The view tables as ``fold`` writes them: no NULL fields, no counters still at 0."""
    out: Tables = {}
    with psycopg.connect(database.url) as conn:
        for projection in all_projections():
            for table in projection.TABLES:
                columns = [*table.keys, *table.counters, *table.fields]
                statement = sql.SQL("SELECT {} FROM views.{}").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table.name)
                )
                for row in conn.execute(statement).fetchall():
                    key = tuple(row[: len(table.keys)])
                    values = dict(
                        zip(columns[len(table.keys) :], row[len(table.keys) :], strict=True)
                    )
                    kept = {c: v for c, v in values.items() if v is not None and v != 0}
                    out.setdefault(table.name, {})[key] = kept
    return out


def without_empty(tables: Tables) -> Tables:
    return {
        name: {
            key: {c: v for c, v in row.items() if v is not None and v != 0}
            for key, row in rows.items()
        }
        for name, rows in tables.items()
        if rows
    }


def folded_log(database: Database) -> Tables:
    """Every projection folded in memory over the whole event store: the views' truth."""
    from consumers.log import read_events, read_query

    with psycopg.connect(database.url) as conn:
        events = read_events(conn, read_query("supervisionledger_events"), 0, END)
    return without_empty(fold(all_projections(), events))


def views_equal_the_log(database: Database) -> bool:
    """Whether every view table equals the fold of the whole log (none yet: not equal).

    The tally by topic is compared first: views that equal the fold count every event of the
    log in ``events_daily``, so a tally unlike the log's is a cheap "not yet". Tests call
    this in loops while projector processes catch up, and folding the whole log each time
    took the cores those processes need (seconds a check on a busy machine).
    """
    if query(database, "SELECT to_regclass('views.positions')")[0][0] is None:
        return False
    if viewed_by_topic(database) != truth_by_topic(database):
        return False
    return as_folded(database) == folded_log(database)


def ledger_partitions(settings: Settings) -> list[TopicPartition]:
    """Every partition of the ledger's topics under this prefix."""
    return [
        TopicPartition(settings.kafka_topic_prefix + spec.name, p)
        for spec in LEDGER_TOPICS
        for p in range(spec.partitions)
    ]


def project_to_the_end(projector: KafkaProjector, settings: Settings, timeout: float) -> None:
    """Run the projector until it has applied every record its topics hold now.

    The views are compared with the log once, afterwards: comparing after every batch folds the
    whole log each time, and on a busy machine that alone outlasted the time allowed.
    """
    partitions = ledger_partitions(settings)

    def applied_everything() -> bool:
        projector.poll_once()
        consumer = projector.consumer
        if projector.in_flight is not None or set(consumer.assignment()) != set(partitions):
            return False  # a batch still being written, or the group not yet joined
        ends = consumer.end_offsets(partitions)
        return all(consumer.position(tp) >= ends[tp] for tp in partitions)

    wait_for(applied_everything, timeout, "the projector to apply every record")


def read_all(settings: Settings, expected: int, timeout: float = 60.0) -> list[Any]:
    """Every record of the ledger's topics, from the beginning (no consumer group)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        partitions = ledger_partitions(settings)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []

        def read_to_the_end() -> bool:
            for batch in consumer.poll(200).values():
                records.extend(batch)
            return all(consumer.position(tp) >= ends[tp] for tp in partitions)

        wait_for(read_to_the_end, timeout, "all records")
        assert len(records) >= expected
        return records
    finally:
        consumer.close()


def relayed_position(database: Database, shards: int = 1) -> int:
    """How far all ``shards`` relays have published (0 until each has saved a position)."""
    if query(database, "SELECT to_regclass('ledger_relay_positions')")[0][0] is None:
        return 0  # the relay process has not created its table yet
    rows = query(database, "SELECT count(*), min(position) FROM ledger_relay_positions")
    return int(rows[0][1]) if rows[0][0] == shards else 0


def last_position(database: Database) -> int:
    return int(query(database, "SELECT max(notification_id) FROM supervisionledger_events")[0][0])


def env_of(settings: Settings) -> dict[str, str]:
    """The environment of a ``ledger`` process with these settings."""
    return {
        "LEDGER_DATABASE_URL": settings.database_url or "",
        "LEDGER_DATA_DIR": str(settings.data_dir),
        "LEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
        "LEDGER_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "LEDGER_KAFKA_GROUP": settings.kafka_group,
    }


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def healthy(port: int) -> bool:
    """Whether a gateway on ``port`` answers ``/healthz``."""
    try:
        return httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx2.TransportError:
        return False
