"""The annual report and the dashboard's views over HTTP: figures equal to the report computed
from the views, Markdown in both languages, 422 problems for bad queries, and who reads what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from gateway.demo import load_demo
from infra.postgres import Database
from infra.wiring import follower_for
from projections.report import REPORT_KEYS, compute_annual_report, compute_report
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"
MSA, ECO = Agency.create_id("MSA"), Agency.create_id("ECO")


@pytest.fixture
def demo(ledger: SupervisionLedger, database: Database) -> Iterator[Database]:
    """The demo data set, projected by the embedded follower."""
    load_demo(ledger)
    follower = follower_for(ledger, database)
    follower.catch_up()
    follower.close()
    yield database


def test_the_report_is_the_views_figures_for_the_office_and_auditors(
    clients: Clients, demo: Database
) -> None:
    expected = compute_annual_report(demo.url, 2023).as_json()
    for client in (clients.office, clients.auditor):
        answer = client.get(f"{API}/report", params={"year": 2023})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == expected
    assert set(REPORT_KEYS) <= set(expected)
    assert expected["inspections"] == 1 and expected["penalties"] == 2
    # The demo's two market cases, each named with its goods (3215 t of steel, 497 pipes).
    cases = {c["case_no"]: c for c in expected["cross_regional_case_list"]}
    assert [g["quantity"] for c in cases.values() for g in c["goods"]] == [3215, 497]
    assert [(c["goods_value_fen"], c["fine_fen"]) for c in cases.values()] == [
        (1_474_610_000, 75_000_000),
        (165_800_000, 33_160_000),
    ]
    markdown = clients.office.get(f"{API}/report/markdown", params={"year": 2023}).text
    assert "查获侵犯注册商标专用权的钢管497根，涉案货值1,658,000元" in markdown


def test_only_the_office_and_auditors_read_the_report(clients: Clients, demo: Database) -> None:
    query = {"year": 2023}
    assert_problem(clients.officer_of(MSA).get(f"{API}/report", params=query), 403, "forbidden")
    assert_problem(clients.partner("tangshan").get(f"{API}/report", params=query), 403, "forbidden")
    assert_problem(clients.anonymous.get(f"{API}/report", params=query), 401, "unauthenticated")


@pytest.mark.parametrize(
    "query",
    [
        {"year": "1999"},
        {"year": "2101"},
        {"year": "twenty"},
        {},
        {"year": "2023", "format": "markdown"},
        {"year": "2023", "years": "2022"},
    ],
)
def test_a_bad_query_is_a_422_problem(
    clients: Clients, demo: Database, query: dict[str, str]
) -> None:
    body = assert_problem(clients.office.get(f"{API}/report", params=query), 422, "invalid-request")
    assert body["errors"]


def test_the_report_in_markdown_in_both_languages_or_one(clients: Clients, demo: Database) -> None:
    both = clients.office.get(f"{API}/report/markdown", params={"year": 2023})
    assert both.status_code == 200
    assert both.headers["content-type"].startswith("text/markdown")
    assert "# 滨海新区2023年行政执法基本情况" in both.text
    assert "| 行政检查 | 1次 |" in both.text
    assert "| Inspections | 1 |" in both.text
    chinese = clients.auditor.get(f"{API}/report/markdown", params={"year": 2023, "lang": "zh"})
    assert "| 行政处罚 | 2起 |" in chinese.text
    assert "Inspections" not in chinese.text
    queries: list[dict[str, str | int]] = [{"year": 2023, "lang": "fr"}, {"year": 1999}]
    for query in queries:
        wrong = clients.office.get(f"{API}/report/markdown", params=query)
        assert_problem(wrong, 422, "invalid-request")
    officer = clients.officer_of(MSA).get(f"{API}/report/markdown", params={"year": 2023})
    assert_problem(officer, 403, "forbidden")


def test_the_views_answer_503_until_the_projections_have_run(
    clients: Clients, database: Database
) -> None:
    # A ledger whose projections never ran (the gateway creates no views itself).
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS views CASCADE")
    answer = clients.office.get(f"{API}/report", params={"year": 2023})
    assert_problem(answer, 503, "views-not-ready")
    assert answer.headers["retry-after"] == "5"


def test_indicators_per_year_month_and_agency(clients: Clients, demo: Database) -> None:
    year = clients.office.get(f"{API}/views/indicators", params={"year": 2023}).json()
    [district] = year["rows"]
    report = compute_report(demo.url, 2023)
    assert district["agency_id"] is None
    assert district["per_capita_actions"] == report["per_capita_actions"]
    assert district["participation_rate"] == report["participation_rate"]
    assert district["performance_rate"] == report["performance_rate"]
    months = clients.auditor.get(
        f"{API}/views/indicators", params={"year": 2023, "by": "month"}
    ).json()["rows"]
    assert [m["first"] for m in months][:2] == ["2023-01-01", "2023-02-01"]
    assert sum(m["acts"] for m in months) == district["acts"]
    agencies = clients.office.get(
        f"{API}/views/indicators", params={"year": 2023, "by": "agency"}
    ).json()["rows"]
    assert {r["agency_id"] for r in agencies} == {
        str(Agency.create_id(code)) for code in ("MSA", "ECO", "URB")
    }


def test_an_agency_officer_reads_its_own_slice_only(clients: Clients, demo: Database) -> None:
    officer = clients.officer_of(MSA)
    own = officer.get(f"{API}/views/indicators", params={"year": 2023, "by": "agency"}).json()
    assert [r["agency_id"] for r in own["rows"]] == [str(MSA)]
    acts = officer.get(f"{API}/views/acts", params={"first": "2023-01-01", "last": "2023-12-31"})
    assert acts.json()["agency_id"] == str(MSA)
    other = officer.get(f"{API}/views/overdue", params={"agency_id": str(ECO)})
    assert_problem(other, 403, "forbidden")
    assert_problem(
        clients.partner("tangshan").get(f"{API}/views/collaboration", params={"year": 2023}),
        403,
        "forbidden",
    )


def test_acts_per_day_by_kind(clients: Clients, demo: Database) -> None:
    april = clients.office.get(
        f"{API}/views/acts", params={"first": "2023-04-01", "last": "2023-04-30"}
    ).json()
    assert {"day": "2023-04-10", "kind": "inspection", "n": 1} in april["days"]
    assert april["totals"]["on_site_correction"] == 1
    reversed_period = {"first": "2023-04-30", "last": "2023-04-01"}
    too_long = {"first": "2022-01-01", "last": "2023-12-31"}
    for query in (reversed_period, too_long, {"first": "2023-04-01"}):
        answer = clients.office.get(f"{API}/views/acts", params=query)
        assert_problem(answer, 422, "invalid-request")


def test_overdue_cases_and_tickets_on_a_day(clients: Clients, demo: Database) -> None:
    answer = clients.office.get(f"{API}/views/overdue", params={"on": "2023-12-31"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["on"] == "2023-12-31"
    assert set(body) == {
        "on",
        "agency_id",
        "overdue_cases",
        "awaiting_legal_review",
        "overdue_tickets",
    }
    today = clients.auditor.get(f"{API}/views/overdue").json()
    assert date.fromisoformat(today["on"]) >= date(2023, 12, 31)


def test_collaboration_per_partner_region_and_plans_by_kind(
    clients: Clients, demo: Database
) -> None:
    regions = clients.office.get(f"{API}/views/collaboration", params={"year": 2023}).json()
    tangshan = next(r for r in regions["regions"] if r["region"] == "tangshan")
    assert tangshan["actions"] == 1 and tangshan["sites_checked"] >= 1
    plans = clients.office.get(f"{API}/views/plans", params={"year": 2023}).json()
    kinds = {k["kind"]: k for k in plans["kinds"]}
    assert set(kinds) == {"special", "routine", "double_random", "joint_random"}
    assert kinds["special"]["tasks_merged"] >= 1


def test_the_openapi_document_describes_the_report_and_the_views(clients: Clients) -> None:
    document = clients.anonymous.get("/openapi.json").json()
    report = document["paths"]["/api/v1/report"]["get"]
    assert report["x-roles"] == sorted([Role.AUDITOR.value, Role.SUPERVISOR.value])
    assert {p["name"] for p in report["parameters"]} == {"year"}
    markdown = document["paths"]["/api/v1/report/markdown"]["get"]
    assert {p["name"] for p in markdown["parameters"]} == {"year", "lang"}
    assert set(markdown["responses"]["200"]["content"]) == {"text/markdown"}
    schema = report["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/AnnualReport"}
    assert set(REPORT_KEYS) <= set(document["components"]["schemas"]["AnnualReport"]["properties"])
    for path in ("indicators", "acts", "overdue", "collaboration", "plans", *VIEWS):
        operation = document["paths"][f"/api/v1/views/{path}"]["get"]
        assert "agency_officer" in operation["x-roles"]
        assert "$ref" in operation["responses"]["200"]["content"]["application/json"]["schema"]


VIEWS = ("certificates", "cases", "reviews", "inspections")


def test_certificates_cases_reviews_and_inspections_agree_with_the_report(
    clients: Clients, demo: Database, ledger: SupervisionLedger
) -> None:
    # Given a certificate revoked on 30 December 2023, for a reassignment, over HTTP.
    officer = Officer.create_id("URB-003")
    revocation = {"revoked_on": "2023-12-30", "reason": "reassignment"}
    answer = clients.office.post(
        f"{API}/officers/{officer}/certificate/revocation", json=revocation
    )
    assert answer.status_code == 200, answer.text  # an event on an existing officer
    follower = follower_for(ledger, demo)
    follower.catch_up()
    follower.close()
    report = compute_report(demo.url, 2023)
    year = {"year": 2023}
    certificates = clients.office.get(f"{API}/views/certificates", params=year).json()
    assert certificates["revoked_by_reason"] == {"reassignment": 1}
    december = {"year": "2023", "month": "12", "agency_id": str(Agency.create_id("URB"))}
    assert clients.office.get(f"{API}/views/certificates", params=december).json()["revoked"] == 1
    assert (certificates["first"], certificates["last"]) == ("2023-01-01", "2023-12-31")
    assert certificates["issued"] == report["certificates_issued"]
    assert certificates["revoked"] == report["certificates_revoked"]
    assert sum(certificates["revoked_by_reason"].values()) == certificates["revoked"]
    assert certificates["certified_officers"] == report["certified_officers"]
    assert certificates["frontline_officers"] == report["frontline_officers"]
    cases = clients.office.get(f"{API}/views/cases", params=year).json()
    assert sum(cases["penalties_by_procedure"].values()) == report["penalties"]
    assert cases["penalties_by_procedure"].get("simple", 0) == report["penalties_simple"]
    assert cases["by_stage"] and all(row["cases"] > 0 for row in cases["by_stage"])
    reviews = clients.auditor.get(f"{API}/views/reviews", params=year).json()
    assert reviews["reviewed"] == report["case_files_reviewed"] == sum(reviews["by_grade"].values())
    inspections = clients.office.get(f"{API}/views/inspections", params=year).json()
    outcomes = inspections["by_outcome"]
    refused = outcomes.get("refused_by_entity", 0)
    assert sum(outcomes.values()) - refused == report["inspections"]
    assert outcomes.get("corrected_on_site", 0) == report["on_site_corrections"]


def test_a_month_of_those_views_is_its_share_of_the_year(clients: Clients, demo: Database) -> None:
    for view, key in (("reviews", "reviewed"), ("certificates", "issued")):
        year = clients.office.get(f"{API}/views/{view}", params={"year": 2023}).json()
        months = [
            clients.office.get(f"{API}/views/{view}", params={"year": 2023, "month": m}).json()
            for m in range(1, 13)
        ]
        assert sum(m[key] for m in months) == year[key], view
        assert months[1]["last"] == "2023-02-28"
    bad: list[dict[str, str]] = [{"year": "2023", "month": "13"}, {"month": "1"}, {"by": "x"}]
    for query in bad:
        for view in VIEWS:
            answer = clients.office.get(f"{API}/views/{view}", params=query)
            assert_problem(answer, 422, "invalid-request")


@pytest.mark.parametrize("view", VIEWS)
def test_those_views_follow_the_role_rules(clients: Clients, demo: Database, view: str) -> None:
    officer = clients.officer_of(MSA)
    own = officer.get(f"{API}/views/{view}", params={"year": 2023})
    assert own.status_code == 200, own.text
    assert own.json()["agency_id"] == str(MSA)
    other = officer.get(f"{API}/views/{view}", params={"year": 2023, "agency_id": str(ECO)})
    assert_problem(other, 403, "forbidden")
    partner = clients.partner("tangshan").get(f"{API}/views/{view}", params={"year": 2023})
    assert_problem(partner, 403, "forbidden")
    anonymous = clients.anonymous.get(f"{API}/views/{view}", params={"year": 2023})
    assert_problem(anonymous, 401, "unauthenticated")
    district = clients.office.get(f"{API}/views/{view}", params={"year": 2023}).json()
    assert district["agency_id"] is None


def test_later_registrations_and_frontline_changes_over_http_leave_2023_as_it_was(
    clients: Clients, demo: Database, ledger: SupervisionLedger
) -> None:
    before = clients.office.get(f"{API}/report", params={"year": 2023}).json()
    # Given, today: a new agency, and an officer off the front line (today, and another
    # from 2024 on, each as the request says)
    agency = {"code": "NEW", "name": "新设执法局", "domains": ["market"]}
    assert clients.office.post(f"{API}/agencies", json=agency).status_code == 201
    for officer, body in (
        ("MSA-001", {"frontline": False}),
        ("ECO-001", {"frontline": False, "effective_on": "2024-01-01"}),
    ):
        path = f"{API}/officers/{Officer.create_id(officer)}/frontline"
        answer = clients.office.put(path, json=body)
        assert answer.status_code == 200, answer.text
    future = clients.office.post(
        f"{API}/agencies", json={**agency, "code": "FUT", "registered_on": "2999-01-01"}
    )
    assert_problem(future, 422, "invalid-request")
    follower = follower_for(ledger, demo)
    follower.catch_up()
    follower.close()

    # Then the closed year reads as it did
    after = clients.office.get(f"{API}/report", params={"year": 2023}).json()
    assert after == before
    empty = clients.office.get(f"{API}/report", params={"year": 2001}).json()
    assert empty["agencies"] == 0
