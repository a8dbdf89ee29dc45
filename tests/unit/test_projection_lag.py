"""A Kafka-fed projection's lag, counted event by event: the partition layout in use is read
from the positions the projections stored."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.partitioner import key_hash
from gateway.projection_lag import (
    Lag,
    Partition,
    Tail,
    kafka_lag,
    kafka_sources,
    reached,
    tail_by_partition,
    topic_layout,
)


def test_the_prefix_and_a_grown_topic_are_read_from_the_partitions_seen() -> None:
    prefix, counts = topic_layout([("t1.ledger.cases.v1", 0), ("t1.ledger.cases.v1", 8)])

    assert prefix == "t1."
    assert counts["t1.ledger.cases.v1"] == 9  # declared 6, grown to 9
    assert counts["t1.ledger.patrols.v1"] == 6


def test_a_projection_reached_its_store_position_or_its_highest_partition() -> None:
    kafka = {"ledger.cases.v1:0": 7, "ledger.cases.v1:1": 12, "*": 3}

    assert kafka_sources(kafka) == {("ledger.cases.v1", 0): 7, ("ledger.cases.v1", 1): 12}
    assert reached(kafka) == 12
    assert reached({"store": 40, "*": 10}) == 40
    assert reached({"*": 10}) == 10


OFFICERS = "ledger.officers.v1"
LAYOUT = {OFFICERS: 6}
IDS = [UUID(int=n) for n in range(1, 13)]


def partition_of_id(aggregate_id: UUID) -> int:
    return key_hash(str(aggregate_id).encode()) % LAYOUT[OFFICERS]


def lag_by_definition(tail: list[Tail], positions: dict[Partition, int], floor: int) -> Lag:
    """The lag as its definition reads: every event after its partition's position (or the
    floor), one by one."""
    behind = [
        event
        for event in tail
        if event.topic.startswith(("Officer.", "CertificateNumber."))
        and event.position
        > max(floor, positions.get((OFFICERS, partition_of_id(event.aggregate_id)), 0))
    ]
    return Lag(len(behind), min((e.recorded_at for e in behind), default=None))


def test_a_stalled_partition_counts_its_events_and_an_idle_or_caught_up_one_none() -> None:
    stalled, other = IDS[0], next(i for i in IDS if partition_of_id(i) != partition_of_id(IDS[0]))
    tail = [
        Tail(10, stalled, "Officer.Registered", 100.0),
        Tail(11, other, "Officer.Registered", 101.0),
        Tail(12, stalled, "CertificateNumber.Reserved", 99.0),  # the clock stepped back
        Tail(13, other, "Nobody.Did", 98.0),  # no aggregate the relay publishes
    ]
    tails = tail_by_partition(tail, "", LAYOUT)
    positions = {(OFFICERS, partition_of_id(stalled)): 9, (OFFICERS, partition_of_id(other)): 11}

    assert kafka_lag(tails, positions, floor=0) == Lag(2, 99.0)
    assert kafka_lag(tails, positions, floor=12) == Lag(0, None)  # a rebuild reached 12
    assert kafka_lag(tails, {}, floor=10) == Lag(2, 99.0)  # partitions not read yet: the floor


@settings(deadline=None)  # a busy CI machine may take over 200 ms for an example
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(IDS),
            st.sampled_from(["Officer.Registered", "CertificateNumber.Reserved", "Nobody.Did"]),
            st.floats(0, 1_000, allow_nan=False),
        ),
        max_size=60,
    ),
    stored=st.dictionaries(st.integers(0, 5), st.integers(0, 70), max_size=6),
    floor=st.integers(0, 70),
)
def test_the_lag_by_partition_is_the_lag_event_by_event(
    events: list[tuple[UUID, str, float]], stored: dict[int, int], floor: int
) -> None:
    tail = [Tail(n + 1, a, topic, at) for n, (a, topic, at) in enumerate(events)]
    positions = {(OFFICERS, partition): position for partition, position in stored.items()}

    found = kafka_lag(tail_by_partition(reversed(tail), "", LAYOUT), positions, floor)

    assert found == lag_by_definition(tail, positions, floor)
