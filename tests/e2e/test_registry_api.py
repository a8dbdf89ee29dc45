"""The registries over HTTP: status codes, RFC 9457 problem bodies, and who may do what."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.actors import Role
from domain.registry.agency import Agency
from tests.builders import uscc
from tests.conftest import Clients

PROBLEM = "application/problem+json"


def assert_problem(response: object, status: int, slug: str) -> dict[str, object]:
    from httpx2 import Response

    assert isinstance(response, Response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["type"] == (f"/problems/{slug}" if slug != "about:blank" else slug)
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_the_office_registers_an_agency_and_reads_it_back(clients: Clients) -> None:
    created = clients.office.post(
        "/api/v1/agencies", json={"code": "MSA", "name": "市场监管局", "domains": ["market"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"] == str(Agency.create_id("MSA"))
    assert body["events"] == ["Agency.Registered"]
    read = clients.auditor.get(f"/api/v1/agencies/{body['id']}")
    assert read.status_code == 200
    assert read.json()["state"]["name"] == "市场监管局"


def written(clients: Clients) -> int:
    """The event store's last position: unchanged by a refused command."""
    return clients.ledger.recorder.max_notification_id() or 0


def test_a_duplicate_registration_is_a_409_naming_the_record(clients: Clients) -> None:
    payload = {"code": "MSA", "name": "x", "domains": ["market"]}
    clients.office.post("/api/v1/agencies", json=payload)
    before = written(clients)
    problem = assert_problem(
        clients.office.post("/api/v1/agencies", json=payload), 409, "already-exists"
    )
    assert problem["detail"] == "agency MSA already exists"
    assert written(clients) == before


def test_field_errors_are_listed(clients: Clients) -> None:
    response = clients.office.post(
        "/api/v1/entities", json={"uscc": "91350100M000100Y44", "name": ""}
    )
    problem = assert_problem(response, 422, "invalid-request")
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert {tuple(e["loc"]) for e in errors} == {("uscc",), ("name",)}


def test_a_rule_violation_names_the_rule(clients: Clients) -> None:
    agency = clients.office.post(
        "/api/v1/agencies", json={"code": "MSA", "name": "x", "domains": ["market"]}
    ).json()["id"]
    officer = clients.office.post(
        "/api/v1/officers", json={"officer_no": "O1", "name": "Li", "agency_id": agency}
    ).json()["id"]
    issue = {"number": "C1", "issued_on": "2023-01-01"}
    assert (
        clients.office.post(f"/api/v1/officers/{officer}/certificate", json=issue).status_code
        == 200
    )
    before = written(clients)
    again = clients.office.post(
        f"/api/v1/officers/{officer}/certificate", json={"number": "C2", "issued_on": "2023-02-01"}
    )
    problem = assert_problem(again, 409, "rule-violation")
    assert problem["rule"] == "one-certificate-at-a-time"
    assert written(clients) == before


def test_unknown_ids_are_404(clients: Clients) -> None:
    before = written(clients)
    assert_problem(clients.auditor.get(f"/api/v1/officers/{uuid4()}"), 404, "not-found")
    assert_problem(
        clients.office.post(
            f"/api/v1/officers/{uuid4()}/certificate",
            json={"number": "C", "issued_on": "2023-01-01"},
        ),
        404,
        "not-found",
    )
    assert written(clients) == before


@pytest.mark.parametrize(
    ("body", "headers", "status", "slug"),
    [
        (b"{not json", {"content-type": "application/json"}, 422, "malformed-body"),
        (b"\xff\xfe\x00", {"content-type": "application/json"}, 422, "malformed-body"),
        (
            b"code=MSA",
            {"content-type": "application/x-www-form-urlencoded"},
            415,
            "unsupported-media-type",
        ),
        (b"[1, 2]", {"content-type": "application/json"}, 422, "invalid-request"),
        (
            b"{}",
            {"content-type": "application/json", "idempotency-key": "bad key\t"},
            422,
            "invalid-request",
        ),
    ],
)
def test_bad_bodies_are_refused_and_write_nothing(
    clients: Clients, body: bytes, headers: dict[str, str], status: int, slug: str
) -> None:
    before = clients.ledger.recorder.max_notification_id()
    problem = assert_problem(
        clients.office.post("/api/v1/agencies", content=body, headers=headers), status, slug
    )
    if status == 422:  # what was wrong, and where: the body, or a header
        errors = problem.get("errors")
        assert isinstance(errors, list) and errors[0]["loc"][0] in ("body", "header"), errors
    assert clients.ledger.recorder.max_notification_id() == before


def test_an_oversized_body_is_413(clients: Clients) -> None:
    huge = b'{"code": "' + b"x" * 2_000_000 + b'"}'
    response = clients.office.post(
        "/api/v1/agencies", content=huge, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "too-large")


def test_no_token_is_401_and_a_bad_token_too(clients: Clients) -> None:
    payload = {"code": "MSA", "name": "x", "domains": ["market"]}
    assert_problem(clients.anonymous.post("/api/v1/agencies", json=payload), 401, "unauthenticated")
    response = clients.anonymous.post(
        "/api/v1/agencies", json=payload, headers={"Authorization": "Bearer nope"}
    )
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_agency_officer_writes_for_its_own_agency_only(clients: Clients) -> None:
    a = clients.office.post(
        "/api/v1/agencies", json={"code": "A", "name": "A", "domains": ["market"]}
    ).json()["id"]
    b = clients.office.post(
        "/api/v1/agencies", json={"code": "B", "name": "B", "domains": ["market"]}
    ).json()["id"]
    officer_of_a = clients.officer_of(a)
    own = officer_of_a.post(
        "/api/v1/officers", json={"officer_no": "A1", "name": "x", "agency_id": a}
    )
    assert own.status_code == 201
    before = written(clients)
    other = officer_of_a.post(
        "/api/v1/officers", json={"officer_no": "B1", "name": "x", "agency_id": b}
    )
    assert_problem(other, 403, "forbidden")
    assert written(clients) == before
    # ... and reads only its own agency's officers.
    b_officer = clients.office.post(
        "/api/v1/officers", json={"officer_no": "B2", "name": "x", "agency_id": b}
    ).json()["id"]
    assert_problem(officer_of_a.get(f"/api/v1/officers/{b_officer}"), 403, "forbidden")
    assert officer_of_a.get(f"/api/v1/officers/{own.json()['id']}").status_code == 200


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.PARTNER])
def test_read_only_roles_cannot_write(clients: Clients, role: Role) -> None:
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    before = written(clients)
    response = client.post("/api/v1/entities", json={"uscc": uscc(1), "name": "x"})
    assert_problem(response, 403, "forbidden")
    assert written(clients) == before


def test_idempotency_key_over_http(clients: Clients) -> None:
    payload = {"uscc": uscc(7), "name": "x"}
    headers = {"Idempotency-Key": "retry-1"}
    first = clients.office.post("/api/v1/entities", json=payload, headers=headers)
    after_first = written(clients)
    second = clients.office.post("/api/v1/entities", json=payload, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert written(clients) == after_first  # the retry wrote nothing
    reused = clients.office.post(
        "/api/v1/entities", json={"uscc": uscc(8), "name": "x"}, headers=headers
    )
    assert_problem(reused, 422, "idempotency-key-reused")
    assert written(clients) == after_first


def test_openapi_describes_every_command_and_record(clients: Clients) -> None:
    doc = clients.anonymous.get("/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    post = doc["paths"]["/api/v1/officers/{officer_id}/certificate"]["post"]
    assert post["x-roles"] == ["supervisor"]
    body_ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = doc["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    assert "officer_id" not in body["properties"]  # it travels in the path
    assert set(body["required"]) == {"number", "issued_on"}
    assert "get" in doc["paths"]["/api/v1/entities/{id}"]
    assert "409" in post["responses"]
