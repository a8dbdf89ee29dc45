"""Pytest plugin: a session-scoped real Kafka broker (load with ``pytest_plugins``).

The ``kafka_broker`` fixture fetches the broker jars once (see ``infra.kafka_broker``), starts a
single-node KRaft broker in a fresh temp dir and stops it when the session ends. If the broker
cannot be started the fixture fails loudly; it never skips.

Set ``LEDGER_TEST_KAFKA_BOOTSTRAP=host:port`` to use an already running broker instead (then
``data_dir`` is a dummy path and ``pid`` is 0; the fixture neither starts nor stops anything).
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.application import SupervisionLedger
from infra.kafka_broker import BrokerInfo, ensure_jars, start_broker, stop_broker
from infra.postgres import Database
from infra.settings import Settings

# kafka-python 3.0.12 reads its protocol schemas with the deprecated
# importlib.resources.read_text() at import time. That DeprecationWarning is attributed to
# importlib.resources._legacy, not kafka.*, so a `filterwarnings = error` config turns the first
# `import kafka` in a test module into a collection error. Import it once here, quietly.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import kafka  # noqa: F401

from consumers.relay import Relay
from consumers.topics import ensure_topics
from infra.wiring import relay_for

BOOTSTRAP_ENV = "LEDGER_TEST_KAFKA_BOOTSTRAP"
EXTERNAL_DATA_DIR = Path("/nonexistent/external-kafka-broker")


def _check_reachable(bootstrap: str) -> None:
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=5.0):
            return
    except (OSError, ValueError) as exc:
        error = f"{BOOTSTRAP_ENV}={bootstrap!r} is not reachable: {exc}"
    pytest.fail(error, pytrace=False)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerInfo]:
    external = os.environ.get(BOOTSTRAP_ENV, "").strip()
    if external:
        _check_reachable(external)
        yield BrokerInfo(bootstrap=external, data_dir=EXTERNAL_DATA_DIR, pid=0)
        return

    data_dir = tmp_path_factory.mktemp("kafka-broker")
    try:
        ensure_jars()
        info = start_broker(data_dir)
    except Exception as exc:
        error = f"could not start the Kafka test broker: {exc}"
        with contextlib.suppress(Exception):  # do not hide the start error
            stop_broker(data_dir)
    else:
        try:
            yield info
        finally:
            stop_broker(info.data_dir)
        return
    pytest.fail(error, pytrace=False)


@pytest.fixture
def settings_for(kafka_broker: BrokerInfo, database: Database, tmp_path: Path) -> Settings:
    """Settings of a test's own: its database, its topic prefix (topics created, as
    ``ledger topics`` creates them) and its consumer group on the session's broker."""
    tag = uuid.uuid4().hex[:8]
    settings = Settings(
        database_url=database.url,
        data_dir=tmp_path,
        kafka_bootstrap=kafka_broker.bootstrap,
        kafka_topic_prefix=f"t{tag}.",
        kafka_group=f"g{tag}",
    )
    ensure_topics(kafka_broker.bootstrap, prefix=settings.kafka_topic_prefix)
    return settings


@pytest.fixture
def relay(ledger: SupervisionLedger, database: Database, settings_for: Settings) -> Iterator[Relay]:
    worker = relay_for(ledger, database, settings_for)
    yield worker
    worker.close()
