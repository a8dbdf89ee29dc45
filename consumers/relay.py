"""The relay: every stored event to Kafka, in log order, at least once, never skipping.

The loop, in full:

1. read the next batch of the log after the relay's saved position;
2. send each event as a CloudEvent (key = aggregate id, to the partition Kafka's default
   partitioner would choose) with the idempotent producer (``acks=all``), read the next batch
   meanwhile, and once that one is handed to the producer too, check every send of this one
   succeeded (the last batch: ``flush`` first);
3. only then save the position of the batch's last event (``ledger_relay_positions``);
4. when the log has nothing new, wait on LISTEN/NOTIFY (bounded by a timeout).

A crash after 2 and before 3 re-publishes that batch on restart: consumers drop the duplicates
(same aggregate id and version, hence same log position). A broker outage makes step 2 fail:
the relay closes its producer, waits, and starts again from the saved position.

Several relays can share the log (``shard``, see ``consumers.partitioner.Shard``): each reads
all of it and publishes the partitions it owns, saving its own position (``relay.I/N``). One
that has none yet starts where a complete layout of shards vouches everything is on Kafka
(``start_of_new_shard``), so changing the number of shards never skips an event; what it
publishes again, consumers drop as duplicates.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, cast

import psycopg
from eventsourcing.persistence import PersistenceError

from consumers.envelope import DEFAULT_SOURCE, Envelope
from consumers.log import EventLog
from consumers.partitioner import ONE_RELAY, KeyHashPartitioner, Shard, partition_of
from consumers.topics import kafka_topic_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

log = logging.getLogger(__name__)

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS ledger_relay_positions ("
    "name text PRIMARY KEY, position bigint NOT NULL, "
    "updated_at timestamptz NOT NULL DEFAULT now())"
)


def ensure_positions_table(conn: psycopg.Connection[Any]) -> None:
    """Create the publishers' positions table, whoever starts first. ``CREATE TABLE IF NOT
    EXISTS`` is not safe against a twin running at the same moment (both pass the check, one
    fails on the catalogue's unique index: two relay shards starting together did), so the
    creators take turns on an advisory lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('ledger_relay_positions'))")
        conn.execute(POSITIONS_DDL)


def make_producer(bootstrap: str, **overrides: Any) -> Any:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": "ledger-relay",
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 5,
        "batch_size": 512 * 1024,
        "max_request_size": 8 * 1024 * 1024,
        "request_timeout_ms": 15_000,
        "delivery_timeout_ms": 60_000,
        "partitioner": KeyHashPartitioner(),
    }
    config.update(overrides)
    return KafkaProducer(**config)


def close_quietly(producer: Any) -> None:
    """Close a producer that may have failed already (a broker gone): waiting at most 1 s."""
    try:
        producer.close(timeout=1)
    except KafkaError:
        log.debug("closing a failed producer failed too")


class Relay:
    def __init__(
        self,
        events: EventLog,
        producer_factory: Callable[[], Any],
        *,
        name: str = "relay",
        source: str = DEFAULT_SOURCE,
        topic_prefix: str = "",
        batch: int = 5000,
        shard: Shard = ONE_RELAY,
    ) -> None:
        self.events = events
        self.producer_factory = producer_factory
        self.family = name
        self.name = name if shard.count == 1 else f"{name}.{shard}"
        self.shard = shard
        self.source = source
        self.topic_prefix = topic_prefix
        self.batch = batch
        self._producer: Any = None
        self._db: psycopg.Connection[tuple[object, ...]] | None = None

    # Position -------------------------------------------------------------------------------

    @property
    def db(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._db is None or self._db.closed:
            self._db = psycopg.connect(self.events.url, autocommit=True)
            ensure_positions_table(self._db)
        return self._db

    def position(self) -> int:
        row = self.db.execute(
            "SELECT position FROM ledger_relay_positions WHERE name = %s", (self.name,)
        ).fetchone()
        if row is not None:
            return cast(int, row[0])
        family = self.db.execute(
            "SELECT name, position FROM ledger_relay_positions "
            "WHERE name = %s OR starts_with(name, %s)",
            (self.family, self.family + "."),
        ).fetchall()
        return start_of_new_shard(self.family, cast(list[tuple[str, int]], family))

    def _save_position(self, position: int) -> None:
        self.db.execute(
            "INSERT INTO ledger_relay_positions (name, position) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()",
            (self.name, position),
        )

    # Publishing -----------------------------------------------------------------------------

    @property
    def producer(self) -> Any:
        if self._producer is None:
            self._producer = self.producer_factory()
        return self._producer

    def send(self, events: list[Envelope]) -> list[Any]:
        """Hand this shard's ``events`` to the producer; their futures (the broker's answers)."""
        producer = self.producer
        partitions: dict[str, list[int]] = {}  # each topic's, as the producer knows them now
        futures = []
        for e in events:
            topic = kafka_topic_for(e.topic, self.topic_prefix)
            if topic not in partitions:
                partitions[topic] = sorted(producer.partitions_for(topic))
            key = str(e.aggregate_id).encode()
            partition = partition_of(key, partitions[topic])
            if self.shard.owns(topic, partition):
                future = producer.send(
                    topic,
                    key=key,
                    value=e.state,
                    headers=e.cloudevent_headers(self.source),
                    partition=partition,
                )
                futures.append(future)
        return futures

    def confirm(self, futures: list[Any], *, flush: bool = True) -> None:
        """Return only when the broker acknowledged every send of ``futures``. ``flush``
        sends what the producer still holds back at once (nothing follows it)."""
        if flush:
            self.producer.flush()
        for future in futures:
            future.get()  # the broker's answer (bounded by the delivery timeout), or its error

    def relay_available(self) -> int:
        """Publish everything the log holds now; the number of the log's events passed
        (a shard's own published, the others' left to them).

        A batch's position is saved only once the broker acknowledged all of it. The producer
        is not left idle for that: the next batch is read from the log while a batch is sent,
        and a batch's answers are awaited once the batch after it is handed over (flushing
        every batch left the producer with nothing to send while the last answers came: one
        relay in process, alternated 8 times, went 5.6 % faster). Only the last batch is
        flushed."""
        after = self.position()
        total = 0
        handed: tuple[list[Any], int] | None = None  # the batch before: futures, last position
        events = self.events.read(after, self.batch)
        while events:
            futures = self.send(events)
            # A short batch is the end of the log for now: no need to ask again.
            following = (
                self.events.read(events[-1].position, self.batch)
                if len(events) == self.batch
                else []
            )
            if handed is not None:
                self.confirm(handed[0], flush=False)
                self._save_position(handed[1])
            handed = (futures, events[-1].position)
            total += len(events)
            events = following
        if handed is not None:
            self.confirm(handed[0])
            self._save_position(handed[1])
        return total

    def run(self, stop: threading.Event, idle_wait: float = 1.0, retry_wait: float = 1.0) -> None:
        while not stop.is_set():
            try:
                if self.relay_available() == 0:
                    self.events.wait(idle_wait)
            except KafkaError as error:
                log.warning("Kafka unavailable (%s); retrying from the saved position", error)
                self._reset_producer()
                stop.wait(retry_wait)
            except (psycopg.OperationalError, psycopg.InterfaceError, PersistenceError) as error:
                log.warning("PostgreSQL unavailable (%s); retrying", error)
                self._db = None
                self.events.close()
                stop.wait(retry_wait)

    def _reset_producer(self) -> None:
        if self._producer is not None:
            close_quietly(self._producer)
            self._producer = None

    def close(self) -> None:
        self._reset_producer()
        if self._db is not None:
            self._db.close()
        self.events.close()


def start_of_new_shard(family: str, positions: list[tuple[str, int]]) -> int:
    """Where a relay with no position of its own starts: everything up to there is on Kafka.

    A layout of N shards (names ``family.I/N``; the lone relay is ``family``) vouches for the
    whole log up to its slowest shard once every one of its shards has saved a position; a
    layout still starting (the new shard's own siblings, or one abandoned half-way) vouches
    for nothing. The furthest such guarantee wins; without any, the log's beginning."""
    layouts: dict[int, dict[int, int]] = {}
    for name, position in positions:
        try:
            shard = Shard.parse(name.removeprefix(family + ".")) if name != family else ONE_RELAY
        except ValueError:
            continue  # not a shard's (someone's own row): vouches for nothing
        layouts.setdefault(shard.count, {})[shard.index] = position
    vouched = [min(shards.values()) for count, shards in layouts.items() if len(shards) == count]
    return max(vouched, default=0)


def wait_until_relayed(relay: Relay, position: int, timeout: float = 30.0) -> None:
    """For tests and tools: block until the relay's saved position reaches ``position``."""
    deadline = time.monotonic() + timeout
    while relay.position() < position:
        if time.monotonic() > deadline:
            raise TimeoutError(f"relay at {relay.position()}, not {position}")
        time.sleep(0.05)
