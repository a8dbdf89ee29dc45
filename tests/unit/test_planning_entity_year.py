"""One entity's inspection year: tasks land, merge into joint inspections, and the report's
figures (joint inspections merged, inspections avoided) are counted from the events alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEventProtocol
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.base import recording_as
from domain.errors import RuleViolation
from domain.planning.entity_year import EntityYear
from domain.planning.rules import require_once_a_year
from domain.planning.values import Period, PlanKind, TaskRef, Visit, VisitState
from domain.values import DISTRICT_ZONE
from tests.conftest import TEST_META

INSPECTING, DONE = VisitState.INSPECTING, VisitState.DONE

AT = datetime(2023, 2, 1, 9, tzinfo=DISTRICT_ZONE)
MARCH = Period(first=date(2023, 3, 1), last=date(2023, 3, 31))
MAY = Period(first=date(2023, 5, 1), last=date(2023, 5, 31))


def a_task(n: int = 1) -> TaskRef:
    return TaskRef(plan_id=uuid4(), plan_no=f"P-{n}", task_no=1)


def a_year() -> EntityYear:
    return EntityYear(entity_id=uuid4(), year=2023)


def state_of(year: EntityYear, visit_no: int) -> VisitState:
    return year.visits[visit_no].state


def figures(events: Iterable[DomainEventProtocol[UUID]]) -> tuple[int, int]:
    """(joint inspections merged, inspections avoided), as a read model would count them."""
    merged = avoided = 0
    for e in events:
        if isinstance(e, EntityYear.TasksMerged):
            merged += 1
            avoided += e.inspections_avoided
        elif isinstance(e, EntityYear.JointInspectionJoined):
            avoided += e.inspections_avoided
    return merged, avoided


@pytest.mark.usefixtures("as_system")
class TestMatching:
    def test_a_first_task_is_a_visit_of_its_own(self) -> None:
        year = a_year()
        assert year.schedule(a_task(), PlanKind.SPECIAL, [uuid4()], MARCH, AT) == []
        assert len(year.visits) == 1
        assert not year.visits[1].joint

    def test_a_second_agency_s_task_merges_into_one_joint_inspection(self) -> None:
        # Given a task for March to mid-May and another agency's for May
        year = a_year()
        msa, eco = uuid4(), uuid4()
        first, second = a_task(1), a_task(2)
        spring = Period(first=MARCH.first, last=date(2023, 5, 15))
        year.schedule(first, PlanKind.SPECIAL, [msa], spring, AT)
        # When the second lands, the two become one joint inspection
        merged = year.schedule(second, PlanKind.ROUTINE, [eco], MAY, AT)
        assert merged == [first, second]
        visit = year.visit_of(second)
        assert visit is year.visit_of(first)
        assert visit.joint
        assert visit.lead_agency_id == msa
        assert visit.agency_ids == [msa, eco]
        # Then it is held on the days both periods share, so each task keeps its own window
        assert visit.period == Period(first=MAY.first, last=date(2023, 5, 15))
        assert figures(year.collect_events()) == (1, 1)

    def test_tasks_of_periods_sharing_no_day_are_not_merged_a_second_visit_is_refused(
        self,
    ) -> None:
        # Given a task for March
        year = a_year()
        year.schedule(a_task(1), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        # When a task for November lands, then it is refused: it cannot be merged (it would
        # let the March task be inspected in November) and would be a second inspection
        november = Period(first=date(2023, 11, 1), last=date(2023, 11, 30))
        with pytest.raises(RuleViolation) as refused:
            year.schedule(a_task(2), PlanKind.SPECIAL, [uuid4()], november, AT)
        assert refused.value.rule == "once-a-year"
        assert "shares no day" in str(refused.value)
        assert year.visits[1].period == MARCH
        assert len(year.visits) == 1

    def test_a_third_task_joins_the_joint_inspection(self) -> None:
        year = a_year()
        for n in range(1, 4):
            year.schedule(a_task(n), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        assert len(year.visits) == 1
        assert len(year.visits[1].tasks) == 3
        assert len(year.agency_ids) == 3
        assert figures(year.collect_events()) == (1, 2)

    @pytest.mark.parametrize("done", [False, True])
    def test_an_entity_inspected_this_year_takes_no_second_task(self, done: bool) -> None:
        # Given an entity under inspection (or inspected) this year
        year = a_year()
        year.schedule(a_task(1), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        inspection = uuid4()
        year.start(1, inspection, AT)
        if done:
            year.end(1, inspection, done=True, at=AT)
        # When another task of the year lands, then the once-a-year rule refuses it
        with pytest.raises(RuleViolation) as refused:
            year.schedule(a_task(2), PlanKind.SPECIAL, [uuid4()], MAY, AT)
        assert refused.value.rule == "once-a-year"
        assert ("was inspected" if done else "is under inspection") in str(refused.value)
        assert len(year.visits) == 1

    def test_after_a_cancelled_visit_a_new_task_is_the_year_s_visit(self) -> None:
        year = a_year()
        first = a_task(1)
        year.schedule(first, PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        year.cancel(first, uuid4(), AT)
        assert year.schedule(a_task(2), PlanKind.SPECIAL, [uuid4()], MAY, AT) == []
        assert year.visits[2].period == MAY

    def test_a_visit_refused_by_the_entity_is_open_again_a_done_one_is_closed(self) -> None:
        year = a_year()
        year.schedule(a_task(1), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        inspection = uuid4()
        year.start(1, inspection, AT)
        year.end(1, inspection, done=False, at=AT)
        assert state_of(year, 1) is VisitState.OPEN
        year.start(1, inspection, AT)
        year.end(1, inspection, done=True, at=AT)
        assert state_of(year, 1) is VisitState.DONE
        assert year.open_visit() is None
        with pytest.raises(RuleViolation) as refused:
            year.start(1, uuid4(), AT)
        assert refused.value.rule == "visit-state"

    def test_a_lone_task_is_cancelled_a_merged_one_is_not(self) -> None:
        year = a_year()
        first, second = a_task(1), a_task(2)
        year.schedule(first, PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        year.schedule(second, PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        with pytest.raises(RuleViolation) as refused:
            year.cancel(first, uuid4(), AT)
        assert refused.value.rule == "cancel-only-scheduled-tasks"
        other = a_year()
        other.schedule(first, PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        other.cancel(first, uuid4(), AT)
        assert other.visits[1].state is VisitState.CANCELLED
        assert other.open_visit() is None

    def test_history_is_rebuilt_from_events_alone(self) -> None:
        year = a_year()
        for n in range(1, 4):
            year.schedule(a_task(n), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        year.start(1, uuid4(), AT)
        rebuilt = None
        for e in year.collect_events():
            rebuilt = e.mutate(rebuilt)
        assert rebuilt == year


steps = st.lists(
    st.one_of(
        st.integers(min_value=1, max_value=3),  # a task of that many agencies lands
        st.sampled_from(["start", "done", "refused", "cancel"]),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=80)
@given(history=steps)
def test_the_report_figures_count_from_events_alone(history: list[int | str]) -> None:
    """Whatever lands and whatever happens to the visits meanwhile, the events alone give
    merges = joint inspections and avoided = sum over them of (tasks merged - 1)."""
    with recording_as(TEST_META):
        year = a_year()
        for n, step in enumerate(history, start=1):
            visit = year.open_visit()
            busy = [v for v in year.visits.values() if v.state is VisitState.INSPECTING]
            if isinstance(step, int):
                before = len(year.visits)
                agencies = [uuid4() for _ in range(step)]
                held = [v for v in year.visits.values() if v.state in (INSPECTING, DONE)]
                if held:
                    # The once-a-year rule: no task after the year's inspection began.
                    with pytest.raises(RuleViolation):
                        year.schedule(a_task(n), PlanKind.SPECIAL, agencies, MAY, AT)
                    continue
                year.schedule(a_task(n), PlanKind.SPECIAL, agencies, MAY, AT)
                # A new visit only when none was open.
                assert (len(year.visits) > before) == (visit is None)
            elif step == "cancel" and visit is not None and not visit.joint:
                year.cancel(visit.tasks[0], visit.lead_agency_id, AT)
            elif step == "start" and visit is not None:
                year.start(visit.visit_no, uuid4(), AT)
            elif step in ("done", "refused") and busy:
                inspection = busy[0].inspection_id
                assert inspection is not None
                year.end(busy[0].visit_no, inspection, done=step == "done", at=AT)
        joint = [v for v in year.visits.values() if v.joint]
        assert figures(year.collect_events()) == (
            len(joint),
            sum(len(v.tasks) - 1 for v in joint),
        )


days = st.integers(min_value=0, max_value=364)


@given(a=st.tuples(days, days), b=st.tuples(days, days))
def test_the_once_a_year_rule_merges_only_periods_sharing_days(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    """Pure rule: an open visit takes a task iff their periods share a day, and the joint
    inspection is then held within both periods."""
    jan1 = date(2023, 1, 1)

    def period(ends: tuple[int, int]) -> Period:
        lo, hi = sorted(ends)
        return Period(first=jan1 + timedelta(days=lo), last=jan1 + timedelta(days=hi))

    first, second = period(a), period(b)
    visit = Visit(visit_no=1, lead_agency_id=uuid4(), agency_ids=[], tasks=[], period=first)
    shares = first.first <= second.last and second.first <= first.last
    if shares:
        joins = require_once_a_year(a_task(2), second, 2023, [visit])
        assert joins is not None
        into, shared = joins
        assert into is visit
        for p in (first, second):
            assert p.first <= shared.first <= shared.last <= p.last
    else:
        with pytest.raises(RuleViolation) as refused:
            require_once_a_year(a_task(2), second, 2023, [visit])
        assert refused.value.rule == "once-a-year"
    assert require_once_a_year(a_task(2), second, 2023, []) is None
