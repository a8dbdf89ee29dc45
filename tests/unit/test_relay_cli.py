"""``ledger relay --shard`` refuses a shard that cannot exist in one line, before any connection."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gateway.cli import app

runner = CliRunner()
NO_DATABASE = {
    # Unreachable on purpose: a bad shard must be refused before any connection is tried.
    "LEDGER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
    "LEDGER_KAFKA_BOOTSTRAP": "127.0.0.1:1",
}


@pytest.mark.parametrize("shard", ["2/2", "0/0", "one/two", "1"])
def test_a_shard_that_cannot_exist_is_one_line_and_exit_2(shard: str) -> None:
    result = runner.invoke(app, ["relay", "--shard", shard], env=NO_DATABASE)

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ledger: --shard:") and "I/N" in lines[0]
