"""The audit operations the gateway (HTTP and CLI) calls: history, verify, proofs, checkpoints.

Proofs are built from the event hashes *stored* in the log, kept in memory in a
``TreeCache`` (32 bytes and a position per event) that grows as the log does: an inclusion
or consistency proof then costs O(log n) hash lookups instead of a pass over the log.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

import orjson
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import StoredEvent

from domain.application import SupervisionLedger
from domain.audit.history import PersonFilter, Replayed, StoredRow, aggregate_kinds, replay
from domain.errors import NotFound
from infra.eventstore import ChainedEvent
from infra.integrity.content import content_hash, redact
from infra.integrity.leaf import EventLeaf, hash_leaf, leaf_bytes, micros
from infra.integrity.merkle import MerkleTree
from infra.integrity.proofs import (
    ConsistencyProofDoc,
    InclusionProofDoc,
    consistency_document,
    inclusion_document,
)
from infra.integrity.signing import Checkpoint
from infra.integrity.store import (
    LogTables,
    StoredCheckpoint,
    checkpoint_at,
    latest_checkpoint,
    leaf_hashes,
    load_checkpoints,
    stream_events,
)
from infra.integrity.verify import Report, verify
from infra.integrity.wiring import pooled_connection, recorder_of, tables_of
from infra.mapper import PydanticMapper


class ProofUnavailableError(LookupError):
    """No proof can be given (yet): no such checkpoint, or the event is not sealed yet."""

    def __init__(self, slug: str, message: str) -> None:
        super().__init__(message)
        self.slug = slug
        self.message = message


class LogInconsistentError(RuntimeError):
    """The stored hashes contradict each other: the log was tampered with (run verify)."""


# History -------------------------------------------------------------------------------------


def chain_hash(row: StoredRow, previous: bytes) -> bytes | None:
    """The event hash ``row`` must have if it follows the event hash ``previous``."""
    if row.leaf_index is None or row.event_hash is None:
        return None
    return hash_leaf(
        leaf_bytes(
            row.leaf_index,
            row.position,
            row.originator_id.bytes,
            row.originator_version,
            micros(row.recorded_at),
            content_hash(row.state),
            previous,
            row.topic.encode(),
        )
    )


def load_history(
    ledger: SupervisionLedger,
    kind: str,
    ident: UUID,
    *,
    version: int | None = None,
    as_of: datetime | None = None,
    withhold: PersonFilter | None = None,
) -> Replayed:
    """The history of the record ``ident`` of ``kind`` (``NotFound`` if there is none)."""
    cls = aggregate_kinds().get(kind)
    if cls is None:
        raise NotFound("kind of record", kind)
    recorder = recorder_of(ledger)
    mapper = ledger.mapper
    decode: Callable[[StoredEvent], Any] = mapper.to_domain_event
    if isinstance(mapper, PydanticMapper) and mapper.vault is not None:
        mapper.vault.ensure_tables()
        rows, keys = recorder.select_history_keyed(ident)  # a person's key without a query
        if keys:
            decode = partial(mapper.to_domain_event, known_keys=keys)
    else:
        rows = recorder.select_history(ident)
    topic: str = getattr(cls, "TOPIC", cls.__qualname__)
    if not rows or not rows[0].topic.startswith(f"{topic}."):
        raise NotFound(kind, ident)
    return replay(
        rows,
        decode,
        chain=chain_hash,
        version=version,
        as_of=as_of,
        withhold=withhold,
    )


# Verification --------------------------------------------------------------------------------


def verify_ledger(ledger: SupervisionLedger, keys: dict[str, Ed25519PublicKey]) -> Report:
    """Check every event and checkpoint of the ledger's log."""
    tables = tables_of(ledger)
    with pooled_connection(ledger) as conn:
        checkpoints = load_checkpoints(conn, tables)
        return verify(stream_events(conn, tables), checkpoints, keys)


def verify_database(
    url: str,
    tables: LogTables,
    keys: dict[str, Ed25519PublicKey],
    trusted: Sequence[Checkpoint] = (),
) -> Report:
    """The same over a read-only connection of its own, without opening the ledger (the CLI).

    Every transaction is ``READ ONLY``, so the database itself refuses a write: a verifier
    that could write could "repair" what it should report. No schema is created, no row
    touched (``psycopg.errors.UndefinedTable`` if the database holds no ledger).
    """
    with psycopg.connect(url) as conn:
        conn.read_only = True
        checkpoints = load_checkpoints(conn, tables)
        return verify(stream_events(conn, tables), checkpoints, keys, trusted)


# Proofs --------------------------------------------------------------------------------------


class TreeCache:
    """The Merkle tree of the stored event hashes, in memory, grown on demand (thread-safe)."""

    def __init__(self) -> None:
        self.tree = MerkleTree()
        self.positions = array("q")
        self.lock = threading.Lock()

    def grow(self, conn: psycopg.Connection[Any], tables: LogTables, size: int) -> None:
        """Make sure the tree has at least ``size`` leaves (loads all the log has)."""
        with self.lock:
            if self.tree.size >= size:
                return
            for batch in leaf_hashes(conn, tables, after_leaf=self.tree.size - 1):
                # The leaf index is unique and the batch ordered by it: dense when its ends are.
                first, last = batch[0][0], batch[-1][0]
                hashes = [h for _, _, h in batch if h is not None]
                dense = first == self.tree.size and last - first + 1 == len(batch)
                if not dense or len(hashes) != len(batch):
                    raise LogInconsistentError(
                        f"the leaves after {self.tree.size - 1} are not dense and hashed"
                    )
                self.tree.extend(hashes)
                self.positions.extend(p for _, p, _ in batch)
            if self.tree.size < size:
                raise LogInconsistentError(
                    f"the log has {self.tree.size} leaves, a checkpoint sealed {size}"
                )

    def leaf_index(self, position: int) -> int | None:
        index = bisect_left(self.positions, position)
        if index < len(self.positions) and self.positions[index] == position:
            return index
        return None


def _checkpoint(
    conn: psycopg.Connection[Any], tables: LogTables, tree_size: int | None
) -> StoredCheckpoint:
    if tree_size is None:
        stored = latest_checkpoint(conn, tables)
        if stored is None:
            raise ProofUnavailableError("no-checkpoint", "the log has not been sealed yet")
        return stored
    found = checkpoint_at(conn, tables, tree_size)
    if found is None:
        raise ProofUnavailableError(
            "no-checkpoint", f"no checkpoint has a tree of {tree_size} events"
        )
    return found


def event_at(ledger: SupervisionLedger, position: int) -> ChainedEvent:
    found = recorder_of(ledger).select_chained([position])
    if not found:
        raise NotFound("event at position", str(position))
    return found[0]


def inclusion_proof(
    ledger: SupervisionLedger,
    cache: TreeCache,
    event: ChainedEvent,
    tree_size: int | None = None,
    *,
    show_state: Callable[[Any], bool] = lambda _: True,
) -> InclusionProofDoc:
    """The proof that ``event`` is in the log sealed by the checkpoint of ``tree_size`` leaves
    (the latest checkpoint by default), with the event's redacted state if ``show_state``
    allows it (a proof without the state still proves the event's hash and fields)."""
    tables = tables_of(ledger)
    with pooled_connection(ledger) as conn:
        stored = _checkpoint(conn, tables, tree_size)
        checkpoint = stored.checkpoint
        if event.leaf_index is None or event.event_hash is None:
            raise LogInconsistentError(f"the event at position {event.position} has no hash")
        if event.leaf_index >= checkpoint.tree_size:
            raise ProofUnavailableError(
                "not-sealed",
                f"the event at position {event.position} is not sealed yet: the checkpoint of "
                f"{checkpoint.tree_size} events ends at position {checkpoint.last_position}",
            )
        cache.grow(conn, tables, checkpoint.tree_size)
    with cache.lock:
        if cache.tree.leaf(event.leaf_index) != event.event_hash:
            raise LogInconsistentError(
                f"the event at position {event.position} is not the sealed leaf {event.leaf_index}"
            )
        path = cache.tree.inclusion_proof(event.leaf_index, checkpoint.tree_size)
    if event.content_hash is None or event.prev_hash is None:
        raise LogInconsistentError(f"the event at position {event.position} has no hash")
    leaf = EventLeaf(
        leaf_index=event.leaf_index,
        position=event.position,
        aggregate_id=event.originator_id,
        version=event.originator_version,
        topic=event.topic,
        recorded_at=event.recorded_at,
        content_hash=event.content_hash,
        prev_hash=event.prev_hash,
    )
    state = orjson.loads(redact(event.state))
    return inclusion_document(leaf, path, checkpoint, state if show_state(state) else None)


def holds_personal_data(value: Any) -> bool:
    """Whether ``value`` holds an individual's data in the clear (not sealed to a subject)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "person" and isinstance(item, dict):
                if set(item) - {"subject", "digest", "sealed"}:
                    return True
            elif holds_personal_data(item):
                return True
        return False
    if isinstance(value, list):
        return any(holds_personal_data(item) for item in value)
    return False


def consistency_proof(
    ledger: SupervisionLedger, cache: TreeCache, first: int, second: int
) -> ConsistencyProofDoc:
    """The proof that the checkpoint of ``first`` leaves is a prefix of that of ``second``."""
    if not 0 < first <= second:
        raise ProofUnavailableError(
            "bad-sizes", "the first tree must be smaller than (or equal to) the second"
        )
    tables = tables_of(ledger)
    with pooled_connection(ledger) as conn:
        older = _checkpoint(conn, tables, first).checkpoint
        newer = _checkpoint(conn, tables, second).checkpoint
        cache.grow(conn, tables, second)
    with cache.lock:
        path = cache.tree.consistency_proof(first, second)
    return consistency_document(older, newer, path)


def checkpoints(ledger: SupervisionLedger) -> list[StoredCheckpoint]:
    with pooled_connection(ledger) as conn:
        return load_checkpoints(conn, tables_of(ledger))
