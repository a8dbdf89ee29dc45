"""Wiring: build the ledger's parts from settings. The one place that knows all of them."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

import psycopg
from eventsourcing.persistence import OperationalError as StoreUnavailable
from eventsourcing.utils import get_topic

import domain.areas  # noqa: F401 - registers every aggregate, command and handler
from consumers.follower import Follower
from consumers.log import EventLog
from consumers.partitioner import ONE_RELAY, Shard
from consumers.projector import KafkaProjector
from consumers.relay import Relay, make_producer
from consumers.topics import LEDGER_TOPICS, TopicSpec, require_topics
from domain.application import SupervisionLedger
from infra.change_feed import LogChangeFeed
from infra.eventstore import LedgerFactory, LedgerRecorder
from infra.mapper import PydanticMapper
from infra.postgres import Database, resolve_database
from infra.privacy.vault import SealingCipher
from infra.settings import Settings
from projections.model import Projection
from projections.registry import all_projections
from projections.store import ProjectionStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.errors import KafkaError

log = logging.getLogger(__name__)

T = TypeVar("T")

UNAVAILABLE: tuple[type[Exception], ...] = (psycopg.OperationalError, StoreUnavailable, KafkaError)
"""What a server that is down, restarting or failing over raises: worth waiting out at start."""


def when_ready(start: Callable[[], T], *, patience: float = 120.0, pause: float = 2.0) -> T:
    """``start()``, tried again while PostgreSQL or Kafka is unavailable, for up to ``patience`` s.

    A process (re)started while a server is briefly down — a restart, a failover, a broker
    still electing its controller — waits for it, as its running loop would, rather than die
    and leave its work undone until someone restarts it.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            return start()
        except UNAVAILABLE as error:
            if time.monotonic() > deadline:
                raise
            log.warning("not ready yet (%s: %s); trying again", type(error).__name__, error)
            time.sleep(pause)


def eventstore_env(database: Database, *, pool_size: int = 8) -> dict[str, str]:
    """The eventsourcing library's settings for ``database``."""
    return {
        "PERSISTENCE_MODULE": get_topic(LedgerFactory),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        # Personal data in events is sealed under per-subject keys (erasable without touching
        # the log); the vault reaches the mapper through the library's cipher slot.
        "CIPHER_TOPIC": get_topic(SealingCipher),
        # The whole URL: every parameter in it (TLS above all) holds for the event store too.
        "POSTGRES_CONNINFO": database.url,
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
    ledger = SupervisionLedger(env=eventstore_env(database, pool_size=pool_size))
    recorder = ledger.recorder
    if isinstance(recorder, LedgerRecorder):
        ledger.use_cache(LogChangeFeed(recorder))
    return ledger


def open_from_settings(settings: Settings) -> tuple[Database, SupervisionLedger]:
    """The configured (or embedded) PostgreSQL and the ledger on it."""
    database = resolve_database(settings.database_url, settings.data_dir)
    return database, open_ledger(database, pool_size=settings.pool_size)


def projection_store(
    database: Database, projections: list[Projection] | None = None
) -> ProjectionStore:
    """The views of ``projections`` (all by default), their schema created."""
    store = ProjectionStore(database.url, projections or all_projections())
    store.create_schema()
    return store


def event_log(ledger: SupervisionLedger, database: Database) -> EventLog:
    recorder = ledger.recorder
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError("the ledger's event store is not the ledger recorder")
    return EventLog(recorder, database.url)


def relay_for(
    ledger: SupervisionLedger, database: Database, settings: Settings, shard: Shard = ONE_RELAY
) -> Relay:
    if not settings.kafka_bootstrap:
        raise ValueError("LEDGER_KAFKA_BOOTSTRAP is not set: there is no Kafka to relay to")
    bootstrap = settings.kafka_bootstrap
    topics_ready(settings, LEDGER_TOPICS, client_id="ledger-relay")
    return Relay(
        event_log(ledger, database),
        lambda: make_producer(bootstrap),
        source=settings.source,
        topic_prefix=settings.kafka_topic_prefix,
        shard=shard,
    )


def kafka_projector_for(
    database: Database, settings: Settings, *, client_id: str = "ledger-projector"
) -> KafkaProjector:
    if not settings.kafka_bootstrap:
        raise ValueError("LEDGER_KAFKA_BOOTSTRAP is not set: there is no Kafka to consume")
    topics_ready(settings, LEDGER_TOPICS, client_id=client_id)
    return KafkaProjector(
        settings.kafka_bootstrap,
        when_ready(lambda: projection_store(database)),
        group_id=settings.kafka_group,
        topic_prefix=settings.kafka_topic_prefix,
        client_id=client_id,
    )


def follower_for(ledger: SupervisionLedger, database: Database) -> Follower:
    """The embedded feed: every projection following the event store directly."""
    return Follower(event_log(ledger, database), when_ready(lambda: projection_store(database)))


def topics_ready(
    settings: Settings,
    specs: list[TopicSpec],
    *,
    client_id: str = "ledger",
    patience: float = 120.0,
) -> None:
    """Check that the topics a process uses exist, waiting for a broker that is starting.

    Only ``ledger topics`` creates topics (under the documented ACLs no other principal may):
    a missing topic is ``TopicsMissing`` (a ``ValueError`` naming ``ledger topics``), not
    something to wait out.
    """
    bootstrap = settings.kafka_bootstrap
    if not bootstrap:
        raise ValueError("LEDGER_KAFKA_BOOTSTRAP is not set")
    when_ready(
        lambda: require_topics(
            bootstrap, prefix=settings.kafka_topic_prefix, specs=specs, client_id=client_id
        ),
        patience=patience,
    )
