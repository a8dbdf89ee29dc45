"""Envelopes of real domain events for projection tests — and that they are what the feeds carry.

``EventLog.add(*aggregates)`` collects each aggregate's pending events, serialises them with the
ledger's own mapper (the bytes the event store keeps) and numbers them as the log would.
``fold_all`` folds every projection of the ledger over them, in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import JSONTranscoder

from consumers.envelope import Envelope
from domain.base import Aggregate
from domain.registry.officer import Officer
from infra.mapper import PydanticMapper
from projections.model import Key, Projection, fold
from projections.registry import all_projections

Tables = dict[str, dict[Key, dict[str, Any]]]


class EventLog:
    """A log of envelopes, built from aggregates as the event store would number them."""

    def __init__(self) -> None:
        self.mapper = PydanticMapper(JSONTranscoder())
        self.envelopes: list[Envelope] = []

    def add(self, *aggregates: Aggregate) -> list[Envelope]:
        """Append the pending events of ``aggregates`` (in that order); the new envelopes."""
        new: list[Envelope] = []
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                stored = self.mapper.to_stored_event(event)
                new.append(
                    Envelope(
                        position=len(self.envelopes) + len(new) + 1,
                        aggregate_id=UUID(str(stored.originator_id)),
                        version=stored.originator_version,
                        topic=stored.topic,
                        recorded_at=event.timestamp,
                        state=stored.state,
                    )
                )
        self.envelopes += new
        return new

    def topics(self) -> list[str]:
        return [e.topic for e in self.envelopes]


def envelopes(*aggregates: Aggregate) -> list[Envelope]:
    log = EventLog()
    log.add(*aggregates)
    return log.envelopes


def fold_all(events: Iterable[Envelope], projections: Sequence[Projection] = ()) -> Tables:
    return fold(list(projections) or all_projections(), events)


def rows(tables: Tables, name: str) -> dict[Key, dict[str, Any]]:
    return tables.get(name, {})


@pytest.mark.usefixtures("as_system")
def test_an_envelope_carries_the_stored_bytes_of_a_real_event() -> None:
    officer = Officer(officer_no="O-1", name="张三", agency_id=uuid4(), frontline=True)
    officer.issue_certificate(number="C-1", issued_on=date(2023, 3, 1))
    log = EventLog()
    registered, issued = log.add(officer)
    assert [registered.topic, issued.topic] == ["Officer.Registered", "Officer.CertificateIssued"]
    assert [registered.position, issued.position] == [1, 2]
    assert issued.aggregate_id == officer.id and issued.version == 2
    assert issued.payload["issued_on"] == "2023-03-01"
    assert issued.payload["agency_id"] == str(officer.agency_id)
    # The state is canonical JSON without the aggregate id and version (columns of their own).
    assert issued.state == orjson.dumps(issued.payload, option=orjson.OPT_SORT_KEYS)
    assert "originator_id" not in issued.payload


def test_every_projection_declares_its_topics_and_unique_tables() -> None:
    names = [t.name for p in all_projections() for t in p.TABLES]
    assert len(names) == len(set(names))
    projections = [p.NAME for p in all_projections()]
    assert len(projections) == len(set(projections))
    for projection in all_projections():
        if projection.TOPICS is not None:
            assert all("." in topic for topic in projection.TOPICS), projection.NAME


def uuid_keys(table: dict[Key, dict[str, Any]]) -> set[UUID]:
    return {k[0] for k in table}
