"""Plans, their tasks, and joint-inspection matching over real events."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

import pytest

from domain.planning.entity_year import EntityYear
from domain.planning.plan import InspectionPlan
from domain.planning.values import Period, PlanKind
from domain.values import DISTRICT_ZONE, CreditRating
from projections.matching import Matching
from projections.plans import Plans
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")

AT = datetime(2023, 2, 1, 9, tzinfo=DISTRICT_ZONE)
LATER = datetime(2023, 3, 15, 23, 30, tzinfo=DISTRICT_ZONE)
SPRING = Period(first=date(2023, 3, 1), last=date(2023, 5, 31))


def a_plan(plan_no: str, kind: PlanKind, *agencies: UUID) -> InspectionPlan:
    return InspectionPlan.draw_up(
        plan_no=plan_no,
        kind=kind,
        agency_ids=list(agencies) or [uuid4()],
        year=2023,
        title=plan_no,
        item_codes=["MKT-001"],
        drawn_up_at=AT,
    )


def test_a_plan_counts_its_tasks_by_what_became_of_them() -> None:
    plan = a_plan("P-1", PlanKind.SPECIAL)
    entities = [uuid4() for _ in range(4)]
    plan.add_tasks([(e, SPRING) for e in entities], AT)
    year = EntityYear(entity_id=entities[0], year=2023)
    plan.mark_merged(1, year.id, 1, AT)
    plan.mark_inspected(1, uuid4(), LATER)
    plan.mark_inspected(2, uuid4(), LATER)
    plan.cancel_task(3, "企业注销", LATER)
    log = EventLog()
    log.add(plan)
    tables = fold_all(log.envelopes, [Plans()])
    assert tables["plans"] == {
        (plan.id,): {
            "plan_no": "P-1",
            "kind": "special",
            "agency_id": plan.agency_id,
            "agency_ids": [plan.agency_id],
            "year": 2023,
            "drawn_up_on": date(2023, 2, 1),
            "tasks": 4,
            "tasks_merged": 1,
            "tasks_inspected": 2,
            "tasks_cancelled": 1,
        }
    }
    plan.mark_inspected(4, uuid4(), LATER)
    plan.complete(LATER)
    log.add(plan)
    done = fold_all(log.envelopes, [Plans()])["plans"][(plan.id,)]
    assert done["tasks_inspected"] == 3
    assert done["completed_on"] == date(2023, 3, 15)


def test_a_random_plan_counts_its_draws_and_honesty_exemptions() -> None:
    plan = a_plan("DR-1", PlanKind.DOUBLE_RANDOM)
    entities, officers = [uuid4() for _ in range(5)], [uuid4() for _ in range(4)]
    drawn = plan.draw_at_random(7, (entities, officers), (3, 2), SPRING, AT)
    plan.grant_honesty_exemption(drawn[0], CreditRating.A, date(2023, 1, 5), AT)
    log = EventLog()
    log.add(plan)
    tables = fold_all(log.envelopes, [Plans(), Matching()])
    row = tables["plans"][(plan.id,)]
    assert (row["kind"], row["draws"], row["tasks"], row["tasks_exempted"]) == (
        "double_random",
        1,
        3,
        1,
    )
    assert tables["matching_daily"] == {
        (date(2023, 2, 1), plan.agency_id): {"honesty_exemptions": 1}
    }


def test_merging_counts_one_joint_inspection_and_every_inspection_avoided() -> None:
    msa, eco, urb = uuid4(), uuid4(), uuid4()
    year = EntityYear(entity_id=uuid4(), year=2023)
    plans = [a_plan(f"P-{n}", PlanKind.SPECIAL, a) for n, a in enumerate((msa, eco, urb))]
    for plan in plans:
        year.schedule(plan.ref(1), plan.kind, [plan.agency_id], SPRING, AT)
    lone = EntityYear(entity_id=uuid4(), year=2023)
    lone.schedule(plans[0].ref(2), PlanKind.SPECIAL, [msa], SPRING, LATER)
    lone.cancel(plans[0].ref(2), msa, LATER)
    log = EventLog()
    log.add(year, lone)
    tables = fold_all(log.envelopes, [Matching()])
    assert tables["matching_daily"] == {
        (date(2023, 2, 1), msa): {
            "tasks_scheduled": 1,
            "joint_inspections_merged": 1,
            "tasks_joined": 1,
            "inspections_avoided": 2,
        },
        (date(2023, 2, 1), eco): {"tasks_scheduled": 1},
        (date(2023, 2, 1), urb): {"tasks_scheduled": 1},
        (date(2023, 3, 15), msa): {"tasks_scheduled": 1, "visits_cancelled": 1},
    }
