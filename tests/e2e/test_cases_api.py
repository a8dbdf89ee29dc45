"""Penalty cases and case-file reviews over HTTP: statuses, problem bodies, who may do what."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx2 import Response

from domain.actors import Role
from domain.cases.penalties import Measure, Penalties, PenaltyKind
from domain.cases.penalty_case import PenaltyCase
from domain.registry.agency import MajorDecisionItem
from gateway import demo, demo_cases, demo_field
from tests.builders import given_entity
from tests.builders_cases import (
    given_decided_case,
    given_exemption_list,
    given_filed_case,
    given_major_list,
    given_team,
    intake_body,
)
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

CASES = "/api/v1/penalty-cases"
REVIEWS = "/api/v1/case-file-reviews"


@pytest.fixture
def msa(clients: Clients) -> tuple[UUID, list[UUID]]:
    return given_team(clients.ledger, "MSA")


def events_of(response: Response) -> list[str]:
    assert response.status_code in (200, 201), response.text
    events: list[str] = response.json()["events"]
    return events


# Opening a case -------------------------------------------------------------------------------


def test_an_officer_files_a_case_of_its_agency_and_reads_it(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    entity = given_entity(clients.ledger, 1)
    body = intake_body(agency, team, entity, filed_on="2023-03-06", goods_value_fen=8_640_000)
    response = clients.officer_of(agency).post(CASES, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["events"] == ["PenaltyCase.Opened"]
    case_id = response.json()["id"]
    assert case_id == str(PenaltyCase.create_id(agency, "津滨市监罚〔2023〕1号"))
    state = clients.officer_of(agency).get(f"{CASES}/{case_id}").json()["state"]
    assert state["decision_due_on"] == "2023-06-04"
    assert state["goods_value_fen"] == 8_640_000
    other, _ = given_team(clients.ledger, "ECO")
    assert_problem(clients.officer_of(other).get(f"{CASES}/{case_id}"), 403, "forbidden")
    assert clients.auditor.get(f"{CASES}/{case_id}").status_code == 200
    again = clients.officer_of(agency).post(CASES, json=body)
    assert_problem(again, 409, "already-exists")


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"party_kind": "organisation", "entity_id": None}, []),
        ({"case_no": "has space"}, ["case_no"]),
        ({"filed_on": "2999-01-01"}, ["filed_on"]),
        ({"goods_value_fen": 1.5}, ["goods_value_fen"]),
        ({"goods_value_fen": -1}, ["goods_value_fen"]),
        ({"officer_ids": []}, ["officer_ids"]),
        ({"person": {"name": "x", "id_number": "bad id"}, "party_kind": "citizen"}, []),
    ],
)
def test_bad_case_fields_are_422(
    clients: Clients, msa: tuple[UUID, list[UUID]], change: dict[str, Any], loc: list[str]
) -> None:
    agency, team = msa
    body = intake_body(agency, team, uuid4(), filed_on="2023-03-06") | change
    problem = assert_problem(
        clients.officer_of(agency).post(CASES, json=body), 422, "invalid-request"
    )
    if loc:
        assert loc in [e["loc"] for e in problem["errors"]]  # type: ignore[attr-defined]


def test_a_citizen_party_needs_personal_data_and_an_organisation_none(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    body = intake_body(agency, team, None, filed_on="2023-03-06")
    body.pop("person")
    problem = assert_problem(
        clients.officer_of(agency).post(CASES, json=body), 422, "invalid-request"
    )
    assert "a citizen is named by person" in str(problem["detail"])


def test_a_case_needs_two_officers(clients: Clients, msa: tuple[UUID, list[UUID]]) -> None:
    agency, team = msa
    body = intake_body(agency, team[:1], None, filed_on="2023-03-06")
    problem = assert_problem(
        clients.officer_of(agency).post(CASES, json=body), 409, "rule-violation"
    )
    assert problem["rule"] == "two-officers"


@pytest.mark.parametrize("unknown", ["entity_id", "officer", "agency_id", "inspection_id"])
def test_unknown_ids_when_opening_are_404(
    clients: Clients, msa: tuple[UUID, list[UUID]], unknown: str
) -> None:
    agency, team = msa
    entity = given_entity(clients.ledger, 1)
    body = intake_body(agency, team, entity, filed_on="2023-03-06")
    if unknown == "officer":
        body["officer_ids"] = [str(team[0]), str(uuid4())]
    elif unknown == "agency_id":
        agency = uuid4()  # an officer's token for an agency the ledger does not know
        body["agency_id"] = str(agency)
    else:
        body[unknown] = str(uuid4())
    assert_problem(clients.officer_of(agency).post(CASES, json=body), 404, "not-found")


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.PARTNER])
def test_only_agency_officers_open_cases(
    clients: Clients, msa: tuple[UUID, list[UUID]], role: Role
) -> None:
    agency, team = msa
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    body = intake_body(agency, team, None, filed_on="2023-03-06")
    assert_problem(client.post(CASES, json=body), 403, "forbidden")
    assert_problem(client.post(f"{CASES}/on-the-spot", json=body), 403, "forbidden")


def test_an_officer_of_another_agency_cannot_open_a_case(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    other, _ = given_team(clients.ledger, "ECO")
    body = intake_body(agency, team, None, filed_on="2023-03-06")
    assert_problem(clients.officer_of(other).post(CASES, json=body), 403, "forbidden")


# Simple procedure -----------------------------------------------------------------------------


def test_a_fine_on_the_spot_within_the_cap(clients: Clients, msa: tuple[UUID, list[UUID]]) -> None:
    agency, team = msa
    body = intake_body(agency, team, None, decided_on="2023-07-14", penalties={"fine_fen": 20_000})
    response = clients.officer_of(agency).post(f"{CASES}/on-the-spot", json=body)
    assert response.status_code == 201
    assert events_of(response) == [
        "PenaltyCase.Opened",
        "PenaltyCase.Decided",
        "PenaltyCase.Served",
    ]


def test_a_fine_on_the_spot_above_the_cap_is_409(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    body = intake_body(agency, team, None, decided_on="2023-07-14", penalties={"fine_fen": 50_000})
    response = clients.officer_of(agency).post(f"{CASES}/on-the-spot", json=body)
    problem = assert_problem(response, 409, "rule-violation")
    assert problem["rule"] == "simple-procedure-cap"
    assert problem["detail"] == (
        "the simple procedure allows a fine of at most 200 yuan for a citizen; "
        "500 yuan needs the ordinary procedure"
    )


def test_penalties_are_validated_as_fields(clients: Clients, msa: tuple[UUID, list[UUID]]) -> None:
    agency, team = msa
    body = intake_body(
        agency, team, None, decided_on="2023-07-14", penalties={"fine_fen": "lots", "jail": True}
    )
    problem = assert_problem(
        clients.officer_of(agency).post(f"{CASES}/on-the-spot", json=body), 422, "invalid-request"
    )
    locs = [e["loc"] for e in problem["errors"]]  # type: ignore[attr-defined]
    assert ["penalties", "fine_fen"] in locs and ["penalties", "jail"] in locs


# Ordinary procedure, step by step -------------------------------------------------------------

STEPS: dict[str, dict[str, Any]] = {
    "investigations": {"investigated_on": "2023-03-10", "evidence": ["ab" * 32]},
    "legal-review": {"requested_on": "2023-03-11"},
    "legal-review/outcome": {"reviewed_on": "2023-03-12", "passed": True, "reviewer": "法制科"},
    "extensions": {
        "approved_on": "2023-03-12",
        "new_deadline": "2023-07-04",
        "approver": "局长",
        "reason": "案情复杂",
    },
    "decision": {"decided_on": "2023-04-01", "penalties": {"fine_fen": 500_000}},
    "service": {"served_on": "2023-04-02", "method": "in_person"},
    "payments": {"paid_on": "2023-04-10", "fine_fen": 500_000},
    "execution-waiver": {"waived_on": "2023-04-10", "approver": "局长", "reason": "当事人注销"},
    "closure": {"closed_on": "2023-04-11"},
    "education-correction": {"decided_on": "2023-03-20", "correction": "当场改正"},
    "exemption": {
        "decided_on": "2023-03-20",
        "domain": "market",
        "list_version": 1,
        "item_code": "MKT-E-01",
    },
    "dismissal": {"decided_on": "2023-03-20", "reason": "not_established"},
}


def test_an_ordinary_case_from_filing_to_closing(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    given_major_list(
        clients.ledger,
        agency,
        [MajorDecisionItem(code="fine", description="较大数额罚款", fine_threshold_fen=100_000)],
    )
    case = given_filed_case(clients.ledger, agency, team, investigated=False)
    officer = clients.officer_of(agency)

    def step(name: str, **change: Any) -> Response:
        return officer.post(f"{CASES}/{case}/{name}", json=STEPS[name] | change)

    assert events_of(step("investigations")) == ["PenaltyCase.Investigated"]
    unreviewed = assert_problem(step("decision"), 409, "rule-violation")
    assert unreviewed["rule"] == "legal-review-before-major-decision"
    assert events_of(step("legal-review")) == ["PenaltyCase.LegalReviewRequested"]
    assert events_of(step("legal-review/outcome")) == ["PenaltyCase.LegalReviewed"]
    assert events_of(step("extensions")) == ["PenaltyCase.ExtensionApproved"]
    assert events_of(step("decision")) == ["PenaltyCase.Decided"]
    early = assert_problem(step("closure"), 409, "rule-violation")
    assert early["rule"] == "case-steps-in-order"
    assert events_of(step("service")) == ["PenaltyCase.Served"]
    too_much = assert_problem(step("payments", fine_fen=500_001), 409, "rule-violation")
    assert too_much["rule"] == "payment-within-due"
    assert events_of(step("payments", fine_fen=400_000)) == ["PenaltyCase.PaymentRecorded"]
    unpaid = assert_problem(step("closure"), 409, "rule-violation")
    assert unpaid["rule"] == "close-after-execution"
    assert events_of(step("execution-waiver")) == ["PenaltyCase.ExecutionWaived"]
    assert events_of(step("closure")) == ["PenaltyCase.Closed"]
    state = clients.auditor.get(f"{CASES}/{case}").json()["state"]
    assert state["stage"] == "closed" and state["outcome"] == "penalty"
    assert state["major_items"] == ["fine"]
    assert (state["paid_fine_fen"], state["waived_fen"]) == (400_000, 100_000)


def test_a_late_decision_is_409(clients: Clients, msa: tuple[UUID, list[UUID]]) -> None:
    agency, team = msa
    case = given_filed_case(clients.ledger, agency, team)
    late = STEPS["decision"] | {"decided_on": "2023-06-05"}
    problem = assert_problem(
        clients.officer_of(agency).post(f"{CASES}/{case}/decision", json=late),
        409,
        "rule-violation",
    )
    assert problem["rule"] == "decision-within-90-days"
    assert "had to be decided by 2023-06-04" in str(problem["detail"])


def test_a_major_measure_needs_legal_review(clients: Clients, msa: tuple[UUID, list[UUID]]) -> None:
    agency, team = msa
    given_major_list(
        clients.ledger, agency, [MajorDecisionItem(code="suspend_business", description="停业")]
    )
    case = given_filed_case(clients.ledger, agency, team)
    penalties = Penalties(measures=[Measure(kind=PenaltyKind.SUSPEND_BUSINESS, detail="3个月")])
    body = {"decided_on": "2023-04-01", "penalties": penalties.model_dump(mode="json")}
    problem = assert_problem(
        clients.officer_of(agency).post(f"{CASES}/{case}/decision", json=body),
        409,
        "rule-violation",
    )
    assert "suspend_business (停业)" in str(problem["detail"])


@pytest.mark.parametrize(
    ("ending", "event", "outcome"),
    [
        ("education-correction", "PenaltyCase.EducationCorrected", "education_correction"),
        ("exemption", "PenaltyCase.Exempted", "exemption"),
        ("dismissal", "PenaltyCase.Dismissed", "dismissed"),
    ],
)
def test_ending_without_a_penalty(
    clients: Clients, msa: tuple[UUID, list[UUID]], ending: str, event: str, outcome: str
) -> None:
    agency, team = msa
    given_exemption_list(clients.ledger)
    case = given_filed_case(clients.ledger, agency, team)
    response = clients.officer_of(agency).post(f"{CASES}/{case}/{ending}", json=STEPS[ending])
    # An exemption is recorded on the cited list too (so no later version comes in under it).
    cited = ["ExemptionList.ItemCited"] if event == "PenaltyCase.Exempted" else []
    assert events_of(response) == [event, *cited]
    state = clients.auditor.get(f"{CASES}/{case}").json()["state"]
    assert (state["stage"], state["outcome"]) == ("closed", outcome)


def test_an_exemption_list_not_yet_in_force_is_409_an_unknown_one_404(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    given_exemption_list(clients.ledger, in_force_from=date(2023, 3, 2))  # violation: 1 March
    case = given_filed_case(clients.ledger, agency, team)
    officer = clients.officer_of(agency)
    problem = assert_problem(
        officer.post(f"{CASES}/{case}/exemption", json=STEPS["exemption"]), 409, "rule-violation"
    )
    assert problem["rule"] == "exemption-list-in-force"
    unknown = STEPS["exemption"] | {"list_version": 7}
    assert_problem(officer.post(f"{CASES}/{case}/exemption", json=unknown), 404, "not-found")


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_of_an_unknown_case_is_404(
    clients: Clients, msa: tuple[UUID, list[UUID]], name: str
) -> None:
    agency, _ = msa
    given_exemption_list(clients.ledger)
    response = clients.officer_of(agency).post(f"{CASES}/{uuid4()}/{name}", json=STEPS[name])
    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_refuses_an_empty_body_with_422(
    clients: Clients, msa: tuple[UUID, list[UUID]], name: str
) -> None:
    agency, _ = msa
    response = clients.officer_of(agency).post(f"{CASES}/{uuid4()}/{name}", json={})
    assert_problem(response, 422, "invalid-request")


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_is_for_the_cases_own_agency_officers_only(
    clients: Clients, msa: tuple[UUID, list[UUID]], name: str
) -> None:
    agency, team = msa
    case = given_filed_case(clients.ledger, agency, team)
    other, _ = given_team(clients.ledger, "ECO")
    path = f"{CASES}/{case}/{name}"
    assert_problem(clients.officer_of(other).post(path, json=STEPS[name]), 403, "forbidden")
    for role in (Role.SUPERVISOR, Role.AUDITOR, Role.PARTNER):
        client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
        assert_problem(client.post(path, json=STEPS[name]), 403, "forbidden")


def test_a_step_may_name_a_new_team(clients: Clients, msa: tuple[UUID, list[UUID]]) -> None:
    agency, team = msa
    case = given_filed_case(clients.ledger, agency, team)
    _, eco_team = given_team(clients.ledger, "ECO")
    body = STEPS["decision"] | {"officer_ids": [str(team[0]), str(eco_team[0])]}
    problem = assert_problem(
        clients.officer_of(agency).post(f"{CASES}/{case}/decision", json=body),
        409,
        "rule-violation",
    )
    assert problem["rule"] == "officers-of-the-acting-agency"


# Case-file reviews ----------------------------------------------------------------------------

SCORING: dict[str, Any] = {
    "reviewed_on": "2023-09-12",
    "form_points": 24,
    "content_points": 55,
    "deductions": [{"item": "D-03", "points": 6, "note": "证据未经当事人确认"}],
}


def review_body(
    agency: UUID, file_no: str = "津滨市监罚〔2021〕0415号", year: int = 2021
) -> dict[str, Any]:
    return {
        "agency_id": str(agency),
        "file_no": file_no,
        "file_year": year,
        "standard_version": "2023",
    } | SCORING


def test_the_office_reviews_a_file_that_predates_the_ledger(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, _ = msa
    response = clients.office.post(REVIEWS, json=review_body(agency))
    assert response.status_code == 201, response.text
    assert response.json()["events"] == ["CaseFileReview.Scored"]
    state = clients.officer_of(agency).get(f"{REVIEWS}/{response.json()['id']}").json()["state"]
    assert (state["score"], state["grade"], state["case_id"]) == (73, "qualified", None)
    again = clients.office.post(REVIEWS, json=review_body(agency))
    assert_problem(again, 409, "already-exists")


def test_a_ledger_case_is_reviewed_once_closed_and_linked(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    case = given_decided_case(clients.ledger, agency, team, penalties=Penalties(warning=True))
    body = review_body(agency, "津滨市监罚〔2023〕1号", 2023)
    open_file = assert_problem(clients.office.post(REVIEWS, json=body), 409, "rule-violation")
    assert open_file["rule"] == "review-closed-files-only"
    clients.officer_of(agency).post(f"{CASES}/{case}/closure", json=STEPS["closure"])
    wrong_year = assert_problem(
        clients.office.post(REVIEWS, json=body | {"file_year": 2022}), 409, "rule-violation"
    )
    assert wrong_year["rule"] == "case-file-year"
    reviewed = clients.office.post(REVIEWS, json=body)
    assert reviewed.status_code == 201, reviewed.text
    state = clients.auditor.get(f"{REVIEWS}/{reviewed.json()['id']}").json()["state"]
    assert state["case_id"] == str(case)


def test_a_vetoed_file_scores_0_and_a_rescore_corrects_it(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, _ = msa
    review = clients.office.post(REVIEWS, json=review_body(agency) | {"veto_items": ["V-06"]})
    review_id = review.json()["id"]
    state = clients.auditor.get(f"{REVIEWS}/{review_id}").json()["state"]
    assert (state["score"], state["grade"]) == (0, "unqualified")
    rescored = clients.office.post(
        f"{REVIEWS}/{review_id}/rescoring",
        json=SCORING | {"reason": "已补法制审核意见书", "reviewed_on": "2023-10-01"},
    )
    assert events_of(rescored) == ["CaseFileReview.Rescored"]
    state = clients.auditor.get(f"{REVIEWS}/{review_id}").json()["state"]
    assert (state["score"], state["grade"], state["times_rescored"]) == (73, "qualified", 1)


@pytest.mark.parametrize(
    ("change", "slug", "rule"),
    [
        ({"standard_version": "1999"}, "invalid-request", None),
        ({"form_points": -1}, "invalid-request", None),
        ({"deductions": [{"item": "D-01", "points": 0}]}, "invalid-request", None),
        ({"form_points": 31}, "rule-violation", "points-within-standard"),
        ({"veto_items": ["V-77"]}, "rule-violation", "items-of-the-standard"),
        ({"file_year": 2024}, "rule-violation", "review-after-file-year"),
    ],
)
def test_bad_scorings_are_refused(
    clients: Clients,
    msa: tuple[UUID, list[UUID]],
    change: dict[str, Any],
    slug: str,
    rule: str | None,
) -> None:
    agency, _ = msa
    status = 422 if slug == "invalid-request" else 409
    problem = assert_problem(
        clients.office.post(REVIEWS, json=review_body(agency) | change), status, slug
    )
    assert problem.get("rule") == rule


def test_reviews_of_unknown_records_are_404(clients: Clients) -> None:
    assert_problem(clients.office.post(REVIEWS, json=review_body(uuid4())), 404, "not-found")
    rescoring = SCORING | {"reason": "x"}
    assert_problem(
        clients.office.post(f"{REVIEWS}/{uuid4()}/rescoring", json=rescoring), 404, "not-found"
    )


@pytest.mark.parametrize("role", [Role.AGENCY_OFFICER, Role.AUDITOR, Role.PARTNER])
def test_only_the_office_reviews(
    clients: Clients, msa: tuple[UUID, list[UUID]], role: Role
) -> None:
    agency, _ = msa
    client = clients.as_(
        role,
        agency_id=agency if role is Role.AGENCY_OFFICER else None,
        region="tangshan" if role is Role.PARTNER else None,
    )
    assert_problem(client.post(REVIEWS, json=review_body(agency)), 403, "forbidden")
    path = f"{REVIEWS}/{uuid4()}/rescoring"
    assert_problem(client.post(path, json=SCORING | {"reason": "x"}), 403, "forbidden")


# The demo -------------------------------------------------------------------------------------


def test_the_demo_records_cases_and_reviews_and_loads_twice(
    clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "EXTRA_STEPS", [demo_field.load, demo_cases.load])
    assert demo.load_demo(clients.ledger)
    demo_cases.load(clients.ledger)  # a second run adds nothing and fails on nothing
    food = PenaltyCase.create_id(demo_cases.MSA, demo_cases.FOOD_CASE)
    state = clients.auditor.get(f"{CASES}/{food}").json()["state"]
    assert (state["stage"], state["major_items"]) == ("closed", ["large_fine"])
