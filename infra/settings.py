"""Every setting the ledger reads, in one place.

Nothing else in the code base reads ``os.environ`` (the eventsourcing library's own
``POSTGRES_*`` keys aside, which :mod:`infra.eventstore` builds from these settings, and
prometheus-client's ``PROMETHEUS_MULTIPROC_DIR``, which ``ledger serve --workers`` sets for its
worker processes (:mod:`gateway.serving`) and :mod:`gateway.metrics` reads).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The ledger's configuration, read from ``LEDGER_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_", frozen=True, extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: the ledger starts its own embedded PostgreSQL.",
    )
    data_dir: Path = Field(
        default=Path(".ledger"),
        description="Where the embedded PostgreSQL, the token file and local state live.",
    )
    kafka_bootstrap: str | None = Field(
        default=None,
        description="Kafka bootstrap servers. Unset: projections follow the event store.",
    )
    kafka_topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]*$",
        description="Prefix of every Kafka topic (several ledgers or test runs on one cluster).",
    )
    kafka_group: str = Field(
        default="ledger-projections", description="Consumer group of the projection runners."
    )
    partner_filter_group: str = Field(
        default="ledger-partner-filter",
        pattern=r"^[A-Za-z0-9._-]+$",
        description="Consumer group (and transactional id stem) of the partner filter.",
    )
    kafka_replication: int = Field(
        default=1, ge=1, le=5, description="Replication factor of the topics the ledger creates."
    )
    source: str = Field(
        default="/ledgers/binhai",
        # A URI-reference (RFC 3986), as CloudEvents requires: ASCII, no spaces, % escapes.
        pattern=r"^([A-Za-z][A-Za-z0-9+.-]*:)?([A-Za-z0-9._~!$&'()*+,;=:@/?#\[\]-]|%[0-9A-Fa-f]{2})+$",
        description="CloudEvents source of this ledger's events (one ledger per jurisdiction).",
    )
    tokens_file: Path | None = Field(
        default=None,
        description="JSON file of token hashes and principals (default DATA_DIR/tokens.json).",
    )
    tokens: str | None = Field(
        default=None,
        description="The same JSON as the token file, inline (wins over the file when set).",
    )
    pool_size: int = Field(default=8, ge=1, le=64, description="Event store connections.")
    max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest request body the gateway accepts."
    )
    access_log: bool = Field(
        default=False,
        description="Log every HTTP request (uvicorn's access log). Off by default: it costs "
        "a tenth of the gateway's time under load, and /metrics counts every command by outcome.",
    )
    signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key (PKCS#8 PEM) that signs the Merkle checkpoints "
        "(default DATA_DIR/checkpoint-signing-key.pem, created on first use with the embedded "
        "PostgreSQL; with LEDGER_DATABASE_URL it must exist: `ledger audit new-key`).",
    )
    ticket_key: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F]{64}$",
        repr=False,
        description="Key (64 hex digits) that signs live-stream tickets. Gateway processes "
        "behind one address must share it. Unset: each process makes its own "
        "(`ledger serve --workers N` shares one among its workers).",
    )
    checkpoint_interval: float = Field(
        default=60.0,
        gt=0,
        le=86_400,
        description="Seconds between two checkpoints of the log (a checkpoint only when it grew).",
    )

    @property
    def resolved_tokens_file(self) -> Path:
        return self.tokens_file or self.data_dir / "tokens.json"


def load_settings() -> Settings:
    return Settings()
