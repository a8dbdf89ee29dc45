"""``ledger simulate`` refuses a bad profile in one line, before it touches any database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli import app
from gateway.cli_simulate import profile_path

runner = CliRunner()
NO_DATABASE = {
    # Unreachable on purpose: a bad profile must be refused before any connection is tried.
    "LEDGER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
}


def test_a_contradictory_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    shipped = profile_path("binhai-2023-reduced")
    data = json.loads(shipped.read_text()) | {"penalties_simple": 16}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))

    result = runner.invoke(app, ["simulate", "--profile", str(bad)], env=NO_DATABASE)

    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"ledger: invalid profile {bad}: penalties (40) must equal")


def test_a_missing_profile_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["simulate", "--profile", str(tmp_path / "none.json")], env=NO_DATABASE
    )

    assert result.exit_code == 2
    assert "cannot read" in result.output and len(result.output.strip().splitlines()) == 1


def test_shipped_profiles_are_found_by_name() -> None:
    assert profile_path("binhai-2023").name == "binhai-2023.json"
    assert profile_path("binhai-2023-reduced.json").exists()
    assert profile_path("no-such-profile") == Path("no-such-profile")
