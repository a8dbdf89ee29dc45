"""Givens of the tamper-evidence tests: a small real history, a signer, a superuser's hands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from consumers.checkpointer import Checkpointer
from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.registry import commands as reg
from gateway.cli import app
from infra.integrity.service import verify_ledger
from infra.integrity.signing import Signer
from infra.integrity.verify import Report
from infra.integrity.wiring import tables_of
from infra.postgres import Database
from tests.builders import given_agency, given_officer

EVENTS = "supervisionledger_events"


runner = CliRunner()


def signed_cli_env(database: Database, data_dir: Path) -> dict[str, str]:
    """The settings of a ``ledger`` command on ``database`` with a signing key of its own
    (made by ``ledger audit new-key``) and no Kafka."""
    key = data_dir / "signing.pem"
    made = runner.invoke(app, ["audit", "new-key", str(key)])
    assert made.exit_code == 0, made.output
    return {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATA_DIR": str(data_dir),
        "LEDGER_SIGNING_KEY_FILE": str(key),
        "LEDGER_KAFKA_BOOTSTRAP": "",
    }


def ledger_cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    """``ledger *args`` with ``env``: its exit code and output."""
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def a_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


def given_history(ledger: SupervisionLedger, officers: int = 3, trainings: int = 2) -> list[UUID]:
    """An agency and ``officers`` certified officers with ``trainings`` courses each."""
    agency = given_agency(ledger)
    made = []
    for n in range(officers):
        officer = given_officer(ledger, agency, f"T{n}")
        for t in range(trainings):
            ledger.execute(
                reg.RecordTraining(
                    officer_id=officer,
                    course=f"course {t}",
                    hours=8,
                    completed_on=date(2023, 2, 1 + t),
                ),
                SYSTEM,
            )
        made.append(officer)
    return made


@contextmanager
def checkpointer(
    ledger: SupervisionLedger, database: Database, signer: Signer, **kwargs: Any
) -> Iterator[Checkpointer]:
    sealer = Checkpointer(database.url, tables_of(ledger), signer, origin="test/binhai", **kwargs)
    try:
        yield sealer
    finally:
        sealer.close()


def verified(ledger: SupervisionLedger, signer: Signer) -> Report:
    return verify_ledger(ledger, {signer.key_id: signer.public_key})


@contextmanager
def as_superuser(database: Database) -> Iterator[psycopg.Connection[Any]]:
    """A superuser's session that bypasses the append-only triggers (replica role)."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        yield conn


def rows(database: Database, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(database.url) as conn:
        return conn.execute(query, params).fetchall()
