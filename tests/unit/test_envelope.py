"""The event envelope and its CloudEvents form on Kafka (binary content mode)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.envelope import Envelope
from consumers.topics import kafka_topic_for


def an_envelope(position: int = 7, version: int = 3, state: bytes = b'{"a":1}') -> Envelope:
    return Envelope(
        position=position,
        aggregate_id=uuid4(),
        version=version,
        topic="Officer.CertificateIssued",
        recorded_at=datetime(2023, 5, 1, 8, 30, tzinfo=UTC),
        state=state,
    )


def test_the_record_carries_the_required_cloudevents_attributes() -> None:
    event = an_envelope()
    headers = dict(event.cloudevent_headers("/ledgers/test"))
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_id"] == f"{event.aggregate_id}:3".encode()
    assert headers["ce_source"] == b"/ledgers/test"
    assert headers["ce_type"] == b"cn.binhai.ledger.Officer.CertificateIssued"
    assert headers["ce_subject"] == f"Officer/{event.aggregate_id}".encode()
    assert datetime.fromisoformat(headers["ce_time"].decode()) == event.recorded_at
    assert headers["ce_position"] == b"7"
    assert headers["ce_aggregateversion"] == b"3"
    assert headers["content-type"] == b"application/json"


@given(
    position=st.integers(1, 2**62),
    version=st.integers(1, 10**6),
    state=st.binary(max_size=64),
)
def test_a_record_parses_back_to_the_same_envelope(
    position: int, version: int, state: bytes
) -> None:
    event = an_envelope(position, version, state)
    assert Envelope.from_cloudevent(event.cloudevent_headers(), state) == event


def test_a_foreign_record_is_refused() -> None:
    headers = [("ce_specversion", b"1.0"), ("ce_type", b"com.example.Other")]
    with pytest.raises(ValueError, match="not a ledger CloudEvent"):
        Envelope.from_cloudevent(headers, b"{}")
    with pytest.raises(ValueError, match="missing"):
        Envelope.from_cloudevent([("ce_specversion", b"1.0")], b"{}")


def test_each_kind_of_act_has_its_topic() -> None:
    assert kafka_topic_for("Officer.CertificateIssued") == "ledger.officers.v1"
    assert kafka_topic_for("CertificateNumber.Claimed") == "ledger.officers.v1"
    assert kafka_topic_for("Agency.Registered") == "ledger.registry.v1"
    assert kafka_topic_for("Agency.Registered", "t1.") == "t1.ledger.registry.v1"


def test_record_batches_are_checksummed_by_the_c_crc32c_not_pure_python() -> None:
    # kafka-python checksums every record batch it writes and reads with CRC-32C. Its own
    # implementation is pure Python (about 5 MB/s), which alone halved the relay's rate;
    # the ``crc32c`` package (a dependency) replaces it when importable.
    from kafka.record import util

    data = b"123456789"
    assert util.crc32c_c is not None
    assert util.calc_crc32c(memoryview(data)) == 0xE3069283  # the standard check value
