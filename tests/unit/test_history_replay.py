"""Case-history replay against hand-written histories: every step with who, when, what and the
state after it; the state as of a moment or a version; the case file as Markdown and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actors import Role
from domain.audit.case_file import CaseFile, ExportedCase, to_html, to_markdown
from domain.audit.history import (
    CaseHistory,
    NothingAsOf,
    PersonFilter,
    StoredRow,
    _changed,
    _state_of,
    _StateAfter,
    aggregate_kinds,
    replay,
    withhold_personal,
)
from domain.base import Aggregate, EventMeta, recording_as
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE, RevocationReason
from infra.mapper import PydanticMapper

AGENCY = UUID("11111111-1111-1111-1111-111111111111")
DAY = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    recorded_at: datetime
    leaf_index: int | None
    content_hash: bytes | None
    prev_hash: bytes | None
    event_hash: bytes | None


def as_(principal: str, role: Role = Role.AGENCY_OFFICER) -> EventMeta:
    return EventMeta(principal=principal, role=role, agency_id=AGENCY, correlation_id=principal)


def officer_history() -> list[StoredRow]:
    """Registered (09:00, by clerk), certified (10:00), trained (11:00), revoked (12:00)."""
    with recording_as(as_("clerk-1")):
        officer = Officer(officer_no="H-1", name="王五", agency_id=AGENCY, frontline=True)
    with recording_as(as_("clerk-2")):
        officer.issue_certificate(number="C-H-1", issued_on=date(2023, 1, 1))
    with recording_as(as_("trainer", Role.SUPERVISOR)):
        officer.record_training(course="执法规范", hours=16, completed_on=date(2023, 5, 1))
    with recording_as(as_("clerk-1")):
        officer.revoke_certificate(date(2024, 2, 1), RevocationReason.RETIREMENT, "retired")
    mapper = PydanticMapper(JSONTranscoder())
    rows: list[StoredRow] = []
    for n, event in enumerate(officer.collect_events()):
        stored = mapper.to_stored_event(event)
        rows.append(
            Row(
                position=10 * (n + 1),
                originator_id=officer.id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=stored.state,
                recorded_at=DAY + timedelta(hours=n),
                leaf_index=n,
                content_hash=b"c" * 32,
                prev_hash=b"p" * 32,
                event_hash=bytes([n]) * 32,
            )
        )
    return rows


def intact(row: StoredRow, previous: bytes) -> bytes | None:
    return row.event_hash


def as_stored(row: StoredRow) -> StoredEvent:
    return StoredEvent(
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=row.state,
    )


def history(*, version: int | None = None, as_of: datetime | None = None) -> CaseHistory:
    rows = officer_history()
    mapper = PydanticMapper(JSONTranscoder())
    return replay(rows, mapper.to_domain_event, chain=intact, version=version, as_of=as_of).history


def test_every_event_in_order_with_who_when_and_what() -> None:
    case = history()
    assert [s.event for s in case.steps] == [
        "Officer.Registered",
        "Officer.CertificateIssued",
        "Officer.TrainingRecorded",
        "Officer.CertificateRevoked",
    ]
    assert [s.who.principal for s in case.steps] == ["clerk-1", "clerk-2", "trainer", "clerk-1"]
    assert case.steps[2].who.role == "supervisor"
    assert [s.recorded_at.hour for s in case.steps] == [9, 10, 11, 12]
    assert [s.position for s in case.steps] == [10, 20, 30, 40]
    assert case.steps[2].payload == {
        "course": "执法规范",
        "hours": 16,
        "completed_on": "2023-05-01",
    }
    assert case.steps[0].timestamp <= case.steps[-1].timestamp
    assert case.steps[1].hashes.event_hash == (b"\x01" * 32).hex()
    assert (case.version, case.latest_version, case.kind) == (4, 4, "officer")


def test_the_state_after_each_step() -> None:
    steps = history().steps
    assert steps[0].state_after["certificates"] == []
    assert steps[1].state_after["certificates"][0]["number"] == "C-H-1"
    assert steps[1].state_after["certificates"][0]["revoked_on"] is None
    assert steps[2].state_after["training_hours"] == 16
    assert steps[3].state_after["certificates"][0]["revoked_on"] == "2024-02-01"
    assert steps[2].changed == ["training_hours"]
    assert steps[3].changed == ["certificates"]


@pytest.mark.parametrize(
    ("moment", "version"),
    [
        (DAY, 1),  # exactly when the first event was recorded
        (DAY + timedelta(minutes=59), 1),
        (DAY + timedelta(hours=2), 3),
        (DAY + timedelta(hours=2, microseconds=-1), 2),
        (DAY + timedelta(days=30), 4),
    ],
)
def test_the_state_as_of_a_moment_is_after_the_last_event_recorded_by_then(
    moment: datetime, version: int
) -> None:
    case = history(as_of=moment)
    assert case.version == version
    assert len(case.steps) == version
    assert case.state == case.steps[-1].state_after
    assert case.latest_version == 4


def test_before_the_first_event_there_is_no_state() -> None:
    with pytest.raises(NothingAsOf, match="did not exist yet"):
        history(as_of=DAY - timedelta(seconds=1))


def test_the_state_at_a_version() -> None:
    case = history(version=2)
    assert case.version == 2 and len(case.steps) == 2
    assert case.state["training_hours"] == 0
    with pytest.raises(NothingAsOf):
        history(version=5)
    assert history(version=4, as_of=DAY + timedelta(hours=1)).version == 2


def test_a_broken_chain_shows_on_the_case_file() -> None:
    rows = officer_history()
    replayed = replay(
        rows,
        PydanticMapper(JSONTranscoder()).to_domain_event,
        chain=lambda row, prev: None if row.originator_version == 3 else row.event_hash,
    )
    assert not replayed.history.chain_intact
    assert replayed.aggregate.version == 4


def test_individuals_are_withheld_for_those_who_may_not_see_them() -> None:
    value = {"person": {"name": "张三", "subject": "s1"}, "items": [{"person": None}]}
    assert withhold_personal(value) == {
        "person": {"subject": "s1", "withheld": True},
        "items": [{"person": None}],
    }


def test_every_kind_of_record_is_known() -> None:
    import domain.areas  # noqa: F401

    kinds = aggregate_kinds()
    assert kinds["officer"] is Officer
    assert {"penalty-case", "inspection", "joint-action", "audit-trail"} <= kinds.keys()


def test_the_case_file_reads_as_markdown_and_html() -> None:
    case = CaseFile(
        **history().model_dump(),
        exported_at=DAY + timedelta(days=1),
        exported_by="auditor-1 (auditor)",
        read_recorded_in=uuid4(),
    )
    markdown = to_markdown(case)
    assert markdown.startswith(f"# Case file — officer {case.id}")
    assert "### v3 · Officer.TrainingRecorded" in markdown
    assert "trainer (supervisor, agency 11111111" in markdown
    assert "| hours | 16 |" in markdown
    assert "intact" in markdown
    page = to_html(case)
    assert page.startswith("<!doctype html>")
    assert "<h3>v4 · Officer.CertificateRevoked</h3>" in page
    assert "执法规范" in page
    assert "<script" not in page


def test_each_state_after_is_the_whole_state_of_the_record_at_that_version() -> None:
    # The replay converts again only what a step may have changed; the result must be the
    # record's whole state, converted afresh, at every version (certificates change in place).
    rows = officer_history()
    mapper = PydanticMapper(JSONTranscoder())
    steps = replay(rows, mapper.to_domain_event, chain=intact).history.steps
    aggregate = None
    previous: dict[str, object] = {}
    for row, step in zip(rows, steps, strict=True):
        event = cast(Aggregate.Event, mapper.to_domain_event(as_stored(row)))
        aggregate = event.mutate(aggregate)
        assert aggregate is not None
        whole = _state_of(aggregate)
        assert step.state_after == whole
        assert step.changed == sorted(
            k for k in previous.keys() | whole.keys() if previous.get(k) != whole.get(k)
        )
        previous = whole


class _Record:
    """Attributes as an aggregate holds them (only ``vars`` is read)."""


def test_a_value_changed_in_place_or_an_attribute_gone_is_seen() -> None:
    record = _Record()
    record.items = [1]  # type: ignore[attr-defined]
    record.label = "a"  # type: ignore[attr-defined]
    states = _StateAfter()
    first, _ = states.after(cast(Aggregate, record))
    record.items.append(2)  # type: ignore[attr-defined]
    second, renewed = states.after(cast(Aggregate, record))
    assert (first, second) == ({"items": [1], "label": "a"}, {"items": [1, 2], "label": "a"})
    assert "label" not in renewed
    del record.label  # type: ignore[attr-defined]
    record.extra = "b"  # type: ignore[attr-defined]
    third, renewed = states.after(cast(Aggregate, record))
    assert third == {"items": [1, 2], "extra": "b"}
    assert _changed(second, third, renewed) == ["extra", "label"]


# The case file's JSON: written from the plain data, byte for byte the model's -----------------


def exported(data: dict[str, object], moment: datetime) -> ExportedCase:
    return ExportedCase.of(
        data, exported_at=moment, exported_by="auditor-1 (auditor)", read_recorded_in=uuid4()
    )


def model_json(case: ExportedCase) -> bytes:
    return CaseFile.model_validate(case.data).model_dump_json().encode()


@pytest.mark.parametrize(
    ("version", "as_of", "withhold"),
    [
        (None, None, None),
        (2, None, None),
        (None, datetime(2024, 3, 1, 19, 30, 0, 250, tzinfo=DISTRICT_ZONE), None),
        (None, None, withhold_personal),
    ],
)
def test_the_case_file_json_is_the_models_json(
    version: int | None, as_of: datetime | None, withhold: PersonFilter | None
) -> None:
    rows = officer_history()
    mapper = PydanticMapper(JSONTranscoder())
    replayed = replay(
        rows, mapper.to_domain_event, chain=intact, version=version, as_of=as_of, withhold=withhold
    )
    case = exported(replayed.data, datetime.now(DISTRICT_ZONE))
    assert case.json() == model_json(case)
    assert CaseFile.model_validate_json(case.json()) == case.model
    assert case.model.steps == replayed.history.steps


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2), timezones=st.sampled_from([UTC, DISTRICT_ZONE])
)


@settings(deadline=None, max_examples=200)
@given(
    payload=st.dictionaries(st.text(), JSON, max_size=5),
    state=st.dictionaries(st.text(), JSON, max_size=5),
    recorded_at=MOMENTS,
    exported_at=MOMENTS,
    as_of=st.none() | MOMENTS | st.datetimes(),
    role=st.text(),
)
def test_any_case_file_json_is_the_models_json(
    payload: dict[str, object],
    state: dict[str, object],
    recorded_at: datetime,
    exported_at: datetime,
    as_of: datetime | None,
    role: str,
) -> None:
    step = {
        "version": 1,
        "position": 7,
        "event": "Officer.Registered",
        "recorded_at": recorded_at,
        "timestamp": recorded_at,
        "who": {"principal": "p", "role": role, "agency_id": AGENCY, "correlation_id": "c"},
        "payload": payload,
        "changed": sorted(state),
        "state_after": state,
        "hashes": {"leaf_index": 0, "content_hash": None, "prev_hash": None, "event_hash": "ab"},
    }
    data = {
        "kind": "officer",
        "id": uuid4(),
        "version": 1,
        "latest_version": 1,
        "as_of": as_of,
        "state": state,
        "chain_intact": True,
        "steps": [step],
    }
    case = exported(data, exported_at)
    assert case.json() == model_json(case)
