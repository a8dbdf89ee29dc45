"""The fast ways the projections read days and ids agree with the domain's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain.values import DISTRICT_ZONE, local_date
from projections.values import day_of, district_day, uuid_of

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
offsets = st.sampled_from(
    [UTC, DISTRICT_ZONE, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
)


@given(moment=moments, zone=offsets)
def test_the_district_day_of_a_moment_is_the_domain_s(moment: datetime, zone: tzinfo) -> None:
    local = moment.astimezone(zone)
    assert district_day(local) == local_date(moment)
    assert day_of(local.isoformat()) == local_date(moment)


def test_a_date_is_its_own_day_and_ids_are_parsed_once() -> None:
    assert day_of("2023-12-31").isoformat() == "2023-12-31"
    assert day_of("2023-12-31T16:30:00+00:00").isoformat() == "2024-01-01"
    text = "6f1c3a0e-8b7d-5c52-9a4e-1d2b3c4d5e6f"
    assert uuid_of(text) == UUID(text) and uuid_of(text) is uuid_of(text)
    assert uuid_of(UUID(text)) == UUID(text)
