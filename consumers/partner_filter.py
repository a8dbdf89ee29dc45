"""The partner filter: collaboration events to each partner region's own topic, exactly once.

What a partner receives (a *partner record*) is the collaboration event in the contract's
redacted form — the stored state with every ``person``'s ciphertext (``sealed``) removed, its
subject pseudonym and digest kept; a business's name and credit code stay — as a CloudEvent
with the ledger's own attributes (``id``, ``time`` by the database's clock, ``position`` …)
and an inclusion-proof reference: ``leafindex`` (the event's leaf in the ledger's Merkle
tree), ``prevhash`` and ``eventhash`` (its chain link and its leaf hash) and, when a signed
checkpoint already covered it at filtering time, ``treesize`` (the smallest such tree).

The filter does not wait for a checkpoint. A partner gets each event as soon as the relay
publishes it, and the filter stays a stateless Kafka-to-Kafka transform that neither slows
to the checkpointer's cadence nor stops when the checkpointer does. The partner's subscriber
keeps a record *pending* until a signed checkpoint covering it arrives (checkpoint topic),
then fetches the inclusion proof from the ledger's API and checks it against that checkpoint
with only the public key: the API is not trusted, the signature is. A proof against the newest
checkpoint is also the most useful one (consistency proofs extend it to the older ones).

Exactly once, per poll batch, in one Kafka transaction:

1. poll a batch of ``ledger.collaboration.v1`` (``read_committed``);
2. look up each event's leaf index and hashes in the event store (one query per batch);
3. ``begin_transaction``; send each event to ``partner.<region>.collaboration.v1`` for every
   region in its ``regions``; ``send_offsets_to_transaction`` with the consumer group's
   metadata (KIP-447 fencing), each offset carrying in its metadata the highest log position
   forwarded from that partition; ``commit_transaction``.
4. on any Kafka error: abort, seek back to the committed offsets, and go on.

The relay is at-least-once: after a crash it publishes a suffix of a partition again. Those
duplicates carry positions at or below the highest already forwarded from their partition
(each partition holds its events in log order), which the committed metadata says, in the same
transaction as the records forwarded: so they are skipped, and a partner never gets a record
twice (subscribers still key their copy by position, for safety).
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from consumers.catalogue import event_topics_of
from consumers.envelope import DEFAULT_SOURCE, Envelope, Headers
from consumers.topics import COLLABORATION_TOPIC, PARTNER_REGIONS, partner_topic
from infra.integrity.content import redact
from infra.integrity.store import LogTables
from infra.privacy.sealing import map_persons, persons_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.errors import KafkaError
    from kafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)

LEAF_INDEX = "ce_leafindex"
PREV_HASH = "ce_prevhash"
EVENT_HASH = "ce_eventhash"
TREE_SIZE = "ce_treesize"


@dataclass(frozen=True, slots=True)
class ProofRef:
    """Where an event sits in the ledger's Merkle tree, and its chain hashes."""

    leaf_index: int
    prev_hash: bytes
    event_hash: bytes
    tree_size: int | None
    """The smallest signed checkpoint covering the event when it was filtered, if any."""

    def headers(self) -> Headers:
        found: Headers = [
            (LEAF_INDEX, str(self.leaf_index).encode()),
            (PREV_HASH, self.prev_hash.hex().encode()),
            (EVENT_HASH, self.event_hash.hex().encode()),
        ]
        if self.tree_size is not None:
            found.append((TREE_SIZE, str(self.tree_size).encode()))
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "leafindex": self.leaf_index,
            "prevhash": self.prev_hash.hex(),
            "eventhash": self.event_hash.hex(),
            "treesize": self.tree_size,
        }


def regions_of(state: bytes) -> list[str]:
    """The partner regions a collaboration event concerns (its ``regions``), known ones only."""
    payload = orjson.loads(state)
    regions = payload.get("regions") if isinstance(payload, dict) else None
    if not isinstance(regions, list):
        return []
    return [r for r in regions if isinstance(r, str) and r in PARTNER_REGIONS]


SEALED_FORM = frozenset({"subject", "sealed", "digest"})


# A resident id number (region, birth date, sequence, check digit) and a mainland mobile
# number, not inside a longer run of letters or digits (a credit code, a hash, a UUID).
_ID_NUMBER = r"[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_MOBILE = r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"
PERSONAL_PATTERN = re.compile(rf"(?<![0-9A-Za-z])(?:{_ID_NUMBER}|{_MOBILE})(?![0-9A-Za-z])")
WITHHELD_TEXT = "[withheld]"
_NOT_FREE_TEXT = frozenset({"uscc", "subject", "digest"})
_HEX = re.compile(r"[0-9a-f]{32,}")  # a hash or a key id (evidence digests): not free text


def partner_value(event: Envelope) -> bytes:
    """The record value a partner gets: the redacted form of the stored state.

    A ``person`` stored in the clear (a ledger running without its key vault) is withheld
    (null) rather than sent, and so is an id number or mobile number written into free text
    (a summary, a note, a site's name: writers must not, see docs/partners-and-personal-data.md):
    the partner's hash check then fails loudly on that record, which is better than personal
    data leaving the district.
    """
    redacted = redact(event.state)
    clear_person = False
    if b'"person":{' in redacted:
        state = orjson.loads(redacted)
        clear_person = not all(set(person) <= SEALED_FORM for person in persons_in(state))
    if not clear_person and PERSONAL_PATTERN.search(redacted.decode()) is None:
        return redacted  # nearly every record: nothing to withhold, the bytes as stored
    state = orjson.loads(redacted)
    if clear_person:
        log.error("event at position %s holds personal data in the clear: withheld", event.position)
        state = map_persons(state, lambda p: p if set(p) <= SEALED_FORM else None)
    screened = _screen_free_text(state)
    if screened != state:
        log.error(
            "event at position %s has an id or phone number in free text: withheld", event.position
        )
    return orjson.dumps(screened, option=orjson.OPT_SORT_KEYS)


def _screen_free_text(value: Any, key: str = "") -> Any:
    """``value`` with every id or mobile number in its strings replaced by ``[withheld]``."""
    if isinstance(value, dict):
        return {k: _screen_free_text(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_screen_free_text(item, key) for item in value]
    if isinstance(value, str) and key not in _NOT_FREE_TEXT and not _HEX.fullmatch(value):
        return PERSONAL_PATTERN.sub(WITHHELD_TEXT, value)
    return value


def partner_headers(event: Envelope, ref: ProofRef | None, source: str) -> Headers:
    return [*event.cloudevent_headers(source), *(ref.headers() if ref else [])]


def partner_cloudevent(event: Envelope, ref: ProofRef | None, source: str) -> dict[str, Any]:
    """The same record in CloudEvents' structured JSON form (the partner's SSE feed)."""
    document: dict[str, Any] = {
        key.removeprefix("ce_"): value.decode()
        for key, value in event.cloudevent_headers(source)
        if key.startswith("ce_")
    }
    document["position"] = event.position
    document["aggregateversion"] = event.version
    document["datacontenttype"] = "application/json"
    if ref is not None:
        document.update(ref.to_json())
    document["data"] = orjson.loads(partner_value(event))
    return document


class ChainLookup:
    """Each event's leaf index and hashes, and the checkpoint covering it, from PostgreSQL."""

    def __init__(self, url: str, tables: LogTables | None = None) -> None:
        self.url = url
        self.tables = tables or LogTables()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def refs(self, positions: Iterable[int]) -> dict[int, ProofRef]:
        wanted = sorted(set(positions))
        if not wanted:
            return {}
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True)
        # A checkpoint of size n covers the leaves 0 .. n-1: the smallest size above the leaf.
        query = sql.SQL(
            "SELECT e.notification_id, e.leaf_index, e.prev_hash, e.event_hash, "
            "(SELECT min(c.tree_size) FROM {checkpoints} c WHERE c.tree_size > e.leaf_index) "
            "FROM {events} e WHERE e.notification_id = ANY(%s) AND e.event_hash IS NOT NULL"
        ).format(
            checkpoints=self.tables.name(self.tables.checkpoints),
            events=self.tables.name(self.tables.events),
        )
        try:
            rows = self._conn.execute(query, (wanted,)).fetchall()
        except psycopg.OperationalError:
            self._conn.close()
            raise
        return {
            int(row[0]): ProofRef(int(row[1]), bytes(row[2]), bytes(row[3]), row[4]) for row in rows
        }

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class FeedReader:
    """A region's partner records read straight from the event store (the partner SSE feed).

    The same records as the region's Kafka topic (same value, same attributes, same proof
    reference), in log order, for a ledger with or without Kafka.
    """

    def __init__(self, tables: LogTables | None = None) -> None:
        self.tables = tables or LogTables()
        self.topics = event_topics_of(COLLABORATION_TOPIC)
        events = self.tables.name(self.tables.events)
        self._last = sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(events)
        self._select = sql.SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
            "e.recorded_at, e.state, e.leaf_index, e.prev_hash, e.event_hash, "
            "(SELECT min(c.tree_size) FROM {checkpoints} c WHERE c.tree_size > e.leaf_index) "
            "FROM {events} e WHERE e.notification_id > %s AND e.notification_id <= %s "
            "AND e.topic = ANY(%s) AND (convert_from(e.state, 'UTF8')::jsonb -> 'regions') ? %s "
            "ORDER BY e.notification_id LIMIT %s"
        ).format(checkpoints=self.tables.name(self.tables.checkpoints), events=events)

    def read(
        self, conn: psycopg.Connection[Any], region: str, after: int, limit: int = 500
    ) -> tuple[list[tuple[Envelope, ProofRef | None]], int]:
        """The region's records after position ``after``, and the position read up to."""
        with conn.cursor(row_factory=tuple_row) as cursor:
            last = cursor.execute(self._last).fetchone()
            upto = int(last[0]) if last else 0
            rows = cursor.execute(
                self._select, (after, upto, self.topics, region, limit)
            ).fetchall()
        found = [
            (
                Envelope(
                    position=row[0],
                    aggregate_id=row[1],
                    version=row[2],
                    topic=row[3],
                    recorded_at=row[4],
                    state=bytes(row[5]),
                ),
                None
                if row[8] is None
                else ProofRef(int(row[6]), bytes(row[7]), bytes(row[8]), row[9]),
            )
            for row in rows
        ]
        scanned = found[-1][0].position if len(found) == limit else max(upto, after)
        return found, scanned


class _ForgetOnRebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions change hands: what was forwarded from them is read again from Kafka.

    (kafka-python runs listeners on its IO thread, where no blocking call may be made; the
    consumer starts an assigned partition at its committed offset by itself, and the
    committed metadata is read on the main thread, in ``poll_once``.)
    """

    def __init__(self, owner: PartnerFilter) -> None:
        self.owner = owner

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        for tp in revoked:
            self.owner.forwarded.pop(tp, None)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        for tp in assigned:
            self.owner.forwarded.pop(tp, None)


def transactional_id(group_id: str, topic_prefix: str, instance: str) -> str:
    """Stable per filter instance (a restart fences its predecessor), unique per ledger."""
    return f"{topic_prefix}{group_id}-{instance}"


class PartnerFilter:
    def __init__(
        self,
        bootstrap: str,
        lookup: ChainLookup,
        *,
        group_id: str = "ledger-partner-filter",
        topic_prefix: str = "",
        instance: str = "0",
        source: str = DEFAULT_SOURCE,
        max_records: int = 2000,
    ) -> None:
        self.lookup = lookup
        self.topic_prefix = topic_prefix
        self.source = source
        self.max_records = max_records
        self.topic = topic_prefix + COLLABORATION_TOPIC
        self.forwarded: dict[TopicPartition, int] = {}
        """Per input partition, the highest log position forwarded (committed with offsets)."""
        self.consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=f"ledger-partner-filter-{instance}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=max_records,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        self.producer: Any = KafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=f"ledger-partner-filter-{instance}",
            transactional_id=transactional_id(group_id, topic_prefix, instance),
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
        )
        self.producer.init_transactions()
        self.consumer.subscribe([self.topic], listener=_ForgetOnRebalance(self))
        self.records_in = 0
        self.records_out = 0

    def _forwarded_from(self, tp: TopicPartition) -> int:
        """The highest position forwarded from ``tp``, as last committed (read once)."""
        if tp not in self.forwarded:
            committed = self.consumer.committed(tp, metadata=True)
            self.forwarded[tp] = int(committed.metadata or 0) if committed is not None else 0
        return self.forwarded[tp]

    def restore(self, partitions: Sequence[TopicPartition]) -> None:
        """Seek back to the committed offsets (after an aborted transaction)."""
        for tp in partitions:
            self.forwarded.pop(tp, None)
            committed = self.consumer.committed(tp, metadata=True)
            if committed is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, committed.offset)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """One transaction; the number of partner records written."""
        batches: dict[TopicPartition, list[Any]] = self.consumer.poll(
            timeout_ms=timeout_ms, max_records=self.max_records
        )
        if not batches:
            return 0
        events = {
            tp: [Envelope.from_cloudevent(list(r.headers), r.value) for r in records]
            for tp, records in batches.items()
        }
        refs = self.lookup.refs(e.position for batch in events.values() for e in batch)
        written = 0
        forwarded = {tp: self._forwarded_from(tp) for tp in batches}
        self.producer.begin_transaction()
        try:
            for tp, batch in events.items():
                highest = forwarded[tp]
                for event in batch:
                    if event.position <= highest:
                        continue  # the relay published it again
                    written += self._forward(event, refs.get(event.position))
                    highest = event.position
                forwarded[tp] = highest
            offsets = {
                tp: OffsetAndMetadata(records[-1].offset + 1, str(forwarded[tp]), -1)
                for tp, records in batches.items()
            }
            self.producer.send_offsets_to_transaction(offsets, self.consumer.group_metadata())
            self.producer.commit_transaction()
        except KafkaError:
            self._abort(list(batches))
            raise
        self.forwarded.update(forwarded)
        self.records_in += sum(len(b) for b in batches.values())
        self.records_out += written
        return written

    def _forward(self, event: Envelope, ref: ProofRef | None) -> int:
        if ref is None:
            log.warning("event at position %s has no hash chain entry", event.position)
        regions = regions_of(event.state)
        if not regions:
            return 0
        value = partner_value(event)
        headers = partner_headers(event, ref, self.source)
        for region in regions:
            self.producer.send(
                partner_topic(region, self.topic_prefix),
                key=str(event.aggregate_id).encode(),
                value=value,
                headers=headers,
            )
        return len(regions)

    def _abort(self, partitions: list[TopicPartition]) -> None:
        try:
            self.producer.abort_transaction()
        except KafkaError as error:
            log.warning("aborting the transaction failed too (%s)", error)
        self.restore(partitions)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except KafkaError as error:
                log.warning("Kafka unavailable (%s); retrying from the committed offsets", error)
                stop.wait(1.0)
            except psycopg.OperationalError as error:
                log.warning("PostgreSQL unavailable (%s); retrying", error)
                self.restore(list(self.consumer.assignment()))
                stop.wait(1.0)

    def close(self) -> None:
        self.consumer.close(autocommit=False)
        self.producer.close(timeout=5)
        self.lookup.close()
