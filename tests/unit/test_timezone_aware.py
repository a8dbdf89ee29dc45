"""Moments are timezone-aware everywhere in the domain, not only at the command boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.values import TicketCategory, TicketChannel
from domain.values import DISTRICT_ZONE, local_date, require_aware

pytestmark = pytest.mark.usefixtures("as_system")

naive = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(moment=naive)
def test_a_naive_moment_is_refused_by_name(moment: datetime) -> None:
    with pytest.raises(RuleViolation) as refused:
        require_aware("the patrol's start", moment)
    assert refused.value.rule == "timezone-aware-moments"
    assert "the patrol's start" in str(refused.value)
    with pytest.raises(RuleViolation):
        local_date(moment)  # never read in the host's zone


@given(moment=naive, zone=offsets)
def test_an_aware_moment_has_the_same_district_day_wherever_it_is_written(
    moment: datetime, zone: timezone
) -> None:
    aware = moment.replace(tzinfo=zone)
    assert require_aware("x", aware) is aware
    assert local_date(aware) == local_date(aware.astimezone(DISTRICT_ZONE))
    assert local_date(aware) == (aware.astimezone(UTC) + timedelta(hours=8)).date()


def a_ticket(received_at: datetime) -> HotlineTicket:
    return HotlineTicket(
        ticket_no=f"T-{uuid4()}",
        received_at=received_at,
        channel=TicketChannel.PHONE,
        category=TicketCategory.EDUCATION_TRAINING,
        summary="培训机构退费",
        person=None,
        deadline=date(2023, 3, 20),
    )


def test_an_event_with_a_naive_moment_is_not_created() -> None:
    # Given a moment without a time zone, when an aggregate is created with it
    with pytest.raises(RuleViolation) as refused:
        a_ticket(datetime(2023, 3, 1, 23, 30))
    # Then the rule names the event and its field
    assert refused.value.rule == "timezone-aware-moments"
    assert "HotlineTicket.Received.received_at" in str(refused.value)
    # And with its offset it is recorded
    ticket = a_ticket(datetime(2023, 3, 1, 23, 30, tzinfo=DISTRICT_ZONE))
    assert ticket.received_at.utcoffset() == timedelta(hours=8)
