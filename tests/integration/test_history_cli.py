"""``ledger history`` on a real database: the case file in each format, as of a moment or a
version, and the read recorded in the trail of the command line's user."""

from __future__ import annotations

import getpass
from pathlib import Path
from uuid import UUID, uuid4

import orjson
import pytest
from typer.testing import CliRunner

from domain.application import SupervisionLedger
from gateway.cli import app
from infra.postgres import Database
from tests.builders_cases import given_decided_case, given_team
from tests.integrity_helpers import rows

runner = CliRunner()


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    return {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATA_DIR": str(tmp_path)}


@pytest.fixture
def case(ledger: SupervisionLedger) -> UUID:
    agency, team = given_team(ledger)
    return given_decided_case(ledger, agency, team)


def history(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["history", *args], env=env)
    return result.exit_code, result.output


def test_the_case_file_as_json(env: dict[str, str], case: UUID) -> None:
    code, output = history(env, "penalty-case", str(case))
    assert code == 0, output
    body = orjson.loads(output)
    assert len(body["steps"]) == 4 and body["chain_intact"]
    assert body["exported_by"] == f"ledger-cli:{getpass.getuser()} (system)"


def test_as_of_a_moment_and_at_a_version(env: dict[str, str], case: UUID) -> None:
    steps = orjson.loads(history(env, "penalty-case", str(case))[1])["steps"]
    code, output = history(env, "penalty-case", str(case), "--as-of", steps[2]["recorded_at"])
    assert code == 0 and orjson.loads(output)["version"] == 3
    code, output = history(env, "penalty-case", str(case), "--version", "1")
    assert orjson.loads(output)["state"] == steps[0]["state_after"]
    code, output = history(env, "penalty-case", str(case), "--as-of", "not a time")
    assert code == 2


def test_the_case_file_for_review_into_a_file(
    env: dict[str, str], case: UUID, tmp_path: Path
) -> None:
    target = tmp_path / "case.md"
    code, _ = history(
        env, "penalty-case", str(case), "--format", "markdown", "--output", str(target)
    )
    assert code == 0
    assert "## History" in target.read_text(encoding="utf-8")
    code, output = history(env, "penalty-case", str(case), "--format", "html")
    assert code == 0 and "<h1>Case file — penalty-case" in output
    assert history(env, "penalty-case", str(case), "--format", "pdf")[0] == 2


def test_an_unknown_record_fails_in_words(env: dict[str, str]) -> None:
    code, output = history(env, "penalty-case", str(uuid4()))
    assert code == 1 and "no penalty-case with id" in output


def test_each_read_on_the_command_line_is_recorded(
    env: dict[str, str], case: UUID, database: Database
) -> None:
    history(env, "penalty-case", str(case))
    history(env, "penalty-case", str(case), "--format", "html")
    recorded = rows(
        database,
        "SELECT state FROM supervisionledger_events WHERE topic = 'AuditTrail.HistoryRead' "
        "ORDER BY notification_id",
    )
    reads = [orjson.loads(bytes(state)) for (state,) in recorded]
    assert [(r["format"], r["channel"]) for r in reads] == [("json", "cli"), ("html", "cli")]
    assert reads[0]["meta"]["principal"] == f"ledger-cli:{getpass.getuser()}"
