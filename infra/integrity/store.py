"""Where the integrity data lives in PostgreSQL: the chained events and the signed checkpoints.

The tables belong to the event store (``infra.eventstore`` creates them with the ledger); this
module reads them with plain psycopg connections, streaming the log through a server-side
cursor in binary form so the verifier never holds more than one batch of rows.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from infra.integrity.merkle import HASH_SIZE
from infra.integrity.signing import Checkpoint

Row = tuple[Any, ...]
"""``(position, originator id as 16 bytes, version, topic as the leaf ends with it (2-byte
length, UTF-8), recorded_at in microseconds since 1970, state, leaf_index, content_hash,
prev_hash, event_hash)``, as the verifier reads it. ``state`` is ``None`` when the database
found that the stored bytes hash to the stored content hash (see :func:`stream_events`)."""


def topic_tail(topic: str) -> bytes:
    """The topic as the event leaf ends with it: its UTF-8 length (2 bytes) and bytes."""
    raw = topic.encode()
    return len(raw).to_bytes(2, "big") + raw


@dataclass(frozen=True)
class LogTables:
    """The names of the event table and the checkpoint table (one ledger per database)."""

    schema: str = "public"
    events: str = "supervisionledger_events"
    checkpoints: str = "supervisionledger_checkpoints"

    @classmethod
    def of(cls, recorder: Any) -> LogTables:
        """The tables of a ``LedgerRecorder``."""
        return cls(
            schema=recorder.datastore.schema,
            events=recorder.events_table_name,
            checkpoints=recorder.checkpoints_table_name,
        )

    def name(self, table: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(table))


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint and the consistency proof from the checkpoint before it."""

    checkpoint: Checkpoint
    consistency_proof: list[bytes]


def split_hashes(raw: bytes) -> list[bytes]:
    return [raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE)]


def load_checkpoints(conn: psycopg.Connection[Any], tables: LogTables) -> list[StoredCheckpoint]:
    """Every checkpoint, smallest tree first."""
    return _select_checkpoints(conn, tables, sql.SQL(""), ())


def checkpoint_at(
    conn: psycopg.Connection[Any], tables: LogTables, tree_size: int
) -> StoredCheckpoint | None:
    found = _select_checkpoints(conn, tables, sql.SQL("WHERE tree_size = %s"), (tree_size,))
    return found[0] if found else None


def latest_checkpoint(conn: psycopg.Connection[Any], tables: LogTables) -> StoredCheckpoint | None:
    found = _select_checkpoints(
        conn,
        tables,
        sql.SQL("WHERE tree_size = (SELECT max(tree_size) FROM {})").format(
            tables.name(tables.checkpoints)
        ),
        (),
    )
    return found[0] if found else None


def _select_checkpoints(
    conn: psycopg.Connection[Any],
    tables: LogTables,
    where: sql.Composable,
    params: tuple[Any, ...],
) -> list[StoredCheckpoint]:
    query = sql.SQL(
        "SELECT origin, tree_size, root_hash, last_position, signed_at, key_id, signature, "
        "consistency_proof FROM {} {} ORDER BY tree_size"
    ).format(tables.name(tables.checkpoints), where)
    with conn.cursor(row_factory=tuple_row) as cursor:
        rows = cursor.execute(query, params).fetchall()
    return [
        StoredCheckpoint(
            Checkpoint(
                origin=row[0],
                tree_size=row[1],
                root_hash=bytes(row[2]),
                last_position=row[3],
                timestamp=row[4],
                key_id=row[5],
                signature=bytes(row[6]),
            ),
            split_hashes(bytes(row[7])),
        )
        for row in rows
    ]


def insert_checkpoint(
    conn: psycopg.Connection[Any], tables: LogTables, stored: StoredCheckpoint
) -> None:
    c = stored.checkpoint
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            sql.SQL(
                "INSERT INTO {} (tree_size, last_position, root_hash, signed_at, origin, key_id, "
                "signature, consistency_proof) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            ).format(tables.name(tables.checkpoints)),
            (
                c.tree_size,
                c.last_position,
                c.root_hash,
                c.timestamp,
                c.origin,
                c.key_id,
                c.signature,
                b"".join(stored.consistency_proof),
            ),
        )


BEFORE_THE_LOG = -(2**63)
"""A position before any row's, even one a forger gave a position of zero or less."""


def stream_events(
    conn: psycopg.Connection[Any],
    tables: LogTables,
    *,
    after: int = BEFORE_THE_LOG,
    upto: int | None = None,
    batch: int = 20_000,
) -> Iterator[Row]:
    """Every event after position ``after`` (up to ``upto``), in log order, as raw tuples.

    A named (server-side) cursor in binary form: rows arrive ``batch`` at a time, bytea as
    bytes without hex decoding; the database hands the id, the time and the topic over in the
    raw forms the leaf covers (``uuid_send``, microseconds, length-prefixed UTF-8), which spares
    the client building UUID and datetime objects. A reader thread fetches the next batch while
    the caller works through the current one, so the database's work and the network overlap
    the hashing. It needs a transaction, opened here if none is.

    The first step of the content check runs next to the data: PostgreSQL's built-in
    ``pg_catalog.sha256`` of the stored state, compared with the stored content hash, and the
    state is sent only when they differ — a state with a sealed person (hashed in its redacted
    form, which the verifier computes and checks itself, ciphertext included) or an edited
    one. Most states (plain, unedited) then cost the client neither their transfer nor their
    hash, and that work runs on the database's core while the client hashes the leaves: on
    a two-core machine this is what takes ``verify`` past 100,000 events/s. The verifier
    relies on the server's built-in functions here as it does for ``uuid_send`` and the
    timestamp; a server that lies could as well hand it an untouched copy of the log.
    """
    query = sql.SQL(
        "SELECT notification_id, uuid_send(originator_id), originator_version, "
        "int2send(octet_length(convert_to(topic, 'UTF8'))::smallint) || convert_to(topic, 'UTF8'), "
        "(extract(epoch FROM recorded_at) * 1000000)::bigint, "
        "CASE WHEN pg_catalog.sha256(state) = content_hash THEN NULL ELSE state END, "
        "leaf_index, content_hash, prev_hash, event_hash FROM {} "
        "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id"
    ).format(tables.name(tables.events))
    params = (after, upto if upto is not None else 2**62)
    for rows in _prefetched(conn, query, params, batch):
        yield from rows


def _prefetched(
    conn: psycopg.Connection[Any], query: sql.Composed, params: tuple[Any, ...], batch: int
) -> Iterator[list[Row]]:
    """Batches of ``query``'s rows, each fetched while the previous one is being used."""
    batches: queue.Queue[list[Row] | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            with (
                conn.transaction(),
                conn.cursor(name="ledger_stream", binary=True, row_factory=tuple_row) as cursor,
            ):
                cursor.itersize = batch
                cursor.execute(query, params)
                while not stop.is_set():
                    rows = cursor.fetchmany(batch)
                    batches.put(rows)
                    if not rows:
                        return
        except BaseException as error:  # handed to the reading thread, which raises it
            batches.put(error)

    reader = threading.Thread(target=fetch, name="ledger-stream", daemon=True)
    reader.start()
    try:
        while True:
            item = batches.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting to put, then let it finish
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        reader.join()


def leaf_hashes(
    conn: psycopg.Connection[Any], tables: LogTables, *, after_leaf: int = -1
) -> Iterator[list[tuple[int, int, bytes | None]]]:
    """Batches of ``(leaf index, position, event hash)`` after ``after_leaf``, in leaf order."""
    query = sql.SQL(
        "SELECT leaf_index, notification_id, event_hash FROM {} "
        "WHERE leaf_index > %s ORDER BY leaf_index"
    ).format(tables.name(tables.events))
    yield from _prefetched(conn, query, (after_leaf,), 50_000)
