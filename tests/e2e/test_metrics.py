"""``GET /metrics`` scraped and parsed with the Prometheus client's own parser: the business
figures equal the views', the pipeline's lag is measured in events and seconds, commands are
counted by outcome and timed, and no label carries an id."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from consumers.partitioner import key_hash
from consumers.relay import POSITIONS_DDL
from consumers.topics import LEDGER_TOPICS
from domain.actors import SYSTEM, Role
from domain.application import SupervisionLedger
from domain.field.commands import RecordAreaPatrol
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE
from gateway.demo import load_demo
from gateway.metrics import OUTCOMES, CommandMetrics, Throughput, outcome_of
from infra.postgres import Database
from infra.wiring import follower_for
from tests.builders_oversight import given_routed_ticket, given_ticket
from tests.conftest import Clients

MSA, ECO = Agency.create_id("MSA"), Agency.create_id("ECO")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
GRAFANA = Path(__file__).resolve().parents[2] / "infra" / "grafana" / "ledger-dashboard.json"
LABELS = {
    "area",
    "command",
    "outcome",
    "kind",
    "agency",
    "agency_domain",
    "status",
    "projection",
    "relay",
}


@pytest.fixture
def demo(ledger: SupervisionLedger, database: Database) -> Iterator[Database]:
    load_demo(ledger)
    follower = follower_for(ledger, database)
    follower.catch_up()
    follower.close()
    yield database


def scrape(client: TestClient) -> list[Sample]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return [s for family in text_string_to_metric_families(answer.text) for s in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert found, f"no sample {name} {labels}"
    return sum(found)


def patrol(day: int, officers: tuple[str, ...] = ("MSA-001", "MSA-002")) -> dict[str, object]:
    started = datetime(2023, 7, day, 9, 0, tzinfo=DISTRICT_ZONE)
    return {
        "agency_id": str(MSA),
        "grid_cell": "G-001",
        "officer_ids": [str(Officer.create_id(o)) for o in officers],
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(hours=1)).isoformat(),
    }


def test_business_figures_are_the_views(
    clients: Clients, demo: Database, ledger: SupervisionLedger
) -> None:
    # Given two 12345 tickets past their deadline (20 March 2023), one routed to the
    # market regulator, neither closed: both overdue today.
    given_ticket(ledger, "T-M1")
    given_routed_ticket(ledger, MSA, "T-M2")
    follower = follower_for(ledger, demo)
    follower.catch_up()
    follower.close()
    samples = scrape(clients.anonymous)
    assert value(samples, "ledger_views_ready") == 1
    assert value(samples, "ledger_acts_total", kind="inspection", agency_domain="market") == 1
    assert value(samples, "ledger_acts_total", kind="inspection", agency="MSA") == 1
    codes = {s.labels["agency"] for s in samples if s.name == "ledger_acts_total"}
    assert codes and codes <= {"MSA", "ECO", "URB"}
    with psycopg.connect(demo.url) as conn:
        row = conn.execute("SELECT sum(n) FROM views.acts_daily").fetchone()
    assert row is not None
    assert value(samples, "ledger_acts_total") == row[0]
    overdue = clients.office.get("/api/v1/views/overdue").json()
    assert value(samples, "ledger_overdue_tickets") == len(overdue["overdue_tickets"]) >= 2
    assert value(samples, "ledger_open_tickets", status="routed") >= 1
    assert sum(s.value for s in samples if s.name == "ledger_overdue_cases") == len(
        overdue["overdue_cases"]
    )
    assert value(samples, "ledger_cases_awaiting_legal_review") == len(
        overdue["awaiting_legal_review"]
    )
    for name in ("ledger_certified_officers", "ledger_per_capita_actions"):
        assert value(samples, name) >= 0
    assert 0 <= value(samples, "ledger_participation_ratio") <= 1


def test_projection_and_relay_lag_in_events_and_seconds(
    clients: Clients, demo: Database, ledger: SupervisionLedger
) -> None:
    samples = scrape(clients.anonymous)
    last = value(samples, "ledger_log_position")
    assert value(samples, "ledger_projection_position", projection="inspections") == last
    assert value(samples, "ledger_projection_lag_events", projection="inspections") == 0
    assert value(samples, "ledger_projection_lag_seconds", projection="inspections") == 0
    assert not [s for s in samples if s.name.startswith("ledger_relay_")]  # no relay ran

    # Given one more event the projections have not applied, and a relay three events behind
    ledger.execute(RecordAreaPatrol.model_validate(patrol(3)), SYSTEM)
    with psycopg.connect(demo.url) as conn:
        conn.execute(POSITIONS_DDL)
        conn.execute(
            "INSERT INTO ledger_relay_positions (name, position) VALUES ('relay', %s)",
            (int(last) - 2,),
        )
    samples = scrape(clients.anonymous)
    assert value(samples, "ledger_log_position") == last + 1
    assert value(samples, "ledger_projection_lag_events", projection="patrols") == 1
    assert value(samples, "ledger_projection_lag_seconds", projection="patrols") > 0
    assert value(samples, "ledger_relay_lag_events", relay="relay") == 3
    assert value(samples, "ledger_relay_lag_seconds", relay="relay") > 0
    assert value(samples, "ledger_relay_throughput_events_per_second", relay="relay") == 0


def test_the_grafana_dashboard_uses_metrics_that_exist(clients: Clients, demo: Database) -> None:
    # Given a relay's position, and a command answered
    with psycopg.connect(demo.url) as conn:
        conn.execute(POSITIONS_DDL)
        conn.execute("INSERT INTO ledger_relay_positions (name, position) VALUES ('relay', 1)")
    client = metered(clients)
    client.headers.update(clients.officer_of(MSA).headers)
    assert client.post("/api/v1/area-patrols", json=patrol(9)).status_code == 201
    served = {s.name for s in scrape(clients.anonymous)}
    dashboard = json.loads(GRAFANA.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {name for expr in exprs for name in re.findall(r"\bledger_\w+", expr)}
    assert len(used) >= 15
    assert used - served == set()


def total(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the matching samples, 0 when there is none yet."""
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def metered(clients: Clients) -> TestClient:
    """A client of the app with ``CommandMetrics`` around it (unless the app has it already)."""
    app = clients.app
    wrapped = any(cast(object, m.cls) is CommandMetrics for m in app.user_middleware)
    return TestClient(app if wrapped else CommandMetrics(app))


def test_commands_are_counted_by_outcome_and_timed(clients: Clients, demo: Database) -> None:
    client, anonymous = metered(clients), metered(clients)
    client.headers.update(clients.officer_of(MSA).headers)
    patrols = {"area": "field", "command": "record_area_patrol"}

    def counts() -> dict[str, float]:
        samples = scrape(clients.anonymous)
        found = {o: total(samples, "ledger_commands_total", outcome=o, **patrols) for o in OUTCOMES}
        found["timed"] = total(samples, "ledger_command_duration_seconds_count", area="field")
        return found

    before = counts()
    key = {"Idempotency-Key": "metrics-test-1"}
    assert client.post("/api/v1/area-patrols", json=patrol(4), headers=key).status_code == 201
    replay = client.post("/api/v1/area-patrols", json=patrol(4), headers=key)
    assert replay.status_code == 201  # the first answer, again
    assert client.post("/api/v1/area-patrols", json=patrol(4)).status_code == 409  # a duplicate
    refused = client.post("/api/v1/area-patrols", json=patrol(5, ("ECO-001", "ECO-002")))
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/rule-violation"
    assert client.post("/api/v1/area-patrols", json={"grid_cell": "G-001"}).status_code == 422
    malformed = client.post(
        "/api/v1/area-patrols", content=b"{", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert anonymous.post("/api/v1/area-patrols", json=patrol(6)).status_code == 401
    other = patrol(6) | {"agency_id": str(ECO)}
    assert client.post("/api/v1/area-patrols", json=other).status_code == 403
    assert client.get("/api/v1/views/overdue").status_code == 200  # a read is no command

    after = counts()
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "accepted": 2,
        "already_exists": 1,
        "refused_by_rule": 1,
        "invalid": 1,
        "malformed": 1,
        "unauthenticated": 1,
        "forbidden": 1,
        "timed": 8,
    }
    assert total(scrape(clients.anonymous), "ledger_command_duration_seconds_sum", area="field") > 0


def test_labels_are_few_and_never_ids(clients: Clients, demo: Database) -> None:
    client = metered(clients)
    client.headers.update(clients.officer_of(MSA).headers)
    client.post("/api/v1/area-patrols", json=patrol(8))
    for sample in scrape(clients.anonymous):
        if not sample.name.startswith("ledger_"):
            continue
        assert set(sample.labels) - {"le"} <= LABELS, sample
        for label in sample.labels.values():
            assert not UUID_TEXT.search(label), sample


@pytest.mark.parametrize(
    ("status", "problem", "outcome"),
    [
        (201, None, "accepted"),
        (200, None, "unchanged"),
        (409, "/problems/rule-violation", "refused_by_rule"),
        (409, "/problems/refused", "refused_by_rule"),
        (409, "/problems/already-exists", "already_exists"),
        (409, "/problems/concurrent-change", "conflict"),
        (422, "/problems/invalid-request", "invalid"),
        (415, "/problems/unsupported-media-type", "malformed"),
        (413, "/problems/too-large", "malformed"),
        (401, "/problems/unauthenticated", "unauthenticated"),
        (403, "/problems/forbidden", "forbidden"),
        (404, "/problems/not-found", "not_found"),
        (503, "/problems/store-unavailable", "unavailable"),
        (500, None, "error"),
        (None, None, "error"),
    ],
)
def test_an_answer_is_one_outcome(status: int | None, problem: str | None, outcome: str) -> None:
    assert outcome_of(status, problem) == outcome
    assert outcome in OUTCOMES


def test_throughput_is_events_per_second_between_scrapes() -> None:
    rates = Throughput()
    assert rates.rate("db", "relay", 100, now=10.0) == 0.0
    assert rates.rate("db", "relay", 150, now=10.5) == 0.0  # too soon to tell
    assert rates.rate("db", "relay", 300, now=12.0) == 100.0
    assert rates.rate("db", "relay", 300, now=14.0) == 0.0
    assert rates.rate("db", "relay", 10, now=15.0) == 0.0  # a rebuild started again from zero


def test_the_middleware_is_an_ordinary_starlette_middleware(clients: Clients) -> None:
    assert cast(object, Middleware(CommandMetrics).cls) is CommandMetrics
    assert Role.PUBLIC  # the scrape needs no token
    assert clients.anonymous.get("/metrics").status_code == 200


def kafka_positions(url: str, projection: str, positions: dict[tuple[str, int], int]) -> None:
    """A Kafka-fed projection's stored positions, one per partition (as a runner writes them)."""
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM views.positions WHERE projection = %s", (projection,))
        for (topic, partition), position in positions.items():
            conn.execute(
                "INSERT INTO views.positions (projection, source, position, next_offset) "
                "VALUES (%s, %s, %s, 0)",
                (projection, f"{topic}:{partition}", position),
            )


def test_a_stalled_partition_shows_in_the_projection_lag_and_an_idle_one_does_not(
    clients: Clients, demo: Database, ledger: SupervisionLedger
) -> None:
    before = int(value(scrape(clients.anonymous), "ledger_log_position"))
    every = {(t.name, p): before for t in LEDGER_TOPICS for p in range(t.partitions)}
    # Given three patrols written after every partition was read up to ``before``
    patrols = [
        ledger.execute(RecordAreaPatrol.model_validate(patrol(d)), SYSTEM).id for d in (4, 5, 6)
    ]
    after = before + len(patrols)
    stalled = ("ledger.patrols.v1", key_hash(str(patrols[0]).encode()) % 6)
    behind = sum(
        1 for p in patrols if ("ledger.patrols.v1", key_hash(str(p).encode()) % 6) == stalled
    )
    # when one runner applied them all but those of the first patrol's partition (stalled at
    # ``before``), and another applied them all: its other partitions stay at ``before``,
    # idle, with nothing to apply
    kafka_positions(
        demo.url,
        "stalled",
        every | {key: after for key in every if key[0] == "ledger.patrols.v1" and key != stalled},
    )
    kafka_positions(
        demo.url,
        "caught_up",
        every | {key: after for key in every if key[0] == "ledger.patrols.v1"},
    )
    samples = scrape(clients.anonymous)

    # then the stalled partition's events are the first one's lag, and the other has none
    assert value(samples, "ledger_projection_lag_events", projection="stalled") == behind >= 1
    assert value(samples, "ledger_projection_lag_seconds", projection="stalled") > 0
    assert value(samples, "ledger_projection_lag_events", projection="caught_up") == 0
    assert value(samples, "ledger_projection_lag_seconds", projection="caught_up") == 0
    # and both report the highest partition position as how far they got
    assert value(samples, "ledger_projection_position", projection="stalled") == after
