"""The partner side: a partner region's own copy of its feed, every record proven.

A partner trusts one thing: the ledger's checkpoint public key. Everything else — the Kafka
topics, the ledger's API — is checked:

1. each record of ``partner.<region>.collaboration.v1`` is checked on arrival (a ledger
   CloudEvent for this region, no personal-data ciphertext, and its event hash recomputed from
   its own content: leaf index, position, aggregate, version, topic, time, the SHA-256 of the
   redacted payload, the previous hash) and against the copy (it links to the aggregate's
   previous event, and a position whose record is verified takes no other); it is then kept
   as *pending* — several records may claim one position until proofs settle which one the
   ledger wrote, so a forger's record arriving first cannot keep out the genuine one;
2. each checkpoint of ``ledger.checkpoints.v1`` is kept only if the public key signed it and
   its consistency proof shows the previous checkpoint's log a prefix of its own;
3. every pending record under the newest such checkpoint gets its inclusion proof from the
   ledger's API and becomes *verified* when the proof leads from its event hash to the signed
   root — or *rejected*, and reported.

The copy is a SQLite file (standard library only): the records with their status, the
checkpoints, the rejections, and the Kafka offsets read, all written in one SQLite transaction
per poll, so a crash repeats nothing and loses nothing (Kafka's committed offsets are only for
monitoring).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consumers.envelope import Envelope
from consumers.partner_filter import EVENT_HASH, LEAF_INDEX, PREV_HASH, TREE_SIZE
from consumers.topics import CHECKPOINT_TOPIC, partner_topic
from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, EventLeaf
from infra.integrity.merkle import verify_consistency, verify_inclusion
from infra.integrity.signing import Checkpoint, CheckpointFormatError
from infra.privacy.sealing import is_sealed, persons_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError
    from kafka.structs import OffsetAndMetadata

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


def _now() -> str:
    return datetime.now(UTC).isoformat()


# One record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRecord:
    """A record of a partner topic, parsed: the event, its proof reference, its payload."""

    event: Envelope
    event_id: str
    leaf_index: int
    prev_hash: bytes
    event_hash: bytes
    tree_size: int | None

    @property
    def data(self) -> Any:
        return orjson.loads(self.event.state)

    def leaf(self) -> EventLeaf:
        return EventLeaf(
            leaf_index=self.leaf_index,
            position=self.event.position,
            aggregate_id=self.event.aggregate_id,
            version=self.event.version,
            topic=self.event.topic,
            recorded_at=self.event.recorded_at,
            content_hash=content_hash(self.event.state),
            prev_hash=self.prev_hash,
        )


class Rejected(ValueError):
    """A record or checkpoint that does not check out, and why."""


def parse_record(headers: list[tuple[str, bytes]], value: bytes) -> PartnerRecord:
    try:
        event = Envelope.from_cloudevent(headers, value)
    except ValueError as error:
        raise Rejected(f"not a ledger CloudEvent: {error}") from None
    h = {k: v.decode() for k, v in headers}
    try:
        return PartnerRecord(
            event=event,
            event_id=h["ce_id"],
            leaf_index=int(h[LEAF_INDEX]),
            prev_hash=bytes.fromhex(h[PREV_HASH]),
            event_hash=bytes.fromhex(h[EVENT_HASH]),
            tree_size=int(h[TREE_SIZE]) if TREE_SIZE in h else None,
        )
    except KeyError as missing:
        raise Rejected(f"no proof reference ({missing} missing)") from None
    except ValueError as error:
        raise Rejected(f"a malformed proof reference: {error}") from None


def check_record(record: PartnerRecord, region: str) -> None:
    """The checks a record passes on its own (``Rejected`` says which failed)."""
    try:
        data = record.data
    except orjson.JSONDecodeError:
        raise Rejected("the payload is not JSON") from None
    if not isinstance(data, dict) or region not in (data.get("regions") or []):
        raise Rejected(f"the event does not concern {region}")
    if any(is_sealed(person) for person in persons_in(data)):
        raise Rejected("the payload carries sealed personal data (it must be redacted)")
    if record.event.version == 1 and record.prev_hash != GENESIS:
        raise Rejected("a first event chains to a predecessor")
    if record.leaf().event_hash() != record.event_hash:
        raise Rejected("its event hash does not match its content")


# Checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointMessage:
    checkpoint: Checkpoint
    previous_tree_size: int
    consistency_proof: list[bytes]

    @classmethod
    def parse(cls, value: bytes) -> CheckpointMessage:
        try:
            document = orjson.loads(value)
            return cls(
                Checkpoint.from_json(document),
                int(document.get("previous_tree_size", 0)),
                [bytes.fromhex(h) for h in document.get("consistency_proof", [])],
            )
        except (orjson.JSONDecodeError, CheckpointFormatError, ValueError, TypeError) as error:
            raise Rejected(f"a malformed checkpoint: {error}") from None


def check_checkpoint(
    message: CheckpointMessage, previous: Checkpoint | None, public_key: Ed25519PublicKey
) -> None:
    """A checkpoint is kept if the key signed it and it extends the previous one kept."""
    checkpoint = message.checkpoint
    if not checkpoint.signed_by(public_key):
        raise Rejected(f"checkpoint {checkpoint.tree_size} is not signed by the ledger's key")
    if previous is None:
        return
    if previous.origin != checkpoint.origin:
        raise Rejected(f"checkpoint {checkpoint.tree_size} is of another log")
    if message.previous_tree_size != previous.tree_size:
        raise Rejected(
            f"checkpoint {checkpoint.tree_size} proves consistency with tree "
            f"{message.previous_tree_size}, not with {previous.tree_size} held"
        )
    if not verify_consistency(
        previous.tree_size,
        checkpoint.tree_size,
        previous.root_hash,
        checkpoint.root_hash,
        message.consistency_proof,
    ):
        raise Rejected(
            f"checkpoint {checkpoint.tree_size} is not consistent with {previous.tree_size}: "
            "the log was rewritten"
        )


# Proofs -----------------------------------------------------------------------------------


class ProofSource(Protocol):
    def inclusion_proof(self, position: int, leaf_index: int, tree_size: int) -> list[bytes]:
        """The RFC 9162 inclusion path of the event at ``position`` (leaf ``leaf_index``) in
        the tree of ``tree_size`` leaves (an untrusted answer: the caller checks it)."""


class ProofUnavailable(RuntimeError):
    """The ledger could not be asked now (try again later)."""


class NoSuchEvent(LookupError):
    """The ledger says it holds no such event for this partner (none at that position, or one
    of another region): the record cannot be in its log as this region's."""


class HttpProofSource:
    """Inclusion proofs from the ledger's API (untrusted: the proofs are checked)."""

    PATH = "/api/v1/audit/proofs/inclusion"

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def inclusion_proof(self, position: int, leaf_index: int, tree_size: int) -> list[bytes]:
        query = urllib.parse.urlencode({"position": position, "tree_size": tree_size})
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured ledger
            f"{self.base_url}{self.PATH}?{query}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                document = orjson.loads(response.read())
        except urllib.error.HTTPError as error:
            problem = _problem_type(error.read())
            if error.code == 404 and problem.endswith("/not-found"):
                raise NoSuchEvent(f"the ledger holds no event at position {position}") from None
            if error.code == 403 and problem.endswith("/forbidden"):
                # The ledger's event there concerns another region: this record is not it.
                raise NoSuchEvent(
                    f"the ledger's event at position {position} is not this region's"
                ) from None
            raise ProofUnavailable(f"the ledger's proof API answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, orjson.JSONDecodeError) as error:
            raise ProofUnavailable(f"the ledger's proof API: {error}") from None
        return proof_from_json(document)


def _problem_type(body: bytes) -> str:
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    return str(problem.get("type", "")) if isinstance(problem, dict) else ""


def proof_from_json(document: Any) -> list[bytes]:
    """The inclusion path of the ledger's inclusion-proof document (``inclusion_path``)."""
    try:
        return [bytes.fromhex(h) for h in document["inclusion_path"]]
    except (KeyError, TypeError, ValueError) as error:
        raise ProofUnavailable(f"a malformed proof document: {error!r}") from None


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


def _reject(
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
        (kind, offset, position, reason, orjson.dumps(record).decode(), _now()),
    )


def _raw(kafka_record: Any) -> dict[str, Any]:
    """A Kafka record as JSON, for the rejection log (what exactly was refused)."""
    return {
        "headers": {k: v.decode(errors="replace") for k, v in kafka_record.headers},
        "value": kafka_record.value.decode(errors="replace") if kafka_record.value else None,
    }


# The subscriber ---------------------------------------------------------------------------


class PartnerSubscriber:
    def __init__(
        self,
        bootstrap: str,
        region: str,
        copy: LocalCopy,
        public_key: Ed25519PublicKey,
        proofs: ProofSource,
        *,
        topic_prefix: str = "",
        group_id: str | None = None,
    ) -> None:
        self.region = region
        self.copy = copy
        self.public_key = public_key
        self.proofs = proofs
        self.feed = TopicPartition(partner_topic(region, topic_prefix), 0)
        self.checkpoints = TopicPartition(topic_prefix + CHECKPOINT_TOPIC, 0)
        self.consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id or f"{topic_prefix}partner.{region}.subscriber",
            client_id=f"partner-{region}-subscriber",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        # One partition each, read by this process alone: assigned, not subscribed, and
        # positioned from the copy (the truth), not from the group's committed offsets.
        self.consumer.assign([self.feed, self.checkpoints])
        for tp in (self.feed, self.checkpoints):
            stored = copy.next_offset(tp.topic)
            if stored is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, stored)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Read one batch into the copy, then prove what the newest checkpoint covers."""
        batches: dict[TopicPartition, list[Any]] = self.consumer.poll(timeout_ms=timeout_ms)
        received = sum(len(records) for records in batches.values())
        if batches:
            with self.copy.transaction() as db:
                # Checkpoints first: records of this batch may already be under them.
                for record in batches.get(self.checkpoints, []):
                    self._take_checkpoint(db, record)
                for record in batches.get(self.feed, []):
                    self._take_record(db, record)
                for tp, records in batches.items():
                    db.execute(
                        "INSERT INTO offsets (topic, next_offset) VALUES (?, ?) ON CONFLICT "
                        "(topic) DO UPDATE SET next_offset = excluded.next_offset",
                        (tp.topic, records[-1].offset + 1),
                    )
            try:
                self.consumer.commit(
                    {tp: OffsetAndMetadata(r[-1].offset + 1, "", -1) for tp, r in batches.items()}
                )
            except KafkaError as error:
                log.info("offset commit to Kafka failed (%s); the copy has them", error)
        self.prove_pending()
        return received

    def _take_checkpoint(self, db: sqlite3.Connection, kafka_record: Any) -> None:
        try:
            message = CheckpointMessage.parse(kafka_record.value)
            held = self.copy.latest_checkpoint()
            if held is not None and message.checkpoint.tree_size <= held.tree_size:
                return  # published again (at least once)
            check_checkpoint(message, held, self.public_key)
        except Rejected as error:
            _reject(db, "checkpoint", kafka_record.offset, None, str(error), _raw(kafka_record))
            return
        cp = message.checkpoint
        db.execute(
            "INSERT INTO checkpoints (tree_size, root_hash, last_position, document, "
            "received_at) VALUES (?, ?, ?, ?, ?)",
            (
                cp.tree_size,
                cp.root_hash.hex(),
                cp.last_position,
                orjson.dumps(cp.to_json()).decode(),
                _now(),
            ),
        )

    def _take_record(self, db: sqlite3.Connection, kafka_record: Any) -> None:
        position: int | None = None
        try:
            record = parse_record(list(kafka_record.headers), kafka_record.value)
            position = record.event.position
            check_record(record, self.region)
            held = self.copy.held(position)
            if record.event_hash.hex() in held:
                return  # the same record again
            if VERIFIED in held.values():
                raise Rejected(f"position {position} holds a different, verified record")
            if self.copy.verified_hash_of(record.event.aggregate_id, record.event.version):
                raise Rejected(
                    f"version {record.event.version} of {record.event.aggregate_id} is already "
                    "verified at another position"
                )
            if record.event.version > 1:
                previous = self.copy.verified_hash_of(
                    record.event.aggregate_id, record.event.version - 1
                )
                if previous is not None and previous != record.prev_hash.hex():
                    raise Rejected("it does not chain to the aggregate's previous event")
        except Rejected as error:
            _reject(db, "record", kafka_record.offset, position, str(error), _raw(kafka_record))
            return
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
                _now(),
            ),
        )

    def prove_pending(self) -> int:
        """Prove the pending records the newest checkpoint covers; how many were settled."""
        checkpoint = self.copy.latest_checkpoint()
        if checkpoint is None:
            return 0
        settled = 0
        for position, leaf_index, event_hash in self.copy.misplaced(checkpoint):
            with self.copy.transaction() as db:
                self._drop(
                    db,
                    position,
                    event_hash,
                    leaf_index,
                    f"leaf {leaf_index} lies beyond the checkpoint of {checkpoint.tree_size} "
                    f"leaves that covers position {position}",
                )
            settled += 1
        for position, leaf_index, event_hash in self.copy.pending_under(checkpoint.tree_size):
            reason = f"not in the log signed at tree size {checkpoint.tree_size}"
            try:
                path = self.proofs.inclusion_proof(position, leaf_index, checkpoint.tree_size)
                proven = verify_inclusion(
                    leaf_index,
                    checkpoint.tree_size,
                    bytes.fromhex(event_hash),
                    path,
                    checkpoint.root_hash,
                )
            except ProofUnavailable as error:
                log.info("proofs unavailable for now (%s)", error)
                return settled
            except NoSuchEvent as error:
                proven, reason = False, str(error)
            with self.copy.transaction() as db:
                if proven:
                    db.execute(
                        "UPDATE records SET status = ?, checkpoint = ? "
                        "WHERE position = ? AND event_hash = ?",
                        (VERIFIED, checkpoint.tree_size, position, event_hash),
                    )
                else:
                    self._drop(db, position, event_hash, leaf_index, reason)
            settled += 1
        return settled

    @staticmethod
    def _drop(
        db: sqlite3.Connection, position: int, event_hash: str, leaf_index: int, reason: str
    ) -> None:
        """Move a pending record that failed its proof to the rejections."""
        row = db.execute(
            "SELECT data FROM records WHERE position = ? AND event_hash = ?",
            (position, event_hash),
        ).fetchone()
        _reject(
            db,
            "record",
            None,
            position,
            reason,
            {"data": row[0] if row else None, "leaf_index": leaf_index, "event_hash": event_hash},
        )
        db.execute(
            "DELETE FROM records WHERE position = ? AND event_hash = ?", (position, event_hash)
        )

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except KafkaError as error:
                log.warning("Kafka unavailable (%s); retrying", error)
                stop.wait(1.0)

    def run_until_idle(self, idle_polls: int = 3, timeout_ms: int = 500) -> Summary:
        """Read until ``idle_polls`` polls in a row bring nothing; the copy's summary."""
        idle = 0
        while idle < idle_polls:
            idle = idle + 1 if self.poll_once(timeout_ms) == 0 else 0
        return self.copy.summary()

    def close(self) -> None:
        self.consumer.close(autocommit=False)
