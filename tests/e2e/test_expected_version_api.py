"""Optimistic concurrency visible to clients: a record's GET carries its version as an ETag; a
command sent with ``If-Match`` is refused (412) if the record has moved on, writing nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest
from httpx2 import Response

from tests.builders import given_agency
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1"


@pytest.fixture
def agency(clients: Clients) -> UUID:
    return given_agency(clients.ledger, "MSA")


def written(clients: Clients) -> int:
    return clients.ledger.recorder.max_notification_id() or 0


def test_a_command_on_the_version_read_succeeds_and_a_stale_one_is_412(
    clients: Clients, agency: UUID
) -> None:
    read = clients.office.get(f"{API}/agencies/{agency}")
    assert read.headers["etag"] == f'"{read.json()["version"]}"' == '"1"'
    path = f"{API}/agencies/{agency}/domains"

    changed = clients.office.put(path, json={"domains": ["urban"]}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'

    before = written(clients)
    stale = clients.office.put(path, json={"domains": ["ecology"]}, headers={"If-Match": '"1"'})
    problem = assert_problem(stale, 412, "concurrent-change")
    assert problem["rule"] == "expected-version-current"
    assert problem["current_version"] == 2
    assert written(clients) == before
    state = clients.office.get(f"{API}/agencies/{agency}").json()
    assert (state["version"], state["state"]["domains"]) == (2, ["urban"])


def test_without_if_match_the_last_writer_wins(clients: Clients, agency: UUID) -> None:
    path = f"{API}/agencies/{agency}/domains"
    assert clients.office.put(path, json={"domains": ["urban"]}).status_code == 200
    assert clients.office.put(path, json={"domains": ["ecology"]}).status_code == 200
    state = clients.office.get(f"{API}/agencies/{agency}").json()
    assert (state["version"], state["state"]["domains"]) == (3, ["ecology"])


def test_of_two_concurrent_writers_on_one_version_exactly_one_wins(
    clients: Clients, agency: UUID
) -> None:
    path = f"{API}/agencies/{agency}/domains"
    start = threading.Barrier(2)

    def put(domain: str) -> Response:
        start.wait()
        return clients.office.put(path, json={"domains": [domain]}, headers={"If-Match": '"1"'})

    before = written(clients)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(put, ["urban", "ecology"]))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 412], [a.text for a in answers]
    (winner,) = (
        domain
        for domain, a in zip(["urban", "ecology"], answers, strict=True)
        if a.status_code == 200
    )
    (loser,) = (a for a in answers if a.status_code == 412)
    assert_problem(loser, 412, "concurrent-change")
    assert written(clients) == before + 1  # one event: the winner's, nothing of the loser
    state = clients.office.get(f"{API}/agencies/{agency}").json()
    assert (state["version"], state["state"]["domains"]) == (2, [winner])


@pytest.mark.parametrize("value", ["1", 'W/"1"', '"1", "2"', '"x"', '"-1"'])
def test_an_if_match_that_names_no_version_is_422(
    clients: Clients, agency: UUID, value: str
) -> None:
    before = written(clients)
    answer = clients.office.put(
        f"{API}/agencies/{agency}/domains", json={"domains": ["urban"]}, headers={"If-Match": value}
    )
    assert_problem(answer, 422, "invalid-request")
    assert written(clients) == before


def test_if_match_star_asks_only_that_the_record_exists(clients: Clients, agency: UUID) -> None:
    answer = clients.office.put(
        f"{API}/agencies/{agency}/domains", json={"domains": ["urban"]}, headers={"If-Match": "*"}
    )
    assert answer.status_code == 200, answer.text
