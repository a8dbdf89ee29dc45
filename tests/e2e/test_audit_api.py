"""Auditors over HTTP: history as JSON, Markdown and HTML, as of a moment or a version; who may
read what; every read recorded; the public key; checkpoints; inclusion and consistency proofs
that check out offline with only the public key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID, uuid4

import pytest

from consumers.checkpointer import Checkpointer
from domain.application import SupervisionLedger
from domain.audit.trail import AuditTrail
from gateway import audit_api
from infra.integrity.proofs import check
from infra.integrity.signing import load_public_key
from infra.integrity.wiring import checkpointer_for
from infra.postgres import Database
from infra.settings import Settings
from tests.builders_cases import given_decided_case, given_team
from tests.builders_oversight import given_joint_action
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem
from tests.integrity_helpers import rows

AUDIT = "/api/v1/audit"


@pytest.fixture
def msa(clients: Clients) -> tuple[UUID, list[UUID]]:
    return given_team(clients.ledger)


@pytest.fixture
def case(clients: Clients, msa: tuple[UUID, list[UUID]]) -> UUID:
    agency, team = msa
    return given_decided_case(clients.ledger, agency, team)


@pytest.fixture
def sealer(
    ledger: SupervisionLedger, database: Database, settings: Settings
) -> Iterator[Checkpointer]:
    worker = checkpointer_for(ledger, database, settings)
    try:
        yield worker
    finally:
        worker.close()


def history_url(case: UUID, kind: str = "penalty-case") -> str:
    return f"{AUDIT}/{kind}/{case}/history"


# History -------------------------------------------------------------------------------------


def test_an_auditor_replays_a_case_as_json(clients: Clients, case: UUID) -> None:
    response = clients.auditor.get(history_url(case))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "penalty-case" and body["id"] == str(case)
    assert [s["event"] for s in body["steps"]] == [
        "PenaltyCase.Opened",
        "PenaltyCase.Investigated",
        "PenaltyCase.Decided",
        "PenaltyCase.Served",
    ]
    step = body["steps"][2]
    assert set(step) >= {"who", "recorded_at", "timestamp", "payload", "state_after", "hashes"}
    assert body["chain_intact"] is True
    assert body["exported_by"] == "auditor-x (auditor)"


def test_the_state_as_of_a_moment_or_a_version(clients: Clients, case: UUID) -> None:
    steps = clients.auditor.get(history_url(case)).json()["steps"]
    as_of = clients.auditor.get(history_url(case), params={"as_of": steps[1]["recorded_at"]})
    assert as_of.status_code == 200, as_of.text
    assert as_of.json()["version"] == 2
    assert as_of.json()["state"] == steps[1]["state_after"]
    version = clients.auditor.get(history_url(case), params={"version": 3}).json()
    assert version["version"] == 3 and len(version["steps"]) == 3
    early = clients.auditor.get(history_url(case), params={"as_of": "2000-01-01T00:00:00"})
    assert_problem(early, 404, "not-yet")
    assert_problem(clients.auditor.get(history_url(case), params={"version": 9}), 404, "not-yet")
    assert_problem(
        clients.auditor.get(history_url(case), params={"as_of": "soon"}), 422, "invalid-request"
    )


def test_a_case_file_for_review_as_markdown_and_html(clients: Clients, case: UUID) -> None:
    markdown = clients.office.get(history_url(case), params={"format": "markdown"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "### v3 · PenaltyCase.Decided" in markdown.text
    page = clients.office.get(history_url(case), params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "<h3>v4 · PenaltyCase.Served</h3>" in page.text


def test_officers_read_their_agencys_records_only(
    clients: Clients, case: UUID, msa: tuple[UUID, list[UUID]]
) -> None:
    agency, _ = msa
    assert clients.officer_of(agency).get(history_url(case)).status_code == 200
    assert_problem(clients.officer_of(uuid4()).get(history_url(case)), 403, "forbidden")
    assert_problem(clients.partner("tangshan").get(history_url(case)), 403, "forbidden")
    assert_problem(clients.anonymous.get(history_url(case)), 401, "unauthenticated")


def test_partners_read_their_regions_collaboration_records(
    clients: Clients, msa: tuple[UUID, list[UUID]]
) -> None:
    action = given_joint_action(clients.ledger, msa[0])
    url = history_url(action, "joint-action")
    assert clients.partner("tangshan").get(url).status_code == 200
    assert_problem(clients.partner("langfang").get(url), 403, "forbidden")


def test_unknown_records_and_kinds(clients: Clients, case: UUID) -> None:
    assert_problem(clients.auditor.get(history_url(uuid4())), 404, "not-found")
    assert_problem(clients.auditor.get(history_url(case, "officer")), 404, "not-found")
    assert_problem(clients.auditor.get(history_url(case, "no-such-kind")), 404, "not-found")
    assert_problem(clients.auditor.get(f"{AUDIT}/penalty-case/x/history"), 422, "invalid-request")


def test_every_read_is_recorded_and_the_trail_itself_replays(
    clients: Clients, database: Database, case: UUID
) -> None:
    clients.auditor.get(history_url(case), headers={"X-Correlation-ID": "review-42"})
    body = clients.auditor.get(history_url(case), params={"format": "html", "version": 2})
    trail = rows(
        database,
        "SELECT DISTINCT originator_id FROM supervisionledger_events "
        "WHERE topic = 'AuditTrail.HistoryRead'",
    )
    assert len(trail) == 1
    trail_id = trail[0][0]
    assert trail_id in {AuditTrail.create_id("auditor-x", d) for d in _today_and_yesterday()}
    assert body.status_code == 200
    reads = clients.office.get(history_url(trail_id, "audit-trail")).json()
    read_steps = [s for s in reads["steps"] if s["event"] == "AuditTrail.HistoryRead"]
    assert [(s["payload"]["version"], s["payload"]["format"]) for s in read_steps] == [
        (4, "json"),
        (2, "html"),
    ]
    assert read_steps[0]["who"]["correlation_id"] == "review-42"
    # Another reader may not read an auditor's trail; the auditor may read its own.
    assert_problem(
        clients.officer_of(uuid4()).get(history_url(trail_id, "audit-trail")), 403, "forbidden"
    )


def test_a_refused_read_is_not_recorded_and_a_read_that_cannot_be_recorded_shows_nothing(
    clients: Clients, database: Database, case: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read is recorded once the record proved the reader's, and before the answer leaves.
    assert_problem(clients.officer_of(uuid4()).get(history_url(case)), 403, "forbidden")
    assert_problem(clients.partner("tangshan").get(history_url(case)), 403, "forbidden")
    recorded = (
        "SELECT count(*) FROM supervisionledger_events WHERE topic = 'AuditTrail.HistoryRead'"
    )
    assert rows(database, recorded) == [(0,)]

    def unavailable(*_: object, **__: object) -> UUID:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(audit_api, "record_read", unavailable)
    with pytest.raises(RuntimeError, match="audit trail is unavailable"):
        clients.auditor.get(history_url(case))  # an error, not the case file
    monkeypatch.undo()
    assert clients.auditor.get(history_url(case)).status_code == 200
    assert rows(database, recorded) == [(1,)]


def _today_and_yesterday() -> list[date]:
    from datetime import UTC, datetime, timedelta

    from domain.values import local_date

    today = local_date(datetime.now(UTC))
    return [today, today - timedelta(days=1)]


# Keys, checkpoints and proofs ----------------------------------------------------------------


def test_the_public_key_is_published_to_anyone(clients: Clients) -> None:
    response = clients.anonymous.get(f"{AUDIT}/public-key")
    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert clients.anonymous.get(f"{AUDIT}/public-key").json() == body


def test_an_inclusion_proof_checks_out_offline(
    clients: Clients, case: UUID, sealer: Checkpointer
) -> None:
    sealed = sealer.seal()
    assert sealed is not None
    key = load_public_key(
        clients.anonymous.get(f"{AUDIT}/public-key").json()["public_key_pem"].encode()
    )
    steps = clients.auditor.get(history_url(case)).json()["steps"]
    for step in steps:
        response = clients.auditor.get(f"{AUDIT}/proofs/{step['position']}")
        assert response.status_code == 200, response.text
        document = response.json()
        assert document["tree_size"] == sealed.checkpoint.tree_size
        assert document["event"]["event_hash"] == step["hashes"]["event_hash"]
        outcome = check(response.content, key)
        assert outcome.ok, outcome.failed
    by_query = clients.auditor.get(
        f"{AUDIT}/proofs/inclusion",
        params={"position": steps[0]["position"], "tree_size": sealed.checkpoint.tree_size},
    )
    assert by_query.json() == clients.auditor.get(f"{AUDIT}/proofs/{steps[0]['position']}").json()


def test_proofs_of_unsealed_or_unknown_events_are_refused(
    clients: Clients, case: UUID, sealer: Checkpointer, msa: tuple[UUID, list[UUID]]
) -> None:
    first = clients.auditor.get(history_url(case)).json()["steps"][0]["position"]
    assert_problem(clients.auditor.get(f"{AUDIT}/proofs/{first}"), 404, "no-checkpoint")
    sealer.seal()
    later = given_joint_action(clients.ledger, msa[0])
    late = clients.auditor.get(history_url(later, "joint-action")).json()["steps"][0]["position"]
    assert_problem(clients.auditor.get(f"{AUDIT}/proofs/{late}"), 404, "not-sealed")
    assert_problem(clients.auditor.get(f"{AUDIT}/proofs/{first}?tree_size=2"), 404, "no-checkpoint")
    assert_problem(clients.auditor.get(f"{AUDIT}/proofs/99999"), 404, "not-found")
    assert_problem(clients.officer_of(uuid4()).get(f"{AUDIT}/proofs/{first}"), 403, "forbidden")


def test_checkpoints_and_their_consistency(
    clients: Clients, case: UUID, sealer: Checkpointer, msa: tuple[UUID, list[UUID]]
) -> None:
    first = sealer.seal()
    given_joint_action(clients.ledger, msa[0])
    second = sealer.seal()
    assert first is not None and second is not None
    listed = clients.partner("tangshan").get(f"{AUDIT}/checkpoints").json()["checkpoints"]
    assert [c["tree_size"] for c in listed] == [
        second.checkpoint.tree_size,
        first.checkpoint.tree_size,
    ]
    assert listed[0]["previous_tree_size"] == first.checkpoint.tree_size
    key = load_public_key(
        clients.anonymous.get(f"{AUDIT}/public-key").json()["public_key_pem"].encode()
    )
    response = clients.auditor.get(
        f"{AUDIT}/proofs/consistency",
        params={"first": first.checkpoint.tree_size, "second": second.checkpoint.tree_size},
    )
    assert response.status_code == 200, response.text
    assert check(response.content, key).ok
    bad = clients.auditor.get(f"{AUDIT}/proofs/consistency", params={"first": 9, "second": 3})
    assert_problem(bad, 422, "bad-sizes")


def test_the_openapi_document_describes_the_audit_endpoints(clients: Clients) -> None:
    paths = clients.anonymous.get("/openapi.json").json()["paths"]
    assert "/api/v1/audit/{kind}/{id}/history" in paths
    assert "/api/v1/audit/proofs/{position}" in paths
    assert paths["/api/v1/audit/public-key"]["get"]["security"] == []
