"""Every read by an auditor or the office — a record's state, an inclusion proof, a partner
region's feed, the checkpoints — and any read showing a citizen's data in the clear adds one
event to the reader's audit trail, naming the reader, the target and the channel; a refused
read adds nothing. (Case-file reads: tests/e2e/test_audit_api.py.)"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from typer.testing import CliRunner

from consumers.checkpointer import Checkpointer
from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from gateway.cli import app
from infra.integrity.wiring import checkpointer_for
from infra.postgres import Database
from infra.settings import Settings
from tests.builders_cases import FILED_ON, given_decided_case, given_team, intake_body
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem
from tests.integrity_helpers import rows

AUDIT = "/api/v1/audit"
FEED = "/api/v1/partner/feed"


@pytest.fixture
def team(clients: Clients) -> tuple[UUID, list[UUID]]:
    return given_team(clients.ledger)


@pytest.fixture
def business_case(clients: Clients, team: tuple[UUID, list[UUID]]) -> UUID:
    return given_decided_case(clients.ledger, *team)


@pytest.fixture
def citizen_case(clients: Clients, team: tuple[UUID, list[UUID]]) -> UUID:
    agency, officers = team
    body = intake_body(agency, officers, None, case_no="津滨市监罚〔2023〕7号")
    return clients.ledger.execute(
        cc.FileCase.model_validate(body | {"filed_on": FILED_ON.isoformat()}), SYSTEM
    ).id


@pytest.fixture
def sealer(
    ledger: SupervisionLedger, database: Database, settings: Settings
) -> Iterator[Checkpointer]:
    worker = checkpointer_for(ledger, database, settings)
    try:
        yield worker
    finally:
        worker.close()


def data_reads(database: Database) -> list[dict[str, Any]]:
    """Every ``AuditTrail.DataRead`` in the log, oldest first."""
    found = rows(
        database,
        "SELECT state FROM supervisionledger_events WHERE topic = 'AuditTrail.DataRead' "
        "ORDER BY notification_id",
    )
    return [orjson.loads(bytes(state)) for (state,) in found]


def one_new_read(database: Database, before: int) -> dict[str, Any]:
    reads = data_reads(database)
    assert len(reads) == before + 1, reads[before:]
    return reads[-1]


def test_an_auditor_reading_a_record_s_state_is_recorded(
    clients: Clients, database: Database, citizen_case: UUID
) -> None:
    response = clients.auditor.get(
        f"/api/v1/penalty-cases/{citizen_case}", headers={"X-Correlation-ID": "review-7"}
    )
    assert response.status_code == 200
    assert response.json()["state"]["person"]["name"]  # the citizen, in the clear
    read = one_new_read(database, 0)
    assert read["meta"]["principal"] == "auditor-x"
    assert read["meta"]["role"] == "auditor"
    assert read["meta"]["correlation_id"] == "review-7"
    assert (read["what"], read["record_kind"], read["record_id"], read["channel"]) == (
        "record-state",
        "penalty-case",
        str(citizen_case),
        "http",
    )
    assert read["version"] == response.json()["version"]
    clients.office.get(f"/api/v1/penalty-cases/{citizen_case}")
    assert one_new_read(database, 1)["meta"]["role"] == "supervisor"


def test_an_officer_s_read_is_recorded_when_it_shows_a_citizen_s_data(
    clients: Clients,
    database: Database,
    team: tuple[UUID, list[UUID]],
    citizen_case: UUID,
    business_case: UUID,
) -> None:
    officer = clients.officer_of(team[0])
    assert officer.get(f"/api/v1/penalty-cases/{business_case}").status_code == 200
    assert data_reads(database) == []
    assert officer.get(f"/api/v1/penalty-cases/{citizen_case}").status_code == 200
    read = one_new_read(database, 0)
    assert read["meta"]["principal"] == f"agency_officer-{team[0]}"
    assert read["record_id"] == str(citizen_case)


def test_refused_or_failed_reads_record_nothing(
    clients: Clients, database: Database, citizen_case: UUID, sealer: Checkpointer
) -> None:
    sealer.seal()
    stranger = clients.officer_of(uuid4())
    assert_problem(stranger.get(f"/api/v1/penalty-cases/{citizen_case}"), 403, "forbidden")
    assert_problem(clients.auditor.get(f"/api/v1/penalty-cases/{uuid4()}"), 404, "not-found")
    assert_problem(clients.auditor.get(f"{AUDIT}/proofs/99999"), 404, "not-found")
    assert_problem(clients.auditor.get(FEED, params={"region": "mars"}), 422, "invalid-request")
    assert_problem(
        clients.partner("tangshan").get(FEED, params={"region": "cangzhou"}), 403, "forbidden"
    )
    assert data_reads(database) == []


def test_an_auditor_s_inclusion_proof_and_checkpoints_reads_are_recorded(
    clients: Clients, database: Database, business_case: UUID, sealer: Checkpointer
) -> None:
    sealed = sealer.seal()
    assert sealed is not None
    first = rows(
        database,
        "SELECT notification_id, originator_version FROM supervisionledger_events "
        "WHERE originator_id = %s ORDER BY originator_version LIMIT 1",
        (business_case,),
    )[0]
    assert clients.auditor.get(f"{AUDIT}/proofs/{first[0]}").status_code == 200
    read = one_new_read(database, 0)
    assert (read["what"], read["position"], read["record_id"], read["record_kind"]) == (
        "inclusion-proof",
        first[0],
        str(business_case),
        "penalty-case",
    )
    assert read["detail"] == f"tree_size={sealed.checkpoint.tree_size}"
    assert read["channel"] == "http" and read["meta"]["principal"] == "auditor-x"

    by_query = clients.office.get(f"{AUDIT}/proofs/inclusion", params={"position": first[0]})
    assert by_query.status_code == 200
    assert one_new_read(database, 1)["meta"]["principal"] == "supervisor-x"

    assert clients.auditor.get(f"{AUDIT}/checkpoints").status_code == 200
    read = one_new_read(database, 2)
    assert read["what"] == "checkpoints" and read["record_id"] is None
    assert read["detail"] == f"latest tree_size={sealed.checkpoint.tree_size}"


def test_the_office_reading_a_partner_s_feed_is_recorded_the_partner_s_own_is_not(
    clients: Clients, database: Database
) -> None:
    response = clients.office.get(FEED, params={"region": "langfang", "follow": "false"})
    assert response.status_code == 200
    read = one_new_read(database, 0)
    assert (read["what"], read["detail"], read["channel"]) == (
        "partner-feed",
        "region=langfang after=0 follow=false",
        "http",
    )
    assert read["meta"]["principal"] == "supervisor-x"
    own = clients.partner("langfang").get(FEED, params={"follow": "false"})
    assert own.status_code == 200
    assert len(data_reads(database)) == 1


def test_a_proof_read_on_the_command_line_is_recorded(
    database: Database, business_case: UUID, sealer: Checkpointer, tmp_path: Path
) -> None:
    sealer.seal()
    env = {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATA_DIR": str(tmp_path)}
    position = rows(
        database,
        "SELECT max(notification_id) FROM supervisionledger_events WHERE originator_id = %s",
        (business_case,),
    )[0][0]
    result = CliRunner().invoke(app, ["audit", "proof", str(position)], env=env)
    assert result.exit_code == 0, result.output
    read = one_new_read(database, 0)
    assert (read["what"], read["position"], read["channel"]) == ("inclusion-proof", position, "cli")
    assert read["meta"]["principal"] == f"ledger-cli:{getpass.getuser()}"
    failed = CliRunner().invoke(app, ["audit", "proof", "999999"], env=env)
    assert failed.exit_code != 0
    assert len(data_reads(database)) == 1
