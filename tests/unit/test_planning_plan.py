"""An inspection plan and its tasks, told as given / when / then."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import NotFound, RuleViolation
from domain.planning import rules
from domain.planning.plan import InspectionPlan
from domain.planning.values import Period, PlanKind, TaskRef, TaskStatus, VisitState
from domain.values import DISTRICT_ZONE, CreditRating

pytestmark = pytest.mark.usefixtures("as_system")

AT = datetime(2023, 2, 1, 9, tzinfo=DISTRICT_ZONE)
SPRING = Period(first=date(2023, 3, 1), last=date(2023, 5, 31))


def a_plan(kind: PlanKind = PlanKind.SPECIAL, agencies: int = 1) -> InspectionPlan:
    return InspectionPlan.draw_up(
        plan_no="P-1",
        kind=kind,
        agency_ids=[uuid4() for _ in range(agencies)],
        year=2023,
        title="食品安全专项",
        item_codes=["MKT-001"],
        drawn_up_at=AT,
    )


def test_a_plan_is_drawn_up_by_its_lead_agency() -> None:
    plan = a_plan(PlanKind.JOINT_RANDOM, agencies=3)
    assert plan.agency_id == plan.agency_ids[0]
    assert len(plan.agency_ids) == 3
    assert plan.id == InspectionPlan.create_id("P-1")


@pytest.mark.parametrize(
    ("kind", "agencies", "rule"),
    [
        (PlanKind.JOINT_RANDOM, 1, "joint-random-needs-several-agencies"),
        (PlanKind.DOUBLE_RANDOM, 2, "one-agency-per-plan"),
        (PlanKind.SPECIAL, 2, "one-agency-per-plan"),
    ],
)
def test_only_a_joint_random_task_has_several_agencies(
    kind: PlanKind, agencies: int, rule: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        a_plan(kind, agencies)
    assert refused.value.rule == rule


def test_tasks_are_numbered_in_order_and_belong_to_the_lead_agency() -> None:
    plan = a_plan()
    first, second = uuid4(), uuid4()
    assert plan.add_tasks([(first, SPRING)], AT) == [1]
    assert plan.add_tasks([(second, SPRING)], AT) == [2]
    assert plan.task(2).entity_id == second
    assert plan.task(2).agency_id == plan.agency_id
    assert plan.task(2).status is TaskStatus.SCHEDULED


def test_an_entity_appears_once_in_a_plan() -> None:
    plan = a_plan()
    entity = uuid4()
    plan.add_tasks([(entity, SPRING)], AT)
    with pytest.raises(RuleViolation) as refused:
        plan.add_tasks([(entity, SPRING)], AT)
    assert refused.value.rule == "one-task-per-entity-in-a-plan"
    with pytest.raises(RuleViolation):
        plan.add_tasks([(uuid4(), SPRING), (e := uuid4(), SPRING), (e, SPRING)], AT)
    assert len(plan.tasks) == 1  # nothing of a refused batch was added


def test_a_random_plan_takes_no_task_by_hand() -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    with pytest.raises(RuleViolation) as refused:
        plan.add_tasks([(uuid4(), SPRING)], AT)
    assert refused.value.rule == "random-plans-draw-their-tasks"


def test_a_plan_that_is_not_random_draws_nothing() -> None:
    with pytest.raises(RuleViolation) as refused:
        a_plan().draw_at_random(1, ([uuid4()], [uuid4(), uuid4()]), (1, 2), SPRING, AT)
    assert refused.value.rule == "draw-only-for-random-plans"


def test_a_draw_adds_a_task_per_drawn_entity_with_its_drawn_officers() -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    entities = [uuid4() for _ in range(10)]
    officers = [uuid4() for _ in range(4)]
    assert plan.draw_at_random(7, (entities, officers), (3, 2), SPRING, AT) == [1, 2, 3]
    assert plan.draws == 1
    for task in plan.tasks.values():
        assert task.entity_id in entities
        assert len(task.officer_ids) == 2
        assert set(task.officer_ids) <= set(officers)


def test_a_later_draw_may_not_offer_entities_already_tasked() -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    entities = [uuid4() for _ in range(3)]
    officers = [uuid4(), uuid4()]
    plan.draw_at_random(7, (entities, officers), (1, 2), SPRING, AT)
    with pytest.raises(RuleViolation) as refused:
        plan.draw_at_random(8, (entities, officers), (1, 2), SPRING, AT)
    assert refused.value.rule == "one-task-per-entity-in-a-plan"


@pytest.mark.parametrize(
    ("counts", "rule"),
    [
        ((4, 2), "draw-within-candidates"),
        ((1, 3), "draw-within-candidates"),
        ((1, 1), "two-officers"),
    ],
)
def test_a_draw_takes_no_more_than_offered_and_two_officers_at_least(
    counts: tuple[int, int], rule: str
) -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    with pytest.raises(RuleViolation) as refused:
        plan.draw_at_random(
            7, ([uuid4() for _ in range(3)], [uuid4(), uuid4()]), counts, SPRING, AT
        )
    assert refused.value.rule == rule


def test_an_a_rated_drawn_entity_is_exempted_and_that_is_on_file() -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    plan.draw_at_random(7, ([uuid4()], [uuid4(), uuid4()]), (1, 2), SPRING, AT)
    plan.grant_honesty_exemption(1, CreditRating.A, date(2023, 1, 5), AT)
    assert plan.task(1).status is TaskStatus.EXEMPTED
    granted = [
        e for e in plan.collect_events() if isinstance(e, InspectionPlan.HonestyExemptionGranted)
    ]
    assert len(granted) == 1
    assert granted[0].entity_id == plan.task(1).entity_id
    assert granted[0].agency_id == plan.agency_id


@pytest.mark.parametrize(
    ("rating", "rated_on"),
    [(CreditRating.B, date(2023, 1, 5)), (CreditRating.A, date(2023, 6, 1)), (None, None)],
)
def test_no_exemption_without_an_a_rating_on_the_day(
    rating: CreditRating | None, rated_on: date | None
) -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    plan.draw_at_random(7, ([uuid4()], [uuid4(), uuid4()]), (1, 2), SPRING, AT)
    with pytest.raises(RuleViolation) as refused:
        plan.grant_honesty_exemption(1, rating, rated_on, AT)
    assert refused.value.rule == "honesty-exemption"


def test_only_a_scheduled_task_is_cancelled_and_a_plan_completes_when_all_settled() -> None:
    plan = a_plan()
    plan.add_tasks([(uuid4(), SPRING), (uuid4(), SPRING)], AT)
    with pytest.raises(RuleViolation) as refused:
        plan.complete(AT)
    assert refused.value.rule == "plan-complete-when-tasks-settled"
    plan.cancel_task(1, "entity deregistered", AT)
    with pytest.raises(RuleViolation) as again:
        plan.cancel_task(1, "twice", AT)
    assert again.value.rule == "cancel-only-scheduled-tasks"
    plan.mark_merged(2, uuid4(), 1, AT)
    with pytest.raises(RuleViolation):
        plan.cancel_task(2, "merged tasks stay bound to their joint inspection", AT)
    plan.mark_inspected(2, uuid4(), AT)
    plan.complete(AT)
    assert plan.completed
    with pytest.raises(RuleViolation) as closed:
        plan.add_tasks([(uuid4(), SPRING)], AT)
    assert closed.value.rule == "plan-open"


def test_an_unknown_task_is_not_found() -> None:
    with pytest.raises(NotFound):
        a_plan().task(9)


def test_history_is_rebuilt_from_events_alone() -> None:
    plan = a_plan(PlanKind.DOUBLE_RANDOM)
    plan.draw_at_random(7, ([uuid4() for _ in range(5)], [uuid4(), uuid4()]), (3, 2), SPRING, AT)
    plan.grant_honesty_exemption(2, CreditRating.A, date(2023, 1, 5), AT)
    plan.mark_merged(1, uuid4(), 1, AT)
    plan.cancel_task(3, "closed", AT)
    events = plan.collect_events()
    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt == plan
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "InspectionPlan.DrawnUp",
        "InspectionPlan.DoubleRandomDrawn",
        "InspectionPlan.TasksAdded",
        "InspectionPlan.HonestyExemptionGranted",
        "InspectionPlan.TaskMerged",
        "InspectionPlan.TaskCancelled",
    ]


days = st.dates(min_value=date(2021, 1, 1), max_value=date(2025, 12, 31))


@given(first=days, last=days, year=st.integers(min_value=2022, max_value=2024))
def test_a_task_period_lies_within_the_plan_year(first: date, last: date, year: int) -> None:
    period = Period(first=first, last=last)
    fits = first <= last and first.year == year and last.year == year
    if fits:
        rules.require_period_in_year(period, year)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_period_in_year(period, year)
        assert refused.value.rule == "task-period-in-plan-year"


@given(
    rating=st.one_of(st.none(), st.sampled_from(CreditRating)),
    rated_on=st.one_of(st.none(), days),
    day=days,
)
def test_honesty_exemption_exactly_for_an_a_rating_given_by_the_day(
    rating: CreditRating | None, rated_on: date | None, day: date
) -> None:
    expected = rating is CreditRating.A and rated_on is not None and rated_on <= day
    assert rules.honesty_exempt(rating, rated_on, day) == expected


@pytest.mark.parametrize("listed", [True, False])
def test_a_plan_checks_only_listed_inspection_items(listed: bool) -> None:
    if listed:
        rules.require_listed_item("MKT-001", listed=True)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_listed_item("MKT-404", listed=False)
        assert refused.value.rule == "listed-inspection-items-only"
        assert "MKT-404" in str(refused.value)


@given(status=st.sampled_from(list(TaskStatus)))
def test_only_a_scheduled_or_merged_task_is_open_for_inspection(status: TaskStatus) -> None:
    ref = TaskRef(plan_id=uuid4(), plan_no="P-1", task_no=1)
    allowed = {TaskStatus.SCHEDULED, TaskStatus.MERGED}
    if status in allowed:
        rules.require_task_status(ref, status, allowed, "task-open-for-inspection")
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_task_status(ref, status, allowed, "task-open-for-inspection")
        assert refused.value.rule == "task-open-for-inspection"
        assert status.value in str(refused.value)


@given(state=st.sampled_from(list(VisitState)))
def test_a_visit_takes_a_start_only_while_open(state: VisitState) -> None:
    ref = TaskRef(plan_id=uuid4(), plan_no="P-1", task_no=1)
    if state is VisitState.OPEN:
        rules.require_visit_open(ref, state)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_visit_open(ref, state)
        assert refused.value.rule == "task-open-for-inspection"
