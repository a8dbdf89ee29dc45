"""Kafka to projections, exactly once.

The loop, in full:

1. on assignment (start, rebalance) seek every partition to the offset stored in PostgreSQL
   with the views (or the beginning when none is stored);
2. poll a batch; apply it to the projections in one PostgreSQL transaction that also stores,
   per partition, the next offset and the highest log position applied (duplicates from the
   relay — same position — are skipped there);
3. only after PostgreSQL committed, commit the offsets to Kafka too (informational: the
   truth is in PostgreSQL, which is why a crash anywhere loses and doubles nothing);
4. if PostgreSQL says a partition moved on under us (another consumer of the group applied it
   during a rebalance), nothing of the batch is kept: seek to the stored offsets and go on;
5. if the transaction fails for any other reason (PostgreSQL restarting, a lost connection),
   nothing of the batch was kept either, but the consumer's position has moved past it: seek
   every partition of the batch back to its first record before anything else is polled.
   (Relying on the stored offsets alone would not do: a partition with none stored yet, as
   after a rebuild, would have skipped the batch for good.)

A record that is not a ledger event (a foreign producer, a damaged record) is logged at error
level and passed over, its offset stored with the batch.

Two batches are in hand at a time: while PostgreSQL writes batch N (step 2, on a writer
thread), the loop polls batch N+1 and works out its changes (``ProjectionStore.prepare``,
pure work on the events). Batch N+1 is written only after N committed, so the order and the
exactly-once argument above are unchanged; what a failure of N rewinds (steps 4 and 5) covers
N+1 too, which was polled past it. The consumer itself stays on the loop's thread (it is not
thread-safe); the writer thread only ever touches PostgreSQL. A rebalance waits for the batch
in flight before partitions change hands, and `close` lets it land.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg

from consumers.envelope import Envelope
from consumers.topics import LEDGER_TOPICS
from projections.store import Delivery, Prepared, ProjectionStore, StaleOffsets

Batches = dict["TopicPartition", list[Any]]

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError
    from kafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)


def source_of(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


def parsed(record: Any) -> Envelope | None:
    """The ledger event a record carries; ``None``, logged, for a record that is not one.

    A foreign or malformed record on a ledger topic is passed over rather than stopping the
    projections for good (every restart would meet it again): its offset is stored with the
    rest of the batch, so it is read once, and the log says where it is.
    """
    try:
        if record.value is None:
            raise ValueError("no value")
        return Envelope.from_cloudevent(record.headers, record.value)
    except ValueError as error:
        log.error(
            "skipped a record that is not a ledger event: %s[%d] offset %d: %s",
            record.topic,
            record.partition,
            record.offset,
            error,
        )
        return None


class SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: KafkaProjector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        log.info("partitions revoked: %s", sorted(map(source_of, revoked)))
        # Its offsets stored before another member takes the partitions over. Whatever
        # happens to it, every partition assigned next is sought to the stored offsets.
        self.projector.land_in_flight()

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        log.info("partitions assigned: %s", sorted(map(source_of, assigned)))
        self.projector.land_in_flight()
        self.projector.seek_to_stored(assigned)


@dataclass(frozen=True)
class InFlight:
    """A batch PostgreSQL is writing: its records, and the write's outcome (records handled)."""

    batches: Batches
    written: Future[int]


class KafkaProjector:
    def __init__(
        self,
        bootstrap: str,
        store: ProjectionStore,
        *,
        group_id: str = "ledger-projections",
        topic_prefix: str = "",
        max_records: int = 5000,
        client_id: str = "ledger-projector",
    ) -> None:
        self.store = store
        self.topics = [topic_prefix + t.name for t in LEDGER_TOPICS]
        self.max_records = max_records
        self.consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_records,
            fetch_max_bytes=32 * 1024 * 1024,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        self.applied = 0
        # One write at a time, in order: a single writer thread (see the module's docstring).
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="projector-writer")
        self.in_flight: InFlight | None = None
        self.consumer.subscribe(self.topics, listener=SeekToStored(self))

    def seek_to_stored(self, partitions: Sequence[TopicPartition]) -> None:
        stored = self.store.next_offsets(source_of(tp) for tp in partitions)
        for tp in partitions:
            offset = stored.get(source_of(tp))
            if offset is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, offset)

    def rewind(self, *polled: Batches) -> None:
        """Poll these batches again (in the order polled): nothing of them was applied."""
        first: dict[TopicPartition, int] = {}
        for batches in polled:
            for tp, records in batches.items():
                first.setdefault(tp, records[0].offset)
        for tp, offset in first.items():
            self.consumer.seek(tp, offset)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """One turn of the loop: poll and prepare a batch, let the one in flight land, start
        writing the new one. The number of records the landed batch held (0 if none landed)."""
        batches: Batches = self.consumer.poll(timeout_ms=timeout_ms, max_records=self.max_records)
        if not batches:
            return self.land() or 0  # nothing new: the batch in flight is the last for now
        deliveries = [
            Delivery(source, record.offset, parsed(record))
            for tp, records in batches.items()
            for source in (source_of(tp),)
            for record in records
        ]
        prepared = self.store.prepare(deliveries)
        landed = self.land(polled_after=batches)
        if landed is None:  # the batch in flight was refused, and this one rewound with it
            return 0
        self.in_flight = InFlight(batches, self.writer.submit(self._write, prepared))
        return landed

    def _write(self, prepared: Prepared) -> int:
        self.store.write(prepared)
        return len(prepared.deliveries)

    def land(self, polled_after: Batches | None = None) -> int | None:
        """Wait for the batch in flight and store its offsets in Kafka too; the number of its
        records. ``None`` if PostgreSQL said its partitions moved on (the consumer then seeks
        to the stored offsets); any other failure rewinds to it and is raised. A batch polled
        after it (``polled_after``) is given up with it either way."""
        flight, self.in_flight = self.in_flight, None
        if flight is None:
            return 0
        after = polled_after or {}
        try:
            handled = flight.written.result()
        except StaleOffsets as stale:
            log.warning("%s; seeking to the stored offsets", stale)
            self.seek_to_stored(list({**flight.batches, **after}))
            return None
        except BaseException:
            self.rewind(flight.batches, after)
            raise
        self.applied += handled
        try:
            self.consumer.commit(
                {
                    tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)
                    for tp, records in flight.batches.items()
                }
            )
        except KafkaError as error:
            # PostgreSQL holds the truth; Kafka's copy of the offsets is only for tooling.
            log.info("offset commit to Kafka failed (%s); PostgreSQL has them", error)
        return handled

    def land_in_flight(self) -> None:
        """In a rebalance: let the batch in flight land. A failure is logged, not raised (the
        consumer is inside ``poll``); the assigned partitions are sought to the stored offsets
        next, so nothing of a failed batch is skipped."""
        flight, self.in_flight = self.in_flight, None
        if flight is None:
            return
        try:
            self.applied += flight.written.result()
        except Exception as error:
            log.warning("the batch in flight at a rebalance was not written (%s)", error)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except KafkaError as error:
                log.warning("Kafka unavailable (%s); retrying", error)
                stop.wait(1.0)
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                # Nothing of the batch was kept and the consumer was rewound to it (poll_once).
                log.warning("PostgreSQL unavailable (%s); retrying", error)
                self.store.close()
                stop.wait(1.0)

    def close(self) -> None:
        try:
            self.land()
        except Exception as error:  # rewound already; the stored offsets say where to resume
            log.warning("the last batch was not written (%s)", error)
        finally:
            self.writer.shutdown()
            self.consumer.close(autocommit=False)
            self.store.close()
