"""Area patrols over HTTP, and their coverage counted from the stored events alone."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest

from domain.actors import Role
from domain.field.coverage import patrol_coverage
from domain.registry.grid_cell import GridCell
from gateway import demo, demo_field
from tests.builders_cases import given_grid_cell, given_team
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

PATROLS = "/api/v1/area-patrols"


@pytest.fixture
def msa(clients: Clients) -> tuple[UUID, list[UUID]]:
    given_grid_cell(clients.ledger, "G-001")
    return given_team(clients.ledger, "MSA")


def patrol(agency: UUID, team: list[UUID], **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "agency_id": str(agency),
        "grid_cell": "G-001",
        "officer_ids": [str(o) for o in team],
        "started_at": "2023-05-10T09:00:00+08:00",
        "ended_at": "2023-05-10T11:30:00+08:00",
        "route": "新港路—港塘路",
        "problems_found": 2,
    }
    return body | change


def test_an_officer_records_a_patrol_of_its_agency(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    response = clients.officer_of(agency).post(PATROLS, json=patrol(agency, team))
    assert response.status_code == 201, response.text
    assert response.json()["events"] == ["AreaPatrol.Recorded"]
    patrol_id = response.json()["id"]
    state = clients.officer_of(agency).get(f"{PATROLS}/{patrol_id}").json()["state"]
    assert state["grid_cell_code"] == "G-001"
    assert state["grid_cell_id"] == str(GridCell.create_id("G-001"))
    assert state["patrol_date"] == "2023-05-10"
    assert state["problems_found"] == 2
    other, _ = given_team(clients.ledger, "ECO")
    assert_problem(clients.officer_of(other).get(f"{PATROLS}/{patrol_id}"), 403, "forbidden")


def test_the_same_patrol_sent_twice_is_a_duplicate(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    officer = clients.officer_of(agency)
    assert officer.post(PATROLS, json=patrol(agency, team)).status_code == 201
    same_moment = patrol(agency, team, started_at="2023-05-10T01:00:00Z")
    assert_problem(officer.post(PATROLS, json=same_moment), 409, "already-exists")


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"started_at": "2023-05-10T09:00:00"}, ["started_at"]),  # no time zone
        ({"ended_at": "2999-01-01T00:00:00Z"}, ["ended_at"]),
        ({"problems_found": -1}, ["problems_found"]),
        ({"grid_cell": "G 001"}, ["grid_cell"]),
        ({"officer_ids": []}, ["officer_ids"]),
        ({"officer_ids": ["not-a-uuid"]}, ["officer_ids", "0"]),
    ],
)
def test_bad_patrol_fields_are_422(
    clients: Clients, msa: tuple[UUID, list[UUID]], change: dict[str, Any], loc: list[str]
) -> None:
    agency, team = msa
    response = clients.officer_of(agency).post(PATROLS, json=patrol(agency, team, **change))
    problem = assert_problem(response, 422, "invalid-request")
    assert loc in [e["loc"] for e in problem["errors"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"ended_at": "2023-05-10T08:00:00+08:00"}, "patrol-ends-after-start"),
        ({"ended_at": "2023-05-11T09:00:01+08:00"}, "patrol-at-most-24-hours"),
        (
            {"started_at": "2021-01-10T09:00:00+08:00", "ended_at": "2021-01-10T10:00:00+08:00"},
            "certified-officers-only",
        ),
    ],
)
def test_patrol_rules_are_409(
    clients: Clients, msa: tuple[UUID, list[UUID]], change: dict[str, Any], rule: str
) -> None:
    agency, team = msa
    response = clients.officer_of(agency).post(PATROLS, json=patrol(agency, team, **change))
    assert assert_problem(response, 409, "rule-violation")["rule"] == rule


def test_a_patrol_needs_two_officers_of_the_agency(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    _, eco_team = given_team(clients.ledger, "ECO")
    officer = clients.officer_of(agency)
    alone = assert_problem(
        officer.post(PATROLS, json=patrol(agency, team[:1])), 409, "rule-violation"
    )
    assert alone["rule"] == "two-officers"
    twice = patrol(agency, [team[0], team[0]])
    assert assert_problem(officer.post(PATROLS, json=twice), 409, "rule-violation")["rule"] == (
        "two-officers"
    )
    mixed = patrol(agency, [team[0], eco_team[0]])
    assert assert_problem(officer.post(PATROLS, json=mixed), 409, "rule-violation")["rule"] == (
        "officers-of-the-acting-agency"
    )


@pytest.mark.parametrize("unknown", ["grid_cell", "officer", "agency_id"])
def test_unknown_records_are_404(
    clients: Clients, msa: tuple[UUID, list[UUID]], unknown: str
) -> None:
    agency, team = msa
    body = patrol(agency, team)
    if unknown == "grid_cell":
        body["grid_cell"] = "G-999"
    elif unknown == "officer":
        body["officer_ids"] = [str(team[0]), str(uuid4())]
    else:
        agency = uuid4()
        body["agency_id"] = str(agency)
    problem = assert_problem(clients.officer_of(agency).post(PATROLS, json=body), 404, "not-found")
    if unknown == "grid_cell":
        assert problem["detail"] == "no grid cell with id G-999"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.PARTNER])
def test_only_agency_officers_record_patrols(
    clients: Clients, msa: tuple[UUID, list[UUID]], role: Role
) -> None:
    agency, team = msa
    client = clients.as_(role, region="tangshan" if role is Role.PARTNER else None)
    assert_problem(client.post(PATROLS, json=patrol(agency, team)), 403, "forbidden")


def test_an_officer_of_another_agency_cannot_record_its_patrols(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, team = msa
    other, _ = given_team(clients.ledger, "ECO")
    response = clients.officer_of(other).post(PATROLS, json=patrol(agency, team))
    assert_problem(response, 403, "forbidden")


def stored_events(clients: Clients) -> list[tuple[str, dict[str, Any]]]:
    """Every stored event as a read model sees it: topic and JSON payload."""
    notifications = clients.ledger.recorder.select_notifications(start=1, limit=10_000)
    return [(n.topic, orjson.loads(n.state)) for n in notifications]


def test_coverage_is_counted_from_the_stored_events(clients: Clients) -> None:
    for code in ("G-001", "G-002", "G-003"):
        given_grid_cell(clients.ledger, code)
    agency, team = given_team(clients.ledger, "URB")
    officer = clients.officer_of(agency)
    for cell, day in [("G-001", "10"), ("G-001", "11"), ("G-002", "12")]:
        body = patrol(
            agency,
            team,
            grid_cell=cell,
            started_at=f"2023-05-{day}T09:00:00+08:00",
            ended_at=f"2023-05-{day}T10:00:00+08:00",
        )
        assert officer.post(PATROLS, json=body).status_code == 201
    may = patrol_coverage(stored_events(clients), date(2023, 5, 1), date(2023, 5, 31))
    assert (may.share.numerator, may.share.denominator) == (2, 3)
    assert may.unpatrolled == {"G-003"}
    assert patrol_coverage(stored_events(clients), date(2023, 6, 1), date(2023, 6, 30)).share == 0


def test_the_demo_patrols_cover_every_demo_cell(
    clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "EXTRA_STEPS", [demo_field.load])
    assert demo.load_demo(clients.ledger)
    demo_field.load(clients.ledger)  # again: nothing new, no error
    coverage = patrol_coverage(stored_events(clients), date(2023, 5, 1), date(2023, 5, 31))
    assert coverage.complete
    recorded = [t for t, _ in stored_events(clients) if t == "AreaPatrol.Recorded"]
    assert len(recorded) == len(demo_field.PATROLS)
