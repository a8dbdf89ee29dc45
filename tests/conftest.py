"""Shared fixtures: a real PostgreSQL (the embedded server) per session, a fresh database per
test, the ledger on it, and HTTP clients per role.

If PostgreSQL cannot start, every test that needs it errors loudly; none is skipped.
Set ``LEDGER_TEST_DATABASE_URL`` to run against another server (it must allow CREATE DATABASE).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from starlette.testclient import TestClient

from domain.actors import SYSTEM, Actor, Role
from domain.application import SupervisionLedger
from domain.base import EventMeta, recording_as
from domain.commands import Accepted, Command
from gateway.app import create_app
from gateway.auth import TokenStore, grant_token
from infra.postgres import Database, embedded_database
from infra.settings import Settings
from infra.wiring import open_ledger, projection_store

pytest_plugins = ["tests.kafka_fixtures", "tests.route_coverage"]

TEST_META = EventMeta(principal="test", role=Role.SYSTEM, correlation_id="test")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first. ``make test``'s workers take one test at a time
    (``--maxschedchunk=1``), so the slow ones start spread over the workers and the run does
    not end with one worker on an 80-second test while the others idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def as_system() -> Iterator[None]:
    """Aggregate unit tests create events directly; they are stamped as the test's."""
    with recording_as(TEST_META):
        yield


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Database:
    url = os.environ.get("LEDGER_TEST_DATABASE_URL")
    if url:
        return Database.from_url(url)
    data_dir = tmp_path_factory.mktemp("ledger")
    server = embedded_database(data_dir)
    with psycopg.connect(server.url, autocommit=True) as conn:
        # Test data is thrown away: durability only costs time here.
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        conn.execute("ALTER SYSTEM SET full_page_writes = off")
        conn.execute("SELECT pg_reload_conf()")
    return server


def _with_dbname(server: Database, dbname: str) -> Database:
    return Database(
        url=psycopg.conninfo.make_conninfo(server.url, dbname=dbname),
        dbname=dbname,
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
    )


@pytest.fixture
def database(pg_server: Database) -> Iterator[Database]:
    """A fresh, empty database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_dbname(pg_server, name)
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def ledger(database: Database) -> Iterator[SupervisionLedger]:
    app = open_ledger(database, pool_size=2)
    yield app
    app.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


class Clients:
    """HTTP clients of the gateway, one per role, over a real ledger."""

    def __init__(self, ledger: SupervisionLedger, settings: Settings) -> None:
        self.ledger = ledger
        self._tokens: dict[str, str] = {}
        self.store = TokenStore([])
        self.app = create_app(ledger, self.store, settings)
        self.anonymous = TestClient(self.app, raise_server_exceptions=True)

    def as_(
        self, role: Role, *, agency_id: uuid.UUID | None = None, region: str | None = None
    ) -> TestClient:
        principal = f"{role.value}-{agency_id or region or 'x'}"
        if principal not in self._tokens:
            token, grant = grant_token(
                principal=principal, role=role, agency_id=agency_id, region=region
            )
            self._tokens[principal] = token
            self.store.add(grant)
        client = TestClient(self.app, raise_server_exceptions=True)
        client.headers["Authorization"] = f"Bearer {self._tokens[principal]}"
        return client

    @property
    def office(self) -> TestClient:
        return self.as_(Role.SUPERVISOR)

    @property
    def auditor(self) -> TestClient:
        return self.as_(Role.AUDITOR)

    def officer_of(self, agency_id: uuid.UUID) -> TestClient:
        return self.as_(Role.AGENCY_OFFICER, agency_id=agency_id)

    def partner(self, region: str) -> TestClient:
        return self.as_(Role.PARTNER, region=region)


@pytest.fixture
def clients(ledger: SupervisionLedger, settings: Settings, database: Database) -> Iterator[Clients]:
    # As `ledger serve` does: the views exist (empty) before the first request reads them.
    projection_store(database).close()
    made = Clients(ledger, settings)
    yield made
    made.app.state.committer.close()


Run = Callable[..., Accepted]


@pytest.fixture
def run(ledger: SupervisionLedger) -> Run:
    """Execute a command as the system (or as ``actor=``) and return what was accepted."""

    def execute(command: Command, actor: Actor = SYSTEM, **kwargs: str) -> Accepted:
        return ledger.execute(command, actor, **kwargs)

    return execute
