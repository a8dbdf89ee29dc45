"""Coordination meetings, judicial and procuratorial suggestions, and the equipment ledger."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import AlreadyExists, RuleViolation
from domain.oversight import rules
from domain.oversight.equipment import EquipmentLedger
from domain.oversight.meeting import CoordinationMeeting
from domain.oversight.suggestion import Suggestion
from domain.oversight.values import EquipmentKind, MeetingKind, SuggestionKind

pytestmark = pytest.mark.usefixtures("as_system")

URB, ECO = uuid4(), uuid4()
HELD_ON = date(2023, 4, 18)
RECEIVED_ON, DEADLINE = date(2023, 5, 10), date(2023, 7, 10)


def a_whistle_meeting() -> CoordinationMeeting:
    return CoordinationMeeting(
        reference="CS-1",
        kind=MeetingKind.WHISTLE,
        held_on=HELD_ON,
        host="新港街道",
        topic="拆除违法建设",
        agency_ids=[URB, ECO],
    )


def a_suggestion(agency_id: UUID | None = URB) -> Suggestion:
    return Suggestion(
        reference="（2023）津0116司建1号",
        kind=SuggestionKind.JUDICIAL,
        issuer="天津市滨海新区人民法院",
        agency_id=agency_id,
        subject="强制拆除程序不完整",
        received_on=RECEIVED_ON,
        deadline=DEADLINE,
    )


# Meetings --------------------------------------------------------------------------------------


def test_opinions_are_numbered_and_carry_the_attending_agencies() -> None:
    meeting = a_whistle_meeting()
    meeting.give_opinion(HELD_ON, "先固定证据", agency_id=URB)
    meeting.give_opinion(HELD_ON + timedelta(days=1), "联合执法", agency_id=None)
    assert [o.opinion_no for o in meeting.opinions] == [1, 2]
    events = meeting.collect_events()
    assert events[-1].agency_ids == [URB, ECO]  # type: ignore[attr-defined]
    assert events[-1].kind is MeetingKind.WHISTLE  # type: ignore[attr-defined]
    state = None
    for event in events:
        state = event.mutate(state)
    assert state == meeting


def test_an_opinion_is_addressed_to_an_agency_that_attended() -> None:
    with pytest.raises(RuleViolation) as refused:
        a_whistle_meeting().give_opinion(HELD_ON, "x", agency_id=uuid4())
    assert refused.value.rule == "opinion-to-attending-agency"


def test_agencies_attend_once() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_distinct_agencies([URB, ECO, URB])
    assert refused.value.rule == "agencies-listed-once"


@given(offset=st.integers(min_value=-30, max_value=30))
def test_an_opinion_is_not_dated_before_its_meeting(offset: int) -> None:
    meeting = a_whistle_meeting()
    given_on = HELD_ON + timedelta(days=offset)
    if offset < 0:
        with pytest.raises(RuleViolation) as refused:
            meeting.give_opinion(given_on, "x", agency_id=None)
        assert refused.value.rule == "opinion-after-meeting"
    else:
        meeting.give_opinion(given_on, "x", agency_id=None)


# Suggestions -----------------------------------------------------------------------------------


@given(offset=st.integers(min_value=-60, max_value=120))
def test_an_answer_comes_after_receipt_and_is_late_after_the_deadline(offset: int) -> None:
    suggestion = a_suggestion()
    answered_on = RECEIVED_ON + timedelta(days=offset)
    if answered_on < RECEIVED_ON:
        with pytest.raises(RuleViolation) as refused:
            suggestion.record_answer(answered_on, "已整改")
        assert refused.value.rule == "answer-after-receipt"
        return
    suggestion.record_answer(answered_on, "已整改")
    answered = suggestion.collect_events()[-1]
    assert answered.late is (answered_on > DEADLINE)  # type: ignore[attr-defined]
    assert answered.deadline == DEADLINE  # type: ignore[attr-defined]
    assert suggestion.overdue_on(date(2030, 1, 1)) is (answered_on > DEADLINE)


def test_an_unanswered_suggestion_becomes_overdue_after_its_deadline() -> None:
    suggestion = a_suggestion()
    assert not suggestion.overdue_on(DEADLINE)
    assert suggestion.overdue_on(DEADLINE + timedelta(days=1))


def test_a_suggestion_is_answered_once() -> None:
    suggestion = a_suggestion()
    suggestion.record_answer(date(2023, 6, 1), "已整改")
    with pytest.raises(RuleViolation) as refused:
        suggestion.record_answer(date(2023, 6, 2), "再次答复")
    assert refused.value.rule == "answer-once"


def test_a_suggestion_to_the_district_government_is_no_agency_s_to_read() -> None:
    assert a_suggestion(agency_id=None).agency_scope() == frozenset()
    assert a_suggestion().agency_scope() == frozenset({URB})


@given(received=st.dates(), deadline=st.dates())
def test_a_deadline_does_not_fall_before_receipt(received: date, deadline: date) -> None:
    if deadline < received:
        with pytest.raises(RuleViolation) as refused:
            rules.require_deadline_not_before(deadline, received, "suggestion S")
        assert refused.value.rule == "deadline-after-receipt"
    else:
        rules.require_deadline_not_before(deadline, received, "suggestion S")


# Equipment -------------------------------------------------------------------------------------

KINDS = st.sampled_from(list(EquipmentKind))
moves = st.lists(
    st.tuples(st.booleans(), KINDS, st.integers(min_value=1, max_value=50)), max_size=20
)


@given(moves=moves)
def test_holdings_never_go_below_zero(moves: list[tuple[bool, EquipmentKind, int]]) -> None:
    ledger = EquipmentLedger(agency_id=URB)
    expected: dict[EquipmentKind, int] = {}
    for n, (issue, kind, quantity) in enumerate(moves):
        if issue:
            ledger.issue(f"V-{n}", kind, quantity, date(2023, 3, 1), note="")
            expected[kind] = expected.get(kind, 0) + quantity
        elif quantity > expected.get(kind, 0):
            with pytest.raises(RuleViolation) as refused:
                ledger.record_return(f"V-{n}", kind, quantity, date(2023, 6, 1), reason="损坏")
            assert refused.value.rule == "return-only-held-equipment"
        else:
            ledger.record_return(f"V-{n}", kind, quantity, date(2023, 6, 1), reason="损坏")
            expected[kind] -= quantity
        assert ledger.held(kind) == expected.get(kind, 0) >= 0
    state = None
    for event in ledger.collect_events():
        state = event.mutate(state)
    assert state == ledger


def test_the_report_s_330_sets_are_counted_from_issue_events() -> None:
    ledgers = [EquipmentLedger(agency_id=uuid4()) for _ in range(3)]
    for n, (ledger, quantity) in enumerate(zip(ledgers, [120, 60, 152], strict=True)):
        ledger.issue(f"EQ-{n}", EquipmentKind.ENFORCEMENT_TERMINAL, quantity, date(2023, 3, 1), "")
    events = [e for ledger in ledgers for e in ledger.collect_events()]
    issued = [e for e in events if isinstance(e, EquipmentLedger.Issued)]
    assert sum(e.quantity for e in issued) == 332
    assert {e.agency_id for e in issued} == {ledger.agency_id for ledger in ledgers}


def test_a_voucher_is_booked_once() -> None:
    ledger = EquipmentLedger(agency_id=URB)
    ledger.issue("EQ-1", EquipmentKind.BODY_CAMERA, 10, date(2023, 3, 1), note="")
    with pytest.raises(AlreadyExists, match="equipment voucher EQ-1 already exists"):
        ledger.issue("EQ-1", EquipmentKind.BODY_CAMERA, 10, date(2023, 3, 1), note="")
