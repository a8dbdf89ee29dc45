"""The relay's partitioner makes kafka-python's (and Java's) choice of partition for a record."""

from __future__ import annotations

import uuid
import warnings

from consumers.partitioner import KeyHashPartitioner

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
