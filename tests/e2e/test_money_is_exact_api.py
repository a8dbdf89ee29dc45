"""Money over HTTP is integer fen: a float or a string amount is a 422 field error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import given_agency, given_entity, given_officers
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"


@pytest.mark.parametrize("amount", [20000.0, "20000", 199.99, True])
def test_a_fine_that_is_not_an_integer_of_fen_is_refused_by_field(
    clients: Clients, amount: Any
) -> None:
    agency = given_agency(clients.ledger)
    officers = given_officers(clients.ledger, agency, "M1", "M2")
    entity = given_entity(clients.ledger, 1)
    body = {
        "agency_id": str(agency),
        "case_no": "S-1",
        "officer_ids": [str(o) for o in officers],
        "party_kind": "organisation",
        "entity_id": str(entity),
        "violation": "未明码标价",
        "violation_date": "2023-03-01",
        "legal_basis": "《价格法》第十三条",
        "decided_on": "2023-03-01",
        "penalties": {"fine_fen": amount},
    }
    officer = clients.officer_of(agency)
    problem = assert_problem(
        officer.post(f"{API}/penalty-cases/on-the-spot", json=body), 422, "invalid-request"
    )
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert ["penalties", "fine_fen"] in [e["loc"] for e in errors]
    # The same amount as an integer is a decision.
    body["penalties"] = {"fine_fen": 20000}
    assert officer.post(f"{API}/penalty-cases/on-the-spot", json=body).status_code == 201
