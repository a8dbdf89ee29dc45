"""A partner record and a checkpoint message, parsed and checked on their own. Pure.

What a partner checks before it keeps anything (``consumers.partner_subscriber`` says when):
a record is a ledger CloudEvent for this region, carries no personal-data ciphertext, and its
event hash recomputes from its own content (leaf index, position, aggregate, version, topic,
time, the SHA-256 of the redacted payload, the previous hash); a checkpoint is signed by the
ledger's key and its consistency proof shows the previous checkpoint's log a prefix of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consumers.envelope import Envelope
from consumers.partner_filter import EVENT_HASH, LEAF_INDEX, PREV_HASH, TREE_SIZE
from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, EventLeaf
from infra.integrity.merkle import verify_consistency
from infra.integrity.signing import Checkpoint, CheckpointFormatError
from infra.privacy.sealing import is_sealed, persons_in

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
