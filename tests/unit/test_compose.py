"""docker-compose.yml, the production shape, holds together (no Docker engine runs here, so this
is all that checks it): the YAML parses, every ledger service runs a real ``ledger``
subcommand, its settings are the ledger's, its secrets are declared and mounted where the
settings say, and Kafka keeps its data on its volume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import yaml  # type: ignore[import-untyped]  # (PyYAML ships no type information)
from typer.testing import CliRunner

from gateway.cli import app
from infra.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
runner = CliRunner()


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def ledger_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image") == "supervision-ledger:latest"
    }


def commands(service: dict[str, Any]) -> list[list[str]]:
    """The ``ledger`` command lines a service runs (``sh -c "a && b"`` split in two)."""
    command = service["command"]
    if command[:2] == ["sh", "-c"]:
        return [part.split() for part in command[2].split("&&")]
    return [command]


def test_every_ledger_service_runs_a_real_subcommand_with_real_options() -> None:
    seen = []
    for name, service in ledger_services().items():
        for line in commands(service):
            assert line[0] == "ledger", f"{name}: {line}"
            command: Any = typer.main.get_command(app)
            words = []
            for word in line[1:]:  # down the command groups: `partner relay`
                if word not in getattr(command, "commands", {}):
                    break
                command = command.commands[word]
                words.append(word)
            # `--help` after the whole line: typer checks the subcommand and the options' names.
            result = runner.invoke(app, [*line[1:], "--help"])
            assert result.exit_code == 0, f"{name}: {' '.join(line)}: {result.output}"
            seen.append(" ".join(words))
    assert {"relay", "project", "checkpointer", "partner relay", "topics"} <= set(seen)


def test_the_ledger_settings_are_the_ledgers() -> None:
    fields = {f"LEDGER_{name.upper()}" for name in Settings.model_fields}
    for name, service in ledger_services().items():
        unknown = set(service["environment"]) - fields
        assert not unknown, f"{name}: {unknown}"


@pytest.mark.parametrize(
    ("setting", "secret", "services"),
    [
        ("LEDGER_TOKENS_FILE", "ledger-tokens", {"gateway"}),
        ("LEDGER_SIGNING_KEY_FILE", "checkpoint-signing-key", {"gateway", "checkpointer"}),
    ],
)
def test_the_secrets_files_are_mounted_where_the_settings_point(
    setting: str, secret: str, services: set[str]
) -> None:
    declared = compose()["secrets"]
    assert secret in declared
    mounted = {n for n, s in ledger_services().items() if secret in s.get("secrets", [])}
    assert mounted == services
    for name in services:
        # A secret is mounted at /run/secrets/<its name>.
        assert ledger_services()[name]["environment"][setting] == f"/run/secrets/{secret}"


def test_kafka_keeps_its_log_on_its_volume() -> None:
    kafka = compose()["services"]["kafka"]
    log_dirs = kafka["environment"]["KAFKA_LOG_DIRS"]
    assert any(mount.split(":")[1] == log_dirs for mount in kafka["volumes"])
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
