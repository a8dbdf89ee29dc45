"""Supervision and coordination over HTTP: 12345 tickets, meetings, suggestions, equipment —
status codes, problem bodies with rule slugs, and who may do and read what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from domain.actors import SYSTEM, Role
from domain.application import SupervisionLedger
from domain.oversight import commands as ov
from domain.oversight.equipment import EquipmentLedger
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.values import EquipmentKind
from domain.registry.agency import Agency
from gateway import demo, demo_oversight
from tests.builders import given_officer
from tests.builders_oversight import (
    Agencies,
    fill,
    given_closed_ticket,
    given_handled_ticket,
    given_meeting,
    given_routed_ticket,
    given_screened_ticket,
    given_suggestion,
    given_ticket,
    given_two_agencies,
)
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"


@dataclass(frozen=True)
class World:
    agencies: Agencies
    ids: dict[str, str]
    """Path parameters by name: agencies a and b, tickets at each step (new, screened, routed,
    handled, closed), a meeting attended by a, a suggestion to a, an unknown id."""


@pytest.fixture
def world(ledger: SupervisionLedger) -> World:
    agencies = given_two_agencies(ledger)
    ledger.execute(
        ov.IssueEquipment(
            agency_id=agencies.a,
            voucher_no="EQ-1",
            kind=EquipmentKind.BODY_CAMERA,
            quantity=10,
            issued_on=date(2023, 3, 1),
        ),
        SYSTEM,
    )
    ids = {
        "a": agencies.a,
        "b": agencies.b,
        "new": given_ticket(ledger, "T-NEW"),
        "screened": given_screened_ticket(ledger, "T-SCREENED"),
        "routed": given_routed_ticket(ledger, agencies.a, "T-ROUTED"),
        "handled": given_handled_ticket(ledger, agencies.a, "T-HANDLED"),
        "closed": given_closed_ticket(ledger, agencies.a, "T-CLOSED"),
        "meeting": given_meeting(ledger, [agencies.a]),
        "suggestion": given_suggestion(ledger, agencies.a),
        "unknown": uuid4(),
    }
    return World(agencies, {name: str(value) for name, value in ids.items()})


def ticket_body(ticket_no: str = "T-9", **extra: object) -> dict[str, object]:
    return {
        "ticket_no": ticket_no,
        "received_at": "2023-03-01T09:00:00+08:00",
        "channel": "phone",
        "category": "catering_fumes",
        "summary": "油烟直排",
        "deadline": "2023-03-10",
        **extra,
    }


HANDLING: dict[str, object] = {
    "handled_at": "2023-03-05T10:00:00+08:00",
    "finding": "substantiated",
    "result": "责令整改",
}


# The whole story -------------------------------------------------------------------------------


def test_a_ticket_from_receipt_to_a_late_close_and_a_reopening(
    clients: Clients, world: World
) -> None:
    a = world.agencies.a
    person = {"name": "张三", "phone": "13800000000"}
    received = clients.office.post(f"{API}/hotline-tickets", json=ticket_body(person=person))
    assert received.status_code == 201, received.text
    ticket = received.json()["id"]
    assert ticket == str(HotlineTicket.create_id("T-9"))
    assert received.json()["events"] == ["HotlineTicket.Received"]
    base = f"{API}/hotline-tickets/{ticket}"
    steps = [
        (
            clients.office,
            "screening",
            {"screened_at": "2023-03-01T10:00:00+08:00", "result": "relevant"},
        ),
        (
            clients.office,
            "routing",
            {"agency_id": str(a), "routed_at": "2023-03-01T11:00:00+08:00"},
        ),
        (
            clients.officer_of(a),
            "handling",
            {**HANDLING, "officer_ids": [str(o) for o in world.agencies.a_officers]},
        ),
        (clients.office, "closure", {"closed_at": "2023-03-11T10:00:00+08:00"}),
        (
            clients.office,
            "reopening",
            {"reopened_at": "2023-03-12T10:00:00+08:00", "reason": "未整改"},
        ),
    ]
    for client, step, body in steps:
        response = client.post(f"{base}/{step}", json=body)
        assert response.status_code == 200, (step, response.text)
        if step == "closure":
            assert response.json()["events"] == ["HotlineTicket.Closed"]
            late = clients.auditor.get(base).json()["state"]["late"]
            assert late is True  # closed on 11 March, due on 10 March
    state = clients.auditor.get(base).json()["state"]
    assert state["status"] == "reopened"
    assert state["person"] == {"name": "张三", "id_number": None, "phone": "13800000000"}
    assert clients.officer_of(a).get(base).status_code == 200
    assert_problem(clients.officer_of(world.agencies.b).get(base), 403, "forbidden")
    assert_problem(clients.partner("tangshan").get(base), 403, "forbidden")


def test_a_ticket_not_yet_routed_is_the_office_s_alone(clients: Clients, world: World) -> None:
    path = f"{API}/hotline-tickets/{world.ids['new']}"
    assert clients.office.get(path).status_code == 200
    assert_problem(clients.officer_of(world.agencies.a).get(path), 403, "forbidden")


def test_only_the_routed_agency_handles_a_ticket_with_its_certified_officers(
    clients: Clients, ledger: SupervisionLedger, world: World
) -> None:
    path = f"{API}/hotline-tickets/{world.ids['routed']}/handling"
    other = clients.officer_of(world.agencies.b)
    assert_problem(other.post(path, json=HANDLING), 403, "forbidden")
    own = clients.officer_of(world.agencies.a)
    foreign = {**HANDLING, "officer_ids": [str(world.agencies.b_officers[0])]}
    problem = assert_problem(own.post(path, json=foreign), 409, "rule-violation")
    assert problem["rule"] == "officers-of-the-acting-agency"
    uncertified = given_officer(ledger, world.agencies.a, "A-9", certified_on=None)
    problem = assert_problem(
        own.post(path, json={**HANDLING, "officer_ids": [str(uncertified)]}), 409, "rule-violation"
    )
    assert problem["rule"] == "certified-officers-only"
    assert own.post(path, json=HANDLING).status_code == 200


def test_suggestions_are_answered_by_the_agency_addressed_or_the_office(
    clients: Clients, ledger: SupervisionLedger, world: World
) -> None:
    answer = {"answered_on": "2023-07-20", "answer": "已整改"}
    to_a = f"{API}/suggestions/{world.ids['suggestion']}/answer"
    assert_problem(clients.officer_of(world.agencies.b).post(to_a, json=answer), 403, "forbidden")
    assert clients.officer_of(world.agencies.a).post(to_a, json=answer).status_code == 200
    state = clients.officer_of(world.agencies.a).get(f"{API}/suggestions/{world.ids['suggestion']}")
    assert state.json()["state"]["late"] is True  # due on 10 July

    to_government = given_suggestion(ledger, None, reference="津滨检行建〔2023〕5号")
    path = f"{API}/suggestions/{to_government}/answer"
    assert_problem(clients.officer_of(world.agencies.a).post(path, json=answer), 403, "forbidden")
    assert_problem(
        clients.officer_of(world.agencies.a).get(f"{API}/suggestions/{to_government}"),
        403,
        "forbidden",
    )
    assert clients.office.post(path, json=answer).status_code == 200


def test_meetings_and_their_opinions(clients: Clients, world: World) -> None:
    a, b = world.agencies.a, world.agencies.b
    created = clients.office.post(
        f"{API}/coordination-meetings",
        json={
            "reference": "YN-1",
            "kind": "difficult_case",
            "held_on": "2023-07-06",
            "host": "区司法局",
            "topic": "土地违法案件定性",
            "agency_ids": [str(a), str(b)],
        },
    )
    assert created.status_code == 201, created.text
    path = f"{API}/coordination-meetings/{created.json()['id']}"
    opinion = {"given_on": "2023-07-07", "opinion": "由规划资源部门主办", "agency_id": str(b)}
    assert clients.office.post(f"{path}/opinions", json=opinion).json()["events"] == [
        "CoordinationMeeting.OpinionGiven"
    ]
    state = clients.officer_of(b).get(path).json()["state"]
    assert state["opinions"][0]["agency_id"] == str(b)
    # The world's meeting was attended by agency a only.
    other_meeting = f"{API}/coordination-meetings/{world.ids['meeting']}"
    assert_problem(clients.officer_of(b).get(other_meeting), 403, "forbidden")


def test_equipment_is_issued_and_returned_on_the_agency_s_ledger(
    clients: Clients, world: World
) -> None:
    a = world.ids["a"]
    issue = {
        "voucher_no": "EQ-2",
        "kind": "enforcement_terminal",
        "quantity": 5,
        "issued_on": "2023-04-01",
    }
    issued = clients.office.post(f"{API}/agencies/{a}/equipment-issues", json=issue)
    assert issued.status_code == 200, issued.text
    assert issued.json()["id"] == str(EquipmentLedger.create_id(UUID(a)))
    returned = clients.office.post(
        f"{API}/agencies/{a}/equipment-returns",
        json={
            "voucher_no": "EQ-R1",
            "kind": "body_camera",
            "quantity": 4,
            "returned_on": "2023-09-01",
            "reason": "损坏报废",
        },
    )
    assert returned.status_code == 200, returned.text
    path = f"{API}/equipment-ledgers/{issued.json()['id']}"
    state = clients.officer_of(world.agencies.a).get(path).json()["state"]
    assert state["holdings"] == {"body_camera": 6, "enforcement_terminal": 5}
    assert state["issued_total"] == 15
    assert_problem(clients.officer_of(world.agencies.b).get(path), 403, "forbidden")


def test_the_first_issue_to_an_agency_opens_its_ledger(clients: Clients, world: World) -> None:
    response = clients.office.post(
        f"{API}/agencies/{world.ids['b']}/equipment-issues",
        json={
            "voucher_no": "EQ-B",
            "kind": "body_camera",
            "quantity": 3,
            "issued_on": "2023-04-01",
        },
    )
    assert response.status_code == 201
    assert response.json()["events"] == ["EquipmentLedger.Opened", "EquipmentLedger.Issued"]


# Refusals, endpoint by endpoint ----------------------------------------------------------------

VALID: dict[str, tuple[str, dict[str, object]]] = {
    "receive": ("hotline-tickets", ticket_body()),
    "screen": (
        "hotline-tickets/{new}/screening",
        {"screened_at": "2023-03-01T10:00:00+08:00", "result": "relevant"},
    ),
    "route": (
        "hotline-tickets/{screened}/routing",
        {"agency_id": "{a}", "routed_at": "2023-03-01T11:00:00+08:00"},
    ),
    "handle": ("hotline-tickets/{routed}/handling", HANDLING),
    "close": ("hotline-tickets/{handled}/closure", {"closed_at": "2023-03-15T10:00:00+08:00"}),
    "reopen": (
        "hotline-tickets/{closed}/reopening",
        {"reopened_at": "2023-03-16T10:00:00+08:00", "reason": "x"},
    ),
    "meeting": (
        "coordination-meetings",
        {
            "reference": "CS-9",
            "kind": "whistle",
            "held_on": "2023-04-18",
            "host": "新港街道",
            "topic": "违建",
            "agency_ids": ["{a}"],
        },
    ),
    "opinion": (
        "coordination-meetings/{meeting}/opinions",
        {"given_on": "2023-04-18", "opinion": "x"},
    ),
    "suggestion": (
        "suggestions",
        {
            "reference": "S-9",
            "kind": "procuratorial",
            "issuer": "区检察院",
            "subject": "x",
            "received_on": "2023-05-10",
            "deadline": "2023-07-10",
        },
    ),
    "answer": ("suggestions/{suggestion}/answer", {"answered_on": "2023-06-01", "answer": "x"}),
    "issue": (
        "agencies/{a}/equipment-issues",
        {"voucher_no": "EQ-9", "kind": "body_camera", "quantity": 1, "issued_on": "2023-03-01"},
    ),
    "return": (
        "agencies/{a}/equipment-returns",
        {
            "voucher_no": "EQ-R",
            "kind": "body_camera",
            "quantity": 1,
            "returned_on": "2023-06-01",
            "reason": "x",
        },
    ),
}
"""A valid request per command; placeholders name the world's ids."""


def send(
    client: TestClient,
    world: World,
    command: str,
    ids: dict[str, str] | None = None,
    /,
    **changes: object,
) -> Response:
    """POST the command's valid request, with ``ids`` (placeholders allowed) and ``changes``."""
    path, body = VALID[command]
    resolved = {name: value.format(**world.ids) for name, value in (ids or {}).items()}
    every = {**world.ids, **resolved}
    filled = fill({**body, **changes}, every)
    assert isinstance(filled, dict)
    return client.post(
        f"{API}/{fill(path, every)}", json={k: v for k, v in filled.items() if v is not None}
    )


def client_for(clients: Clients, world: World, command: str) -> TestClient:
    return clients.officer_of(world.agencies.a) if command == "handle" else clients.office


@pytest.mark.parametrize("command", sorted(VALID))
def test_every_valid_request_is_accepted(clients: Clients, world: World, command: str) -> None:
    response = send(client_for(clients, world, command), world, command)
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize(
    ("command", "changes", "loc"),
    [
        ("receive", {"received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),
        ("receive", {"received_at": "2023-03-01T09:00:00"}, "received_at"),
        ("receive", {"category": "gossip"}, "category"),
        ("receive", {"person": {"name": "张三", "id_number": "123"}}, "person.id_number"),
        ("receive", {"ticket_no": "has space"}, "ticket_no"),
        ("screen", {"result": "maybe"}, "result"),
        ("route", {"agency_id": "nope"}, "agency_id"),
        ("handle", {"result": ""}, "result"),
        ("handle", {"officer_ids": ["{a}"] * 21}, "officer_ids"),
        ("close", {"satisfaction": "thrilled"}, "satisfaction"),
        ("reopen", {"reason": ""}, "reason"),
        ("meeting", {"agency_ids": []}, "agency_ids"),
        ("meeting", {"held_on": "2099-01-01"}, "held_on"),
        ("opinion", {"opinion": ""}, "opinion"),
        ("suggestion", {"kind": "advisory"}, "kind"),
        ("answer", {"answered_on": "yesterday"}, "answered_on"),
        ("issue", {"quantity": 0}, "quantity"),
        ("return", {"kind": "spaceship"}, "kind"),
    ],
)
def test_field_errors_are_422_naming_the_field(
    clients: Clients, world: World, command: str, changes: dict[str, object], loc: str
) -> None:
    response = send(client_for(clients, world, command), world, command, **changes)
    problem = assert_problem(response, 422, "invalid-request")
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert loc in {".".join(e["loc"]) for e in errors}


@pytest.mark.parametrize(
    ("command", "ids", "changes", "rule"),
    [
        ("receive", {}, {"deadline": "2023-02-28"}, "deadline-after-receipt"),
        ("screen", {}, {"screened_at": "2023-03-01T08:00:00+08:00"}, "ticket-times-in-order"),
        ("screen", {"new": "{screened}"}, {}, "ticket-steps-in-order"),
        ("route", {"screened": "{new}"}, {}, "ticket-steps-in-order"),
        ("route", {}, {"deadline": "2023-02-01"}, "deadline-after-receipt"),
        ("handle", {}, {"handled_at": "2023-03-01T10:30:00+08:00"}, "ticket-times-in-order"),
        ("handle", {"routed": "{closed}"}, {}, "ticket-steps-in-order"),
        ("close", {"handled": "{routed}"}, {}, "ticket-steps-in-order"),
        ("close", {}, {"closed_at": "2023-03-10T08:00:00+08:00"}, "ticket-times-in-order"),
        ("reopen", {"closed": "{handled}"}, {}, "ticket-steps-in-order"),
        ("meeting", {}, {"agency_ids": ["{a}", "{a}"]}, "agencies-listed-once"),
        ("opinion", {}, {"given_on": "2023-04-17"}, "opinion-after-meeting"),
        ("opinion", {}, {"agency_id": "{b}"}, "opinion-to-attending-agency"),
        ("suggestion", {}, {"deadline": "2023-05-09"}, "deadline-after-receipt"),
        ("answer", {}, {"answered_on": "2023-05-09"}, "answer-after-receipt"),
        ("return", {}, {"quantity": 11}, "return-only-held-equipment"),
        ("return", {}, {"kind": "portable_printer"}, "return-only-held-equipment"),
        ("return", {"a": "{b}"}, {}, "return-only-held-equipment"),  # b was never issued any
    ],
)
def test_rule_violations_are_409_naming_the_rule(
    clients: Clients,
    world: World,
    command: str,
    ids: dict[str, str],
    changes: dict[str, object],
    rule: str,
) -> None:
    response = send(client_for(clients, world, command), world, command, ids, **changes)
    problem = assert_problem(response, 409, "rule-violation")
    assert problem["rule"] == rule


def test_a_suggestion_is_answered_once(clients: Clients, world: World) -> None:
    assert send(clients.office, world, "answer").status_code == 200
    problem = assert_problem(send(clients.office, world, "answer"), 409, "rule-violation")
    assert problem["rule"] == "answer-once"


@pytest.mark.parametrize(
    ("command", "ids", "changes"),
    [
        ("screen", {"new": "{unknown}"}, {}),
        ("route", {"screened": "{unknown}"}, {}),
        ("route", {}, {"agency_id": "{unknown}"}),
        ("handle", {"routed": "{unknown}"}, {}),
        ("handle", {}, {"officer_ids": ["{unknown}"]}),
        ("close", {"handled": "{unknown}"}, {}),
        ("reopen", {"closed": "{unknown}"}, {}),
        ("meeting", {}, {"agency_ids": ["{unknown}"]}),
        ("opinion", {"meeting": "{unknown}"}, {}),
        ("suggestion", {}, {"agency_id": "{unknown}"}),
        ("answer", {"suggestion": "{unknown}"}, {}),
        ("issue", {"a": "{unknown}"}, {}),
        ("return", {"a": "{unknown}"}, {}),
    ],
)
def test_unknown_ids_are_404(
    clients: Clients, world: World, command: str, ids: dict[str, str], changes: dict[str, object]
) -> None:
    response = send(client_for(clients, world, command), world, command, ids, **changes)
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("command", "key"),
    [("receive", "T-9"), ("meeting", "CS-9"), ("suggestion", "S-9"), ("issue", "EQ-9")],
)
def test_a_second_record_under_the_same_key_is_409_already_exists(
    clients: Clients, world: World, command: str, key: str
) -> None:
    assert send(clients.office, world, command).status_code in (200, 201)
    problem = assert_problem(send(clients.office, world, command), 409, "already-exists")
    assert key in str(problem["detail"])


OFFICE_ONLY = sorted(set(VALID) - {"handle", "answer"})


@pytest.mark.parametrize("command", sorted(VALID))
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PARTNER])
def test_read_only_roles_write_nothing(
    clients: Clients, world: World, command: str, role: Role
) -> None:
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    assert_problem(send(client, world, command), 403, "forbidden")


@pytest.mark.parametrize("command", OFFICE_ONLY)
def test_office_only_commands_are_403_for_agency_officers(
    clients: Clients, world: World, command: str
) -> None:
    assert_problem(send(clients.officer_of(world.agencies.a), world, command), 403, "forbidden")


def test_the_office_does_not_handle_tickets_itself(clients: Clients, world: World) -> None:
    assert_problem(send(clients.office, world, "handle"), 403, "forbidden")


def test_the_openapi_document_lists_the_area(clients: Clients) -> None:
    paths = clients.anonymous.get("/openapi.json").json()["paths"]
    handling = paths["/api/v1/hotline-tickets/{ticket_id}/handling"]["post"]
    assert handling["x-roles"] == ["agency_officer"]
    assert handling["tags"] == ["oversight"]
    assert "get" in paths["/api/v1/equipment-ledgers/{id}"]


def test_the_demo_step_loads_and_running_it_twice_is_harmless(
    ledger: SupervisionLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The registry demo, then this area's step alone: other areas' steps are their tests' matter.
    monkeypatch.setattr(demo, "EXTRA_STEPS", [demo_oversight.load])
    assert demo.load_demo(ledger)
    demo_oversight.load(ledger)
    urb: EquipmentLedger = ledger.repository.get(EquipmentLedger.create_id(Agency.create_id("URB")))
    msa: EquipmentLedger = ledger.repository.get(EquipmentLedger.create_id(Agency.create_id("MSA")))
    eco: EquipmentLedger = ledger.repository.get(EquipmentLedger.create_id(Agency.create_id("ECO")))
    assert urb.issued_total + msa.issued_total + eco.issued_total == 332
    late: HotlineTicket = ledger.repository.get(HotlineTicket.create_id("2306121234500002"))
    assert late.late is True
