"""Planning over HTTP: plans and tasks, the draw, matching, e-inspection certificates and their
public verification — status codes, problem bodies, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actors import Role
from domain.planning import draw
from domain.planning.e_certificate import ECertificate
from domain.planning.entity_year import EntityYear
from domain.planning.plan import InspectionPlan
from domain.planning.values import PlanKind
from domain.registry import commands as reg
from domain.values import DISTRICT_ZONE, CreditRating, RevocationReason
from tests.builders import given_agency, given_entity, given_officer, given_officers, uscc
from tests.builders_planning import (
    DRAWN_UP,
    ISSUED,
    PERIOD,
    WINDOW,
    current_window,
    given_e_certificate,
    given_inspection,
    given_item,
    given_plan,
    given_tasks,
)
from tests.conftest import Clients, Run
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"


@dataclass
class World:
    msa: UUID
    eco: UUID
    msa_officers: list[UUID]
    eco_officers: list[UUID]
    entities: list[UUID]


@pytest.fixture
def world(clients: Clients) -> World:
    ledger = clients.ledger
    msa, eco = given_agency(ledger, "MSA"), given_agency(ledger, "ECO")
    given_item(ledger)
    return World(
        msa=msa,
        eco=eco,
        msa_officers=given_officers(ledger, msa, "M1", "M2", "M3"),
        eco_officers=given_officers(ledger, eco, "E1", "E2"),
        entities=[
            given_entity(ledger, n, rating=CreditRating.A if n <= 2 else CreditRating.B)
            for n in range(1, 7)
        ],
    )


def plan_body(
    agency: UUID, plan_no: str = "P-1", kind: str = "special", **extra: Any
) -> dict[str, Any]:
    return {
        "plan_no": plan_no,
        "kind": kind,
        "agency_id": str(agency),
        "year": 2023,
        "title": "食品安全专项检查",
        "item_codes": ["MKT-001"],
        "drawn_up_at": DRAWN_UP.isoformat(),
        **extra,
    }


def tasks_body(*entities: UUID, period: tuple[date, date] = PERIOD) -> dict[str, Any]:
    return {
        "tasks": [
            {"entity_id": str(e), "period_from": str(period[0]), "period_to": str(period[1])}
            for e in entities
        ],
        "added_at": DRAWN_UP.isoformat(),
    }


def draw_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "candidate_entity_ids": [str(e) for e in world.entities],
        "candidate_officer_ids": [str(o) for o in world.msa_officers],
        "entities_to_draw": 4,
        "officers_per_entity": 2,
        "period_from": "2023-04-01",
        "period_to": "2023-06-30",
        "drawn_at": datetime(2023, 3, 1, 10, tzinfo=DISTRICT_ZONE).isoformat(),
        **extra,
    }


def state(clients: Clients, collection: str, ident: UUID | str) -> dict[str, Any]:
    response = clients.auditor.get(f"{API}/{collection}/{ident}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["state"]
    return body


# Plans ------------------------------------------------------------------------------------


def test_an_agency_officer_draws_up_its_plan_and_anyone_entitled_reads_it(
    clients: Clients, world: World
) -> None:
    created = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans", json=plan_body(world.msa)
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"] == str(InspectionPlan.create_id("P-1"))
    assert created.json()["events"] == ["InspectionPlan.DrawnUp"]
    plan = state(clients, "inspection-plans", created.json()["id"])
    assert plan["kind"] == "special"
    assert plan["agency_ids"] == [str(world.msa)]
    assert (
        clients.officer_of(world.msa)
        .get(f"{API}/inspection-plans/{created.json()['id']}")
        .status_code
        == 200
    )
    assert_problem(
        clients.officer_of(world.eco).get(f"{API}/inspection-plans/{created.json()['id']}"),
        403,
        "forbidden",
    )


def test_the_lead_agency_draws_up_a_joint_random_task_of_several_agencies(
    clients: Clients, world: World
) -> None:
    body = plan_body(world.msa, "J-1", "joint_random", partner_agency_ids=[str(world.eco)])
    created = clients.officer_of(world.msa).post(f"{API}/inspection-plans", json=body)
    assert created.status_code == 201, created.text
    # Each agency of a joint plan reads it.
    assert (
        clients.officer_of(world.eco)
        .get(f"{API}/inspection-plans/{created.json()['id']}")
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"kind": "joint_random"}, "joint-random-needs-several-agencies"),
        ({"item_codes": ["NOT-LISTED"]}, "listed-inspection-items-only"),
    ],
)
def test_plan_rules_are_409s_naming_the_rule(
    clients: Clients, world: World, change: dict[str, Any], rule: str
) -> None:
    response = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans", json={**plan_body(world.msa), **change}
    )
    assert assert_problem(response, 409, "rule-violation")["rule"] == rule


def test_plan_field_errors_are_listed(clients: Clients, world: World) -> None:
    body = {**plan_body(world.msa), "kind": "weekly", "year": 1999, "item_codes": []}
    problem = assert_problem(
        clients.officer_of(world.msa).post(f"{API}/inspection-plans", json=body),
        422,
        "invalid-request",
    )
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert {e["loc"][0] for e in errors} == {"kind", "year", "item_codes"}
    future = {
        **plan_body(world.msa),
        "drawn_up_at": (datetime.now(DISTRICT_ZONE) + timedelta(days=1)).isoformat(),
    }
    assert_problem(
        clients.officer_of(world.msa).post(f"{API}/inspection-plans", json=future),
        422,
        "invalid-request",
    )


def test_a_plan_number_is_used_once_and_unknown_agencies_are_404(
    clients: Clients, world: World
) -> None:
    clients.officer_of(world.msa).post(f"{API}/inspection-plans", json=plan_body(world.msa))
    assert_problem(
        clients.officer_of(world.msa).post(f"{API}/inspection-plans", json=plan_body(world.msa)),
        409,
        "already-exists",
    )
    # An officer draws up plans of its own agency only (the office draws up none).
    assert_problem(
        clients.officer_of(world.msa).post(
            f"{API}/inspection-plans", json=plan_body(uuid4(), "P-2")
        ),
        403,
        "forbidden",
    )


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PARTNER])
def test_read_only_roles_write_no_plan(clients: Clients, world: World, role: Role) -> None:
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    assert_problem(
        client.post(f"{API}/inspection-plans", json=plan_body(world.msa)), 403, "forbidden"
    )
    assert_problem(
        clients.anonymous.post(f"{API}/inspection-plans", json=plan_body(world.msa)),
        401,
        "unauthenticated",
    )


def test_an_agency_plans_for_itself_only(clients: Clients, world: World) -> None:
    response = clients.officer_of(world.eco).post(
        f"{API}/inspection-plans", json=plan_body(world.msa)
    )
    assert_problem(response, 403, "forbidden")
    given_plan(clients.ledger, world.msa)
    plan_id = InspectionPlan.create_id("P-1")
    for path, body in [
        (f"inspection-plans/{plan_id}/tasks", tasks_body(world.entities[0])),
        (f"inspection-plans/{plan_id}/completion", {"completed_at": DRAWN_UP.isoformat()}),
    ]:
        assert_problem(
            clients.officer_of(world.eco).post(f"{API}/{path}", json=body), 403, "forbidden"
        )


# Tasks and matching -----------------------------------------------------------------------


def test_tasks_of_two_agencies_on_one_entity_merge_into_one_joint_inspection(
    clients: Clients, world: World
) -> None:
    msa_plan = given_plan(clients.ledger, world.msa, "P-MSA")
    eco_plan = given_plan(clients.ledger, world.eco, "P-ECO")
    entity = world.entities[3]
    first = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{msa_plan}/tasks", json=tasks_body(entity, world.entities[4])
    )
    assert first.status_code == 200, first.text
    assert first.json()["events"] == [
        "InspectionPlan.TasksAdded",
        "EntityYear.Opened",
        "EntityYear.TaskScheduled",
        "EntityYear.Opened",
        "EntityYear.TaskScheduled",
    ]
    second = clients.officer_of(world.eco).post(
        f"{API}/inspection-plans/{eco_plan}/tasks", json=tasks_body(entity)
    )
    # Events come grouped by record: the ECO plan, the entity's year, then the MSA plan.
    assert second.json()["events"] == [
        "InspectionPlan.TasksAdded",
        "InspectionPlan.TaskMerged",
        "EntityYear.TaskScheduled",
        "EntityYear.TasksMerged",
        "InspectionPlan.TaskMerged",
    ]
    assert state(clients, "inspection-plans", msa_plan)["tasks"]["1"]["status"] == "merged"
    assert state(clients, "inspection-plans", msa_plan)["tasks"]["2"]["status"] == "scheduled"
    assert state(clients, "inspection-plans", eco_plan)["tasks"]["1"]["status"] == "merged"
    year = state(clients, "entity-years", EntityYear.create_id(entity, 2023))
    assert year["visits"]["1"]["agency_ids"] == [str(world.msa), str(world.eco)]
    assert len(year["visits"]["1"]["tasks"]) == 2


def test_task_rules_and_unknowns(clients: Clients, world: World) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    url = f"{API}/inspection-plans/{plan_id}/tasks"
    office = clients.officer_of(world.msa)
    outside = tasks_body(world.entities[0], period=(date(2024, 1, 1), date(2024, 2, 1)))
    assert (
        assert_problem(office.post(url, json=outside), 409, "rule-violation")["rule"]
        == "task-period-in-plan-year"
    )
    twice = tasks_body(world.entities[0], world.entities[0])
    assert (
        assert_problem(office.post(url, json=twice), 409, "rule-violation")["rule"]
        == "one-task-per-entity-in-a-plan"
    )
    assert_problem(office.post(url, json=tasks_body(uuid4())), 404, "not-found")
    assert_problem(
        office.post(f"{API}/inspection-plans/{uuid4()}/tasks", json=tasks_body(world.entities[0])),
        404,
        "not-found",
    )
    assert_problem(
        office.post(url, json={"tasks": [], "added_at": DRAWN_UP.isoformat()}),
        422,
        "invalid-request",
    )


def test_a_scheduled_task_is_cancelled_and_then_the_plan_completes(
    clients: Clients, world: World
) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    given_tasks(clients.ledger, plan_id, world.entities[0])
    officer = clients.officer_of(world.msa)
    done = {"completed_at": DRAWN_UP.isoformat()}
    early = officer.post(f"{API}/inspection-plans/{plan_id}/completion", json=done)
    assert (
        assert_problem(early, 409, "rule-violation")["rule"] == "plan-complete-when-tasks-settled"
    )
    cancel = {"reason": "市场主体已注销", "cancelled_at": DRAWN_UP.isoformat()}
    cancelled = officer.post(f"{API}/inspection-plans/{plan_id}/tasks/1/cancellation", json=cancel)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["events"] == [
        "InspectionPlan.TaskCancelled",
        "EntityYear.VisitCancelled",
    ]
    again = officer.post(f"{API}/inspection-plans/{plan_id}/tasks/1/cancellation", json=cancel)
    assert assert_problem(again, 409, "rule-violation")["rule"] == "cancel-only-scheduled-tasks"
    assert_problem(
        officer.post(f"{API}/inspection-plans/{plan_id}/tasks/9/cancellation", json=cancel),
        404,
        "not-found",
    )
    assert_problem(
        officer.post(f"{API}/inspection-plans/{plan_id}/tasks/0/cancellation", json=cancel),
        422,
        "invalid-request",
    )
    completed = officer.post(f"{API}/inspection-plans/{plan_id}/completion", json=done)
    assert completed.json()["events"] == ["InspectionPlan.Completed"]
    late = officer.post(
        f"{API}/inspection-plans/{plan_id}/tasks", json=tasks_body(world.entities[1])
    )
    assert assert_problem(late, 409, "rule-violation")["rule"] == "plan-open"


# The double-random draw ---------------------------------------------------------------------


def test_a_double_random_draw_is_published_reproducible_and_exempts_a_rated_entities(
    clients: Clients, world: World
) -> None:
    plan_id = given_plan(clients.ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    response = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{plan_id}/draws", json=draw_body(world)
    )
    assert response.status_code == 200, response.text
    # The ledger chose the seed; it is published with the draw.
    seed = clients.anonymous.get(f"{API}/public/inspection-plans/DR-1/draws").json()["draws"]
    drawn = draw.draw(seed[0]["seed"], world.entities, world.msa_officers, 4, 2)
    a_rated = [d for d in drawn if d.entity_id in world.entities[:2]]
    events = response.json()["events"]
    assert events[:2] == ["InspectionPlan.DoubleRandomDrawn", "InspectionPlan.TasksAdded"]
    assert events.count("InspectionPlan.HonestyExemptionGranted") == len(a_rated)
    assert events.count("EntityYear.TaskScheduled") == 4 - len(a_rated)
    tasks = state(clients, "inspection-plans", plan_id)["tasks"]
    assert [t["entity_id"] for t in tasks.values()] == [str(d.entity_id) for d in drawn]
    assert [t["officer_ids"] for t in tasks.values()] == [
        [str(o) for o in d.officer_ids] for d in drawn
    ]
    for task in tasks.values():
        expected = "exempted" if UUID(task["entity_id"]) in world.entities[:2] else "scheduled"
        assert task["status"] == expected

    # 双随机一公开: anyone reads the draw and re-runs it.
    published = clients.anonymous.get(f"{API}/public/inspection-plans/DR-1/draws")
    assert published.status_code == 200, published.text
    (record,) = published.json()["draws"]
    rerun = draw.draw(
        record["seed"],
        [UUID(e) for e in record["candidate_entity_ids"]],
        [UUID(o) for o in record["candidate_officer_ids"]],
        record["entities_to_draw"],
        record["officers_per_entity"],
    )
    assert [d.model_dump(mode="json") for d in rerun] == record["drawn"]
    assert record["method"] == draw.METHOD
    assert_problem(
        clients.anonymous.get(f"{API}/public/inspection-plans/NOPE/draws"), 404, "not-found"
    )


def test_exemption_can_be_switched_off_for_a_draw(clients: Clients, world: World) -> None:
    plan_id = given_plan(clients.ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    body = draw_body(world, entities_to_draw=6, honesty_exemption=False)
    response = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{plan_id}/draws", json=body
    )
    assert "InspectionPlan.HonestyExemptionGranted" not in response.json()["events"]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"entities_to_draw": 7}, "draw-within-candidates"),
        ({"officers_per_entity": 1}, "two-officers"),
        ({"officers_per_entity": 4}, "draw-within-candidates"),
        ({"period_from": "2024-01-01", "period_to": "2024-02-01"}, "task-period-in-plan-year"),
    ],
)
def test_draw_rules(clients: Clients, world: World, change: dict[str, Any], rule: str) -> None:
    plan_id = given_plan(clients.ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    response = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{plan_id}/draws", json=draw_body(world, **change)
    )
    assert assert_problem(response, 409, "rule-violation")["rule"] == rule


def test_drawn_officers_are_certified_officers_of_the_plan_s_agency(
    clients: Clients, world: World
) -> None:
    plan_id = given_plan(clients.ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    url = f"{API}/inspection-plans/{plan_id}/draws"
    uncertified = given_officer(clients.ledger, world.msa, "M9", certified_on=None)
    pool = [*world.msa_officers, uncertified]
    body = draw_body(world, candidate_officer_ids=[str(o) for o in pool])
    assert (
        assert_problem(clients.officer_of(world.msa).post(url, json=body), 409, "rule-violation")[
            "rule"
        ]
        == "certified-officers-only"
    )
    foreign = draw_body(
        world, candidate_officer_ids=[str(o) for o in [*world.msa_officers, *world.eco_officers]]
    )
    assert (
        assert_problem(
            clients.officer_of(world.msa).post(url, json=foreign), 409, "rule-violation"
        )["rule"]
        == "officers-of-the-acting-agency"
    )
    unknown = draw_body(world, candidate_officer_ids=[str(uuid4()), *map(str, world.msa_officers)])
    assert_problem(clients.officer_of(world.msa).post(url, json=unknown), 404, "not-found")
    # The ledger picks the seed: a caller's seed, however valid, is refused.
    assert_problem(
        clients.officer_of(world.msa).post(url, json=draw_body(world, seed=7)),
        422,
        "invalid-request",
    )


def test_random_plans_draw_and_other_plans_do_not(clients: Clients, world: World) -> None:
    special = given_plan(clients.ledger, world.msa, "S-1")
    drawn = given_plan(clients.ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    no_draw = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{special}/draws", json=draw_body(world)
    )
    assert assert_problem(no_draw, 409, "rule-violation")["rule"] == "draw-only-for-random-plans"
    by_hand = clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{drawn}/tasks", json=tasks_body(world.entities[0])
    )
    assert assert_problem(by_hand, 409, "rule-violation")["rule"] == "random-plans-draw-their-tasks"
    assert_problem(
        clients.officer_of(world.eco).post(
            f"{API}/inspection-plans/{drawn}/draws", json=draw_body(world)
        ),
        403,
        "forbidden",
    )
    assert_problem(
        clients.auditor.post(f"{API}/inspection-plans/{drawn}/draws", json=draw_body(world)),
        403,
        "forbidden",
    )


# E-inspection certificates ----------------------------------------------------------------


def cert_body(
    plan_id: UUID, officers: list[UUID], number: str = "EC-1", **extra: Any
) -> dict[str, Any]:
    return {
        "number": number,
        "plan_id": str(plan_id),
        "task_no": 1,
        "officer_ids": [str(o) for o in officers],
        "valid_from": WINDOW[0].isoformat(),
        "valid_until": WINDOW[1].isoformat(),
        "issued_at": ISSUED.isoformat(),
        **extra,
    }


def test_an_e_certificate_is_issued_for_a_task_and_revoked_with_a_reason(
    clients: Clients, world: World
) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    given_tasks(clients.ledger, plan_id, world.entities[0])
    officer = clients.officer_of(world.msa)
    issued = officer.post(f"{API}/e-certificates", json=cert_body(plan_id, world.msa_officers[:2]))
    assert issued.status_code == 201, issued.text
    assert issued.json()["events"] == ["ECertificate.Issued"]
    cert = state(clients, "e-certificates", issued.json()["id"])
    assert [o["certificate_no"] for o in cert["officers"]] == ["C-M1", "C-M2"]
    again = officer.post(f"{API}/e-certificates", json=cert_body(plan_id, world.msa_officers[:2]))
    assert_problem(again, 409, "already-exists")
    revocation = {"reason": "检查人员调整", "revoked_at": (ISSUED + timedelta(hours=1)).isoformat()}
    url = f"{API}/e-certificates/{issued.json()['id']}/revocation"
    assert_problem(clients.officer_of(world.eco).post(url, json=revocation), 403, "forbidden")
    assert officer.post(url, json=revocation).json()["events"] == ["ECertificate.Revoked"]
    assert (
        assert_problem(officer.post(url, json=revocation), 409, "rule-violation")["rule"]
        == "revoke-once"
    )
    assert_problem(
        officer.post(f"{API}/e-certificates/{uuid4()}/revocation", json=revocation),
        404,
        "not-found",
    )
    assert_problem(officer.post(url, json={"reason": ""}), 422, "invalid-request")


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"valid_until": WINDOW[0].isoformat()}, "e-certificate-window"),
        (
            {"valid_until": datetime(2023, 7, 2, tzinfo=DISTRICT_ZONE).isoformat()},
            "e-certificate-window",
        ),
        (
            {"valid_from": datetime(2023, 2, 28, 23, tzinfo=DISTRICT_ZONE).isoformat()},
            "e-certificate-window",
        ),
        ({"issued_at": (WINDOW[1] + timedelta(minutes=1)).isoformat()}, "e-certificate-window"),
    ],
)
def test_the_window_lies_inside_the_task_period(
    clients: Clients, world: World, change: dict[str, Any], rule: str
) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    given_tasks(clients.ledger, plan_id, world.entities[0])
    response = clients.officer_of(world.msa).post(
        f"{API}/e-certificates", json=cert_body(plan_id, world.msa_officers[:2], **change)
    )
    assert assert_problem(response, 409, "rule-violation")["rule"] == rule


def test_who_may_be_named_on_an_e_certificate(clients: Clients, world: World, run: Run) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    given_tasks(clients.ledger, plan_id, world.entities[0])
    url = f"{API}/e-certificates"
    office = clients.officer_of(world.msa)

    def rule_for(officers: list[UUID]) -> object:
        return assert_problem(
            office.post(url, json=cert_body(plan_id, officers)), 409, "rule-violation"
        )["rule"]

    assert rule_for(world.msa_officers[:1]) == "two-officers"
    assert (
        rule_for([world.msa_officers[0], world.eco_officers[0]]) == "officers-of-the-acting-agency"
    )
    run(
        reg.RevokeCertificate(
            officer_id=world.msa_officers[2],
            revoked_on=WINDOW[0].date(),
            reason=RevocationReason.RETIREMENT,
        )
    )
    assert rule_for([world.msa_officers[0], world.msa_officers[2]]) == "certified-officers-only"
    assert_problem(
        office.post(url, json=cert_body(plan_id, [world.msa_officers[0], uuid4()])),
        404,
        "not-found",
    )
    assert_problem(
        office.post(url, json=cert_body(uuid4(), world.msa_officers[:2])), 404, "not-found"
    )
    assert_problem(
        office.post(url, json=cert_body(plan_id, world.msa_officers[:2], task_no=2)),
        404,
        "not-found",
    )
    naive = cert_body(plan_id, world.msa_officers[:2], valid_from="2023-03-10T08:30:00")
    assert_problem(office.post(url, json=naive), 422, "invalid-request")
    assert_problem(
        clients.officer_of(world.eco).post(url, json=cert_body(plan_id, world.msa_officers[:2])),
        403,
        "forbidden",
    )
    assert_problem(
        clients.auditor.post(url, json=cert_body(plan_id, world.msa_officers[:2])), 403, "forbidden"
    )


def test_a_joint_inspection_s_certificate_names_officers_of_every_agency(
    clients: Clients, world: World
) -> None:
    msa_plan = given_plan(clients.ledger, world.msa, "P-MSA")
    eco_plan = given_plan(clients.ledger, world.eco, "P-ECO")
    given_tasks(clients.ledger, msa_plan, world.entities[0])
    given_tasks(clients.ledger, eco_plan, world.entities[0])
    only_msa = clients.officer_of(world.msa).post(
        f"{API}/e-certificates", json=cert_body(eco_plan, world.msa_officers[:2])
    )
    assert (
        assert_problem(only_msa, 409, "rule-violation")["rule"]
        == "joint-inspection-by-every-agency"
    )
    # The lead agency (whose task was there first) issues it, for either task of the joint.
    mixed = cert_body(eco_plan, [world.msa_officers[0], world.eco_officers[0]])
    assert_problem(
        clients.officer_of(world.eco).post(f"{API}/e-certificates", json=mixed), 403, "forbidden"
    )
    issued = clients.officer_of(world.msa).post(f"{API}/e-certificates", json=mixed)
    assert issued.status_code == 201, issued.text
    assert len(state(clients, "e-certificates", issued.json()["id"])["tasks"]) == 2


# Public verification ------------------------------------------------------------------------


def test_anyone_verifies_an_e_certificate_by_number_and_learns_nothing_else(
    clients: Clients, world: World
) -> None:
    period, window, issued_at = current_window()
    plan_id = given_plan(clients.ledger, world.msa, "NOW-1", year=period[0].year)
    given_tasks(clients.ledger, plan_id, world.entities[0], period=period, at=issued_at)
    given_e_certificate(
        clients.ledger,
        plan_id,
        world.msa_officers[:2],
        "EC-NOW",
        window=window,
        issued_at=issued_at,
    )
    response = clients.anonymous.get(f"{API}/public/e-certificates/EC-NOW")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "number",
        "valid_now",
        "status",
        "checked_at",
        "valid_from",
        "valid_until",
        "entity",
        "tasks",
        "officers",
    }
    assert body["valid_now"] is True
    assert body["status"] == "valid"
    assert body["entity"] == {"name": "entity 1", "uscc": uscc(1)}
    assert body["tasks"] == [{"plan_no": "NOW-1", "task_no": 1}]
    assert body["officers"] == [
        {"name": "officer M1", "enforcement_certificate_no": "C-M1"},
        {"name": "officer M2", "enforcement_certificate_no": "C-M2"},
    ]
    assert body["number"] == "EC-NOW"


def test_a_revoked_or_expired_certificate_is_not_valid_and_an_unknown_one_is_404(
    clients: Clients, world: World
) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    given_tasks(clients.ledger, plan_id, world.entities[0])
    given_e_certificate(clients.ledger, plan_id, world.msa_officers[:2], "EC-OLD")
    old = clients.anonymous.get(f"{API}/public/e-certificates/EC-OLD").json()
    assert (old["valid_now"], old["status"]) == (False, "expired")
    clients.officer_of(world.msa).post(
        f"{API}/e-certificates/{ECertificate.create_id('EC-OLD')}/revocation",
        json={"reason": "作废", "revoked_at": WINDOW[1].isoformat()},
    )
    assert (
        clients.anonymous.get(f"{API}/public/e-certificates/EC-OLD").json()["status"] == "revoked"
    )
    assert_problem(clients.anonymous.get(f"{API}/public/e-certificates/EC-NONE"), 404, "not-found")
    assert_problem(
        clients.anonymous.get(f"{API}/public/e-certificates/{'x' * 300}"), 404, "not-found"
    )


def test_openapi_documents_the_public_verification(clients: Clients) -> None:
    doc = clients.anonymous.get("/openapi.json").json()
    get = doc["paths"]["/api/v1/public/e-certificates/{number}"]["get"]
    assert get["security"] == []
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(schema["properties"]) >= {"valid_now", "status", "officers", "entity"}
    assert "404" in get["responses"]
    post = doc["paths"]["/api/v1/inspection-plans/{plan_id}/draws"]["post"]
    assert post["x-roles"] == ["agency_officer"]


def test_no_certificate_for_a_cancelled_exempted_or_busy_task(
    clients: Clients, world: World
) -> None:
    plan_id = given_plan(clients.ledger, world.msa)
    given_tasks(clients.ledger, plan_id, world.entities[3], world.entities[4])
    clients.officer_of(world.msa).post(
        f"{API}/inspection-plans/{plan_id}/tasks/2/cancellation",
        json={"reason": "已注销", "cancelled_at": DRAWN_UP.isoformat()},
    )
    cancelled = clients.officer_of(world.msa).post(
        f"{API}/e-certificates", json=cert_body(plan_id, world.msa_officers[:2], task_no=2)
    )
    assert assert_problem(cancelled, 409, "rule-violation")["rule"] == "task-open-for-inspection"
    drawn = given_plan(clients.ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    only_a = draw_body(
        world, candidate_entity_ids=[str(e) for e in world.entities[:2]], entities_to_draw=2
    )
    clients.officer_of(world.msa).post(f"{API}/inspection-plans/{drawn}/draws", json=only_a)
    exempted = clients.officer_of(world.msa).post(
        f"{API}/e-certificates", json=cert_body(drawn, world.msa_officers[:2])
    )
    assert assert_problem(exempted, 409, "rule-violation")["rule"] == "task-open-for-inspection"
    given_e_certificate(clients.ledger, plan_id, world.msa_officers[:2], "EC-1")
    given_inspection(clients.ledger, plan_id, world.entities[3], world.msa_officers[:2], "EC-1")
    busy = clients.officer_of(world.msa).post(
        f"{API}/e-certificates", json=cert_body(plan_id, world.msa_officers[:2], "EC-2")
    )
    assert assert_problem(busy, 409, "rule-violation")["rule"] == "task-open-for-inspection"
