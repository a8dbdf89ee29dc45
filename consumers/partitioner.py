"""Which partition a keyed record goes to: Kafka's own choice, worked out once per key.

kafka-python's default partitioner hashes every key again (murmur2 in pure Python, ≈ 9 µs)
and lists the cluster's topics and available partitions for every record; at the relay's
rates that was an eighth of its time. This one makes the same choice (murmur2 of the key,
positive, modulo the topic's partition count — what Java clients choose, so a key lands where
any client would put it), remembers each key's hash, and reads only the topic's partitions
from the producer's current metadata (so a topic grown is seen at once).
"""

from __future__ import annotations

import warnings
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
        return int(sorted(partitions)[key_hash(serialized_key) % len(partitions)])
