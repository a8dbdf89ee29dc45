"""A 12345 hotline ticket, told as given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.oversight import rules
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.values import (
    Satisfaction,
    ScreeningResult,
    TicketCategory,
    TicketChannel,
    TicketFinding,
    TicketStatus,
)
from domain.personal import PersonalData
from domain.values import local_date
from tests.builders_oversight import at

pytestmark = pytest.mark.usefixtures("as_system")

AGENCY = uuid4()


def a_ticket(
    deadline: date = date(2023, 3, 20), person: PersonalData | None = None
) -> HotlineTicket:
    return HotlineTicket(
        ticket_no="T-1",
        received_at=at(3, 1),
        channel=TicketChannel.PHONE,
        category=TicketCategory.CATERING_FUMES,
        summary="油烟直排",
        person=person,
        deadline=deadline,
    )


def a_routed_ticket(agency_id: UUID = AGENCY, deadline: date = date(2023, 3, 20)) -> HotlineTicket:
    ticket = a_ticket(deadline)
    ticket.screen(at(3, 1, 10), ScreeningResult.RELEVANT, note="")
    ticket.route(agency_id, at(3, 1, 11), deadline=None)
    return ticket


def a_handled_ticket(deadline: date = date(2023, 3, 20)) -> HotlineTicket:
    ticket = a_routed_ticket(deadline=deadline)
    ticket.handle(at(3, 10), [], TicketFinding.SUBSTANTIATED, "责令整改")
    return ticket


def rebuilt(aggregate: HotlineTicket) -> Any:
    state = None
    for event in aggregate.collect_events():
        state = event.mutate(state)
    return state


def test_a_ticket_goes_through_every_step_and_rebuilds_from_its_events() -> None:
    ticket = a_handled_ticket()
    ticket.close(at(3, 15), Satisfaction.SATISFIED)
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.late is False
    events = ticket.collect_events()
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "HotlineTicket.Received",
        "HotlineTicket.Screened",
        "HotlineTicket.Routed",
        "HotlineTicket.Handled",
        "HotlineTicket.Closed",
    ]
    state = None
    for event in events:
        state = event.mutate(state)
    assert state == ticket


def test_the_complainant_is_only_in_the_received_event() -> None:
    ticket = a_ticket(person=PersonalData(name="张三", phone="13800000000"))
    ticket.screen(at(3, 1, 10), ScreeningResult.RELEVANT, note="")
    received, screened = ticket.collect_events()
    assert received.person == PersonalData(name="张三", phone="13800000000")  # type: ignore[attr-defined]
    assert "张三" not in screened.model_dump_json()  # type: ignore[attr-defined]


def test_a_ticket_is_routed_only_after_screening() -> None:
    ticket = a_ticket()
    with pytest.raises(RuleViolation) as refused:
        ticket.route(AGENCY, at(3, 1, 11), deadline=None)
    assert refused.value.rule == "ticket-steps-in-order"
    assert "ticket T-1 is received" in refused.value.message


def test_a_lead_screened_out_is_closed_without_routing() -> None:
    ticket = a_ticket()
    ticket.screen(at(3, 1, 10), ScreeningResult.NOT_RELEVANT, note="劳动争议")
    with pytest.raises(RuleViolation, match="can be routed only when"):
        ticket.route(AGENCY, at(3, 1, 11), deadline=None)
    ticket.close(at(3, 2), None)
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.agency_id is None


def test_the_routed_agency_handles_and_a_reopened_ticket_is_handled_again() -> None:
    ticket = a_handled_ticket()
    ticket.close(at(3, 15), Satisfaction.DISSATISFIED)
    ticket.reopen(at(3, 16), reason="油烟依旧")
    assert ticket.status is TicketStatus.REOPENED
    assert ticket.late is None
    ticket.handle(at(3, 18), [], TicketFinding.SUBSTANTIATED, "已安装净化设施")
    ticket.close(at(3, 19), Satisfaction.SATISFIED)
    assert ticket.times_reopened == 1
    assert rebuilt(ticket) == ticket


def test_a_reopened_ticket_never_routed_must_be_routed_first() -> None:
    ticket = a_ticket()
    ticket.screen(at(3, 1, 10), ScreeningResult.NOT_RELEVANT, note="")
    ticket.close(at(3, 2), None)
    ticket.reopen(at(3, 3), reason="确属执法线索")
    with pytest.raises(RuleViolation, match="never routed"):
        ticket.handle(at(3, 4), [], TicketFinding.SUBSTANTIATED, "x")
    ticket.route(AGENCY, at(3, 4), deadline=date(2023, 3, 30))
    assert ticket.deadline == date(2023, 3, 30)


def test_a_closed_ticket_is_closed_once() -> None:
    ticket = a_handled_ticket()
    ticket.close(at(3, 15), None)
    with pytest.raises(RuleViolation) as refused:
        ticket.close(at(3, 16), None)
    assert refused.value.rule == "ticket-steps-in-order"


def test_a_routing_deadline_cannot_fall_before_receipt() -> None:
    ticket = a_ticket()
    ticket.screen(at(3, 1, 10), ScreeningResult.RELEVANT, note="")
    with pytest.raises(RuleViolation) as refused:
        ticket.route(AGENCY, at(3, 1, 11), deadline=date(2023, 2, 28))
    assert refused.value.rule == "deadline-after-receipt"


def test_only_agencies_it_was_routed_to_can_read_it() -> None:
    ticket = a_ticket()
    assert ticket.agency_scope() == frozenset()
    ticket.screen(at(3, 1, 10), ScreeningResult.RELEVANT, note="")
    ticket.route(AGENCY, at(3, 1, 11), deadline=None)
    other = uuid4()
    ticket.route(other, at(3, 1, 12), deadline=None)
    assert ticket.agency_scope() == frozenset({AGENCY, other})
    assert ticket.agency_id == other


moments = st.datetimes(
    min_value=datetime(2023, 3, 1, 12), max_value=datetime(2023, 6, 30), timezones=st.just(UTC)
)
deadlines = st.dates(min_value=date(2023, 3, 2), max_value=date(2023, 6, 30))


@given(closed_at=moments, deadline=deadlines)
def test_a_ticket_closed_after_its_deadline_is_on_file_as_late(
    closed_at: datetime, deadline: date
) -> None:
    ticket = a_handled_ticket(deadline)
    assume(closed_at >= ticket.last_step_at)
    ticket.close(closed_at, None)
    closed = ticket.collect_events()[-1]
    expected = local_date(closed_at) > deadline
    assert closed.late is expected  # type: ignore[attr-defined]
    assert closed.deadline == deadline  # type: ignore[attr-defined]
    assert ticket.overdue_at(closed_at + timedelta(days=400)) is expected


@given(deadline=deadlines, probe=moments)
def test_an_open_ticket_is_overdue_after_its_deadline_day(deadline: date, probe: datetime) -> None:
    ticket = a_routed_ticket(deadline=deadline)
    assert ticket.overdue_at(probe) is (local_date(probe) > deadline)


@given(offset=st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)))
def test_each_step_is_dated_no_earlier_than_the_one_before(offset: timedelta) -> None:
    ticket = a_routed_ticket()
    handled_at = ticket.last_step_at + offset
    if offset < timedelta(0):
        with pytest.raises(RuleViolation) as refused:
            ticket.handle(handled_at, [], TicketFinding.UNSUBSTANTIATED, "x")
        assert refused.value.rule == "ticket-times-in-order"
    else:
        ticket.handle(handled_at, [], TicketFinding.UNSUBSTANTIATED, "x")
        assert ticket.status is TicketStatus.HANDLED


STEPS = ["screened", "routed", "handled", "closed", "reopened"]


@given(status=st.sampled_from(list(TicketStatus)), step=st.sampled_from(STEPS))
def test_the_step_rule_allows_exactly_the_table(status: TicketStatus, step: str) -> None:
    if status in rules.TICKET_STEPS[step]:
        rules.require_ticket_step("T", status, step)
    else:
        now = status.value.replace("_", " ")
        with pytest.raises(RuleViolation, match=f"is {now}; it can be {step}"):
            rules.require_ticket_step("T", status, step)


def test_a_refused_step_names_the_statuses_in_words() -> None:
    ticket = a_ticket()
    with pytest.raises(RuleViolation) as refused:
        ticket.close(at(3, 15), None)
    assert "only when handled or screened out" in str(refused.value)
    assert "screened_out" not in str(refused.value)
