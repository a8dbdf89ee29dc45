"""Cross-regional collaboration over HTTP: joint actions, case transfers, joint cases — status
codes, problem bodies with rule slugs, agency scoping, and what a partner region may read."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.collaboration.joint_action import JointAction
from domain.collaboration.values import PartnerRegion
from gateway import demo, demo_collaboration
from tests.builders import given_officer, uscc
from tests.builders_oversight import (
    Agencies,
    fill,
    given_checked_site,
    given_cross_case,
    given_joint_action,
    given_problem,
    given_transfer,
    given_two_agencies,
)
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"


@dataclass(frozen=True)
class World:
    agencies: Agencies
    ids: dict[str, str]
    """Path and body placeholders: agencies a and b, officers a1 a2 (certified) a3 (not) b1 b2,
    an action of a with Tangshan and Cangzhou (site 1 checked, problem 1 found), an action
    with Cangzhou only, a transfer to Langfang, a case with goods seized and one without."""


@pytest.fixture
def world(ledger: SupervisionLedger) -> World:
    agencies = given_two_agencies(ledger)
    a1, a2 = agencies.a_officers
    action = given_joint_action(ledger, agencies.a)
    given_checked_site(ledger, action, [a1, a2])
    given_problem(ledger, action, site_no=1)
    ids = {
        "a": agencies.a,
        "b": agencies.b,
        "a1": a1,
        "a2": a2,
        "a3": given_officer(ledger, agencies.a, "A-3", certified_on=None),
        "b1": agencies.b_officers[0],
        "b2": agencies.b_officers[1],
        "action": action,
        "cangzhou_action": given_joint_action(
            ledger, agencies.a, (PartnerRegion.CANGZHOU,), reference="JA-CZ"
        ),
        "transfer": given_transfer(ledger, agencies.a),
        "case": given_cross_case(ledger, agencies.a, [a1, a2]),
        "bare_case": given_cross_case(ledger, agencies.a, case_no="罚〔2023〕2号"),
        "problem": 1,
        "unknown": uuid4(),
    }
    return World(agencies, {name: str(value) for name, value in ids.items()})


OFFICERS = ["{a1}", "{a2}"]
VALID: dict[str, tuple[str, dict[str, object]]] = {
    "launch": (
        "joint-actions",
        {
            "reference": "JA-9",
            "title": "危险废物联合执法",
            "field": "ecology",
            "regions": ["tangshan"],
            "agency_id": "{a}",
            "starts_on": "2023-05-08",
            "ends_on": "2023-05-12",
        },
    ),
    "site": (
        "joint-actions/{action}/sites",
        {
            "name": "某化工公司",
            "uscc": uscc(5, "130200"),
            "region": "tangshan",
            "checked_on": "2023-05-10",
            "officer_ids": OFFICERS,
        },
    ),
    "problem": (
        "joint-actions/{action}/problems",
        {"site_no": 1, "description": "台账缺失", "found_on": "2023-05-09"},
    ),
    "rectify": (
        "joint-actions/{action}/problems/{problem}/rectification",
        {"rectified_on": "2023-05-09", "note": "当场整改"},
    ),
    "meeting": ("joint-actions/{action}/meetings", {"held_on": "2023-05-12", "topic": "座谈"}),
    "transfer": (
        "case-transfers",
        {
            "direction": "received",
            "region": "cangzhou",
            "case_reference": "沧移〔2023〕1号",
            "agency_id": "{a}",
            "transferred_on": "2023-04-03",
            "summary": "涉案企业在滨海新区",
        },
    ),
    "outcome": (
        "case-transfers/{transfer}/outcome",
        {"outcome": "accepted", "decided_on": "2023-04-10"},
    ),
    "open": (
        "cross-regional-cases",
        {
            "case_no": "罚〔2023〕9号",
            "regions": ["tangshan"],
            "agency_id": "{a}",
            "opened_on": "2023-03-20",
            "cause": "销售冒用厂名、厂址的产品",
            "party_kind": "citizen",
            "person": {"name": "杨某"},
        },
    ),
    "seize": (
        "cross-regional-cases/{case}/seizures",
        {
            "description": "钢管",
            "quantity": "497",
            "unit": "根",
            "seized_on": "2023-03-21",
            "officer_ids": OFFICERS,
        },
    ),
    "decide": (
        "cross-regional-cases/{case}/decision",
        {
            "decided_on": "2023-06-15",
            "goods_value_fen": 1_474_610_000,
            "goods_confiscated": True,
            "fine_fen": 75_000_000,
            "officer_ids": OFFICERS,
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
    return client.post(f"{API}/{fill(path, every)}", json=filled)


def lead(clients: Clients, world: World) -> TestClient:
    return clients.officer_of(world.agencies.a)


# Stories ---------------------------------------------------------------------------------------


def test_a_joint_action_over_http_counts_what_the_report_counts(
    clients: Clients, world: World
) -> None:
    officer = lead(clients, world)
    created = send(officer, world, "launch")
    assert created.status_code == 201, created.text
    action = created.json()["id"]
    assert action == str(JointAction.create_id("JA-9"))
    ids = {"action": action}
    assert send(officer, world, "site", ids).json()["events"] == ["JointAction.SiteChecked"]
    assert send(officer, world, "problem", ids, found_on="2023-05-10").status_code == 200
    assert (
        send(lead(clients, world), world, "rectify", ids, rectified_on="2023-05-10").status_code
        == 200
    )
    assert send(officer, world, "meeting", ids).status_code == 200
    state = clients.auditor.get(f"{API}/joint-actions/{action}").json()["state"]
    assert (len(state["sites"]), len(state["problems"]), len(state["meetings"])) == (1, 1, 1)
    assert state["problems"][0]["rectified_on"] == "2023-05-10"
    assert state["problems"][0]["on_the_spot"] is True


def test_a_partner_reads_only_the_records_that_concern_its_region(
    clients: Clients, world: World
) -> None:
    tangshan = clients.partner("tangshan")
    both = f"{API}/joint-actions/{world.ids['action']}"
    cangzhou_only = f"{API}/joint-actions/{world.ids['cangzhou_action']}"
    assert tangshan.get(both).status_code == 200
    assert tangshan.get(both).json()["state"]["regions"] == ["cangzhou", "tangshan"]
    assert_problem(tangshan.get(cangzhou_only), 403, "forbidden")
    assert clients.partner("cangzhou").get(cangzhou_only).status_code == 200
    transfer = f"{API}/case-transfers/{world.ids['transfer']}"
    assert_problem(tangshan.get(transfer), 403, "forbidden")
    assert clients.partner("langfang").get(transfer).status_code == 200
    assert tangshan.get(f"{API}/cross-regional-cases/{world.ids['case']}").status_code == 200
    assert_problem(
        clients.partner("beijing").get(f"{API}/cross-regional-cases/{world.ids['case']}"),
        403,
        "forbidden",
    )


def test_only_the_lead_agency_and_the_office_read_and_write_a_joint_action(
    clients: Clients, world: World
) -> None:
    path = f"{API}/joint-actions/{world.ids['action']}"
    assert lead(clients, world).get(path).status_code == 200
    other = clients.officer_of(world.agencies.b)
    assert_problem(other.get(path), 403, "forbidden")
    for command in VALID:
        assert_problem(send(other, world, command), 403, "forbidden")


def test_the_report_s_steel_case_is_kept_in_fen(clients: Clients, world: World) -> None:
    response = send(lead(clients, world), world, "decide")
    assert response.status_code == 200, response.text
    state = clients.auditor.get(f"{API}/cross-regional-cases/{world.ids['case']}").json()["state"]
    assert state["goods_value_fen"] == 1_474_610_000
    assert state["fine_fen"] == 75_000_000
    assert state["goods_confiscated"] is True
    assert state["seized"][0]["quantity"] == "3215"


def test_a_case_decided_late_after_legal_review_and_an_approved_extension(
    clients: Clients, world: World
) -> None:
    # Opened on 20 March 2023: 90 days run to 18 June; the extension is approved before that.
    officer = lead(clients, world)
    case = f"{API}/cross-regional-cases/{world.ids['case']}"
    steps = [
        ("legal-review", {"requested_on": "2023-06-01"}),
        (
            "legal-review/outcome",
            {"reviewed_on": "2023-06-05", "passed": True, "reviewer": "王某", "opinion": "同意"},
        ),
        (
            "extensions",
            {
                "approved_on": "2023-06-10",
                "new_deadline": "2023-07-31",
                "approver": "李某",
                "reason": "案情复杂，需跨区域调取证据",
            },
        ),
    ]
    other = clients.officer_of(world.agencies.b)
    for path, body in steps:
        assert_problem(other.post(f"{case}/{path}", json=body), 403, "forbidden")
        assert_problem(clients.office.post(f"{case}/{path}", json=body), 403, "forbidden")
        response = officer.post(f"{case}/{path}", json=body)
        assert response.status_code == 200, response.text
    decided = send(officer, world, "decide", decided_on="2023-07-20")
    assert decided.status_code == 200, decided.text
    state = clients.auditor.get(case).json()["state"]
    assert (state["legal_review"], state["decision_due_on"], state["extensions"]) == (
        "passed",
        "2023-07-31",
        1,
    )
    assert state["fine_fen"] == 75_000_000


def test_a_late_decision_without_an_extension_is_refused(clients: Clients, world: World) -> None:
    problem = assert_problem(
        send(lead(clients, world), world, "decide", decided_on="2023-07-20"), 409, "rule-violation"
    )
    assert problem["rule"] == "decision-within-90-days"


@pytest.mark.parametrize(
    ("command", "rule"),
    [("rectify", "rectify-once"), ("outcome", "outcome-once"), ("decide", "case-decided")],
)
def test_what_is_recorded_once_is_refused_the_second_time(
    clients: Clients, world: World, command: str, rule: str
) -> None:
    assert send(lead(clients, world), world, command).status_code == 200
    problem = assert_problem(send(lead(clients, world), world, command), 409, "rule-violation")
    assert problem["rule"] == rule


# Refusals, endpoint by endpoint ----------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(VALID))
def test_every_valid_request_is_accepted_from_the_lead_agency(
    clients: Clients, world: World, command: str
) -> None:
    response = send(lead(clients, world), world, command)
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("command", ["launch", "site", "transfer", "open"])
def test_the_office_records_no_agency_s_collaboration(
    clients: Clients, world: World, command: str
) -> None:
    # The report has the agencies lead joint actions and handle cross-regional cases.
    assert_problem(send(clients.office, world, command), 403, "forbidden")


@pytest.mark.parametrize(
    ("command", "changes", "loc"),
    [
        ("launch", {"regions": []}, "regions"),
        ("launch", {"regions": ["tianjin"]}, "regions.0"),
        ("launch", {"regions": ["tangshan", "tangshan"]}, "regions"),
        ("launch", {"starts_on": "2099-01-01"}, "starts_on"),
        ("launch", {"field": "astrology"}, "field"),
        ("site", {"officer_ids": ["{a1}"]}, "officer_ids"),
        ("site", {"uscc": "91130200000000001X"}, "uscc"),
        ("problem", {"site_no": 0}, "site_no"),
        ("rectify", {"on_the_spot": "perhaps"}, "on_the_spot"),
        ("meeting", {"topic": ""}, "topic"),
        ("transfer", {"direction": "sideways"}, "direction"),
        ("outcome", {"outcome": "maybe"}, "outcome"),
        ("open", {"case_no": ""}, "case_no"),
        ("seize", {"quantity": "0"}, "quantity"),
        ("seize", {"unit": ""}, "unit"),
        ("decide", {"fine_fen": -1}, "fine_fen"),
        ("decide", {"fine_fen": 1.5}, "fine_fen"),
    ],
)
def test_field_errors_are_422_naming_the_field(
    clients: Clients, world: World, command: str, changes: dict[str, object], loc: str
) -> None:
    problem = assert_problem(
        send(lead(clients, world), world, command, **changes), 422, "invalid-request"
    )
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert loc in {".".join(e["loc"]) for e in errors}


def test_a_bad_problem_number_in_the_path_is_422(clients: Clients, world: World) -> None:
    response = send(lead(clients, world), world, "rectify", {"problem": "first"})
    assert_problem(response, 422, "invalid-request")


def test_a_citizen_party_without_person_is_422(clients: Clients, world: World) -> None:
    response = send(lead(clients, world), world, "open", person=None)
    problem = assert_problem(response, 422, "invalid-request")
    assert "a citizen party is given in person" in str(problem["detail"])


@pytest.mark.parametrize(
    ("command", "ids", "changes", "rule"),
    [
        ("launch", {}, {"ends_on": "2023-05-07"}, "collaboration-dates-in-order"),
        ("site", {}, {"checked_on": "2023-05-20"}, "within-action-dates"),
        ("site", {}, {"region": "langfang"}, "site-in-action-regions"),
        ("site", {}, {"officer_ids": ["{b1}", "{b2}"]}, "officers-of-the-acting-agency"),
        ("site", {}, {"officer_ids": ["{a1}", "{a1}"]}, "two-officers"),
        ("site", {}, {"officer_ids": ["{a1}", "{a3}"]}, "certified-officers-only"),
        ("problem", {}, {"site_no": 9}, "problem-at-checked-site"),
        ("problem", {}, {"found_on": "2023-05-08"}, "collaboration-dates-in-order"),
        ("rectify", {"problem": "9"}, {}, "rectify-found-problem"),
        ("rectify", {}, {"rectified_on": "2023-05-08"}, "collaboration-dates-in-order"),
        ("meeting", {}, {"held_on": "2023-05-07"}, "collaboration-dates-in-order"),
        ("outcome", {}, {"decided_on": "2023-04-02"}, "collaboration-dates-in-order"),
        ("seize", {}, {"seized_on": "2023-03-19"}, "collaboration-dates-in-order"),
        ("seize", {}, {"officer_ids": ["{b1}", "{b2}"]}, "officers-of-the-acting-agency"),
        ("decide", {}, {"decided_on": "2023-03-19"}, "collaboration-dates-in-order"),
        ("decide", {"case": "{bare_case}"}, {}, "confiscate-seized-goods"),
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
    response = send(lead(clients, world), world, command, ids, **changes)
    problem = assert_problem(response, 409, "rule-violation")
    assert problem["rule"] == rule


@pytest.mark.parametrize(
    ("command", "ids", "changes"),
    [
        ("launch", {}, {"agency_id": "{unknown}"}),
        ("site", {"action": "{unknown}"}, {}),
        ("site", {}, {"officer_ids": ["{a1}", "{unknown}"]}),
        ("problem", {"action": "{unknown}"}, {}),
        ("rectify", {"action": "{unknown}"}, {}),
        ("meeting", {"action": "{unknown}"}, {}),
        ("transfer", {}, {"agency_id": "{unknown}"}),
        ("outcome", {"transfer": "{unknown}"}, {}),
        ("open", {}, {"agency_id": "{unknown}"}),
        ("seize", {"case": "{unknown}"}, {}),
        ("decide", {"case": "{unknown}"}, {}),
    ],
)
def test_unknown_ids_are_404(
    clients: Clients, world: World, command: str, ids: dict[str, str], changes: dict[str, object]
) -> None:
    response = send(lead(clients, world), world, command, ids, **changes)
    assert_problem(response, 404, "not-found")
    assert_problem(
        clients.auditor.get(f"{API}/joint-actions/{world.ids['unknown']}"), 404, "not-found"
    )


@pytest.mark.parametrize("command", ["launch", "transfer", "open"])
def test_a_second_record_under_the_same_key_is_409_already_exists(
    clients: Clients, world: World, command: str
) -> None:
    assert send(lead(clients, world), world, command).status_code == 201
    assert_problem(send(lead(clients, world), world, command), 409, "already-exists")


@pytest.mark.parametrize("command", sorted(VALID))
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PARTNER])
def test_read_only_roles_write_nothing(
    clients: Clients, world: World, command: str, role: Role
) -> None:
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    assert_problem(send(client, world, command), 403, "forbidden")


def test_the_demo_step_loads_the_report_s_market_cases_and_twice_is_harmless(
    ledger: SupervisionLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The registry demo, then this area's step alone: other areas' steps are their tests' matter.
    monkeypatch.setattr(demo, "EXTRA_STEPS", [demo_collaboration.load])
    assert demo.load_demo(ledger)
    demo_collaboration.load(ledger)
    steel: CrossRegionalCase = ledger.repository.get(
        CrossRegionalCase.create_id("津滨市监罚〔2023〕101号")
    )
    pipes: CrossRegionalCase = ledger.repository.get(
        CrossRegionalCase.create_id("津滨市监罚〔2023〕187号")
    )
    assert (steel.goods_value_fen, steel.fine_fen) == (1_474_610_000, 75_000_000)
    assert (pipes.goods_value_fen, pipes.fine_fen) == (165_800_000, 33_160_000)
    assert steel.goods_confiscated and pipes.goods_confiscated
    assert [str(lot.quantity) for lot in steel.seized + pipes.seized] == ["3215", "497"]
    assert steel.person is not None and steel.person.name == "杨某"
    assert pipes.person is None


def test_a_partner_never_sees_an_individuals_personal_data_in_a_record(
    clients: Clients, world: World
) -> None:
    opened = send(lead(clients, world), world, "open")  # a citizen party, concerning Tangshan
    assert opened.status_code == 201, opened.text
    path = f"/api/v1/cross-regional-cases/{opened.json()['id']}"
    partner = clients.partner("tangshan").get(path)
    assert partner.status_code == 200
    assert partner.json()["state"]["person"]["withheld"] is True
    assert "杨某" not in partner.text
    assert clients.office.get(path).json()["state"]["person"]["name"] == "杨某"
