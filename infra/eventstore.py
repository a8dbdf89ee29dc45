"""The event store: eventsourcing's PostgreSQL recorder, with what auditors need added.

On top of the library's table (``supervisionledger_events``: originator id and version, topic,
state, notification id) the ledger adds:

- ``recorded_at``: when the row was written, by the *database's* clock (``clock_timestamp()``
  evaluated after the library's table lock, so it rises with the notification id);
- triggers that make the table append-only: ``UPDATE``, ``DELETE`` and ``TRUNCATE`` raise;
- ``supervisionledger_idempotency``: the first answer to each ``Idempotency-Key``, written in
  the same transaction as the command's events (the library's ``_insert_events`` hook, the
  one its process recorder uses for tracking records);
- schema creation under an advisory lock, so many processes can start at once.

Events are stored as canonical JSON (``infra/mapper.py``), the same bytes every other program
reads from Kafka.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.application import IdempotencyRecord

# Any fixed 64-bit number shared by every ledger process; it names the schema-creation lock.
SCHEMA_LOCK_KEY = 0x4C45444745520001


@dataclass(frozen=True)
class LedgerNotification(Notification):
    """A notification with the database's time of writing."""

    recorded_at: datetime


class LedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.events_table_name)
        prefix = self.events_table_name.removesuffix("_events")
        self.idempotency_table_name = f"{prefix}_idempotency"
        idempotency = Identifier(self.idempotency_table_name)
        guard = Identifier(f"{prefix}_append_only")
        self.sql_create_statements += [
            SQL(
                "ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS "
                "recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()"
            ).format(schema=schema, table=table),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{idem} ("
                "principal text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
                "outcome jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (principal, key))"
            ).format(schema=schema, idem=idempotency),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{guard}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME "
                "USING ERRCODE = 'insufficient_privilege'; END $$"
            ).format(schema=schema, guard=guard),
            SQL(
                "CREATE OR REPLACE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {schema}.{table} "
                "FOR EACH ROW EXECUTE FUNCTION {schema}.{guard}()"
            ).format(
                trigger=Identifier(f"{prefix}_no_rewrite"), schema=schema, table=table, guard=guard
            ),
            SQL(
                "CREATE OR REPLACE TRIGGER {trigger} BEFORE TRUNCATE ON {schema}.{table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{guard}()"
            ).format(
                trigger=Identifier(f"{prefix}_no_truncate"), schema=schema, table=table, guard=guard
            ),
        ]
        self._insert_idempotency = SQL(
            "INSERT INTO {schema}.{idem} (principal, key, request_hash, outcome) "
            "VALUES (%s, %s, %s, %s)"
        ).format(schema=schema, idem=idempotency)
        self._select_idempotency = SQL(
            "SELECT request_hash, outcome FROM {schema}.{idem} WHERE principal = %s AND key = %s"
        ).format(schema=schema, idem=idempotency)
        self._select_notifications = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, recorded_at "
            "FROM {schema}.{table} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(schema=schema, table=table)

    def create_table(self) -> None:
        # Concurrent CREATE ... IF NOT EXISTS statements collide in the catalogue ("tuple
        # concurrently updated"); one session-level advisory lock makes start-ups take turns.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency", ())
        for record in records:
            curs.execute(
                self._insert_idempotency,
                (
                    record.principal,
                    record.key,
                    record.request_hash,
                    orjson.dumps(record.outcome).decode(),
                ),
                prepare=True,
            )

    def find_idempotency(self, principal: str, key: str) -> IdempotencyRecord | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_idempotency, (principal, key), prepare=True)
            row = curs.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(
            principal=principal, key=key, request_hash=row["request_hash"], outcome=row["outcome"]
        )

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        if topics:
            selected: Sequence[Notification] = super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
            return selected
        return self.select_ledger_notifications(
            after=(start or 1) - 1 if inclusive_of_start else (start or 0),
            limit=limit,
            upto=stop,
        )

    def select_ledger_notifications(
        self, after: int, limit: int, upto: int | None = None
    ) -> list[LedgerNotification]:
        """Notifications with ids in ``(after, upto]``, in order, at most ``limit``."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._select_notifications,
                (after, upto if upto is not None else 2**62, limit),
                prepare=True,
            )
            return [
                LedgerNotification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                    recorded_at=row["recorded_at"],
                )
                for row in curs.fetchall()
            ]


class LedgerFactory(PostgresFactory):
    application_recorder_class = LedgerRecorder
