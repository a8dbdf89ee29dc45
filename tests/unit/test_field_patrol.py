"""Area patrols and their coverage, told as given / when / then, in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.field import rules
from domain.field.coverage import patrol_coverage
from domain.field.patrol import AreaPatrol
from domain.registry.grid_cell import GridCell
from domain.values import DISTRICT_ZONE, RevocationReason
from tests.builders_cases import a_team

pytestmark = pytest.mark.usefixtures("as_system")

START = datetime(2023, 5, 10, 9, 0, tzinfo=DISTRICT_ZONE)


def a_patrol(
    team_agency: Any = None,
    started_at: datetime = START,
    ended_at: datetime | None = None,
    cell: GridCell | None = None,
    **kwargs: Any,
) -> AreaPatrol:
    agency = team_agency or uuid4()
    return AreaPatrol.record(
        agency_id=agency,
        grid_cell=cell or GridCell(code="G-001", name="新港街道一网格", street="新港街道"),
        officers=kwargs.pop("officers", None) or a_team(agency),
        started_at=started_at,
        ended_at=ended_at or started_at + timedelta(hours=2),
        route="新港路—港塘路",
        notes="",
        problems_found=kwargs.pop("problems_found", 1),
    )


def test_a_patrol_is_recorded_with_its_cell_agency_and_day() -> None:
    patrol = a_patrol()
    assert patrol.grid_cell_code == "G-001"
    assert patrol.patrol_date == date(2023, 5, 10)
    assert len(patrol.officer_ids) == 2
    events = patrol.collect_events()
    assert [type(e).TOPIC for e in events] == ["AreaPatrol.Recorded"]  # type: ignore[attr-defined]
    assert events[0].mutate(None) == patrol


def test_the_patrol_day_is_the_districts_calendar_day() -> None:
    late_utc = datetime(2023, 5, 10, 17, 30, tzinfo=UTC)  # 01:30 on 11 May in Tianjin
    assert a_patrol(started_at=late_utc).patrol_date == date(2023, 5, 11)


def test_a_patrol_needs_two_certified_officers_of_the_agency() -> None:
    agency = uuid4()
    with pytest.raises(RuleViolation) as one:
        a_patrol(agency, officers=a_team(agency, "P-1"))
    assert one.value.rule == "two-officers"
    with pytest.raises(RuleViolation) as foreign:
        a_patrol(agency, officers=a_team(uuid4()))
    assert foreign.value.rule == "officers-of-the-acting-agency"


def test_an_officer_certified_only_from_the_second_day_cannot_patrol_across_midnight() -> None:
    agency = uuid4()
    team = a_team(agency, "O-1", "O-2", certified_on=date(2023, 5, 11))
    night = datetime(2023, 5, 11, 0, 30, tzinfo=DISTRICT_ZONE)
    a_patrol(agency, officers=team, started_at=night, ended_at=night + timedelta(hours=1))
    evening = datetime(2023, 5, 10, 22, 0, tzinfo=DISTRICT_ZONE)
    with pytest.raises(RuleViolation) as refused:
        a_patrol(agency, officers=team, started_at=evening, ended_at=evening + timedelta(hours=3))
    assert refused.value.rule == "certified-officers-only"


def test_an_officer_with_a_revocation_on_file_patrols_no_more_not_even_back_dated() -> None:
    agency = uuid4()
    team = a_team(agency)
    team[0].revoke_certificate(date(2023, 5, 11), RevocationReason.REASSIGNMENT, note="")
    evening = datetime(2023, 5, 10, 22, 0, tzinfo=DISTRICT_ZONE)
    with pytest.raises(RuleViolation) as refused:
        a_patrol(agency, officers=team, started_at=evening, ended_at=evening + timedelta(hours=1))
    assert refused.value.rule == "revoked-officer-in-nothing-new"


def test_the_same_patrol_twice_has_the_same_id() -> None:
    agency = uuid4()
    assert AreaPatrol.create_id(agency, "G-001", START) == AreaPatrol.create_id(
        agency, "G-001", START.astimezone(UTC)
    )
    assert AreaPatrol.create_id(agency, "G-001", START) != AreaPatrol.create_id(
        agency, "G-002", START
    )


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(start=moments, minutes=st.integers(min_value=-3000, max_value=3000))
def test_a_patrol_ends_after_it_starts_and_lasts_at_most_a_day(
    start: datetime, minutes: int
) -> None:
    end = start + timedelta(minutes=minutes)
    if 0 < minutes <= 24 * 60:
        rules.require_patrol_window(start, end)
        return
    with pytest.raises(RuleViolation) as refused:
        rules.require_patrol_window(start, end)
    expected = "patrol-ends-after-start" if minutes <= 0 else "patrol-at-most-24-hours"
    assert refused.value.rule == expected


# Coverage, from events alone ------------------------------------------------------------------


def defined(code: str) -> tuple[str, dict[str, Any]]:
    return "GridCell.Defined", {"code": code, "name": code, "street": "s"}


AGENCY_A, AGENCY_B = uuid4(), uuid4()


def patrolled(code: str, day: str, agency: UUID = AGENCY_A) -> tuple[str, dict[str, Any]]:
    return "AreaPatrol.Recorded", {
        "grid_cell_code": code,
        "patrol_date": day,
        "agency_id": str(agency),
    }


def test_coverage_is_distinct_cells_patrolled_over_cells_defined() -> None:
    events = [
        defined("G-001"),
        defined("G-002"),
        defined("G-003"),
        patrolled("G-001", "2023-05-10"),
        patrolled("G-001", "2023-05-11"),
        patrolled("G-002", "2023-05-12", agency=AGENCY_B),
        patrolled("G-003", "2024-01-02"),
        ("Officer.Registered", {"code": "x"}),
    ]
    year = patrol_coverage(events, date(2023, 1, 1), date(2023, 12, 31))
    assert year.share == Fraction(2, 3)
    assert year.unpatrolled == {"G-003"}
    assert not year.complete
    assert patrol_coverage(
        events, date(2023, 1, 1), date(2023, 12, 31), AGENCY_A
    ).share == Fraction(1, 3)
    assert patrol_coverage(events, date(2023, 1, 1), date(2024, 12, 31)).complete


def test_with_no_cells_defined_coverage_is_zero_not_complete() -> None:
    empty = patrol_coverage([patrolled("G-9", "2023-01-01")], date(2023, 1, 1), date(2023, 1, 1))
    assert empty.share == 0 and not empty.complete


@given(
    cells=st.sets(st.sampled_from([f"G-{n:03d}" for n in range(1, 20)]), min_size=1),
    visits=st.lists(st.sampled_from([f"G-{n:03d}" for n in range(1, 25)])),
)
def test_coverage_is_a_share_between_0_and_1(cells: set[str], visits: list[str]) -> None:
    events = [defined(c) for c in sorted(cells)] + [patrolled(v, "2023-06-01") for v in visits]
    coverage = patrol_coverage(events, date(2023, 1, 1), date(2023, 12, 31))
    assert 0 <= coverage.share <= 1
    assert coverage.patrolled == cells & set(visits)
