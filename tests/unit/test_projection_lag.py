"""A Kafka-fed projection's lag, counted event by event: the partition layout in use is read
from the positions the projections stored."""

from __future__ import annotations

from gateway.projection_lag import kafka_sources, reached, topic_layout


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
