"""One entity's inspection year: tasks land, merge into joint inspections, and the report's
figures (joint inspections merged, inspections avoided) are counted from the events alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEventProtocol
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.base import recording_as
from domain.errors import RuleViolation
from domain.planning.entity_year import EntityYear
from domain.planning.values import Period, PlanKind, TaskRef, VisitState
from domain.values import DISTRICT_ZONE
from tests.conftest import TEST_META

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
        year = a_year()
        msa, eco = uuid4(), uuid4()
        first, second = a_task(1), a_task(2)
        year.schedule(first, PlanKind.SPECIAL, [msa], MARCH, AT)
        merged = year.schedule(second, PlanKind.ROUTINE, [eco], MAY, AT)
        assert merged == [first, second]
        visit = year.visit_of(second)
        assert visit is year.visit_of(first)
        assert visit.joint
        assert visit.lead_agency_id == msa
        assert visit.agency_ids == [msa, eco]
        assert visit.period == Period(first=MARCH.first, last=MAY.last)
        assert figures(year.collect_events()) == (1, 1)

    def test_a_third_task_joins_the_joint_inspection(self) -> None:
        year = a_year()
        for n in range(1, 4):
            year.schedule(a_task(n), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        assert len(year.visits) == 1
        assert len(year.visits[1].tasks) == 3
        assert len(year.agency_ids) == 3
        assert figures(year.collect_events()) == (1, 2)

    def test_a_task_landing_during_an_inspection_makes_a_new_visit(self) -> None:
        year = a_year()
        year.schedule(a_task(1), PlanKind.SPECIAL, [uuid4()], MARCH, AT)
        year.start(1, uuid4(), AT)
        assert year.schedule(a_task(2), PlanKind.SPECIAL, [uuid4()], MAY, AT) == []
        assert len(year.visits) == 2

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
                year.schedule(a_task(n), PlanKind.SPECIAL, agencies, MAY, AT)
                # A new visit only when none was open: the once-a-year rule.
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
