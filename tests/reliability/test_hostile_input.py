"""Hostile input: schemathesis against /openapi.json, for every endpoint and every role.

Every response must be documented and conform to the document, no request may cause a 5xx,
and every error must be an RFC 9457 problem. Examples per endpoint are kept modest so that the
whole sweep stays a few minutes; ``make soak`` raises them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.actors import Role
from gateway.api import openapi_document
from gateway.app import TITLE, VERSION, all_routes
from gateway.auth import grant_token
from tests.builders import given_agency
from tests.conftest import Clients

EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "6"))
PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.fixture
def role_headers(clients: Clients) -> list[dict[str, str]]:
    agency = given_agency(clients.ledger)
    headers: list[dict[str, str]] = [{}]  # the public: no token
    for role, extra in [
        (Role.SUPERVISOR, {}),
        (Role.AUDITOR, {}),
        (Role.AGENCY_OFFICER, {"agency_id": agency}),
        (Role.PARTNER, {"region": "tangshan"}),
    ]:
        token, grant = grant_token(principal=f"fuzz-{role.value}", role=role, **extra)  # type: ignore[arg-type]
        clients.store.add(grant)
        headers.append({"Authorization": f"Bearer {token}"})
    return headers


class CurrentApp:
    """The app under test, swapped per test: each test has its own database."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


CURRENT = CurrentApp()
# The document is built from the route declarations alone, so it is known at collection time.
# Streams (server-sent events) never end under a test client; they are tested where defined.
FINITE = [r for r in all_routes() if r.response_media_type != "text/event-stream"]
schema = schemathesis.openapi.from_dict(openapi_document(FINITE, title=TITLE, version=VERSION))
schema.app = CURRENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_request_breaks_the_gateway(
    case: Any, clients: Clients, role_headers: list[dict[str, str]]
) -> None:
    CURRENT.app = clients.app
    for headers in role_headers:
        response = case.call_and_validate(
            headers=headers,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json")
            body = response.json()
            assert set(body) >= PROBLEM_KEYS, body
            assert body["status"] == response.status_code
