"""``ledger simulate`` on a real database: the reduced year written, summarised, projected; a
second run of the same year refused without writing."""

from __future__ import annotations

from pathlib import Path

import psycopg
from typer.testing import CliRunner

from gateway.cli import app
from infra.postgres import Database

runner = CliRunner()


def events(database: Database) -> int:
    with psycopg.connect(database.url) as conn:
        row = conn.execute("SELECT count(*) FROM supervisionledger_events").fetchone()
    assert row is not None
    return int(row[0])


def test_simulate_writes_the_year_and_refuses_it_twice(database: Database, tmp_path: Path) -> None:
    env = {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATA_DIR": str(tmp_path)}
    args = ["simulate", "--profile", "binhai-2023-reduced", "--seed", "5", "--no-progress"]

    first = runner.invoke(app, [*args, "--project"], env=env)

    assert first.exit_code == 0, first.output
    written = events(database)
    assert f"simulated 2023 (seed 5): {written} events written by" in first.output
    assert ", 0 refused, in " in first.output and "commands/s" in first.output
    assert f"projected {written} events in" in first.output

    again = runner.invoke(app, args, env=env)

    assert again.exit_code == 1
    assert "already holds a simulated 2023" in again.output
    assert events(database) == written
