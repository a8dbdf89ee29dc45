"""The checkpointer: seals the whole log, now and then, into a signed Merkle checkpoint.

The loop, in full:

1. read the events written since the last pass (streamed, in log order) and check each one as
   ``ledger verify`` does (content hash, event hash, chain link, leaf index), adding its hash
   to the in-memory Merkle tree of the log — a checkpoint never seals an event that does not
   check out, and a log found tampered with is not sealed again (the error is logged);
2. if the log grew since the last checkpoint, sign (Ed25519) its size, root hash, last
   position and the database's time, together with the RFC 9162 consistency proof from the
   previous checkpoint, and store it (``supervisionledger_checkpoints``, append-only);
3. publish every stored checkpoint not yet published to ``ledger.checkpoints.v1`` as a
   CloudEvent (when Kafka is configured), and only then save the size published
   (``ledger_relay_positions``, name ``checkpoints``) — at least once, like the relay;
4. wait ``interval`` seconds.

Sealing takes a PostgreSQL advisory lock, so several checkpointers (one per host, for
availability) never sign two different checkpoints of one size; a checkpoint sealed by another
process is checked against this one's tree when its size is reached.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any

import orjson
import psycopg
from psycopg.rows import tuple_row

from consumers.relay import close_quietly, ensure_positions_table
from consumers.topics import RESERVED_TOPICS
from infra.integrity.signing import Signer
from infra.integrity.store import (
    LogTables,
    StoredCheckpoint,
    insert_checkpoint,
    load_checkpoints,
    stream_events,
)
from infra.integrity.verify import Finding, Scanner

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.errors import KafkaError

log = logging.getLogger(__name__)

CHECKPOINT_TOPIC = next(t.name for t in RESERVED_TOPICS if t.area == "checkpoints")
CLOUDEVENT_TYPE = "cn.binhai.checkpoints.Checkpoint"
SEAL_LOCK_KEY = 0x4C45444745520003
PUBLISHER = "checkpoints"


class LogTamperedError(RuntimeError):
    """The log fails verification: it is not sealed again until an auditor looked at it."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(f"the log fails verification, not sealing: {finding}")
        self.finding = finding


def checkpoint_message(stored: StoredCheckpoint, previous_size: int) -> dict[str, Any]:
    """The JSON a checkpoint travels as (Kafka value, API answer)."""
    return {
        **stored.checkpoint.to_json(),
        "previous_tree_size": previous_size,
        "consistency_proof": [h.hex() for h in stored.consistency_proof],
    }


def cloudevent_headers(stored: StoredCheckpoint, source: str) -> list[tuple[str, bytes]]:
    cp = stored.checkpoint
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"{cp.origin}:checkpoint:{cp.tree_size}".encode()),
        ("ce_source", source.encode()),
        ("ce_type", CLOUDEVENT_TYPE.encode()),
        ("ce_subject", f"checkpoints/{cp.tree_size}".encode()),
        ("ce_time", cp.timestamp.isoformat().encode()),
        ("ce_treesize", str(cp.tree_size).encode()),
        ("content-type", b"application/json"),
    ]


class Checkpointer:
    def __init__(
        self,
        url: str,
        tables: LogTables,
        signer: Signer,
        *,
        origin: str,
        producer_factory: Callable[[], Any] | None = None,
        topic_prefix: str = "",
    ) -> None:
        self.url = url
        self.tables = tables
        self.signer = signer
        self.origin = origin
        self.producer_factory = producer_factory
        self.topic = topic_prefix + CHECKPOINT_TOPIC
        self._conn: psycopg.Connection[Any] | None = None
        self._producer: Any = None
        self._scanner: Scanner | None = None
        self._known: list[StoredCheckpoint] = []

    @property
    def conn(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True)
            ensure_positions_table(self._conn)
        return self._conn

    # Sealing -----------------------------------------------------------------------------

    def _catch_up(self) -> Scanner:
        if self._scanner is None:
            self._known = load_checkpoints(self.conn, self.tables)
            self._scanner = Scanner(self._known)
        else:
            largest = self._known[-1].checkpoint.tree_size if self._known else 0
            for stored in load_checkpoints(self.conn, self.tables):
                if stored.checkpoint.tree_size > largest:  # sealed by another checkpointer
                    self._known.append(stored)
                    self._scanner.add_checkpoint(stored)
        scanner = self._scanner
        scanner.scan(stream_events(self.conn, self.tables, after=scanner.read_to))
        return scanner

    def seal(self) -> StoredCheckpoint | None:
        """Seal the log as it is now if it grew; the new checkpoint (``None`` if it did not).

        Raises ``LogTamperedError`` if an event (new, or under an earlier checkpoint) does not
        check out.
        """
        conn = self.conn
        conn.execute("SELECT pg_advisory_lock(%s)", (SEAL_LOCK_KEY,))
        try:
            scanner = self._catch_up()
            if scanner.findings:
                raise LogTamperedError(scanner.findings[0])
            size = scanner.tree.size
            previous = self._known[-1] if self._known else None
            previous_size = previous.checkpoint.tree_size if previous else 0
            if size == 0 or size <= previous_size:
                return None
            proof = scanner.tree.consistency_proof(previous_size, size) if previous else []
            with conn.cursor(row_factory=tuple_row) as cursor:
                row = cursor.execute("SELECT clock_timestamp()").fetchone()
            if row is None:  # pragma: no cover - a SELECT of a function always yields a row
                raise RuntimeError("the database gave no time")
            checkpoint = self.signer.sign(
                self.origin, size, scanner.tree.root(size), scanner.last_position, row[0]
            )
            stored = StoredCheckpoint(checkpoint, proof)
            insert_checkpoint(conn, self.tables, stored)
            self._known.append(stored)
            scanner.add_checkpoint(stored)
            log.info("sealed %d events up to position %d", size, checkpoint.last_position)
            return stored
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SEAL_LOCK_KEY,))

    # Publishing --------------------------------------------------------------------------

    def published(self) -> int:
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            row = cursor.execute(
                "SELECT position FROM ledger_relay_positions WHERE name = %s", (PUBLISHER,)
            ).fetchone()
        return int(row[0]) if row else 0

    def publish_pending(self, source: str) -> int:
        """Publish the checkpoints not yet on Kafka; how many (0 without Kafka)."""
        if self.producer_factory is None:
            return 0
        after = self.published()
        everything = load_checkpoints(self.conn, self.tables)
        previous_size = 0
        sends = []
        last = after
        if self._producer is None:
            self._producer = self.producer_factory()
        for stored in everything:
            size = stored.checkpoint.tree_size
            if size > after:
                sends.append(
                    self._producer.send(
                        self.topic,
                        key=stored.checkpoint.origin.encode(),
                        value=orjson.dumps(checkpoint_message(stored, previous_size)),
                        headers=cloudevent_headers(stored, source),
                    )
                )
                last = size
            previous_size = size
        if not sends:
            return 0
        self._producer.flush()
        for future in sends:
            future.get(timeout=0)  # raises the send's error, if it failed
        self.conn.execute(
            "INSERT INTO ledger_relay_positions (name, position) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()",
            (PUBLISHER, last),
        )
        return len(sends)

    # The loop ----------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, interval: float, source: str) -> None:
        while not stop.is_set():
            try:
                self.seal()
            except LogTamperedError as error:
                log.error("%s", error)
            except psycopg.OperationalError as error:
                log.warning("PostgreSQL unavailable (%s); retrying", error)
                self._reset_db()
            try:
                self.publish_pending(source)
            except KafkaError as error:
                log.warning("Kafka unavailable (%s); publishing later", error)
                self._reset_producer()
            except psycopg.OperationalError as error:
                log.warning("PostgreSQL unavailable (%s); retrying", error)
                self._reset_db()
            stop.wait(interval)

    def _reset_db(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._scanner = None

    def _reset_producer(self) -> None:
        if self._producer is not None:
            close_quietly(self._producer)
            self._producer = None

    def close(self) -> None:
        self._reset_producer()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
