"""``ledger verify`` as an auditor runs it, on a log a superuser really tampered with: it names
the first bad event, exits non-zero, and writes nothing — no hash is ever filled in, not by
verify, not by a ledger starting up, not by the checkpointer.

Also: a person's sealed ciphertext replaced under its digest; a tail cut off together with the
checkpoints that sealed it, caught by a checkpoint the auditor kept; a log from before the
chain, chained once by an explicit command that refuses a signed log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from domain.registry import commands as reg
from infra.postgres import Database
from infra.wiring import open_ledger
from tests.builders_cases import CITIZEN, FILED_ON, given_team, intake_body
from tests.integrity_helpers import (
    as_superuser,
    given_history,
    ledger_cli,
    rows,
    signed_cli_env,
)

HASHES = (
    "SELECT notification_id, leaf_index, content_hash, prev_hash, event_hash "
    "FROM supervisionledger_events ORDER BY notification_id"
)


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    return signed_cli_env(database, tmp_path)


def verify_json(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    code, output = ledger_cli(env, "verify", "--json", *args)
    return code, orjson.loads(output)


def first_finding(report: dict[str, Any]) -> tuple[str, int]:
    assert report["ok"] is False, "the tampering went unnoticed"
    first = report["findings"][0]
    return first["problem"], first["position"]


def given_citizen_case(ledger: SupervisionLedger) -> UUID:
    agency_id, officers = given_team(ledger, code="CASES")
    body = intake_body(agency_id, officers, None, case_no="津滨市监罚〔2023〕9号")
    body["person"] = CITIZEN.model_dump(mode="json")
    return ledger.execute(
        cc.FileCase.model_validate(body | {"filed_on": FILED_ON.isoformat()}), SYSTEM
    ).id


def given_grid_cells(ledger: SupervisionLedger, n: int, start: int = 1) -> None:
    for i in range(start, start + n):
        ledger.execute(
            reg.DefineGridCell(code=f"G-{i}", name=f"网格 {i}", street="新港街道"), SYSTEM
        )


def sealed_log(ledger: SupervisionLedger, env: dict[str, str]) -> None:
    """A history with a sealed person in it, sealed by a checkpoint."""
    given_history(ledger, officers=2)
    given_citizen_case(ledger)
    given_grid_cells(ledger, 2)
    code, output = ledger_cli(env, "audit", "checkpoint")
    assert code == 0 and "sealed" in output, output


# No hash is ever filled in -------------------------------------------------------------------


def test_an_inserted_row_without_hashes_is_named_and_never_chained(
    ledger: SupervisionLedger, database: Database, env: dict[str, str]
) -> None:
    sealed_log(ledger, env)
    with as_superuser(database) as su:
        # Slipped in before every other event, with no hashes (the chain trigger is off).
        su.execute(
            "INSERT INTO supervisionledger_events (notification_id, originator_id, "
            "originator_version, topic, state) "
            "VALUES (0, gen_random_uuid(), 1, 'GridCell.Defined', '{}'::bytea)"
        )
    before = rows(database, HASHES)

    code, report = verify_json(env)
    assert code == 1
    assert first_finding(report) == ("event-inserted", 0)
    assert len(report["findings"]) == 1, report["findings"]  # nothing innocent named
    code, output = ledger_cli(env, "verify")
    assert code == 1
    assert "TAMPERED: first bad event — [event-inserted] position 0" in output

    # A ledger starting up, and the checkpointer, leave it as it is too.
    open_ledger(database, pool_size=2).close()
    code, output = ledger_cli(env, "audit", "checkpoint")
    assert code == 1 and "[event-inserted] position 0" in output
    assert rows(database, HASHES) == before
    assert first_finding(verify_json(env)[1]) == ("event-inserted", 0)


def test_an_edited_row_whose_hashes_were_removed_is_named_and_never_chained(
    ledger: SupervisionLedger, database: Database, env: dict[str, str]
) -> None:
    sealed_log(ledger, env)
    ((position,),) = rows(
        database,
        "SELECT notification_id FROM supervisionledger_events "
        "WHERE topic = 'Officer.TrainingRecorded' ORDER BY 1 LIMIT 1",
    )
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET state = convert_to(replace(convert_from(state, "
            "'UTF8'), '\"hours\":8', '\"hours\":80'), 'UTF8'), leaf_index = NULL, "
            "content_hash = NULL, prev_hash = NULL, event_hash = NULL WHERE notification_id = %s",
            (position,),
        )
    before = rows(database, HASHES)

    code, report = verify_json(env)
    assert code == 1
    assert first_finding(report) == ("unchained-event", position)
    assert "removed" in report["findings"][0]["detail"]
    open_ledger(database, pool_size=2).close()
    assert rows(database, HASHES) == before
    code, output = ledger_cli(env, "verify")
    assert code == 1 and f"[unchained-event] position {position}" in output


def test_an_event_hash_set_null_is_named(
    ledger: SupervisionLedger, database: Database, env: dict[str, str]
) -> None:
    sealed_log(ledger, env)
    ((position,),) = rows(
        database,
        "SELECT notification_id FROM supervisionledger_events "
        "WHERE topic = 'Officer.TrainingRecorded' ORDER BY 1 DESC LIMIT 1",
    )
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET event_hash = NULL WHERE notification_id = %s",
            (position,),
        )
    before = rows(database, HASHES)
    code, report = verify_json(env)
    assert code == 1
    assert first_finding(report) == ("unchained-event", position)
    assert rows(database, HASHES) == before


def test_verify_is_read_only_and_needs_no_schema(
    database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    """On a database without a ledger, verify creates nothing: it says so and stops."""
    code, output = ledger_cli(env, "verify")
    assert code == 1 and "holds no ledger" in output
    assert rows(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


# Personal data -------------------------------------------------------------------------------


def test_a_replaced_ciphertext_is_named_and_history_says_so_in_one_line(
    ledger: SupervisionLedger, database: Database, env: dict[str, str]
) -> None:
    sealed_log(ledger, env)
    ((position, originator_id, state),) = rows(
        database,
        "SELECT notification_id, originator_id, state FROM supervisionledger_events "
        "WHERE state LIKE '%%\"sealed\":%%'::bytea ORDER BY 1 LIMIT 1",
    )
    data = orjson.loads(bytes(state))
    sealed = data["person"]["sealed"]
    data["person"]["sealed"] = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET state = %s WHERE notification_id = %s",
            (orjson.dumps(data, option=orjson.OPT_SORT_KEYS), position),
        )
    code, report = verify_json(env)
    assert code == 1
    assert first_finding(report) == ("payload-edited", position)
    assert "ciphertext" in report["findings"][0]["detail"]

    code, output = ledger_cli(env, "history", "penalty-case", str(originator_id))
    assert code == 1
    assert "Traceback" not in output
    assert output.strip().startswith("ledger: ")
    assert len(output.strip().splitlines()) == 1


# A checkpoint kept outside -------------------------------------------------------------------


def test_a_tail_cut_off_with_its_checkpoints_is_named_by_a_trusted_checkpoint(
    ledger: SupervisionLedger, database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    given_history(ledger, officers=2)
    assert ledger_cli(env, "audit", "checkpoint")[0] == 0
    ((kept,),) = rows(database, "SELECT max(notification_id) FROM supervisionledger_events")
    given_grid_cells(ledger, 3)
    code, output = ledger_cli(env, "audit", "checkpoint")
    assert code == 0, output
    trusted = tmp_path / "kept.jsonl"
    code, output = ledger_cli(env, "audit", "checkpoints")
    trusted.write_text(output)  # what the auditor saved: both checkpoints, as JSON lines
    assert ledger_cli(env, "verify", "--trusted-checkpoint", str(trusted))[0] == 0

    with as_superuser(database) as su:
        su.execute("DELETE FROM supervisionledger_events WHERE notification_id > %s", (kept,))
        su.execute("DELETE FROM supervisionledger_checkpoints WHERE last_position > %s", (kept,))
    code, _ = ledger_cli(env, "verify")
    assert code == 0  # the database alone no longer knows

    code, report = verify_json(env, "--trusted-checkpoint", str(trusted))
    assert code == 1
    assert first_finding(report) == ("tail-truncated", kept + 1)
    assert report["trusted_checkpoints"] == 2


def test_a_rewritten_log_is_named_by_a_trusted_checkpoint(
    ledger: SupervisionLedger, database: Database, env: dict[str, str], tmp_path: Path
) -> None:
    given_history(ledger, officers=1)
    assert ledger_cli(env, "audit", "checkpoint")[0] == 0
    trusted = tmp_path / "kept.json"
    trusted.write_text(ledger_cli(env, "audit", "checkpoints")[1].splitlines()[0])
    with as_superuser(database) as su:
        su.execute("DELETE FROM supervisionledger_checkpoints")
        # The forger cuts the last event and deletes the checkpoints that sealed it.
        su.execute(
            "DELETE FROM supervisionledger_events WHERE notification_id = "
            "(SELECT max(notification_id) FROM supervisionledger_events)"
        )
    code, report = verify_json(env, "--trusted-checkpoint", str(trusted))
    assert code == 1
    assert first_finding(report)[0] == "tail-truncated"
    forged = tmp_path / "forged.json"
    document = orjson.loads(trusted.read_text())
    document["tree_size"] -= 1
    document.pop("body")
    forged.write_bytes(orjson.dumps(document))
    code, report = verify_json(env, "--trusted-checkpoint", str(forged))
    assert code == 1
    assert any(f["problem"] == "checkpoint-signature" for f in report["findings"])


def test_an_unreadable_trusted_checkpoint_is_a_one_line_error(
    env: dict[str, str], ledger: SupervisionLedger, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"nothing": 1}')
    code, output = ledger_cli(env, "verify", "--trusted-checkpoint", str(bad))
    assert code == 2 and "holds no signed checkpoint" in output


# A log from before the chain -----------------------------------------------------------------


def test_a_log_from_before_the_chain_is_chained_only_by_the_explicit_command(
    ledger: SupervisionLedger, database: Database, env: dict[str, str]
) -> None:
    given_history(ledger, officers=2)
    given_citizen_case(ledger)  # a sealed person: its content hash is the redacted form's
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET leaf_index = NULL, content_hash = NULL, "
            "prev_hash = NULL, event_hash = NULL"
        )
    open_ledger(database, pool_size=2).close()
    assert rows(
        database, "SELECT count(*) FROM supervisionledger_events WHERE event_hash IS NOT NULL"
    ) == [(0,)]
    code, report = verify_json(env)
    assert code == 1 and first_finding(report)[0] == "unchained-event"

    code, output = ledger_cli(env, "audit", "chain-legacy")
    assert code == 0 and "chained" in output, output
    code, output = ledger_cli(env, "verify")
    assert code == 0, output
    given_grid_cells(ledger, 2)  # new events chain on to the chained log
    assert ledger_cli(env, "verify")[0] == 0

    code, output = ledger_cli(env, "audit", "chain-legacy")
    assert code == 1 and "nothing to chain" in output
    assert ledger_cli(env, "audit", "checkpoint")[0] == 0
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET event_hash = NULL WHERE notification_id = "
            "(SELECT max(notification_id) FROM supervisionledger_events)"
        )
    before = rows(database, HASHES)
    code, output = ledger_cli(env, "audit", "chain-legacy")
    assert code == 1 and "signed checkpoint" in output
    assert rows(database, HASHES) == before
