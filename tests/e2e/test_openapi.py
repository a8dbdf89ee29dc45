"""The OpenAPI 3.1 document the gateway serves: valid, and saying what the gateway does."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from domain.application import HANDLERS
from tests.conftest import Clients

API = "/api/v1"


@pytest.fixture
def document(clients: Clients) -> dict[str, Any]:
    served: dict[str, Any] = clients.anonymous.get("/openapi.json").json()
    return served


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on the first error


def test_every_command_declares_the_headers_it_honours(document: dict[str, Any]) -> None:
    commands = [
        (method, path, op) for method, path, op in operations(document) if "x-command" in op
    ]
    assert {op["x-command"] for _, _, op in commands} == {t.__name__ for t in HANDLERS if t.ROUTE}
    for method, path, op in commands:
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        assert {"Idempotency-Key", "If-Match", "X-Correlation-ID"} <= headers, (method, path)
        assert {"201", "200", "409", "412", "422"} <= set(op["responses"]), (method, path)
        assert "Location" in op["responses"]["201"]["headers"]


def test_the_problem_schema_carries_the_extension_members(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]["properties"]
    assert {"errors", "rule", "refusal_id", "current_version"} <= set(problem)
    field_error = document["components"]["schemas"]["FieldError"]
    assert set(field_error["required"]) == {"loc", "msg", "type"}


def test_ids_in_paths_are_uuids_and_other_parameters_keep_their_field_type(
    document: dict[str, Any],
) -> None:
    def path_param(path: str, method: str, name: str) -> dict[str, Any]:
        (found,) = [p for p in document["paths"][path][method]["parameters"] if p["name"] == name]
        schema: dict[str, Any] = found["schema"]
        return schema

    assert path_param(f"{API}/agencies/{{id}}", "get", "id")["format"] == "uuid"
    assert path_param(f"{API}/audit/{{kind}}/{{id}}/history", "get", "id")["format"] == "uuid"
    assert path_param(f"{API}/officers/{{officer_id}}/trainings", "post", "officer_id") == {
        "type": "string",
        "format": "uuid",
    }


def test_a_replay_answers_as_documented(clients: Clients, document: dict[str, Any]) -> None:
    # Documented: 201 created (with Location), and a replay answers the same status and body.
    op = document["paths"][f"{API}/agencies"]["post"]
    assert "same status" in next(
        p["description"] for p in op["parameters"] if p["name"] == "Idempotency-Key"
    )
    body = {"code": "MSA", "name": "x", "domains": ["market"]}
    key = {"Idempotency-Key": "openapi-1"}
    first = clients.office.post(f"{API}/agencies", json=body, headers=key)
    again = clients.office.post(f"{API}/agencies", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"] == f"{API}/agencies/{first.json()['id']}"
    assert clients.auditor.get(first.headers["location"]).status_code == 200
