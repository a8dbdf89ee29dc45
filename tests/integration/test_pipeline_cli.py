"""``ledger topics``, ``ledger rebuild`` and the Kafka processes' start, run as commands.

Only ``ledger topics`` creates topics (under the documented ACLs no other principal may); the
relay and the projector check that theirs exist and stop in one line naming it if not.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consumers.relay import Relay
from consumers.topics import all_topics
from domain.application import SupervisionLedger
from gateway.cli import app
from infra.postgres import Database
from infra.settings import Settings
from tests.pipeline import (
    env_of,
    ledger_process,
    snapshot_views,
    truth_by_topic,
    views_equal_the_log,
    wait_for,
    write_events,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

runner = CliRunner()


def partition_counts(bootstrap: str, prefix: str) -> dict[str, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return {
            name.removeprefix(prefix): len(consumer.partitions_for_topic(name) or ())
            for name in consumer.topics()
            if name.startswith(prefix)
        }
    finally:
        consumer.close()


def test_ledger_topics_creates_every_topic_with_its_partitions_once(
    settings_for: Settings,
) -> None:
    env = {**env_of(settings_for), "LEDGER_KAFKA_TOPIC_PREFIX": "fresh." + settings_for.kafka_group}
    prefix = env["LEDGER_KAFKA_TOPIC_PREFIX"]

    first = runner.invoke(app, ["topics"], env=env)
    again = runner.invoke(app, ["topics"], env=env)

    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"created {len(all_topics())} topics: ")
    assert again.exit_code == 0 and again.output.strip() == "created 0 topics"
    assert settings_for.kafka_bootstrap
    bootstrap = settings_for.kafka_bootstrap
    expected = {spec.name: spec.partitions for spec in all_topics()}
    # (A broker's metadata shows new topics a moment after their creation.)
    wait_for(lambda: partition_counts(bootstrap, prefix) == expected, 20, "the topics")


def test_ledger_topics_without_kafka_is_one_line_and_exit_2() -> None:
    result = runner.invoke(app, ["topics"], env={"LEDGER_KAFKA_BOOTSTRAP": ""})
    assert result.exit_code == 2
    assert result.output.strip() == "ledger: LEDGER_KAFKA_BOOTSTRAP is not set"


@pytest.mark.parametrize("source", ["binhai ledger", "/ledgers/滨海", "/bad%zz", ""])
def test_a_source_that_is_not_a_uri_reference_is_one_line_and_exit_2(source: str) -> None:
    result = runner.invoke(app, ["topics"], env={"LEDGER_SOURCE": source})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ledger: invalid setting LEDGER_SOURCE")


@pytest.mark.parametrize("command", [["relay"], ["project", "--feed", "kafka"]])
def test_a_kafka_process_does_not_create_topics_it_names_ledger_topics(
    settings_for: Settings, command: list[str]
) -> None:
    env = {**env_of(settings_for), "LEDGER_KAFKA_TOPIC_PREFIX": "none." + settings_for.kafka_group}

    assert_refused_naming_ledger_topics(settings_for, command, env)


def assert_refused_naming_ledger_topics(
    settings: Settings, command: list[str], env: dict[str, str]
) -> None:
    """``command`` stops in one line naming ``ledger topics`` (exit 2), having created none."""
    result = runner.invoke(app, command, env=env)

    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "create them with `ledger topics`" in lines[0]
    assert settings.kafka_bootstrap
    assert partition_counts(settings.kafka_bootstrap, env["LEDGER_KAFKA_TOPIC_PREFIX"]) == {}


@pytest.mark.parametrize("command", [["checkpointer"], ["audit", "checkpoint"]])
def test_the_checkpointer_does_not_create_its_topic_it_names_ledger_topics(
    settings_for: Settings, tmp_path: Path, command: list[str]
) -> None:
    key = tmp_path / "signing-key.pem"
    assert runner.invoke(app, ["audit", "new-key", str(key)]).exit_code == 0
    env = {
        **env_of(settings_for),
        "LEDGER_KAFKA_TOPIC_PREFIX": "none." + settings_for.kafka_group,
        "LEDGER_SIGNING_KEY_FILE": str(key),
    }

    assert_refused_naming_ledger_topics(settings_for, command, env)


def test_ledger_rebuild_while_ledger_project_runs_keeps_the_views_exact(
    ledger: SupervisionLedger,
    database: Database,
    relay: Relay,
    settings_for: Settings,
    tmp_path: Path,
) -> None:
    env = env_of(settings_for)
    write_events(ledger, 800)
    relay.relay_available()
    projector = ledger_process(["project"], env, tmp_path / "project.log")
    try:
        wait_for(lambda: views_equal_the_log(database), 90, "the live views")
        live = snapshot_views(database)

        rebuilt = runner.invoke(app, ["rebuild"], env=env)

        assert rebuilt.exit_code == 0, rebuilt.output
        found = re.match(r"rebuilt (.+) from (\d+) events in", rebuilt.output)
        assert found, rebuilt.output
        assert int(found[2]) == sum(truth_by_topic(database).values())
        assert snapshot_views(database) == live  # the rebuild equals the live views
        # The running projector goes on after the rebuild: new events counted once.
        write_events(ledger, 300, tag="after")
        relay.relay_available()
        wait_for(lambda: views_equal_the_log(database), 90, "the views after the rebuild")
    finally:
        projector.terminate()
        projector.wait(30)
    assert projector.returncode == 0, (tmp_path / "project.log").read_text()
