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

This module is the Kafka loop that does the above in that order; the checks themselves are
``consumers.partner_records`` (pure), the proofs come from ``consumers.partner_proofs``, and the
copy is ``consumers.partner_copy``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import warnings
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consumers.partner_copy import (
    VERIFIED,
    LocalCopy,
    Summary,
    drop,
    keep_checkpoint,
    keep_pending,
    mark_verified,
    reject,
    store_offset,
)
from consumers.partner_proofs import NoSuchEvent, ProofSource, ProofUnavailable
from consumers.partner_records import (
    CheckpointMessage,
    Rejected,
    check_checkpoint,
    check_record,
    parse_record,
)
from consumers.topics import CHECKPOINT_TOPIC, partner_topic
from infra.integrity.merkle import verify_inclusion

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError
    from kafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)


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
                    store_offset(db, tp.topic, records[-1].offset + 1)
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
            reject(db, "checkpoint", kafka_record.offset, None, str(error), _raw(kafka_record))
            return
        keep_checkpoint(db, message.checkpoint)

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
            reject(db, "record", kafka_record.offset, position, str(error), _raw(kafka_record))
            return
        keep_pending(db, record)

    def prove_pending(self) -> int:
        """Prove the pending records the newest checkpoint covers; how many were settled."""
        checkpoint = self.copy.latest_checkpoint()
        if checkpoint is None:
            return 0
        settled = 0
        for position, leaf_index, event_hash in self.copy.misplaced(checkpoint):
            with self.copy.transaction() as db:
                drop(
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
                    mark_verified(db, position, event_hash, checkpoint.tree_size)
                else:
                    drop(db, position, event_hash, leaf_index, reason)
            settled += 1
        return settled

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
