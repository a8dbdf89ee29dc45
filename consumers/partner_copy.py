"""The partner's own copy of its feed: a SQLite file (standard library only).

The records with their status (*pending* until a proof settles them, then *verified* or
*rejected*), the checkpoints kept, the rejections (what exactly was refused, and why), and the
Kafka offsets read: the subscriber writes them in one SQLite transaction per poll, so a crash
repeats nothing and loses nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson

from consumers.partner_records import PartnerRecord
from infra.integrity.signing import Checkpoint

log = logging.getLogger(__name__)

PENDING, VERIFIED, REJECTED = "pending", "verified", "rejected"

SCHEMA = (
    # Until proven, several records may claim one position (a forger's first): each is a
    # candidate, and the proof settles which one is the ledger's; only one can be verified.
    "CREATE TABLE IF NOT EXISTS records ("
    " position INTEGER NOT NULL, event_id TEXT NOT NULL, aggregate_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, topic TEXT NOT NULL, recorded_at TEXT NOT NULL,"
    " leaf_index INTEGER NOT NULL, prev_hash TEXT NOT NULL, event_hash TEXT NOT NULL,"
    " data TEXT NOT NULL, status TEXT NOT NULL, checkpoint INTEGER, received_at TEXT NOT NULL,"
    " PRIMARY KEY (position, event_hash))",
    "CREATE UNIQUE INDEX IF NOT EXISTS records_verified ON records (position)"
    " WHERE status = 'verified'",
    "CREATE UNIQUE INDEX IF NOT EXISTS records_by_version ON records (aggregate_id, version)"
    " WHERE status = 'verified'",
    "CREATE INDEX IF NOT EXISTS records_pending ON records (status, leaf_index)",
    "CREATE TABLE IF NOT EXISTS checkpoints ("
    " tree_size INTEGER PRIMARY KEY, root_hash TEXT NOT NULL, last_position INTEGER NOT NULL,"
    " document TEXT NOT NULL, received_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rejections ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, kafka_offset INTEGER,"
    " position INTEGER, reason TEXT NOT NULL, record TEXT NOT NULL, rejected_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS offsets (topic TEXT PRIMARY KEY, next_offset INTEGER NOT NULL)",
)


def now() -> str:
    return datetime.now(UTC).isoformat()


# The local copy ---------------------------------------------------------------------------


@dataclass
class Summary:
    verified: int = 0
    pending: int = 0
    rejected: int = 0
    checkpoint: int | None = None
    rejections: list[str] = field(default_factory=list)


class LocalCopy:
    """The partner's own copy: a SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            self.db.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def next_offset(self, topic: str) -> int | None:
        row = self.db.execute(
            "SELECT next_offset FROM offsets WHERE topic = ?", (topic,)
        ).fetchone()
        return None if row is None else int(row[0])

    def latest_checkpoint(self) -> Checkpoint | None:
        row = self.db.execute(
            "SELECT document FROM checkpoints ORDER BY tree_size DESC LIMIT 1"
        ).fetchone()
        return None if row is None else Checkpoint.from_json(orjson.loads(row[0]))

    def held(self, position: int) -> dict[str, str]:
        """The records held at ``position``: event hash -> status."""
        rows = self.db.execute(
            "SELECT event_hash, status FROM records WHERE position = ?", (position,)
        ).fetchall()
        return {str(row[0]): str(row[1]) for row in rows}

    def verified_hash_of(self, aggregate_id: UUID, version: int) -> str | None:
        """The event hash of the verified record of that aggregate version, if any."""
        row = self.db.execute(
            "SELECT event_hash FROM records WHERE aggregate_id = ? AND version = ? AND status = ?",
            (str(aggregate_id), version, VERIFIED),
        ).fetchone()
        return None if row is None else str(row[0])

    def pending_under(self, tree_size: int) -> list[tuple[int, int, str]]:
        """``(position, leaf index, event hash)`` of pending records the tree covers."""
        rows = self.db.execute(
            "SELECT position, leaf_index, event_hash FROM records "
            "WHERE status = ? AND leaf_index < ? ORDER BY leaf_index",
            (PENDING, tree_size),
        ).fetchall()
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    def misplaced(self, checkpoint: Checkpoint) -> list[tuple[int, int, str]]:
        """Pending records whose position the checkpoint covers but whose leaf it does not:
        positions and leaves grow together, so no event of the log is such a record."""
        rows = self.db.execute(
            "SELECT position, leaf_index, event_hash FROM records "
            "WHERE status = ? AND position <= ? AND leaf_index >= ?",
            (PENDING, checkpoint.last_position, checkpoint.tree_size),
        ).fetchall()
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    def records(self, status: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT position, aggregate_id, version, topic, status, data FROM records"
        args: tuple[Any, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        rows = self.db.execute(query + " ORDER BY position", args).fetchall()
        return [
            {
                "position": r[0],
                "aggregate_id": r[1],
                "version": r[2],
                "topic": r[3],
                "status": r[4],
                "data": orjson.loads(r[5]),
            }
            for r in rows
        ]

    def rejections(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT kind, kafka_offset, position, reason FROM rejections ORDER BY id"
        ).fetchall()
        return [
            {"kind": r[0], "kafka_offset": r[1], "position": r[2], "reason": r[3]} for r in rows
        ]

    def summary(self) -> Summary:
        counts = dict(
            self.db.execute("SELECT status, count(*) FROM records GROUP BY status").fetchall()
        )
        rejected = self.db.execute("SELECT count(*) FROM rejections").fetchone()
        latest = self.latest_checkpoint()
        return Summary(
            verified=int(counts.get(VERIFIED, 0)),
            pending=int(counts.get(PENDING, 0)),
            rejected=int(rejected[0]) if rejected else 0,
            checkpoint=latest.tree_size if latest else None,
            rejections=[
                f"{r['kind']} at offset {r['kafka_offset']}"
                + (f" (position {r['position']})" if r["position"] is not None else "")
                + f": {r['reason']}"
                for r in self.rejections()
            ],
        )

    def close(self) -> None:
        self.db.close()


def reject(
    db: sqlite3.Connection,
    kind: str,
    offset: int | None,
    position: int | None,
    reason: str,
    record: Any,
) -> None:
    log.warning("rejected %s at offset %s: %s", kind, offset, reason)
    db.execute(
        "INSERT INTO rejections (kind, kafka_offset, position, reason, record, rejected_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (kind, offset, position, reason, orjson.dumps(record).decode(), now()),
    )


# Writes, each inside the subscriber's transaction (one per poll) ------------------------------


def store_offset(db: sqlite3.Connection, topic: str, next_offset: int) -> None:
    db.execute(
        "INSERT INTO offsets (topic, next_offset) VALUES (?, ?) ON CONFLICT "
        "(topic) DO UPDATE SET next_offset = excluded.next_offset",
        (topic, next_offset),
    )


def keep_checkpoint(db: sqlite3.Connection, cp: Checkpoint) -> None:
    db.execute(
        "INSERT INTO checkpoints (tree_size, root_hash, last_position, document, "
        "received_at) VALUES (?, ?, ?, ?, ?)",
        (
            cp.tree_size,
            cp.root_hash.hex(),
            cp.last_position,
            orjson.dumps(cp.to_json()).decode(),
            now(),
        ),
    )


def keep_pending(db: sqlite3.Connection, record: PartnerRecord) -> None:
    """Keep a record that passed its own checks, pending its proof."""
    event = record.event
    db.execute(
        "INSERT INTO records (position, event_id, aggregate_id, version, topic, recorded_at,"
        " leaf_index, prev_hash, event_hash, data, status, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event.position,
            record.event_id,
            str(event.aggregate_id),
            event.version,
            event.topic,
            event.recorded_at.isoformat(),
            record.leaf_index,
            record.prev_hash.hex(),
            record.event_hash.hex(),
            event.state.decode(),
            PENDING,
            now(),
        ),
    )


def mark_verified(db: sqlite3.Connection, position: int, event_hash: str, tree_size: int) -> None:
    db.execute(
        "UPDATE records SET status = ?, checkpoint = ? WHERE position = ? AND event_hash = ?",
        (VERIFIED, tree_size, position, event_hash),
    )


def drop(
    db: sqlite3.Connection, position: int, event_hash: str, leaf_index: int, reason: str
) -> None:
    """Move a pending record that failed its proof to the rejections."""
    row = db.execute(
        "SELECT data FROM records WHERE position = ? AND event_hash = ?",
        (position, event_hash),
    ).fetchone()
    reject(
        db,
        "record",
        None,
        position,
        reason,
        {"data": row[0] if row else None, "leaf_index": leaf_index, "event_hash": event_hash},
    )
    db.execute("DELETE FROM records WHERE position = ? AND event_hash = ?", (position, event_hash))
