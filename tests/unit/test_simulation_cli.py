"""``ledger simulate`` refuses a bad profile in one line, before it touches any database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli import app
from gateway.cli_simulate import plain_progress, profile_path

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


def test_without_a_terminal_progress_is_a_plain_line_every_few_seconds() -> None:
    lines: list[str] = []
    now = [100.0]
    advance = plain_progress(1000, lines.append, lambda: now[0], every=5.0)

    advance("registries", 100)  # at once: too soon for a line
    now[0] += 6
    advance("inspections", 300)  # six seconds on: a line
    now[0] += 1
    advance("inspections", 100)  # one more second: none
    now[0] += 1
    advance("cases", 500)  # the last unit: always a line

    assert lines == [
        "inspections        400/1000 (40 %) 6 s",
        "cases              1000/1000 (100 %) 8 s",
    ]
