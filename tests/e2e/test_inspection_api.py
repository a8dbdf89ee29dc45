"""Inspections over HTTP: the dual-certificate rule with its recorded refusals, evidence,
conclusions that settle the plan tasks, roles — and the report's figures counted from the
stored events alone."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from domain.actors import SYSTEM, Role
from domain.inspection.inspection import Inspection
from domain.planning.commands import DrawDoubleRandomSeeded
from domain.planning.e_certificate import ECertificate
from domain.planning.values import PlanKind
from domain.registry import commands as reg
from domain.values import CreditRating, RevocationReason
from tests.builders import given_agency, given_entity, given_officers
from tests.builders_planning import (
    DURING,
    WINDOW,
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
    entity: UUID
    plan: UUID


@pytest.fixture
def world(clients: Clients) -> World:
    """MSA's special plan with one task on an entity, and an e-certificate EC-1 for it."""
    ledger = clients.ledger
    msa, eco = given_agency(ledger, "MSA"), given_agency(ledger, "ECO")
    given_item(ledger)
    msa_officers = given_officers(ledger, msa, "M1", "M2", "M3")
    entity = given_entity(ledger, 1)
    plan = given_plan(ledger, msa, "P-1")
    given_tasks(ledger, plan, entity)
    given_e_certificate(ledger, plan, msa_officers[:2], "EC-1")
    return World(
        msa=msa,
        eco=eco,
        msa_officers=msa_officers,
        eco_officers=given_officers(ledger, eco, "E1", "E2"),
        entity=entity,
        plan=plan,
    )


def start_body(world: World, **change: Any) -> dict[str, Any]:
    return {
        "plan_id": str(world.plan),
        "task_no": 1,
        "entity_id": str(world.entity),
        "officer_ids": [str(o) for o in world.msa_officers[:2]],
        "e_certificate_number": "EC-1",
        "started_at": DURING.isoformat(),
        **change,
    }


def conclusion(outcome: str = "compliant", findings: str = "", **change: Any) -> dict[str, Any]:
    at = (DURING + timedelta(hours=1)).isoformat()
    return {"outcome": outcome, "findings": findings, "concluded_at": at, **change}


def state(clients: Clients, collection: str, ident: UUID | str) -> dict[str, Any]:
    response = clients.auditor.get(f"{API}/{collection}/{ident}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["state"]
    return body


def test_an_inspection_starts_under_dual_certificates_and_concludes_the_task(
    clients: Clients, world: World
) -> None:
    officer = clients.officer_of(world.msa)
    started = officer.post(f"{API}/inspections", json=start_body(world))
    assert started.status_code == 201, started.text
    assert started.json()["id"] == str(Inspection.create_id("EC-1"))
    assert started.json()["events"] == ["EntityYear.VisitStarted", "Inspection.Started"]
    inspection_id = started.json()["id"]
    evidence = {
        "items": [
            {"sha256": "a" * 64, "kind": "video", "description": "执法记录仪全程录像"},
            {"sha256": "b" * 64, "kind": "photo", "description": "现场照片"},
        ],
        "recorded_at": (DURING + timedelta(minutes=30)).isoformat(),
    }
    recorded = officer.post(f"{API}/inspections/{inspection_id}/evidence", json=evidence)
    assert recorded.json()["events"] == ["Inspection.EvidenceRecorded"]
    concluded = officer.post(
        f"{API}/inspections/{inspection_id}/conclusion",
        json=conclusion("corrected_on_site", "未按规定公示营业执照，当场改正"),
    )
    assert concluded.status_code == 200, concluded.text
    assert sorted(concluded.json()["events"]) == [
        "EntityYear.VisitEnded",
        "Inspection.Concluded",
        "InspectionPlan.TaskInspected",
    ]
    task = state(clients, "inspection-plans", world.plan)["tasks"]["1"]
    assert (task["status"], task["inspection_id"]) == ("inspected", inspection_id)
    inspection = state(clients, "inspections", inspection_id)
    assert inspection["outcome"] == "corrected_on_site"
    assert [e["sha256"] for e in inspection["evidence"]] == ["a" * 64, "b" * 64]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"e_certificate_number": None}, "e-certificate-shown"),
        ({"e_certificate_number": "EC-FORGED"}, "e-certificate-shown"),
        ({"started_at": (WINDOW[1] + timedelta(minutes=1)).isoformat()}, "e-certificate-in-force"),
        ({"started_at": (WINDOW[0] - timedelta(minutes=1)).isoformat()}, "e-certificate-in-force"),
        ("one officer", "two-officers"),
        ("unnamed officer", "e-certificate-names-the-inspection"),
    ],
)
def test_without_dual_certificates_the_start_fails_and_the_refusal_is_on_file(
    clients: Clients, world: World, change: Any, rule: str
) -> None:
    if change == "one officer":
        change = {"officer_ids": [str(world.msa_officers[0])]}
    elif change == "unnamed officer":
        change = {"officer_ids": [str(world.msa_officers[0]), str(world.msa_officers[2])]}
    response = clients.officer_of(world.msa).post(
        f"{API}/inspections", json=start_body(world, **change)
    )
    problem = assert_problem(response, 409, "rule-violation")
    assert problem["rule"] == rule
    refusal = state(clients, "inspection-refusals", str(problem["refusal_id"]))
    assert refusal["rule"] == rule
    assert refusal["reason"] == problem["detail"]
    assert refusal["entity_id"] == str(world.entity)
    assert refusal["agency_id"] == str(world.msa)
    # Nothing else was written: the task is still open and no inspection exists.
    assert state(clients, "inspection-plans", world.plan)["tasks"]["1"]["status"] == "scheduled"
    assert_problem(
        clients.auditor.get(f"{API}/inspections/{Inspection.create_id('EC-1')}"), 404, "not-found"
    )


def test_an_officer_whose_certificate_was_revoked_cannot_start(
    clients: Clients, world: World, run: Run
) -> None:
    run(
        reg.RevokeCertificate(
            officer_id=world.msa_officers[1],
            revoked_on=DURING.date(),
            reason=RevocationReason.REASSIGNMENT,
        )
    )
    response = clients.officer_of(world.msa).post(f"{API}/inspections", json=start_body(world))
    problem = assert_problem(response, 409, "rule-violation")
    assert problem["rule"] == "certified-officers-only"
    assert "refusal_id" in problem


def test_a_revoked_e_certificate_warrants_nothing(clients: Clients, world: World) -> None:
    clients.officer_of(world.msa).post(
        f"{API}/e-certificates/{ECertificate.create_id('EC-1')}/revocation",
        json={"reason": "人员调整", "revoked_at": (DURING - timedelta(minutes=10)).isoformat()},
    )
    response = clients.officer_of(world.msa).post(f"{API}/inspections", json=start_body(world))
    assert assert_problem(response, 409, "rule-violation")["rule"] == "e-certificate-in-force"


def test_a_refusal_is_recorded_once_per_idempotent_retry(clients: Clients, world: World) -> None:
    headers = {"Idempotency-Key": "start-1"}
    body = start_body(world, e_certificate_number=None)
    first = clients.officer_of(world.msa).post(f"{API}/inspections", json=body, headers=headers)
    second = clients.officer_of(world.msa).post(f"{API}/inspections", json=body, headers=headers)
    assert first.json()["refusal_id"] == second.json()["refusal_id"]


def test_one_certificate_one_inspection_and_one_inspection_at_a_time(
    clients: Clients, world: World
) -> None:
    officer = clients.officer_of(world.msa)
    assert officer.post(f"{API}/inspections", json=start_body(world)).status_code == 201
    again = officer.post(f"{API}/inspections", json=start_body(world))
    assert assert_problem(again, 409, "rule-violation")["rule"] == "task-open-for-inspection"


def test_an_entity_refusing_the_inspection_leaves_the_task_open_for_another_try(
    clients: Clients, world: World
) -> None:
    officer = clients.officer_of(world.msa)
    inspection_id = officer.post(f"{API}/inspections", json=start_body(world)).json()["id"]
    refused = officer.post(
        f"{API}/inspections/{inspection_id}/conclusion",
        json=conclusion("refused_by_entity", "检查对象以未出示电子检查证为由拒绝检查"),
    )
    assert sorted(refused.json()["events"]) == ["EntityYear.VisitEnded", "Inspection.Concluded"]
    assert state(clients, "inspection-plans", world.plan)["tasks"]["1"]["status"] == "scheduled"
    # The same certificate is spent; a new one warrants the next visit.
    assert_problem(
        officer.post(f"{API}/inspections", json=start_body(world)), 409, "already-exists"
    )
    given_e_certificate(clients.ledger, world.plan, world.msa_officers[:2], "EC-2")
    retry = officer.post(f"{API}/inspections", json=start_body(world, e_certificate_number="EC-2"))
    assert retry.status_code == 201, retry.text


def test_conclusion_and_evidence_rules(clients: Clients, world: World) -> None:
    officer = clients.officer_of(world.msa)
    inspection_id = officer.post(f"{API}/inspections", json=start_body(world)).json()["id"]
    url = f"{API}/inspections/{inspection_id}"
    silent = officer.post(f"{url}/conclusion", json=conclusion("problems_found"))
    assert assert_problem(silent, 409, "rule-violation")["rule"] == "findings-required"
    early = conclusion(concluded_at=(DURING - timedelta(hours=1)).isoformat())
    assert (
        assert_problem(officer.post(f"{url}/conclusion", json=early), 409, "rule-violation")["rule"]
        == "after-the-start"
    )
    assert officer.post(f"{url}/conclusion", json=conclusion()).status_code == 200
    twice = officer.post(f"{url}/conclusion", json=conclusion())
    assert assert_problem(twice, 409, "rule-violation")["rule"] == "conclude-once"
    item = {"sha256": "c" * 64, "kind": "audio", "description": "录音"}
    at = (DURING + timedelta(hours=2)).isoformat()
    assert (
        officer.post(f"{url}/evidence", json={"items": [item], "recorded_at": at}).status_code
        == 200
    )
    dup = officer.post(f"{url}/evidence", json={"items": [item], "recorded_at": at})
    assert assert_problem(dup, 409, "rule-violation")["rule"] == "evidence-recorded-once"
    bad = {"items": [{**item, "sha256": "C" * 64}], "recorded_at": at}
    assert_problem(officer.post(f"{url}/evidence", json=bad), 422, "invalid-request")
    assert_problem(
        officer.post(f"{url}/conclusion", json=conclusion("maybe")), 422, "invalid-request"
    )
    assert_problem(
        officer.post(f"{API}/inspections/{uuid4()}/conclusion", json=conclusion()), 404, "not-found"
    )
    assert_problem(
        officer.post(
            f"{API}/inspections/{uuid4()}/evidence", json={"items": [item], "recorded_at": at}
        ),
        404,
        "not-found",
    )


def test_unknown_plans_tasks_entities_and_officers_are_404(clients: Clients, world: World) -> None:
    officer = clients.officer_of(world.msa)
    changes: list[dict[str, Any]] = [
        {"plan_id": str(uuid4())},
        {"task_no": 7},
        {"entity_id": str(uuid4())},
        {"officer_ids": [str(world.msa_officers[0]), str(uuid4())]},
    ]
    for change in changes:
        assert_problem(
            officer.post(f"{API}/inspections", json=start_body(world, **change)), 404, "not-found"
        )
    assert_problem(
        officer.post(f"{API}/inspections", json=start_body(world, officer_ids=[])),
        422,
        "invalid-request",
    )
    other = given_entity(clients.ledger, 2)
    wrong = officer.post(f"{API}/inspections", json=start_body(world, entity_id=str(other)))
    assert assert_problem(wrong, 409, "rule-violation")["rule"] == "task-of-the-entity"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.PARTNER])
def test_only_agency_officers_record_inspections(
    clients: Clients, world: World, role: Role
) -> None:
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    assert_problem(client.post(f"{API}/inspections", json=start_body(world)), 403, "forbidden")


def test_an_agency_records_its_own_inspections_only(clients: Clients, world: World) -> None:
    assert_problem(
        clients.officer_of(world.eco).post(f"{API}/inspections", json=start_body(world)),
        403,
        "forbidden",
    )
    inspection_id = (
        clients.officer_of(world.msa)
        .post(f"{API}/inspections", json=start_body(world))
        .json()["id"]
    )
    other = clients.officer_of(world.eco)
    assert_problem(
        other.post(f"{API}/inspections/{inspection_id}/conclusion", json=conclusion()),
        403,
        "forbidden",
    )
    assert_problem(other.get(f"{API}/inspections/{inspection_id}"), 403, "forbidden")


def test_a_joint_inspection_is_done_by_every_agency_and_settles_every_merged_task(
    clients: Clients, world: World
) -> None:
    eco_plan = given_plan(clients.ledger, world.eco, "P-ECO")
    given_tasks(clients.ledger, eco_plan, world.entity)  # merges with MSA's task
    officers = [world.msa_officers[0], world.eco_officers[0]]
    given_e_certificate(clients.ledger, world.plan, [*officers, world.msa_officers[1]], "EC-J")
    msa = clients.officer_of(world.msa)
    old = msa.post(f"{API}/inspections", json=start_body(world))  # EC-1 predates the merger
    assert (
        assert_problem(old, 409, "rule-violation")["rule"] == "e-certificate-names-the-inspection"
    )
    only_msa = start_body(world, e_certificate_number="EC-J")
    assert assert_problem(msa.post(f"{API}/inspections", json=only_msa), 409, "rule-violation")[
        "rule"
    ] == ("joint-inspection-by-every-agency")
    body = start_body(world, e_certificate_number="EC-J", officer_ids=[str(o) for o in officers])
    started = msa.post(f"{API}/inspections", json=body)
    assert started.status_code == 201, started.text
    inspection_id = started.json()["id"]
    assert (
        clients.officer_of(world.eco).get(f"{API}/inspections/{inspection_id}").status_code == 200
    )
    done = msa.post(f"{API}/inspections/{inspection_id}/conclusion", json=conclusion())
    assert Counter(done.json()["events"])["InspectionPlan.TaskInspected"] == 2
    assert state(clients, "inspection-plans", eco_plan)["tasks"]["1"]["status"] == "inspected"
    assert state(clients, "inspection-plans", world.plan)["tasks"]["1"]["status"] == "inspected"


def stored_events(clients: Clients) -> list[tuple[str, dict[str, Any]]]:
    notifications = clients.ledger.recorder.select_notifications(start=1, limit=10_000)
    return [(n.topic, orjson.loads(n.state)) for n in notifications]


def test_the_report_figures_are_counted_from_the_events_alone(
    clients: Clients, world: World
) -> None:
    """Inspections, on-site corrections, plans by kind, honesty exemptions, merges and
    inspections avoided — each from event topics and payloads, with no aggregate loaded."""
    ledger = clients.ledger
    rated_a = given_entity(ledger, 5, rating=CreditRating.A)
    rated_b = given_entity(ledger, 6, rating=CreditRating.B)
    eco_plan = given_plan(ledger, world.eco, "P-ECO", PlanKind.ROUTINE)
    given_tasks(ledger, eco_plan, world.entity, rated_b)
    third = given_plan(ledger, world.eco, "P-ECO-2", PlanKind.SPECIAL)
    given_tasks(ledger, third, world.entity)
    random_plan = given_plan(ledger, world.msa, "DR-1", PlanKind.DOUBLE_RANDOM)
    ledger.execute(
        DrawDoubleRandomSeeded(
            plan_id=random_plan,
            candidate_entity_ids=[rated_a, rated_b],
            candidate_officer_ids=world.msa_officers,
            entities_to_draw=2,
            officers_per_entity=2,
            seed=7,
            period_from=date(2023, 3, 1),
            period_to=date(2023, 6, 30),
            drawn_at=DURING - timedelta(days=9),
        ),
        SYSTEM,
    )
    officers = [world.msa_officers[0], world.eco_officers[0]]
    given_e_certificate(ledger, world.plan, officers, "EC-J")
    joint = given_inspection(ledger, world.plan, world.entity, officers, "EC-J")
    officer = clients.officer_of(world.msa)
    officer.post(
        f"{API}/inspections/{joint}/conclusion", json=conclusion("corrected_on_site", "当场改正")
    )

    events = stored_events(clients)
    topics = Counter(topic for topic, _ in events)
    plans_by_kind = Counter(p["kind"] for t, p in events if t == "InspectionPlan.DrawnUp")
    concluded = [p for t, p in events if t == "Inspection.Concluded"]
    merges = [
        p for t, p in events if t in ("EntityYear.TasksMerged", "EntityYear.JointInspectionJoined")
    ]

    assert plans_by_kind == {"special": 2, "routine": 1, "double_random": 1}
    assert topics["InspectionPlan.HonestyExemptionGranted"] == 1
    assert topics["EntityYear.TasksMerged"] == 2  # the entity (3 tasks) and rated_b (2 tasks)
    assert sum(p["inspections_avoided"] for p in merges) == (3 - 1) + (2 - 1)
    assert len([p for p in concluded if p["outcome"] != "refused_by_entity"]) == 1
    assert len([p for p in concluded if p["outcome"] == "corrected_on_site"]) == 1
    (inspection,) = concluded
    assert inspection["joint"] is True
    assert inspection["agency_id"] == str(world.msa)
    assert set(inspection["agency_ids"]) == {str(world.msa), str(world.eco)}
    assert set(inspection["officer_ids"]) == {str(o) for o in officers}


def test_the_demo_loads_and_a_second_run_is_harmless(
    clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway import demo, demo_inspection, demo_planning

    monkeypatch.setattr(demo, "EXTRA_STEPS", [demo_planning.load, demo_inspection.load])
    assert demo.load_demo(clients.ledger)
    before = clients.ledger.recorder.max_notification_id()
    demo_planning.load(clients.ledger)
    demo_inspection.load(clients.ledger)
    assert clients.ledger.recorder.max_notification_id() == before
    topics = Counter(topic for topic, _ in stored_events(clients))
    assert topics["InspectionPlan.DrawnUp"] == 5
    assert topics["InspectionPlan.HonestyExemptionGranted"] >= 1
    assert topics["EntityYear.TasksMerged"] >= 1
    assert topics["Inspection.Concluded"] == 1
    assert topics["InspectionRefusal.RefusedForMissingCertificates"] == 1
    now = clients.anonymous.get(f"{API}/public/e-certificates/{demo_planning.NOW_CERTIFICATE}")
    assert now.json()["valid_now"] is True, now.text
    old = clients.anonymous.get(f"{API}/public/e-certificates/{demo_planning.JOINT_CERTIFICATE}")
    assert old.json()["status"] == "expired"
    assert len(old.json()["officers"]) == 2
