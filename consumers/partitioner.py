"""Which partition a keyed record goes to (Kafka's own choice, worked out once per key), and
which of several relays publishes it.

kafka-python's default partitioner hashes every key again (murmur2 in pure Python, ≈ 9 µs)
and lists the cluster's topics and available partitions for every record; at the relay's
rates that was an eighth of its time. This one makes the same choice (murmur2 of the key,
positive, modulo the topic's partition count — what Java clients choose, so a key lands where
any client would put it), remembers each key's hash, and reads only the topic's partitions
from the producer's current metadata (so a topic grown is seen at once).

Relays sharing the log (``ledger relay --shard I/N``) each publish the partitions they own:
every partition still has one writer, which publishes its events in log order — what the
consumers' duplicate check relies on (a position at or below the partition's last is one
they have). Ownership depends on the topic, the partition and N only, so a shard restarted
with the same N publishes the same partitions again.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.partitioner.abc import Partitioner
    from kafka.partitioner.default import DefaultPartitioner, murmur2

KEYS_REMEMBERED = 1 << 17
"""Aggregates whose key hash is kept (≈ 100 bytes each): a busy district's open cases."""


@lru_cache(maxsize=KEYS_REMEMBERED)
def key_hash(key: bytes) -> int:
    """The positive murmur2 hash Kafka partitions a key by."""
    return int(murmur2(key)) & 0x7FFFFFFF


def partition_of(key: bytes, partitions: Sequence[int]) -> int:
    """The partition of ``key`` among a topic's ``partitions`` (sorted)."""
    return partitions[key_hash(key) % len(partitions)]


@dataclass(frozen=True)
class Shard:
    """Relay ``index`` of ``count`` sharing the log; the one relay is shard 0 of 1."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self} does not exist: I/N needs 0 <= I < N, e.g. 0/2")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"``: relay I (from 0) of N."""
        index, slash, count = text.partition("/")
        if not (slash and index.isdigit() and count.isdigit()):
            raise ValueError(
                f"a shard is written I/N (relay I of N, from 0), e.g. 0/2; not {text!r}"
            )
        return cls(int(index), int(count))

    def owns(self, topic: str, partition: int) -> bool:
        """Whether this shard publishes ``partition`` of ``topic``."""
        return (zlib.crc32(topic.encode()) + partition) % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


ONE_RELAY = Shard()
"""The whole log published by one relay (the default)."""


class KeyHashPartitioner(Partitioner):  # type: ignore[misc]
    """The default partitioner's choice for keyed records, remembered; unkeyed ones go to it."""

    def __init__(self) -> None:
        self._unkeyed = DefaultPartitioner()

    def partition(
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: bytes | None,
        cluster: Any,
    ) -> int:
        if serialized_key is None:
            return int(self._unkeyed.partition(topic, key, None, value, serialized_value, cluster))
        partitions = cluster.partitions_for_topic(topic)
        if not partitions:
            raise ValueError(f"Topic {topic} not found in the cluster's metadata")
        return int(partition_of(serialized_key, sorted(partitions)))
