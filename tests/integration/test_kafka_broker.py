"""The real Kafka broker (infra/kafka_broker.py) works with kafka-python 3.0.12.

Uses the session ``kafka_broker`` fixture from ``tests.kafka_fixtures``; the restart test runs its
own broker in a temp dir so it never disturbs the shared one.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError
from kafka.serializer import DefaultSerializer

from infra.kafka_broker import BrokerInfo, is_running, start_broker, stop_broker

pytestmark = pytest.mark.kafka

KEYS = [f"key-{i}" for i in range(5)]
PER_KEY = 20


def _create_topic(bootstrap: str, partitions: int = 3) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        admin.create_topics(
            {name: {"num_partitions": partitions, "replication_factor": 1}},
            wait_for_metadata=True,
        )
        described = admin.describe_topics([name])
    finally:
        admin.close()
    assert len(described) == 1
    assert len(described[0]["partitions"]) == partitions
    return name


def _producer(bootstrap: str, **extra: Any) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        # Plain callables are deprecated in kafka-python 3 (DeprecationWarning); use the classes.
        key_serializer=DefaultSerializer(),
        value_serializer=DefaultSerializer(),
        **extra,
    )


def _produce_keyed(bootstrap: str, topic: str) -> dict[str, int]:
    """Send PER_KEY records for each key, interleaved; return key -> partition."""
    producer = _producer(bootstrap)
    try:
        futures = [
            (key, producer.send(topic, key=key, value=f"{key}:{i}"))
            for i in range(PER_KEY)
            for key in KEYS
        ]
        producer.flush(timeout=30)
        partition_of: dict[str, set[int]] = defaultdict(set)
        for key, future in futures:
            partition_of[key].add(future.get(timeout=10).partition)
    finally:
        producer.close(timeout=10)
    assert all(len(parts) == 1 for parts in partition_of.values()), partition_of
    return {key: next(iter(parts)) for key, parts in partition_of.items()}


def _consume(
    bootstrap: str,
    topic: str,
    expected: int,
    *,
    isolation_level: str = "read_uncommitted",
    timeout: float = 30.0,
    linger: float = 0.5,
) -> list[Any]:
    """Read from the beginning with a fresh consumer group until `expected` records arrived
    (then poll `linger` seconds more to catch any surplus)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"group-{uuid.uuid4().hex[:12]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level=isolation_level,
        key_deserializer=DefaultSerializer(),
        value_deserializer=DefaultSerializer(),
    )
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        linger_until = time.monotonic() + linger
        while time.monotonic() < linger_until:
            for batch in consumer.poll(timeout_ms=100).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def _assert_keyed_order(records: list[Any], partition_of: dict[str, int]) -> None:
    assert len(records) == len(KEYS) * PER_KEY
    by_key: dict[str, list[str]] = defaultdict(list)
    last_offset: dict[int, int] = {}
    for rec in records:
        assert rec.partition == partition_of[rec.key]
        assert rec.offset > last_offset.get(rec.partition, -1)
        last_offset[rec.partition] = rec.offset
        by_key[rec.key].append(rec.value)
    for key in KEYS:
        assert by_key[key] == [f"{key}:{i}" for i in range(PER_KEY)]


def test_idempotent_produce_and_consume_in_key_order(kafka_broker: BrokerInfo) -> None:
    topic = _create_topic(kafka_broker.bootstrap)
    partition_of = _produce_keyed(kafka_broker.bootstrap, topic)
    records = _consume(kafka_broker.bootstrap, topic, len(KEYS) * PER_KEY)
    _assert_keyed_order(records, partition_of)


def test_auto_topic_creation_is_disabled(kafka_broker: BrokerInfo) -> None:
    missing = f"missing-{uuid.uuid4().hex[:12]}"
    # The producer asks for auto-creation (allow_auto_create_topics=True by default); the broker
    # must refuse, so the send times out waiting for metadata.
    producer = _producer(kafka_broker.bootstrap, max_block_ms=1500)
    try:
        with pytest.raises(KafkaTimeoutError):
            producer.send(missing, key="k", value="v")
    finally:
        producer.close(timeout=5)
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        assert missing not in admin.list_topics()
    finally:
        admin.close()


def test_transactions_commit_visible_abort_hidden(kafka_broker: BrokerInfo) -> None:
    topic = _create_topic(kafka_broker.bootstrap)
    producer = _producer(kafka_broker.bootstrap, transactional_id=f"tx-{uuid.uuid4().hex[:12]}")
    try:
        producer.init_transactions()
        for label, commit in (("c", True), ("a", False), ("d", True)):
            producer.begin_transaction()
            for i in range(6):  # the same keys each time, so the same partitions
                producer.send(topic, key=f"k{i}", value=f"{label}{i}")
            if commit:
                producer.commit_transaction()
            else:
                producer.flush(timeout=30)  # the aborted records really reach the log
                producer.abort_transaction()
    finally:
        producer.close(timeout=10)

    committed = _consume(kafka_broker.bootstrap, topic, 12, isolation_level="read_committed")
    assert sorted(r.value for r in committed) == sorted(
        [f"c{i}" for i in range(6)] + [f"d{i}" for i in range(6)]
    )
    everything = _consume(kafka_broker.bootstrap, topic, 18)
    assert sorted(r.value for r in everything if r.value.startswith("a")) == [
        f"a{i}" for i in range(6)
    ]


@pytest.mark.slow
def test_restart_on_same_data_dir_keeps_records(tmp_path: Path) -> None:
    data_dir = tmp_path / "restart-broker"
    first = start_broker(data_dir)
    try:
        port = int(first.bootstrap.rsplit(":", 1)[1])
        topic = _create_topic(first.bootstrap)
        partition_of = _produce_keyed(first.bootstrap, topic)

        stop_broker(data_dir)
        assert not is_running(data_dir)

        second = start_broker(data_dir, port=port)
        assert second.bootstrap == first.bootstrap
        assert second.pid != first.pid
        assert is_running(data_dir)
        records = _consume(second.bootstrap, topic, len(KEYS) * PER_KEY)
        _assert_keyed_order(records, partition_of)
    finally:
        stop_broker(data_dir)
    assert not is_running(data_dir)
