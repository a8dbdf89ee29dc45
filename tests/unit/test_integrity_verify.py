"""The verifier over logs built in memory: an intact log passes, and any single tampering of a
random log is found at the place it was done (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, EventLeaf, micros
from infra.integrity.merkle import MerkleTree
from infra.integrity.signing import Signer
from infra.integrity.store import StoredCheckpoint, topic_tail
from infra.integrity.verify import verify

T0 = datetime(2024, 1, 1, tzinfo=UTC)
NS = UUID("00000000-0000-0000-0000-000000000001")
SIGNER = Signer(Ed25519PrivateKey.generate())
KEYS = {SIGNER.key_id: SIGNER.public_key}

Row = tuple[Any, ...]


def build(owners: list[int], times: list[datetime] | None = None, gap: int = 1) -> list[Row]:
    """A log whose n-th event belongs to aggregate ``owners[n]``, hashed as the database does
    (written at ``times[n]``, by default 1 ms apart; at position ``gap * n + 1``)."""
    rows: list[Row] = []
    last: dict[UUID, tuple[int, bytes]] = {}
    for n, owner in enumerate(owners):
        aggregate = uuid5(NS, str(owner))
        version, prev = last.get(aggregate, (0, GENESIS))
        state = orjson.dumps({"n": n}, option=orjson.OPT_SORT_KEYS)
        leaf = EventLeaf(
            leaf_index=n,
            position=gap * n + 1,
            aggregate_id=aggregate,
            version=version + 1,
            topic="GridCell.Defined",
            recorded_at=times[n] if times else T0 + timedelta(milliseconds=n),
            content_hash=content_hash(state),
            prev_hash=prev,
        )
        rows.append(
            (
                leaf.position,
                aggregate.bytes,
                leaf.version,
                topic_tail(leaf.topic),
                micros(leaf.recorded_at),
                state,
                n,
                leaf.content_hash,
                prev,
                leaf.event_hash(),
            )
        )
        last[aggregate] = (leaf.version, leaf.event_hash())
    return rows


def seal(rows: list[Row]) -> StoredCheckpoint:
    tree = MerkleTree(row[9] for row in rows)
    return StoredCheckpoint(
        SIGNER.sign("test", tree.size, tree.root(), rows[-1][0], T0 + timedelta(days=1)), []
    )


logs = st.lists(st.integers(min_value=0, max_value=4), min_size=3, max_size=40)


@given(logs)
def test_an_intact_log_passes(owners: list[int]) -> None:
    rows = build(owners)
    report = verify(rows, [seal(rows)], KEYS)
    assert report.ok, [str(f) for f in report.findings]
    assert report.events == len(rows)


@settings(max_examples=80)
@given(logs, st.data())
def test_an_edited_payload_is_named_where_it_was_edited(owners: list[int], data: Any) -> None:
    rows = build(owners)
    n = data.draw(st.integers(0, len(rows) - 1))
    row = list(rows[n])
    row[5] = orjson.dumps({"n": -1})
    rows[n] = tuple(row)
    first = verify(rows, [], KEYS).first
    assert first is not None
    assert (first.problem, first.position) == ("payload-edited", n + 1)


@settings(max_examples=80)
@given(logs, st.data())
def test_a_deleted_event_is_named_where_it_is_missing(owners: list[int], data: Any) -> None:
    rows = build(owners)
    checkpoint = seal(rows)
    n = data.draw(st.integers(0, len(rows) - 1))
    del rows[n]
    first = verify(rows, [checkpoint], KEYS).first
    assert first is not None
    if n < len(rows):
        assert (first.problem, first.position) == ("event-deleted", n + 2)
    else:
        assert (first.problem, first.leaf_index) == ("tail-truncated", n)


@settings(max_examples=80)
@given(logs, st.data())
def test_two_swapped_events_are_named_as_reordered(owners: list[int], data: Any) -> None:
    rows = build(owners)
    a = data.draw(st.integers(0, len(rows) - 2))
    b = data.draw(st.integers(a + 1, len(rows) - 1))
    first_position = rows[a][0]
    # The two rows trade positions (their notification ids): the log reads b's event first.
    rows[a], rows[b] = (rows[a][0], *rows[b][1:]), (rows[b][0], *rows[a][1:])
    first = verify(rows, [], KEYS).first
    assert first is not None
    assert first.position == first_position
    assert first.problem == "events-reordered"


def test_a_checkpoint_of_another_log_is_named() -> None:
    rows = build([0, 1, 0, 2])
    other = build([3, 3, 3, 3])
    report = verify(rows, [seal(other)], KEYS)
    assert [f.problem for f in report.findings] == ["checkpoint-root"]


# The database's clock stepped back -----------------------------------------------------------


def test_a_clock_stepped_back_is_a_warning_not_a_break() -> None:
    """recorded_at is covered by the event hash; a time that goes back with every hash intact
    is the database's clock stepped back (NTP, a restored VM), and sealing must go on."""
    times = [T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=3), T0 + timedelta(seconds=2)]
    rows = build([0, 1, 0, 2], times)
    report = verify(rows, [seal(rows)], KEYS)
    assert report.ok, [str(f) for f in report.findings]
    assert [(w.problem, w.position) for w in report.warnings] == [("clock-step-back", 4)]


def test_a_timestamp_edited_back_in_time_is_still_named() -> None:
    rows = build([0, 1, 0, 2])
    row = list(rows[2])
    row[4] -= 5_000_000  # five seconds earlier, the hash not recomputed
    rows[2] = tuple(row)
    report = verify(rows, [], KEYS)
    assert report.first is not None
    assert (report.first.problem, report.first.position) == ("timestamp-edited", 3)
    assert not report.warnings


# Rows without hashes -------------------------------------------------------------------------


def unchained(row: Row) -> Row:
    return (*row[:6], None, None, None, None)


@settings(max_examples=60)
@given(logs, st.data())
def test_a_row_whose_hashes_were_removed_is_named_alone(owners: list[int], data: Any) -> None:
    rows = build(owners)
    checkpoint = seal(rows)
    n = data.draw(st.integers(0, len(rows) - 2))
    rows[n] = unchained(rows[n])
    report = verify(rows, [checkpoint], KEYS)
    assert [(f.problem, f.position) for f in report.findings] == [("unchained-event", n + 1)]
    assert report.first is not None and "removed" in report.first.detail


@settings(max_examples=60)
@given(logs, st.data())
def test_a_row_without_hashes_slipped_in_is_named_alone(owners: list[int], data: Any) -> None:
    rows = build(owners, gap=2)
    checkpoint = seal(rows)
    n = data.draw(st.integers(0, len(rows) - 1))
    forged = unchained(build([9])[0])
    rows.insert(n, (rows[n][0] - 1, *forged[1:]))  # the free position before row n
    report = verify(rows, [checkpoint], KEYS)
    assert [(f.problem, f.position) for f in report.findings] == [("event-inserted", rows[n][0])]
