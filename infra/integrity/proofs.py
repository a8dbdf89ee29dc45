"""Proof documents: what the API hands out and what anyone checks offline with the public key.

An *inclusion proof* says: this event (its leaf fields, and optionally its redacted state) is
leaf ``i`` of the log that the signed checkpoint of ``n`` leaves seals. A *consistency proof*
says: the log sealed by the first checkpoint is a prefix of the log sealed by the second.
Checking either needs nothing but the document and the public key (``check``); the
functions used are the RFC 9162 ones of :mod:`infra.integrity.merkle`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra.integrity.content import canonical, redact_value
from infra.integrity.leaf import EventLeaf
from infra.integrity.merkle import verify_consistency, verify_inclusion
from infra.integrity.signing import Checkpoint, CheckpointFormatError, key_id

Hex32 = str


class CheckpointDoc(BaseModel):
    """A signed checkpoint (``body`` is what the signature covers)."""

    model_config = ConfigDict(extra="forbid")

    origin: str
    tree_size: int = Field(ge=1)
    root_hash: Hex32 = Field(pattern=r"^[0-9a-f]{64}$")
    last_position: int
    timestamp: str
    key_id: str
    signature: str = Field(description="Ed25519 signature of body, base64.")
    body: str


class EventLeafDoc(BaseModel):
    """The fields an event's hash covers (``infra.integrity.leaf``), and that hash."""

    model_config = ConfigDict(extra="forbid")

    leaf_index: int = Field(ge=0)
    position: int
    aggregate_id: str
    version: int = Field(ge=1)
    topic: str
    recorded_at: str
    content_hash: Hex32 = Field(pattern=r"^[0-9a-f]{64}$")
    prev_hash: Hex32 = Field(pattern=r"^[0-9a-f]{64}$")
    event_hash: Hex32 = Field(pattern=r"^[0-9a-f]{64}$")


class InclusionProofDoc(BaseModel):
    """An event's inclusion in the log sealed by a signed checkpoint (RFC 9162 §2.1.3)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["inclusion-proof"] = "inclusion-proof"
    event: EventLeafDoc
    state: dict[str, Any] | None = Field(
        default=None, description="The event's redacted state (its content hash covers it)."
    )
    leaf_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    inclusion_path: list[Hex32]
    checkpoint: CheckpointDoc


class ConsistencyProofDoc(BaseModel):
    """The first checkpoint's log is a prefix of the second's (RFC 9162 §2.1.4)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["consistency-proof"] = "consistency-proof"
    first: CheckpointDoc
    second: CheckpointDoc
    consistency_path: list[Hex32]


def inclusion_document(
    leaf: EventLeaf,
    path: list[bytes],
    checkpoint: Checkpoint,
    state: dict[str, Any] | None = None,
) -> InclusionProofDoc:
    return InclusionProofDoc(
        event=EventLeafDoc.model_validate(leaf.to_json()),
        state=state,
        leaf_index=leaf.leaf_index,
        tree_size=checkpoint.tree_size,
        inclusion_path=[h.hex() for h in path],
        checkpoint=CheckpointDoc.model_validate(checkpoint.to_json()),
    )


def consistency_document(
    first: Checkpoint, second: Checkpoint, path: list[bytes]
) -> ConsistencyProofDoc:
    return ConsistencyProofDoc(
        first=CheckpointDoc.model_validate(first.to_json()),
        second=CheckpointDoc.model_validate(second.to_json()),
        consistency_path=[h.hex() for h in path],
    )


@dataclass
class Outcome:
    """The result of checking a proof document: ``ok``, and what was checked or failed."""

    ok: bool = True
    checked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> bool:
        (self.checked if condition else self.failed).append(what)
        if not condition:
            self.ok = False
        return condition


def _checkpoint(doc: CheckpointDoc, public_key: Ed25519PublicKey, outcome: Outcome) -> Checkpoint:
    cp = Checkpoint.from_json(doc.model_dump())
    outcome.expect(cp.key_id == key_id(public_key), f"checkpoint {cp.tree_size} names this key")
    outcome.expect(cp.signed_by(public_key), f"checkpoint {cp.tree_size} signature verifies")
    return cp


def _hashes(values: list[str]) -> list[bytes]:
    raw = [bytes.fromhex(v) for v in values]
    if any(len(h) != 32 for h in raw):
        raise ValueError("every hash of a proof is 32 bytes")
    return raw


def check_inclusion(doc: InclusionProofDoc, public_key: Ed25519PublicKey) -> Outcome:
    outcome = Outcome()
    cp = _checkpoint(doc.checkpoint, public_key, outcome)
    leaf = EventLeaf.from_json(doc.event.model_dump())
    event_hash = leaf.event_hash()
    outcome.expect(
        event_hash.hex() == doc.event.event_hash, "the event hash is the hash of its fields"
    )
    if doc.state is not None:
        content = hashlib.sha256(canonical(redact_value(doc.state))).digest()
        outcome.expect(content == leaf.content_hash, "the state hashes to the content hash")
    outcome.expect(
        doc.tree_size == cp.tree_size and doc.leaf_index == leaf.leaf_index,
        "the proof is for the checkpoint's tree and the event's leaf",
    )
    outcome.expect(leaf.position <= cp.last_position, "the event is at or before the sealed end")
    outcome.expect(
        verify_inclusion(
            leaf.leaf_index, cp.tree_size, event_hash, _hashes(doc.inclusion_path), cp.root_hash
        ),
        f"leaf {leaf.leaf_index} is in the tree of {cp.tree_size} (RFC 9162 inclusion)",
    )
    return outcome


def check_consistency(doc: ConsistencyProofDoc, public_key: Ed25519PublicKey) -> Outcome:
    outcome = Outcome()
    first = _checkpoint(doc.first, public_key, outcome)
    second = _checkpoint(doc.second, public_key, outcome)
    outcome.expect(first.origin == second.origin, "both checkpoints are of the same log (origin)")
    outcome.expect(
        verify_consistency(
            first.tree_size,
            second.tree_size,
            first.root_hash,
            second.root_hash,
            _hashes(doc.consistency_path),
        ),
        f"the tree of {first.tree_size} is a prefix of the tree of {second.tree_size} "
        "(RFC 9162 consistency)",
    )
    return outcome


def check(document: bytes, public_key: Ed25519PublicKey) -> Outcome:
    """Check a proof document (JSON) with only the public key; malformed ones fail."""
    try:
        data = orjson.loads(document)
        if not isinstance(data, dict):
            raise ValueError("a proof document is a JSON object")
        kind = data.get("type")
        if kind == "inclusion-proof":
            return check_inclusion(InclusionProofDoc.model_validate(data), public_key)
        if kind == "consistency-proof":
            return check_consistency(ConsistencyProofDoc.model_validate(data), public_key)
        raise ValueError(f"unknown proof type {kind!r}")
    except (ValueError, ValidationError, CheckpointFormatError) as error:
        # orjson.JSONDecodeError and pydantic's ValidationError are ValueErrors too.
        outcome = Outcome()
        outcome.expect(False, f"the document is a well-formed proof: {error}")
        return outcome


__all__ = [
    "CheckpointDoc",
    "ConsistencyProofDoc",
    "EventLeafDoc",
    "InclusionProofDoc",
    "Outcome",
    "check",
    "check_consistency",
    "check_inclusion",
    "consistency_document",
    "inclusion_document",
]
