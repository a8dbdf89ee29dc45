"""Checkpoints an auditor kept outside the database, read for ``ledger verify``.

The checkpoints in the database vouch only for what is still there: someone who cuts the tail
of the log can delete the checkpoints that sealed it too. A checkpoint copied out earlier —
printed by ``ledger audit checkpoint(s)``, read from the Kafka checkpoint topic, answered by
``GET /api/v1/audit/checkpoints``, or inside a proof document — still says how long the log
was and what it hashed to; ``verify`` holds the log to it.

Accepted: one JSON document (a checkpoint; a Kafka checkpoint message; ``{"checkpoints":
[…]}``; a proof document with a ``checkpoint`` or ``second`` checkpoint) or JSON lines of them.
Each checkpoint's signature is checked by the verifier, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from infra.integrity.signing import Checkpoint, CheckpointFormatError


def read_trusted_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in the file at ``path`` (``CheckpointFormatError`` if there is none)."""
    text = path.read_bytes()
    try:
        documents = [orjson.loads(text)]
    except orjson.JSONDecodeError:
        try:
            documents = [orjson.loads(line) for line in text.splitlines() if line.strip()]
        except orjson.JSONDecodeError as error:
            raise CheckpointFormatError(f"{path}: not JSON, nor JSON lines: {error}") from None
    found = [cp for document in documents for cp in _checkpoints_in(document)]
    if not found:
        raise CheckpointFormatError(f"{path}: holds no signed checkpoint")
    return found


def _checkpoints_in(document: Any) -> list[Checkpoint]:
    if isinstance(document, list):
        return [cp for item in document for cp in _checkpoints_in(item)]
    if not isinstance(document, dict):
        return []
    if "tree_size" in document and "signature" in document:
        return [Checkpoint.from_json(document)]
    found: list[Checkpoint] = []
    for key in ("checkpoints", "checkpoint", "first", "second"):
        if key in document:
            found += _checkpoints_in(document[key])
    return found


def read_kafka_checkpoints(
    bootstrap: str, topic: str, *, timeout: float = 30.0
) -> list[Checkpoint]:
    """Every checkpoint on the Kafka checkpoint topic, read from its beginning to its end.

    The topic is a copy of the checkpoints outside the database (published by the
    checkpointer, kept by the broker's retention): a tail cut off together with the
    checkpoints that sealed it is still named. No consumer group: nothing is committed.
    ``KafkaError`` if the broker cannot be read; ``CheckpointFormatError`` for a record that
    is not a checkpoint.
    """
    import time
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka import KafkaConsumer, TopicPartition
        from kafka.errors import KafkaTimeoutError

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="ledger-verify"
    )
    try:
        numbers = consumer.partitions_for_topic(topic)
        if not numbers:
            return []
        partitions = [TopicPartition(topic, n) for n in sorted(numbers)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: list[Checkpoint] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(p) < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise KafkaTimeoutError(f"{topic} was not read to its end in {timeout:.0f} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        found.append(Checkpoint.from_json(orjson.loads(record.value)))
                    except (orjson.JSONDecodeError, TypeError):
                        raise CheckpointFormatError(
                            f"{topic} offset {record.offset}: not a checkpoint"
                        ) from None
        return found
    finally:
        consumer.close()
