"""Which partition a record goes to, which relay publishes it, and where a new relay starts."""

from __future__ import annotations

import uuid
import warnings

import pytest

from consumers.partitioner import KeyHashPartitioner, Shard
from consumers.relay import start_of_new_shard
from consumers.topics import LEDGER_TOPICS

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.partitioner.default import DefaultPartitioner


class Cluster:
    """The three questions a partitioner asks of the producer's metadata."""

    def __init__(self, partitions: dict[str, int]) -> None:
        self.partitions = partitions

    def topics(self) -> set[str]:
        return set(self.partitions)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        count = self.partitions.get(topic)
        return None if count is None else set(range(count))

    def available_partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions_for_topic(topic)


def test_every_key_goes_where_the_default_partitioner_sends_it() -> None:
    cluster = Cluster({"ledger.cases.v1": 6, "ledger.officers.v1": 3})
    ours, theirs = KeyHashPartitioner(), DefaultPartitioner()
    keys = [str(uuid.uuid4()).encode() for _ in range(500)] + [b"", b"a", b"ab", b"abc", b"abcd"]
    for topic in cluster.partitions:
        for key in keys * 2:  # the second time from memory
            expected = theirs.partition(topic, key, key, b"v", b"v", cluster)
            assert ours.partition(topic, key, key, b"v", b"v", cluster) == expected


def test_a_topic_grown_is_seen_at_once() -> None:
    cluster = Cluster({"ledger.cases.v1": 3})
    ours, theirs = KeyHashPartitioner(), DefaultPartitioner()
    keys = [str(uuid.uuid4()).encode() for _ in range(200)]
    before = [ours.partition("ledger.cases.v1", k, k, None, None, cluster) for k in keys]
    cluster.partitions["ledger.cases.v1"] = 12
    after = [ours.partition("ledger.cases.v1", k, k, None, None, cluster) for k in keys]
    assert max(before) <= 2 and max(after) > 2
    assert after == [theirs.partition("ledger.cases.v1", k, k, None, None, cluster) for k in keys]


def test_unkeyed_records_go_to_a_partition_of_their_topic() -> None:
    cluster = Cluster({"ledger.audit.v1": 3})
    chosen = {
        KeyHashPartitioner().partition("ledger.audit.v1", None, None, b"v", b"v", cluster)
        for _ in range(50)
    }
    assert chosen <= {0, 1, 2}


def test_an_unknown_topic_is_refused() -> None:
    try:
        KeyHashPartitioner().partition("nowhere", b"k", b"k", None, None, Cluster({}))
    except ValueError as error:
        assert "nowhere" in str(error)
    else:
        raise AssertionError("a record for an unknown topic got a partition")


def test_a_shard_is_written_i_of_n() -> None:
    assert Shard.parse("1/3") == Shard(1, 3) and str(Shard(1, 3)) == "1/3"
    for text in ["", "1", "a/2", "1/b", "-1/2", "2/2", "0/0", "1/2/3"]:
        with pytest.raises(ValueError, match="I/N"):
            Shard.parse(text)


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_each_partition_of_each_topic_has_exactly_one_shard(count: int) -> None:
    shards = [Shard(i, count) for i in range(count)]
    owned = [0] * count
    for spec in LEDGER_TOPICS:
        for partition in range(spec.partitions):
            owners = [s for s in shards if s.owns("t1." + spec.name, partition)]
            assert len(owners) == 1
            owned[owners[0].index] += 1
    # Shared out: no shard idle while another has them all.
    assert min(owned) >= sum(owned) // count // 2


@pytest.mark.parametrize(
    ("positions", "start"),
    [
        ([], 0),
        ([("relay", 900)], 900),
        # The new shard's sibling is ahead on its own partitions: not on this one's.
        ([("relay.0/2", 900)], 0),
        ([("relay", 500), ("relay.0/2", 900)], 500),
        # A complete layout vouches up to its slowest shard; the furthest guarantee wins.
        ([("relay", 500), ("relay.0/2", 900), ("relay.1/2", 700)], 700),
        ([("relay", 800), ("relay.0/2", 900), ("relay.1/2", 700)], 800),
        # A layout abandoned half-way vouches for nothing; nor does a row not a shard's.
        ([("relay.0/3", 900), ("relay.2/3", 950)], 0),
        ([("relay", 400), ("relay.old", 900)], 400),
    ],
)
def test_a_relay_without_a_position_starts_where_a_whole_layout_vouches(
    positions: list[tuple[str, int]], start: int
) -> None:
    assert start_of_new_shard("relay", positions) == start
