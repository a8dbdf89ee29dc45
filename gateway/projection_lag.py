"""How far behind a projection is, honestly, whichever feed it reads.

Fed from the event store (source ``store``) a projection applies the log in order: its lag is
the events after its position.

Fed by Kafka it has one position per partition (``<topic>:<partition>``): the highest log
position it applied from that partition. Neither the highest nor the lowest of those says how
far behind it is: the highest hides a stalled partition (the others move on), the lowest
counts every later event against a partition that is merely idle (it has nothing to apply).
The events it has not applied are those of the log, after the position of the partition each
one was published to, and that partition is known without asking Kafka: the relay keys every
event by its aggregate id and Kafka's keyed choice is murmur2 of the key modulo the topic's
partitions (``consumers.partitioner``). So the lag is counted event by event over the log's
tail.

The tail read is bounded (``WINDOW`` events), so a scrape costs the same however long a
partition has stalled: beyond the window the count is a lower bound — still above zero, which
is what an alert needs — and the age is that of the oldest unapplied event in the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.utils import TopicError

from consumers.partitioner import key_hash
from consumers.topics import LEDGER_TOPICS, kafka_topic_for
from projections.store import FLOOR, STORE

WINDOW = 20_000
"""Most events of the log's tail read per scrape to count a Kafka-fed projection's lag."""


@dataclass(frozen=True)
class Tail:
    """An event of the log's tail: what decides its partition, and when it was written."""

    position: int
    aggregate_id: UUID
    topic: str
    recorded_at: float


@dataclass(frozen=True)
class Lag:
    events: int
    oldest_at: float | None
    """When the oldest event not applied was written (None: none is)."""


def kafka_sources(sources: Mapping[str, int]) -> dict[tuple[str, int], int]:
    """The ``<topic>:<partition>`` positions among a projection's sources."""
    found: dict[tuple[str, int], int] = {}
    for source, position in sources.items():
        topic, colon, partition = source.rpartition(":")
        if colon and partition.isdigit():
            found[(topic, int(partition))] = position
    return found


def topic_layout(partitions_seen: Iterable[tuple[str, int]]) -> tuple[str, dict[str, int]]:
    """The topic prefix in use and each ledger topic's partition count, from the partitions the
    projections have read (a topic grown beyond its declared count counts as grown)."""
    seen = list(partitions_seen)
    prefix = ""
    for topic, _ in seen:
        spec = next((t for t in LEDGER_TOPICS if topic.endswith(t.name)), None)
        if spec is not None:
            prefix = topic[: len(topic) - len(spec.name)]
            break
    counts = {prefix + t.name: t.partitions for t in LEDGER_TOPICS}
    for topic, partition in seen:
        if topic in counts:
            counts[topic] = max(counts[topic], partition + 1)
    return prefix, counts


def kafka_lag(
    tail: Iterable[Tail],
    positions: Mapping[tuple[str, int], int],
    floor: int,
    prefix: str,
    partitions: Mapping[str, int],
) -> Lag:
    """The events of ``tail`` a Kafka-fed projection has not applied: each after the position
    of its partition (a partition not read yet: after ``floor``, what a rebuild reached)."""
    count = 0
    oldest: float | None = None
    for event in tail:
        try:
            topic = kafka_topic_for(event.topic, prefix)
        except (TopicError, KeyError):
            continue  # not an aggregate's event the relay publishes
        total = partitions.get(topic)
        if not total:
            continue
        partition = key_hash(str(event.aggregate_id).encode()) % total
        if event.position > max(floor, positions.get((topic, partition), 0)):
            count += 1
            if oldest is None or event.recorded_at < oldest:
                oldest = event.recorded_at
    return Lag(count, oldest)


def store_lag(position: int, log_position: int) -> int:
    return max(0, log_position - position)


def reached(sources: Mapping[str, int]) -> int:
    """How far the projection got, as one number: its store position, or the highest of its
    partitions' (shown as its position; its lag is counted as above)."""
    if STORE in sources:
        return sources[STORE]
    kafka = kafka_sources(sources)
    return max(kafka.values(), default=sources.get(FLOOR, 0))
