"""Wiring: build the ledger's parts from settings. The one place that knows all of them."""

from __future__ import annotations

from eventsourcing.utils import get_topic

import domain.areas  # noqa: F401 - registers every aggregate, command and handler
from domain.application import SupervisionLedger
from infra.eventstore import LedgerFactory, PydanticMapper
from infra.postgres import Database, resolve_database
from infra.settings import Settings


def eventstore_env(database: Database, *, pool_size: int = 8) -> dict[str, str]:
    """The eventsourcing library's settings for ``database``."""
    return {
        "PERSISTENCE_MODULE": get_topic(LedgerFactory),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "POSTGRES_DBNAME": database.dbname,
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": database.port,
        "POSTGRES_USER": database.user,
        "POSTGRES_PASSWORD": database.password,
        # Two at least: schema creation holds one connection for its advisory lock.
        "POSTGRES_POOL_SIZE": str(max(2, pool_size)),
        "POSTGRES_MAX_OVERFLOW": "4",
        # Serialised inserts wait for the table lock rather than fail.
        "POSTGRES_LOCK_TIMEOUT": "0",
        # Off on purpose: with it on, notification ids commit out of order (see the notes).
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "CREATE_TABLE": "y",
    }


def open_ledger(database: Database, *, pool_size: int = 8) -> SupervisionLedger:
    return SupervisionLedger(env=eventstore_env(database, pool_size=pool_size))


def open_from_settings(settings: Settings) -> tuple[Database, SupervisionLedger]:
    """The configured (or embedded) PostgreSQL and the ledger on it."""
    database = resolve_database(settings.database_url, settings.data_dir)
    return database, open_ledger(database, pool_size=settings.pool_size)
