"""Wiring of the integrity parts: the signing key, the checkpointer, the tables, connections."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from consumers.checkpointer import Checkpointer
from consumers.relay import make_producer
from consumers.topics import CHECKPOINT_TOPICS
from domain.application import SupervisionLedger
from infra.eventstore import LedgerRecorder
from infra.integrity.signing import Signer, key_id, load_public_key
from infra.integrity.store import LogTables
from infra.postgres import Database
from infra.settings import Settings
from infra.wiring import topics_ready

DEFAULT_KEY_NAME = "checkpoint-signing-key.pem"


class SigningKeyMissingError(RuntimeError):
    """A configured database needs a configured signing key; it is never made up silently."""


def signing_key_path(settings: Settings) -> Path:
    return settings.signing_key_file or settings.data_dir / DEFAULT_KEY_NAME


def signer_from_settings(settings: Settings) -> Signer:
    """The checkpoint signer; its key is generated on first use for the embedded default only.

    With ``LEDGER_DATABASE_URL`` set (a real deployment) a missing key is an error: a key made
    up on some host would sign checkpoints nobody can check against the published key.
    """
    path = signing_key_path(settings)
    if not path.exists() and settings.database_url:
        raise SigningKeyMissingError(
            f"the checkpoint signing key {path} does not exist; create it once with "
            "`ledger audit new-key` and set LEDGER_SIGNING_KEY_FILE"
        )
    return Signer.from_file(path)


def public_keys(pems: list[bytes]) -> dict[str, Ed25519PublicKey]:
    keys = [load_public_key(pem) for pem in pems]
    return {key_id(k): k for k in keys}


def recorder_of(ledger: SupervisionLedger) -> LedgerRecorder:
    recorder = ledger.recorder
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError("the ledger's event store is not the ledger recorder")
    return recorder


def tables_of(ledger: SupervisionLedger) -> LogTables:
    return LogTables.of(recorder_of(ledger))


@contextmanager
def pooled_connection(ledger: SupervisionLedger) -> Iterator[psycopg.Connection[Any]]:
    """A connection of the ledger's own pool (autocommit), for short integrity reads."""
    with recorder_of(ledger).datastore.get_connection() as conn:
        yield conn


def checkpointer_for(
    ledger: SupervisionLedger, database: Database, settings: Settings
) -> Checkpointer:
    """The checkpointer, publishing to Kafka when Kafka is configured."""
    bootstrap = settings.kafka_bootstrap
    if bootstrap:
        topics_ready(settings, CHECKPOINT_TOPICS, client_id="ledger-checkpointer")
    return Checkpointer(
        database.url,
        tables_of(ledger),
        signer_from_settings(settings),
        origin=settings.source,
        producer_factory=(
            (lambda: make_producer(bootstrap, client_id="ledger-checkpointer"))
            if bootstrap
            else None
        ),
        topic_prefix=settings.kafka_topic_prefix,
    )
