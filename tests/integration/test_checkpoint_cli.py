"""``ledger verify`` and ``ledger audit …`` on a real database: seal, verify, tamper, name the
first bad event; proofs written to files and checked with nothing but the public key."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from domain.application import SupervisionLedger
from infra.postgres import Database
from tests.integrity_helpers import (
    as_superuser,
    given_history,
    ledger_cli,
    rows,
    signed_cli_env,
)

NO_DATABASE = "postgresql://nobody@127.0.0.1:1/nothing"


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    return signed_cli_env(database, tmp_path)


def test_a_new_key_is_never_overwritten(env: dict[str, str]) -> None:
    code, output = ledger_cli(env, "audit", "new-key", env["LEDGER_SIGNING_KEY_FILE"])
    assert code == 2 and "never overwritten" in output


def test_a_configured_database_needs_a_configured_key(env: dict[str, str], tmp_path: Path) -> None:
    missing = {**env, "LEDGER_SIGNING_KEY_FILE": str(tmp_path / "absent.pem")}
    code, output = ledger_cli(missing, "audit", "public-key")
    assert code == 2 and "ledger audit new-key" in output
    assert not (tmp_path / "absent.pem").exists()


def test_seal_verify_and_name_the_first_bad_event(
    ledger: SupervisionLedger, database: Database, env: dict[str, str]
) -> None:
    given_history(ledger, officers=2)
    code, output = ledger_cli(env, "audit", "checkpoint")
    assert code == 0 and "sealed" in output, output
    code, output = ledger_cli(env, "audit", "checkpoint")
    assert code == 0 and "nothing new" in output
    code, output = ledger_cli(env, "verify")
    assert code == 0 and "OK: the log is intact" in output, output

    ((position,),) = rows(
        database,
        "SELECT notification_id FROM supervisionledger_events "
        "WHERE topic = 'Officer.TrainingRecorded' ORDER BY 1 LIMIT 1",
    )
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET state = state || '  '::bytea "
            "WHERE notification_id = %s",
            (position,),
        )
    code, output = ledger_cli(env, "verify")
    assert code == 1
    assert f"TAMPERED: first bad event — [payload-edited] position {position}" in output
    code, output = ledger_cli(env, "verify", "--json")
    report = orjson.loads(output)
    assert report["ok"] is False
    assert report["findings"][0]["position"] == position


def test_verify_with_a_given_public_key(
    ledger: SupervisionLedger, env: dict[str, str], tmp_path: Path
) -> None:
    given_history(ledger, officers=1)
    assert ledger_cli(env, "audit", "checkpoint")[0] == 0
    public = tmp_path / "public.pem"
    assert ledger_cli(env, "audit", "public-key", "--output", str(public))[0] == 0
    code, output = ledger_cli(env, "verify", "--public-key", str(public))
    assert code == 0, output
    other = tmp_path / "other.pem"
    ledger_cli(env, "audit", "new-key", str(other))
    other_public = tmp_path / "other-public.pem"
    ledger_cli(
        {**env, "LEDGER_SIGNING_KEY_FILE": str(other)},
        "audit",
        "public-key",
        "--output",
        str(other_public),
    )
    code, output = ledger_cli(env, "verify", "--public-key", str(other_public))
    assert code == 1 and "[checkpoint-key]" in output
    code, output = ledger_cli(env, "verify", "--public-key", str(tmp_path / "absent.pem"))
    assert code == 2


def test_proofs_are_checked_offline_with_only_the_public_key(
    ledger: SupervisionLedger, env: dict[str, str], tmp_path: Path
) -> None:
    given_history(ledger, officers=2)
    ledger_cli(env, "audit", "checkpoint")
    from domain.actors import SYSTEM
    from domain.registry import commands as reg

    ledger.execute(reg.DefineGridCell(code="G-1", name="网格 1", street="新港街道"), SYSTEM)
    ledger_cli(env, "audit", "checkpoint")
    sizes = [
        orjson.loads(line)["tree_size"]
        for line in ledger_cli(env, "audit", "checkpoints")[1].splitlines()
    ]
    assert len(sizes) == 2 and sizes[0] > sizes[1]
    public = tmp_path / "public.pem"
    ledger_cli(env, "audit", "public-key", "--output", str(public))
    proof = tmp_path / "proof.json"
    code, output = ledger_cli(env, "audit", "proof", "3", "--output", str(proof))
    assert code == 0, output
    consistency = tmp_path / "consistency.json"
    code, output = ledger_cli(
        env, "audit", "consistency", str(sizes[1]), str(sizes[0]), "--output", str(consistency)
    )
    assert code == 0, output

    offline = {"LEDGER_DATABASE_URL": NO_DATABASE, "LEDGER_DATA_DIR": str(tmp_path / "none")}
    for document in (proof, consistency):
        code, output = ledger_cli(
            offline, "audit", "check-proof", str(document), "--public-key", str(public)
        )
        assert code == 0, output
        assert "the proof checks out" in output

    forged = orjson.loads(proof.read_bytes())
    forged["event"]["topic"] = "Officer.CertificateRevoked"
    proof.write_bytes(orjson.dumps(forged))
    code, output = ledger_cli(
        offline, "audit", "check-proof", str(proof), "--public-key", str(public)
    )
    assert code == 1
    assert "FAILED  the event hash is the hash of its fields" in output
