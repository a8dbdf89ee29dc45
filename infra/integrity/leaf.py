"""The event leaf: the bytes each stored event is hashed as, in its aggregate's chain and in the
Merkle tree of the whole log.

Layout (version 1), all integers big-endian::

    0x01                      layout version                       1 byte
    leaf index                the event's place in the tree (0, 1, …)  8 bytes
    position                  the notification id in the log         8 bytes
    originator id             the aggregate's UUID (RFC 4122 bytes)  16 bytes
    originator version        1, 2, …                                8 bytes
    recorded_at               the database's clock, µs since 1970 UTC  8 bytes (signed)
    content hash              sha256 of the redacted state           32 bytes
    previous hash             the event hash of version - 1          32 bytes (zeros for 1)
    topic length, topic       UTF-8                                  2 + n bytes

The *event hash* is the RFC 9162 leaf hash of these bytes, ``SHA-256(0x00 || leaf)``: it is at
once the link the next event of the aggregate chains to and the Merkle leaf hash, so proofs
need nothing but the stored hashes. The leaf index and the position are covered too (beyond
what a chain strictly needs): an event moved, removed or slipped in between others changes
the leaf index or position that its own hash, or its neighbour's, was computed over, so the
verifier names the very place.

PostgreSQL computes the same bytes in the insert trigger (``infra.eventstore``); this module
is the independent implementation the verifier, the proofs and partners use.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

LAYOUT_VERSION = 1
GENESIS = bytes(32)
"""The previous hash of an aggregate's first event."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIXED = struct.Struct(">BQQ16sQq32s32sH")


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exactly (PostgreSQL keeps microseconds)."""
    return (moment - EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def leaf_bytes(
    leaf_index: int,
    position: int,
    originator_id: bytes,
    version: int,
    recorded_at_us: int,
    content_hash: bytes,
    prev_hash: bytes,
    topic: bytes,
) -> bytes:
    """The leaf of one event (``originator_id`` as 16 bytes, ``topic`` as UTF-8)."""
    return (
        _FIXED.pack(
            LAYOUT_VERSION,
            leaf_index,
            position,
            originator_id,
            version,
            recorded_at_us,
            content_hash,
            prev_hash,
            len(topic),
        )
        + topic
    )


def hash_leaf(leaf: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


@dataclass(frozen=True)
class EventLeaf:
    """What one event's hash covers, with the hash it is stored with."""

    leaf_index: int
    position: int
    aggregate_id: UUID
    version: int
    topic: str
    recorded_at: datetime
    content_hash: bytes
    prev_hash: bytes

    def leaf(self) -> bytes:
        return leaf_bytes(
            self.leaf_index,
            self.position,
            self.aggregate_id.bytes,
            self.version,
            micros(self.recorded_at),
            self.content_hash,
            self.prev_hash,
            self.topic.encode(),
        )

    def event_hash(self) -> bytes:
        return hash_leaf(self.leaf())

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "position": self.position,
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "topic": self.topic,
            "recorded_at": self.recorded_at.astimezone(UTC).isoformat(),
            "content_hash": self.content_hash.hex(),
            "prev_hash": self.prev_hash.hex(),
            "event_hash": self.event_hash().hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventLeaf:
        """Parse :meth:`to_json` (``ValueError``/``KeyError`` on a malformed document)."""
        return cls(
            leaf_index=int(data["leaf_index"]),
            position=int(data["position"]),
            aggregate_id=UUID(str(data["aggregate_id"])),
            version=int(data["version"]),
            topic=str(data["topic"]),
            recorded_at=datetime.fromisoformat(str(data["recorded_at"])),
            content_hash=_hash32(data["content_hash"]),
            prev_hash=_hash32(data["prev_hash"]),
        )


def _hash32(value: object) -> bytes:
    raw = bytes.fromhex(str(value))
    if len(raw) != 32:
        raise ValueError("a hash is 32 bytes (64 hex digits)")
    return raw
