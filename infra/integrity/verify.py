"""The verifier: does the log still say what was written, and what the checkpoints sealed?

One pass over the log in position order (streamed, never decoded into domain events), with
``hashlib`` doing the work. For every event it recomputes

- the content hash, from the stored state (an edited payload, writer's timestamp or author),
  and each sealed person's ciphertext against its digest (the hash covers the digest only);
- the event hash, from the leaf fields (an edited ``recorded_at``, topic, position, version);
- the link to the aggregate's previous version (a deleted or inserted version);
- the leaf index, which must count 0, 1, 2 … in log order (a deleted, inserted or moved event
  anywhere in the log, whichever aggregate it belonged to);
- that every row has its hashes: the database's trigger chains every insert, so a row without
  them was written (or had its hashes removed) around the ledger. It is a finding, never
  something to fill in: nothing in the ledger rewrites a stored hash;

and it notes, as a *warning*, a ``recorded_at`` that goes back in time while every hash checks
out: a database clock stepped back (NTP, a restored VM) does that, and the event hash covers
``recorded_at``, so an edited timestamp is still a finding (``timestamp-edited`` or
``fields-edited``) — the hashes and the leaf order are the guarantee, not the clock.

It rebuilds the Merkle tree of the stored event hashes, so that at each checkpoint's size
the root must be the signed root, the last leaf the signed position. Independently of the log,
each checkpoint's signature must verify, and its stored consistency proof must prove the
checkpoint before it a prefix of it (the signed history never forked). After the last event,
a checkpoint larger than the log means its tail was cut off.

A ``Finding`` names the first event found wrong — its position, leaf index, aggregate, version
— and what is wrong with it; later findings follow (they are often echoes of the first).
:class:`Scanner` is also what the checkpointer runs over new events before sealing them: a
checkpoint never seals an event that does not check out.
"""

from __future__ import annotations

import hashlib
import struct
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infra.integrity.content import content_checked
from infra.integrity.leaf import EPOCH, GENESIS, LAYOUT_VERSION
from infra.integrity.merkle import MerkleTree, verify_consistency
from infra.integrity.signing import Checkpoint
from infra.integrity.store import BEFORE_THE_LOG, Row, StoredCheckpoint

_FIXED = struct.Struct(">BQQ16sQq32s32sH")
_HASHED_LEAF = struct.Struct(">BBQQ16sQq32s32s")
"""The RFC 9162 leaf-hash prefix (0x00), then the event leaf up to its topic."""
_PERSON_OBJECT = b'"person":{'
_NO_LEAF = b"\xff" * 32
"""The hash of a row whose fields no event leaf can hold: matches no stored hash."""
_NOT_JSON = b""
"""The content hash of a state that is not JSON: matches no stored hash."""
_MICROSECOND = timedelta(microseconds=1)
MAX_FINDINGS = 50
_UNCHAINED = (
    "the row has no hash: it was written, or its hashes removed, around the ledger (with the "
    "event store's triggers off); the ledger's own writes are always chained"
)
_PAYLOAD_EDITED = (
    "the stored state (payload, writer's timestamp or author) no longer matches its content hash"
)


@dataclass
class Finding:
    """One thing wrong, at one place."""

    problem: str
    """A slug: ``payload-edited``, ``fields-edited``, ``timestamp-edited``, ``event-deleted``,
    ``event-inserted``, ``events-reordered``, ``tail-truncated``, ``unchained-event``,
    ``chain-broken``, ``checkpoint-root``, ``checkpoint-position``, ``checkpoint-signature``,
    ``checkpoint-consistency``, ``checkpoint-key``, ``checkpoint-order``; as a warning only,
    ``clock-step-back``."""
    detail: str
    position: int | None = None
    leaf_index: int | None = None
    aggregate_id: UUID | None = None
    version: int | None = None
    topic: str | None = None

    def __str__(self) -> str:
        where = []
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.leaf_index is not None:
            where.append(f"leaf {self.leaf_index}")
        if self.topic is not None:
            where.append(self.topic)
        if self.aggregate_id is not None:
            where.append(f"aggregate {self.aggregate_id} v{self.version}")
        return f"[{self.problem}] {', '.join(where) or 'the log'}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "detail": self.detail,
            "position": self.position,
            "leaf_index": self.leaf_index,
            "aggregate_id": None if self.aggregate_id is None else str(self.aggregate_id),
            "version": self.version,
            "topic": self.topic,
        }


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    trusted_checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    more_findings: int = 0
    warnings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    last_position: int = 0
    root_hash: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "checkpoints": self.checkpoints,
            "trusted_checkpoints": self.trusted_checkpoints,
            "last_position": self.last_position,
            "root_hash": self.root_hash.hex(),
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
            "findings": [f.to_json() for f in self.findings],
            "more_findings": self.more_findings,
            "warnings": [w.to_json() for w in self.warnings],
        }


def _topic(tail: bytes) -> str:
    return bytes(tail[2:]).decode(errors="replace")


def _seen(row: Row, leaf_index: int) -> _Seen:
    return _Seen(row[0], leaf_index, row[1], row[2], _topic(row[3]), row[4])


@dataclass(frozen=True)
class _Seen:
    position: int
    leaf_index: int
    aggregate_id: bytes
    version: int
    topic: str
    recorded_us: int


class Scanner:
    """Checks events in log order and grows the Merkle tree of their hashes."""

    def __init__(self, checkpoints: Sequence[StoredCheckpoint] = ()) -> None:
        self.tree = MerkleTree()
        self.findings: list[Finding] = []
        self.more_findings = 0
        self.warnings: list[Finding] = []
        self.events = 0
        self._chains: dict[bytes, tuple[int, bytes]] = {}
        self._expected_leaf = 0
        self._last: _Seen | None = None
        self._missing: dict[int, int] = {}  # leaf index reported missing -> finding number
        self._shifted = -1  # the position of the last event found moved one place down
        # A row without a leaf index and hashes, held until the next row says whether it took
        # a leaf (its hashes were removed) or not (it was slipped in): (its hash as it would
        # be, its position, its finding's number).
        self._held: tuple[bytes, int, int] | None = None
        self._read_to = BEFORE_THE_LOG
        self._checkpoints = sorted(checkpoints, key=lambda s: s.checkpoint.tree_size)
        self._next_checkpoint = 0
        self.positions = array("q")
        """The position of every leaf (so a checkpoint's last position can be checked)."""

    @property
    def last_position(self) -> int:
        return self._last.position if self._last else 0

    @property
    def read_to(self) -> int:
        """The position of the last row scanned (a row held out of the tree included): the
        next scan goes on after it."""
        return self._read_to

    def add_checkpoint(self, stored: StoredCheckpoint) -> None:
        """A checkpoint sealed after the scanner started (checked now if already reached)."""
        self._checkpoints.append(stored)
        self._checkpoints.sort(key=lambda s: s.checkpoint.tree_size)
        self._check_reached()

    def _check_reached(self) -> None:
        while (
            self._next_checkpoint < len(self._checkpoints)
            and self._checkpoints[self._next_checkpoint].checkpoint.tree_size <= self.tree.size
        ):
            self._check_root(self._checkpoints[self._next_checkpoint])
            self._next_checkpoint += 1

    def report(self, finding: Finding) -> int:
        if len(self.findings) >= MAX_FINDINGS:
            self.more_findings += 1
            return -1
        self.findings.append(finding)
        return len(self.findings) - 1

    def scan(self, rows: Iterable[Row]) -> int:
        """Check ``rows`` (in log order, after the rows scanned before); how many there were.

        The loop is the verifier's hot path: locals only, both hashes with ``hashlib``, the
        leaf packed with ``struct`` (the 0x00 leaf-hash prefix included), the Merkle tree fed
        in batches; anything unexpected leaves it for ``_diagnose``.
        """
        sha256 = hashlib.sha256
        pack = _HASHED_LEAF.pack
        chains = self._chains
        get = chains.get
        pending: list[bytes] = []
        add = pending.append
        positions = self.positions.append
        person = _PERSON_OBJECT
        genesis = GENESIS
        count = 0
        expected = self._expected_leaf
        last_us = self._last.recorded_us if self._last else -(2**63)
        last_row: Row | None = None
        held = self._held
        for row in rows:
            position, key, version, topic, us, state, leaf, chash, prev, ehash = row
            count += 1
            if held is not None and leaf == expected:
                self._settle_inserted()  # the row after the unchained one took its leaf
                held = None
            # Most states hold no person: their content hash is the hash of their bytes, and
            # matching it spares searching the state for one (a person's state never matches
            # it: its hash is over the redacted form, see the insert trigger). The database
            # compares that hash itself and sends no state that matches (``stream_events``).
            sound = True
            if state is None:
                content = chash
            elif (content := sha256(state).digest()) != chash and person in state:
                try:
                    content, sound = content_checked(state)
                except orjson.JSONDecodeError:
                    content = _NOT_JSON
            if version == 1:
                expected_prev: bytes | None = genesis
            else:
                link = get(key)
                expected_prev = link[1] if link is not None and link[0] == version - 1 else None
            try:
                intact = (
                    leaf == expected
                    and expected_prev is not None
                    and prev == expected_prev
                    and content == chash
                    and sound
                    and us >= last_us
                    and ehash
                    == sha256(
                        pack(0, 1, leaf, position, key, version, us, chash, prev) + topic
                    ).digest()
                )
            except struct.error:  # a field no leaf can hold (a position below 0): forged
                intact = False
            if not intact:
                self.tree.extend(pending)
                pending.clear()
                self._expected_leaf = expected
                if last_row is not None:
                    self._last = _seen(last_row, expected - 1)
                diagnosed = self._diagnose(row, content, sound, expected_prev, get(key))
                held = self._held
                if diagnosed is None:  # no leaf: not in the tree, held for the next row
                    chains[key] = (version, held[0] if held else GENESIS)
                    continue
                ehash = diagnosed
            chains[key] = (version, ehash)
            add(ehash)
            positions(position)
            expected = (leaf if leaf is not None else expected) + 1
            last_us = us
            last_row = row
            if not count & 8191:
                self.tree.extend(pending)
                pending.clear()
        self.tree.extend(pending)
        self._expected_leaf = expected
        if last_row is not None:
            self._last = _seen(last_row, expected - 1)
        if count:
            self._read_to = row[0]
        self.events += count
        self._check_reached()
        return count

    # What is wrong, in words -----------------------------------------------------------------

    def _diagnose(
        self,
        row: Row,
        computed_content: bytes,
        sound: bool,
        expected_prev: bytes | None,
        link: tuple[int, bytes] | None,
    ) -> bytes | None:
        """Report what is wrong with ``row``; the hash to carry on with (``None``: the row has
        no leaf index, it is held out of the tree until the next row shows whether it had one).
        """
        position, key, version, tail, us, _, leaf, chash, prev, ehash = row
        topic = _topic(tail)
        explained = self._held is not None and self._settle_held(leaf)
        last = self._last
        expected = self._expected_leaf
        problems: list[tuple[str, str]] = []
        time_back = last is not None and us < last.recorded_us
        if ehash is None or leaf is None or chash is None or prev is None:
            problems.append(("unchained-event", _UNCHAINED))
            if leaf is not None:
                problems += self._leaf_problems(leaf, expected, last, position)
            if chash is not None and computed_content != chash:
                problems.append(("payload-edited", _PAYLOAD_EDITED))
        else:
            problems += self._leaf_problems(leaf, expected, last, position)
            fields_edited = ehash != _event_hash(
                leaf, position, key, version, us, chash, prev, topic
            )
            if computed_content != chash:
                problems.append(("payload-edited", _PAYLOAD_EDITED))
            if fields_edited:
                problems += self._fields_problems(row, key, us, time_back)
            problems += self._chain_problems(version, link, prev, expected_prev)
        if not sound:
            problems.append(
                (
                    "payload-edited",
                    "a person's sealed ciphertext no longer matches its digest: the personal "
                    "data was replaced or edited (the content hash covers the digest, not the "
                    "ciphertext, so that erasure leaves the chain intact)",
                )
            )
        if time_back and not problems:
            # Every hash checks out: the database's clock stepped back, nothing was edited.
            self._warn(row, topic, last)
            explained = True
        if problems or not explained:
            slug = problems[0][0] if problems else "fields-edited"
            number = self.report(
                Finding(
                    problem=slug,
                    detail="; ".join(text for _, text in problems) or "a check failed",
                    position=position,
                    leaf_index=leaf,
                    aggregate_id=UUID(bytes=key),
                    version=version,
                    topic=topic,
                )
            )
            self._note_moves(leaf, expected, number, position)
        else:
            number = -1
        computed = _event_hash(
            leaf if leaf is not None else expected,
            position,
            key,
            version,
            us,
            computed_content,
            expected_prev if expected_prev is not None else GENESIS,
            topic,
        )
        if leaf is None:
            self._held = (computed, position, number)
            return None
        return bytes(ehash) if ehash is not None else computed

    def _note_moves(self, leaf: int | None, expected: int, number: int, position: int) -> None:
        """Remember leaves found missing; a missing leaf turning up later was moved."""
        if leaf is not None and leaf > expected and number >= 0:
            for missing in range(expected, min(leaf, expected + 1000)):
                self._missing[missing] = number
        if leaf is not None and leaf in self._missing:
            earlier = self.findings[self._missing[leaf]]
            if earlier.problem == "event-deleted":
                earlier.problem = "events-reordered"
                earlier.detail = (
                    f"leaf {earlier.leaf_index} stands where an earlier leaf was due, and that "
                    f"leaf turns up later (at position {position}): events were reordered; "
                    + earlier.detail
                )

    def _settle_held(self, leaf: int | None) -> bool:
        """The row after an unchained one: did that one hold a leaf? (True if so: then its
        leaf is this row's gap, and it goes into the tree where it stood.)"""
        held = self._held
        self._held = None
        if held is None or leaf != self._expected_leaf + 1:
            return False
        computed, position, number = held
        self.tree.extend([computed])
        self.positions.append(position)
        self._expected_leaf += 1
        if number >= 0:
            self.findings[number].detail = (
                f"its leaf index and hashes were removed around the ledger (it held leaf "
                f"{self._expected_leaf - 1}: the event after it holds the next one)"
            )
        return True

    def _settle_inserted(self) -> None:
        """The row after an unchained one holds the leaf it would have had: it was slipped in."""
        held = self._held
        self._held = None
        if held is not None and held[2] >= 0:
            finding = self.findings[held[2]]
            finding.problem = "event-inserted"
            finding.detail = (
                "the row has no hash and took no leaf (the event after it holds the leaf due "
                "here): it was slipped into the log around the ledger, with the event store's "
                "triggers off"
            )

    def _warn(self, row: Row, topic: str, last: _Seen | None) -> None:
        position, key, version, _, us, *_ = row
        if len(self.warnings) >= MAX_FINDINGS or last is None:
            return
        self.warnings.append(
            Finding(
                problem="clock-step-back",
                detail=f"recorded_at is {(last.recorded_us - us) / 1e6:.6f} s before the event "
                f"at position {last.position}, and every hash checks out: the database's clock "
                "was stepped back (an edited recorded_at would not match the event hash)",
                position=position,
                aggregate_id=UUID(bytes=key),
                version=version,
                topic=topic,
            )
        )

    def _leaf_problems(
        self, leaf: int, expected: int, last: _Seen | None, position: int
    ) -> list[tuple[str, str]]:
        if leaf > expected:
            between = f"after position {last.position} " if last else "at the start "
            return [
                (
                    "event-deleted",
                    f"leaf {leaf} where leaf {expected} was due: "
                    f"{leaf - expected} event(s) {between}are missing (deleted)",
                )
            ]
        if leaf < expected:
            if leaf in self._missing:
                where = self.findings[self._missing[leaf]].position
                return [
                    (
                        "events-reordered",
                        f"leaf {leaf} was due before position {where} but stands here: "
                        "events were reordered",
                    )
                ]
            return [
                (
                    "event-inserted",
                    f"leaf {leaf} again, after leaf {expected - 1}: an event was inserted here "
                    "that the sealed log does not have",
                )
            ]
        return []

    def _fields_problems(
        self, row: Row, key: bytes, us: int, time_back: bool
    ) -> list[tuple[str, str]]:
        """The event's hash does not match its fields: say which way it was forged."""
        position, _, version, tail, _, _, leaf, chash, prev, ehash = row
        topic = _topic(tail)
        copied = self._leaf_with_hash(ehash)
        if copied is not None:
            return [
                (
                    "event-inserted",
                    f"its hash is that of leaf {copied} (position {self.positions[copied]}): "
                    "a copy of that event was inserted into the log",
                )
            ]
        if leaf >= 1 and ehash == _event_hash(
            leaf - 1, position - 1, key, version, us, chash, prev, topic
        ):
            self._inserted_before()
            self._shifted = position
            return [
                (
                    "fields-edited",
                    "it was sealed one place earlier in the log: the event before it was "
                    "inserted (and the later events renumbered)",
                )
            ]
        if time_back:
            return [
                (
                    "timestamp-edited",
                    "recorded_at was edited: it goes back in time, and the event's hash no "
                    "longer matches it",
                )
            ]
        return [
            (
                "fields-edited",
                "its hash no longer matches its recorded_at, topic, position, aggregate or "
                "version: one of them was edited",
            )
        ]

    @staticmethod
    def _chain_problems(
        version: int,
        link: tuple[int, bytes] | None,
        prev: bytes,
        expected_prev: bytes | None,
    ) -> list[tuple[str, str]]:
        if version > 1 and (link is None or link[0] < version - 1):
            gone = f"{link[0] + 1}…{version - 1}" if link else f"1…{version - 1}"
            return [("event-deleted", f"version(s) {gone} of this aggregate are missing")]
        if link is not None and link[0] >= version:
            return [
                (
                    "event-inserted",
                    f"version {version} follows version {link[0]} of this aggregate: "
                    "an event was inserted into its history",
                )
            ]
        if expected_prev is not None and prev != expected_prev:
            return [
                (
                    "chain-broken",
                    "the link to the previous version does not match that event's hash",
                )
            ]
        return []

    def _leaf_with_hash(self, ehash: bytes) -> int | None:
        """The leaf already seen with this very hash (a copied event), if any."""
        level = self.tree.leaves()
        start = level.find(ehash)
        while start >= 0:
            if start % 32 == 0:
                return start // 32
            start = level.find(ehash, start + 1)
        return None

    def _inserted_before(self) -> None:
        """The event before this one was slipped in: name it (it heads the report)."""
        last = self._last
        if last is None:  # pragma: no cover - a shifted event always has one before it
            return
        if self._shifted == last.position:
            return  # it was moved down too: the intruder is further back, already named
        detail = (
            "the event after it was sealed one place earlier: this event was inserted into "
            "the log (its own hashes forged to match)"
        )
        if (
            self.findings
            and self.findings[-1].position == last.position
            and self.findings[-1].aggregate_id is not None
        ):
            earlier = self.findings[-1]
            earlier.detail = f"{detail}; {earlier.detail}"
            earlier.problem = "event-inserted"
            return
        self.report(
            Finding(
                problem="event-inserted",
                detail=detail,
                position=last.position,
                leaf_index=last.leaf_index,
                aggregate_id=UUID(bytes=last.aggregate_id),
                version=last.version,
                topic=last.topic,
            )
        )

    # Checkpoints -------------------------------------------------------------------------

    def _check_root(self, stored: StoredCheckpoint) -> None:
        cp = stored.checkpoint
        size = cp.tree_size
        if self.tree.root(size) != cp.root_hash:
            self.report(
                Finding(
                    problem="checkpoint-root",
                    detail=f"the first {size} events no longer hash to the root signed at "
                    f"{cp.timestamp.isoformat()}: an event at or before position "
                    f"{cp.last_position} was changed, inserted, removed or moved",
                    position=cp.last_position,
                    leaf_index=size - 1,
                )
            )
        elif self.positions[size - 1] != cp.last_position:
            self.report(
                Finding(
                    problem="checkpoint-position",
                    detail=f"the checkpoint of {size} events sealed position "
                    f"{cp.last_position}, but leaf {size - 1} is at position "
                    f"{self.positions[size - 1]}",
                    position=self.positions[size - 1],
                    leaf_index=size - 1,
                )
            )

    def finish(self) -> None:
        """After the last event: checkpoints beyond the log's end mean its tail was cut."""
        beyond = [
            s.checkpoint for s in self._checkpoints if s.checkpoint.tree_size > self.tree.size
        ]
        if beyond:
            cp = max(beyond, key=lambda c: c.tree_size)
            after = f"after position {self.last_position} " if self._last else ""
            self.report(
                Finding(
                    problem="tail-truncated",
                    detail=f"the log ends at leaf {self.tree.size - 1} but the checkpoint signed "
                    f"at {cp.timestamp.isoformat()} sealed {cp.tree_size} events up to position "
                    f"{cp.last_position}: the {cp.tree_size - self.tree.size} event(s) {after}"
                    "were removed",
                    position=self.last_position + 1 if self._last else None,
                    leaf_index=self.tree.size,
                )
            )


def _event_hash(
    leaf: int,
    position: int,
    key: bytes,
    version: int,
    us: int,
    chash: bytes,
    prev: bytes,
    topic: str,
) -> bytes:
    topic_bytes = topic.encode()
    if not (0 <= leaf < 2**64 and 0 <= position < 2**64 and version >= 0):
        return _NO_LEAF  # no event leaf has such fields: nothing can hash to it
    return hashlib.sha256(
        b"\x00"
        + _FIXED.pack(
            LAYOUT_VERSION, leaf, position, key, version, us, chash, prev, len(topic_bytes)
        )
        + topic_bytes
    ).digest()


def check_checkpoints(
    checkpoints: Sequence[StoredCheckpoint], keys: dict[str, Ed25519PublicKey]
) -> list[Finding]:
    """Signatures, and each checkpoint's consistency proof from the one before (no log)."""
    findings: list[Finding] = []
    previous: StoredCheckpoint | None = None
    for stored in sorted(checkpoints, key=lambda s: s.checkpoint.tree_size):
        cp = stored.checkpoint
        key = keys.get(cp.key_id)
        if key is None:
            findings.append(
                Finding(
                    "checkpoint-key",
                    f"the checkpoint of {cp.tree_size} events is signed by key {cp.key_id}, "
                    f"not by a key given ({', '.join(sorted(keys)) or 'none'})",
                    position=cp.last_position,
                    leaf_index=cp.tree_size - 1,
                )
            )
        elif not cp.signed_by(key):
            findings.append(
                Finding(
                    "checkpoint-signature",
                    f"the signature of the checkpoint of {cp.tree_size} events does not verify: "
                    "its size, root, position or time was changed",
                    position=cp.last_position,
                    leaf_index=cp.tree_size - 1,
                )
            )
        if previous is not None:
            before = previous.checkpoint
            consistent = verify_consistency(
                before.tree_size,
                cp.tree_size,
                before.root_hash,
                cp.root_hash,
                stored.consistency_proof,
            )
            if not consistent:
                findings.append(
                    Finding(
                        "checkpoint-consistency",
                        f"the checkpoint of {cp.tree_size} events does not extend the one of "
                        f"{before.tree_size}: the sealed history was rewritten between them",
                        position=cp.last_position,
                        leaf_index=cp.tree_size - 1,
                    )
                )
            elif cp.timestamp < before.timestamp:
                findings.append(
                    Finding(
                        "checkpoint-order",
                        f"the checkpoint of {cp.tree_size} events is dated before the smaller "
                        f"one of {before.tree_size}",
                        position=cp.last_position,
                    )
                )
        previous = stored
    return findings


def check_trusted(
    trusted: Sequence[Checkpoint], keys: dict[str, Ed25519PublicKey]
) -> list[Finding]:
    """The signatures of checkpoints an auditor kept outside the database."""
    findings = []
    for cp in trusted:
        key = keys.get(cp.key_id)
        if key is None or not cp.signed_by(key):
            findings.append(
                Finding(
                    "checkpoint-key" if key is None else "checkpoint-signature",
                    f"the trusted checkpoint of {cp.tree_size} events "
                    + (
                        f"is signed by key {cp.key_id}, not by a key given"
                        if key is None
                        else "does not verify: its size, root, position or time was changed"
                    ),
                    position=cp.last_position,
                    leaf_index=cp.tree_size - 1,
                )
            )
    return findings


def verify(
    rows: Iterable[Row],
    checkpoints: Sequence[StoredCheckpoint],
    keys: dict[str, Ed25519PublicKey],
    trusted: Sequence[Checkpoint] = (),
) -> Report:
    """Check every event of ``rows`` (the whole log, in order) and every checkpoint.

    ``trusted`` are checkpoints kept outside the database (a copy an auditor saved, the Kafka
    checkpoint topic): the log must extend each of them like the stored ones — its first
    ``tree_size`` leaves hash to the signed root — so a log cut short, or rewritten, together
    with its stored checkpoints is still named (``tail-truncated``, ``checkpoint-root``).
    """
    started = time.perf_counter()
    scanner = Scanner([*checkpoints, *(StoredCheckpoint(cp, []) for cp in trusted)])
    scanner.scan(rows)
    scanner.finish()
    checkpoint_findings = check_checkpoints(checkpoints, keys) + check_trusted(trusted, keys)
    report = Report(
        events=scanner.events,
        checkpoints=len(checkpoints),
        trusted_checkpoints=len(trusted),
        warnings=scanner.warnings,
        findings=[*scanner.findings, *checkpoint_findings][:MAX_FINDINGS],
        more_findings=scanner.more_findings
        + max(0, len(scanner.findings) + len(checkpoint_findings) - MAX_FINDINGS),
        last_position=scanner.last_position,
        root_hash=scanner.tree.root(),
    )
    report.seconds = time.perf_counter() - started
    return report


def recorded_micros(moment: datetime) -> int:
    return (moment - EPOCH) // _MICROSECOND
