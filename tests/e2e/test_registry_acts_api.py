"""The registry's other acts over HTTP: each one written by a role that may, refused (403) to a
role or an agency that may not, and the record it made read back; nothing stored on a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.registry.exemption_list import ExemptionList
from domain.registry.grid_cell import GridCell
from domain.registry.inspection_item import InspectionItem
from domain.registry.officer import CertificateNumber
from domain.values import EnforcementDomain
from infra.postgres import Database
from infra.privacy.erasure import ErasureGround, erase
from infra.privacy.vault import KeyVault
from tests.builders import given_agency, given_entity, given_officer
from tests.builders_cases import CITIZEN, given_team, intake_body
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"


@dataclass
class Registry:
    """Two agencies, an officer of the first, an entity, a listed inspection item."""

    a: UUID
    b: UUID
    officer: UUID
    entity: UUID
    item: UUID


@pytest.fixture
def registry(clients: Clients) -> Registry:
    a = given_agency(clients.ledger, "A")
    b = given_agency(clients.ledger, "B")
    item = clients.office.post(
        f"{API}/inspection-items",
        json={"code": "MKT-001", "name": "价格公示", "domain": "market", "legal_basis": "价格法"},
    ).json()["id"]
    return Registry(
        a=a,
        b=b,
        officer=given_officer(clients.ledger, a, "A1", frontline=False),
        entity=given_entity(clients.ledger, 1),
        item=UUID(item),
    )


def written(clients: Clients) -> int:
    return clients.ledger.recorder.max_notification_id() or 0


def test_an_agency_publishes_its_major_decision_list_and_no_other_agency_may(
    clients: Clients, registry: Registry
) -> None:
    path = f"{API}/agencies/{registry.a}/major-decision-list"
    body = {"items": [{"code": "M1", "description": "吊销许可证", "fine_threshold_fen": 1_000_000}]}
    before = written(clients)
    assert_problem(clients.officer_of(registry.b).post(path, json=body), 403, "forbidden")
    assert_problem(clients.auditor.post(path, json=body), 403, "forbidden")
    assert written(clients) == before

    done = clients.officer_of(registry.a).post(path, json=body)
    assert done.status_code == 200, done.text
    assert done.json()["events"] == ["Agency.MajorDecisionListPublished"]
    state = clients.auditor.get(f"{API}/agencies/{registry.a}").json()["state"]
    assert state["major_decision_list_version"] == 1
    assert state["major_decisions"][0]["code"] == "M1"


def test_the_office_rates_an_entity_and_an_agency_officer_may_not(
    clients: Clients, registry: Registry
) -> None:
    path = f"{API}/entities/{registry.entity}/credit-rating"
    body = {"rating": "A", "rated_on": "2023-03-01"}
    before = written(clients)
    assert_problem(clients.officer_of(registry.a).post(path, json=body), 403, "forbidden")
    assert written(clients) == before

    done = clients.office.post(path, json=body)
    assert done.status_code == 200, done.text
    assert done.json()["id"] == str(registry.entity)
    state = clients.officer_of(registry.b).get(f"{API}/entities/{registry.entity}").json()
    assert (state["state"]["rating"], state["state"]["rated_on"]) == ("A", "2023-03-01")


def test_the_office_lists_and_withdraws_an_inspection_item(
    clients: Clients, registry: Registry
) -> None:
    item = {"code": "MKT-002", "name": "计量", "domain": "market", "legal_basis": "计量法"}
    before = written(clients)
    assert_problem(
        clients.officer_of(registry.a).post(f"{API}/inspection-items", json=item), 403, "forbidden"
    )
    assert written(clients) == before
    listed = clients.office.post(f"{API}/inspection-items", json=item)
    assert listed.status_code == 201, listed.text
    assert listed.json()["id"] == str(InspectionItem.create_id("MKT-002"))

    withdrawal = f"{API}/inspection-items/{registry.item}/withdrawal"
    before = written(clients)
    assert_problem(
        clients.officer_of(registry.a).post(withdrawal, json={"reason": "x"}), 403, "forbidden"
    )
    assert written(clients) == before
    done = clients.office.post(withdrawal, json={"reason": "并入 MKT-002"})
    assert done.status_code == 200, done.text
    assert done.json()["events"] == ["InspectionItem.Withdrawn"]
    again = clients.office.post(withdrawal, json={"reason": "again"})
    assert assert_problem(again, 409, "rule-violation")["rule"] == "withdraw-once"

    read = clients.officer_of(registry.b).get(f"{API}/inspection-items/{registry.item}")
    assert read.status_code == 200
    assert read.json()["state"]["withdrawn"] is True
    assert read.json()["kind"] == "inspection-item"


def test_the_office_publishes_an_exemption_list_and_it_reads_back(
    clients: Clients, registry: Registry
) -> None:
    body = {
        "domain": "market",
        "version": 1,
        "in_force_from": "2022-07-01",
        "items": [{"code": "MKT-E-01", "violation": "未亮照经营", "legal_basis": "条例"}],
    }
    before = written(clients)
    assert_problem(
        clients.officer_of(registry.a).post(f"{API}/exemption-lists", json=body), 403, "forbidden"
    )
    assert written(clients) == before
    done = clients.office.post(f"{API}/exemption-lists", json=body)
    assert done.status_code == 201, done.text
    ident = ExemptionList.create_id(EnforcementDomain.MARKET, 1)
    assert done.json()["id"] == str(ident)

    read = clients.officer_of(registry.a).get(f"{API}/exemption-lists/{ident}")
    assert read.status_code == 200
    state = read.json()["state"]
    assert (state["list_version"], state["in_force_from"]) == (1, "2022-07-01")
    assert [i["code"] for i in state["items"]] == ["MKT-E-01"]


def test_the_office_defines_a_grid_cell_and_it_reads_back(
    clients: Clients, registry: Registry
) -> None:
    body = {"code": "G-001", "name": "网格一", "street": "新港街道"}
    before = written(clients)
    assert_problem(
        clients.officer_of(registry.a).post(f"{API}/grid-cells", json=body), 403, "forbidden"
    )
    assert written(clients) == before
    done = clients.office.post(f"{API}/grid-cells", json=body)
    assert done.status_code == 201, done.text
    ident = GridCell.create_id("G-001")
    read = clients.auditor.get(f"{API}/grid-cells/{ident}")
    assert read.status_code == 200
    assert read.json()["state"]["street"] == "新港街道"


def test_an_agency_records_its_officers_training_and_frontline_flag_only(
    clients: Clients, registry: Registry
) -> None:
    trainings = f"{API}/officers/{registry.officer}/trainings"
    frontline = f"{API}/officers/{registry.officer}/frontline"
    course = {"course": "行政处罚法", "hours": 8, "completed_on": "2023-05-01"}
    before = written(clients)
    assert_problem(clients.officer_of(registry.b).post(trainings, json=course), 403, "forbidden")
    assert_problem(
        clients.officer_of(registry.b).put(frontline, json={"frontline": True}), 403, "forbidden"
    )
    assert_problem(clients.auditor.post(trainings, json=course), 403, "forbidden")
    assert_problem(clients.auditor.put(frontline, json={"frontline": True}), 403, "forbidden")
    assert written(clients) == before

    own = clients.officer_of(registry.a)
    done = own.post(trainings, json=course)
    assert done.status_code == 200, done.text
    assert done.json()["events"] == ["Officer.TrainingRecorded"]
    flagged = own.put(frontline, json={"frontline": True})
    assert flagged.status_code == 200, flagged.text
    assert flagged.json()["events"] == ["Officer.FrontlineChanged"]
    state = own.get(f"{API}/officers/{registry.officer}").json()["state"]
    assert (state["training_hours"], state["frontline"]) == (8, True)


def test_the_claim_on_a_certificate_number_reads_back(clients: Clients, registry: Registry) -> None:
    # given_officer certified the officer with the number C-<officer_no>.
    claim = CertificateNumber.create_id("C-A1")
    read = clients.auditor.get(f"{API}/certificate-numbers/{claim}")
    assert read.status_code == 200, read.text
    assert read.json()["state"]["officer_id"] == str(registry.officer)
    assert read.json()["kind"] == "certificate-number"


def test_an_auditors_trail_reads_back_as_a_record(clients: Clients, registry: Registry) -> None:
    history = clients.auditor.get(f"{API}/audit/entity/{registry.entity}/history")
    assert history.status_code == 200, history.text
    trail_id = history.json()["read_recorded_in"]
    read = clients.auditor.get(f"{API}/audit-trails/{trail_id}")
    assert read.status_code == 200, read.text
    assert read.json()["state"]["reads"] == 1
    assert read.json()["state"]["principal"] == "auditor-x"
    assert_problem(
        clients.officer_of(registry.a).get(f"{API}/audit-trails/{trail_id}"), 403, "forbidden"
    )


def test_an_erasure_record_reads_back_to_the_office_and_auditors_only(
    clients: Clients, database: Database
) -> None:
    agency_id, officers = given_team(clients.ledger, "MSA")
    body = intake_body(agency_id, officers, None, case_no="津滨市监罚〔2023〕9号")
    body["person"] = CITIZEN.model_dump(mode="json")
    case = clients.officer_of(agency_id).post(
        f"{API}/penalty-cases", json=body | {"filed_on": "2023-03-01"}
    )
    assert case.status_code == 201, case.text
    vault = KeyVault(database.url)
    try:
        (subject,) = vault.candidate_subjects(id_number=CITIZEN.id_number)
        outcome = erase(
            clients.ledger,
            vault,
            subject=subject,
            ground=ErasureGround.RETENTION_EXPIRED,
            reference="津滨司删〔2024〕2号",
            authorised_by="王某",
        )
    finally:
        vault.close()

    record = f"{API}/erasures/{outcome.record_id}"
    read = clients.auditor.get(record)
    assert read.status_code == 200, read.text
    assert read.json()["kind"] == "erasure"
    assert read.json()["state"]["ground"] == "retention_expired"
    assert clients.office.get(record).status_code == 200
    assert_problem(clients.officer_of(agency_id).get(record), 403, "forbidden")
