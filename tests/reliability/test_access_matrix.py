"""Access control: every role against every endpoint, allowed and forbidden.

The matrix is read from the route declarations (the same table that builds the routes and the
OpenAPI document): a role a route does not name must get 403 (401 without a token) whatever it
sends, and a role it names must never be refused for its role. Which agency's or region's
records a caller may touch is tested beside each area (tests/e2e).
"""

from __future__ import annotations

import uuid

from domain.actors import Role
from gateway.api import ApiRoute
from gateway.app import all_routes
from tests.builders import given_agency
from tests.conftest import Clients

ROLES = [Role.SUPERVISOR, Role.AUDITOR, Role.AGENCY_OFFICER, Role.PARTNER, Role.PUBLIC]
# Streams (server-sent events) stay open; their access is tested where they are defined.
ROUTES = [
    r
    for r in all_routes()
    if r.method in ("GET", "POST", "PUT") and r.response_media_type != "text/event-stream"
]


def concrete(route: ApiRoute) -> str:
    path = route.path
    for name in route.path_params:
        path = path.replace("{" + name + "}", str(uuid.uuid4()))
    return path


def test_each_role_is_allowed_exactly_where_the_route_says(clients: Clients) -> None:
    # One database for the whole matrix: a fresh one per route would cost minutes.
    agency = given_agency(clients.ledger)
    assert len(ROUTES) > 50
    for route in ROUTES:
        check(clients, route, agency)


def check(clients: Clients, route: ApiRoute, agency: uuid.UUID) -> None:
    path = concrete(route)
    for role in ROLES:
        if role is Role.PUBLIC:
            client = clients.anonymous
        else:
            client = clients.as_(
                role,
                agency_id=agency if role is Role.AGENCY_OFFICER else None,
                region="tangshan" if role is Role.PARTNER else None,
            )
        if route.method == "GET":
            response = client.get(path)
        else:
            response = client.request(route.method, path, json={})
        allowed = route.roles is None or role in route.roles
        where = (route.method, route.path, role.value, response.text[:200])
        if allowed:
            assert response.status_code not in (401, 403), where
        elif role is Role.PUBLIC:
            assert response.status_code == 401, where
        else:
            assert response.status_code == 403, where
            assert response.json()["type"] == "/problems/forbidden", where
