"""The event store: eventsourcing's PostgreSQL recorder, with what auditors need added.

On top of the library's table (``supervisionledger_events``: originator id and version, topic,
state, notification id) the ledger adds:

- ``recorded_at``: when the row was written, by the *database's* clock (``clock_timestamp()``
  evaluated after the library's table lock, so it rises with the notification id);
- triggers that make the table append-only: ``UPDATE``, ``DELETE`` and ``TRUNCATE`` raise;
- ``supervisionledger_idempotency``: the first answer to each ``Idempotency-Key``, written in
  the same transaction as the command's events;
- one function, ``supervisionledger_append``, that writes a transaction's events (and its
  idempotency records) in one statement: the library's insert, without its round trips;
- schema creation under an advisory lock, so many processes can start at once;
- a hash chain per aggregate (``leaf_index``, ``content_hash``, ``prev_hash``, ``event_hash``)
  and the table of signed Merkle checkpoints (``supervisionledger_checkpoints``), see below.

Events are stored as canonical JSON (``infra/mapper.py``), the same bytes every other program
reads from Kafka.

The hash chain. Every row carries the SHA-256 of its content (the redacted state, see
``infra.integrity.content``), computed by this recorder, and its *event hash*, the RFC 9162 leaf
hash of the event leaf (``infra.integrity.leaf``: leaf index, position, aggregate, version,
``recorded_at``, content hash and the event hash of the aggregate's previous version). The event
hash is computed by a ``BEFORE INSERT`` trigger, in PostgreSQL, and not by the client, because
three of the fields it covers only exist there: the notification id (the sequence), the leaf
index (one more than the last, read under the table lock the library takes for every insert,
so it is dense and follows the log order) and ``recorded_at``, which the trigger sets from the
database's clock whatever a client sent. The previous hash is read there too, in the same
locked transaction, so two writers can never chain to the same predecessor (the primary key
refuses the second anyway). The content hash is the client's part because the redaction of
sealed personal data is JSON work SQL cannot reproduce byte for byte; a wrong one is caught by
``ledger verify``, which recomputes both hashes of every event from the stored state.
A stored hash is never rewritten: not at start-up, not by ``ledger verify``. A row without
hashes (written around the ledger, or before the chain existed) is reported at start-up with
its position and named by ``verify``; a log written before the chain existed is chained by
an explicit, one-off ``ledger audit chain-legacy`` (``infra.integrity.legacy``), which refuses
once any checkpoint was signed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import retry
from psycopg.rows import DictRow, dict_row, tuple_row
from psycopg.sql import SQL, Composed, Identifier, Literal

from domain.application import IdempotencyRecord
from infra.integrity.content import content_hash
from infra.privacy.sealing import PERSON_MARK, DataKey

log = logging.getLogger(__name__)

# Any fixed 64-bit number shared by every ledger process; it names the schema-creation lock.
SCHEMA_LOCK_KEY = 0x4C45444745520001


@dataclass(frozen=True)
class LedgerNotification(Notification):
    """A notification with the database's time of writing."""

    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ChainedEvent:
    """A stored event with its place in the log and its hashes (history, proofs, partners)."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    recorded_at: datetime
    leaf_index: int | None
    content_hash: bytes | None
    prev_hash: bytes | None
    event_hash: bytes | None


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
        append = Identifier(f"{prefix}_append")
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{append}(ids {id_type}[], versions bigint[], "
                "topics text[], states bytea[], hashes bytea[], principals text[], "
                "idem_keys text[], request_hashes text[], outcomes text[]) "
                "RETURNS TABLE (notification_id bigint) LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO {schema}.{idem} (principal, key, request_hash, outcome) "
                "SELECT p, k, h, o::jsonb "
                "FROM unnest(principals, idem_keys, request_hashes, outcomes) AS i(p, k, h, o); "
                "IF cardinality(ids) > 0 THEN "
                "PERFORM set_config('lock_timeout', {lock_timeout}, true); "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "PERFORM pg_notify({channel}, ''); "
                "RETURN QUERY INSERT INTO {schema}.{table} AS t "
                "(originator_id, originator_version, topic, state, content_hash) "
                "SELECT * FROM unnest(ids, versions, topics, states, hashes) "
                "RETURNING t.notification_id; "
                "END IF; END $$"
            ).format(
                schema=schema,
                append=append,
                id_type=Identifier(self.datastore.originator_id_type),
                idem=idempotency,
                table=table,
                lock_timeout=f"{self.datastore.lock_timeout}s",
                channel=self.channel_name,
            )
        )
        self._append = SQL(
            "SELECT notification_id FROM {schema}.{append}(%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(schema=schema, append=append)
        self._select_idempotency = SQL(
            "SELECT request_hash, outcome FROM {schema}.{idem} WHERE principal = %s AND key = %s"
        ).format(schema=schema, idem=idempotency)
        self.checkpoints_table_name = f"{prefix}_checkpoints"
        self.sql_create_statements += self._chain_statements(prefix, guard)
        # In ChainedEvent's field order (select_history builds the events from the rows as is).
        self._chained_columns = SQL(
            "notification_id, originator_id, originator_version, topic, state, recorded_at, "
            "leaf_index, content_hash, prev_hash, event_hash"
        )
        self._select_history = SQL(
            "SELECT {columns} FROM {schema}.{table} WHERE originator_id = %s "
            "ORDER BY originator_version"
        ).format(columns=self._chained_columns, schema=schema, table=table)
        # The same, each event beside the live key of the subject its first sealed person
        # names (found by a pattern in the stored bytes, which cannot fail on a row however
        # altered; only rows holding a person are searched), from the key vault's table: the
        # replay opens the people without a round trip of its own per person.
        self._select_history_keyed = SQL(
            "SELECT e.*, k.key_id, k.data_key FROM ("
            "SELECT {columns}, CASE WHEN position({mark} IN state) > 0 "
            "THEN substring(encode(state, 'escape') FROM {subject}) END AS sealed_subject "
            "FROM {schema}.{table} WHERE originator_id = %s) AS e "
            "LEFT JOIN privacy_subject_keys AS k ON k.subject = e.sealed_subject "
            "ORDER BY e.originator_version"
        ).format(
            columns=self._chained_columns,
            mark=Literal(PERSON_MARK),
            subject=Literal('"subject":"([^"]*)"'),
            schema=schema,
            table=table,
        )
        self._select_chained = SQL(
            "SELECT {columns} FROM {schema}.{table} WHERE notification_id = ANY(%s) "
            "ORDER BY notification_id"
        ).format(columns=self._chained_columns, schema=schema, table=table)
        self._select_notifications = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, recorded_at "
            "FROM {schema}.{table} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(schema=schema, table=table)

    def _chain_statements(self, prefix: str, guard: Identifier) -> list[Composed]:
        """The hash-chain columns, the leaf function, the insert trigger, the checkpoints."""
        schema = Identifier(self.datastore.schema)
        table = Identifier(self.events_table_name)
        leaf = Identifier(f"{prefix}_event_leaf")
        chain = Identifier(f"{prefix}_chain")
        checkpoints = Identifier(self.checkpoints_table_name)
        names = {
            "schema": schema,
            "table": table,
            "leaf": leaf,
            "chain": chain,
            "guard": guard,
            "checkpoints": checkpoints,
            "id_type": Identifier(self.datastore.originator_id_type),
        }
        statements = [
            "ALTER TABLE {schema}.{table} "
            "ADD COLUMN IF NOT EXISTS leaf_index bigint, "
            "ADD COLUMN IF NOT EXISTS content_hash bytea, "
            "ADD COLUMN IF NOT EXISTS prev_hash bytea, "
            "ADD COLUMN IF NOT EXISTS event_hash bytea",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {prefix}_leaf_index_idx "
            "ON {schema}.{table} (leaf_index)",
            # Tiny (empty when intact): finds rows without hashes at start-up.
            f"CREATE INDEX IF NOT EXISTS {prefix}_unchained_idx "
            "ON {schema}.{table} (notification_id) WHERE event_hash IS NULL",
            # The event leaf, byte for byte as infra/integrity/leaf.py lays it out.
            "CREATE OR REPLACE FUNCTION {schema}.{leaf}(leaf_index bigint, pos bigint, "
            "originator_id {id_type}, version bigint, recorded_at timestamptz, "
            "content_hash bytea, prev_hash bytea, topic text) RETURNS bytea "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
            "SELECT '\\x01'::bytea || int8send(leaf_index) || int8send(pos) "
            "|| uuid_send(originator_id) || int8send(version) "
            "|| int8send((extract(epoch FROM recorded_at) * 1000000)::bigint) "
            "|| content_hash || prev_hash "
            "|| int2send(octet_length(convert_to(topic, 'UTF8'))::smallint) "
            "|| convert_to(topic, 'UTF8') $$",
            "CREATE OR REPLACE FUNCTION {schema}.{chain}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ DECLARE previous bytea; BEGIN "
            # The database's clock, whatever the client sent; after the table lock, so it
            # rises with the position.
            "NEW.recorded_at := clock_timestamp(); "
            # A state with a person is hashed in its redacted form, which only the client can
            # compute: refused without it (the verifier takes a state whose bytes hash to its
            # content hash as one without a person, and checks no ciphertext in it).
            "IF NEW.content_hash IS NULL THEN "
            "IF position(convert_to('\"person\":' || chr(123), 'UTF8') IN NEW.state) > 0 "
            "THEN RAISE EXCEPTION 'a state with personal data needs the content hash of its "
            "redacted form' USING ERRCODE = 'check_violation'; END IF; "
            "NEW.content_hash := sha256(NEW.state); "
            "ELSIF octet_length(NEW.content_hash) <> 32 THEN "
            "RAISE EXCEPTION 'a content hash is 32 bytes' USING ERRCODE = 'check_violation'; "
            "END IF; "
            "SELECT coalesce(max(t.leaf_index) + 1, 0) INTO NEW.leaf_index "
            "FROM {schema}.{table} t; "
            "IF NEW.originator_version = 1 THEN previous := '\\x' || repeat('00', 32); "
            "ELSE SELECT t.event_hash INTO previous FROM {schema}.{table} t "
            "WHERE t.originator_id = NEW.originator_id "
            "AND t.originator_version = NEW.originator_version - 1; "
            "IF previous IS NULL THEN RAISE EXCEPTION "
            "'version % of % follows no chained version', "
            "NEW.originator_version, NEW.originator_id "
            "USING ERRCODE = 'integrity_constraint_violation'; END IF; "
            "END IF; "
            "NEW.prev_hash := previous; "
            "NEW.event_hash := sha256('\\x00'::bytea || {schema}.{leaf}(NEW.leaf_index, "
            "NEW.notification_id, NEW.originator_id, NEW.originator_version, NEW.recorded_at, "
            "NEW.content_hash, NEW.prev_hash, NEW.topic)); "
            "RETURN NEW; END $$",
            f"CREATE OR REPLACE TRIGGER {prefix}_chain BEFORE INSERT ON {{schema}}.{{table}} "
            "FOR EACH ROW EXECUTE FUNCTION {schema}.{chain}()",
            "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} ("
            "tree_size bigint PRIMARY KEY, last_position bigint NOT NULL, "
            "root_hash bytea NOT NULL, signed_at timestamptz NOT NULL, origin text NOT NULL, "
            "key_id text NOT NULL, signature bytea NOT NULL, "
            "consistency_proof bytea NOT NULL, "
            "recorded_at timestamptz NOT NULL DEFAULT clock_timestamp())",
            f"CREATE OR REPLACE TRIGGER {prefix}_checkpoints_no_rewrite "
            "BEFORE UPDATE OR DELETE ON {schema}.{checkpoints} "
            "FOR EACH ROW EXECUTE FUNCTION {schema}.{guard}()",
            f"CREATE OR REPLACE TRIGGER {prefix}_checkpoints_no_truncate "
            "BEFORE TRUNCATE ON {schema}.{checkpoints} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{guard}()",
        ]
        return [SQL(statement).format(**names) for statement in statements]

    def create_table(self) -> None:
        # Concurrent CREATE ... IF NOT EXISTS statements collide in the catalogue ("tuple
        # concurrently updated"); one session-level advisory lock makes start-ups take turns.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))
        self._report_unchained()

    def _report_unchained(self) -> None:
        """Say, at start-up, where the first row without hashes is; never fill them in.

        Filling in hashes here is what a forger would want: a row slipped in around the
        ledger would be chained as if the ledger had written it. So it stays a finding, for
        ``ledger verify`` to name and an auditor to judge.
        """
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id FROM {schema}.{table} WHERE event_hash IS NULL "
                    "ORDER BY notification_id LIMIT 1"
                ).format(
                    schema=Identifier(self.datastore.schema),
                    table=Identifier(self.events_table_name),
                )
            )
            row = curs.fetchone()
        if row is not None:
            log.error(
                "[unchained-event] position %d: the event store holds a row without hashes "
                "(written, or its hashes removed, around the ledger); run `ledger verify`. "
                "A log written before the hash chain existed is chained once with "
                "`ledger audit chain-legacy`",
                row["notification_id"],
            )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # One statement, in its own transaction (the pool's connections are in autocommit
        # mode): the function ``<prefix>_append`` does what the library's insert does — the
        # table lock, the notification, the insert returning the positions — and writes the
        # idempotency records with them. One round trip instead of five, so the table lock is
        # held only for the server's work: a writer never holds it while it waits for its turn
        # at Python's interpreter lock between statements, and the others wait for it less.
        # (The library's pipeline mode, the other way to one round trip, can hang in
        # psycopg 3.3.9 once a transaction's events outgrow the socket buffer.)
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency", ())
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._append,
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events],
                    [e.state for e in stored_events],
                    [content_hash(e.state) for e in stored_events],
                    [r.principal for r in records],
                    [r.key for r in records],
                    [r.request_hash for r in records],
                    [orjson.dumps(r.outcome).decode() for r in records],
                ),
                prepare=True,
            )
            if not stored_events:
                return None
            return [row["notification_id"] for row in curs.fetchall()]

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

    def select_history(self, originator_id: UUID) -> list[ChainedEvent]:
        """Every event of one aggregate, in version order, with its place and hashes."""
        # Plain tuples, not the pool's dict rows: the columns come in ChainedEvent's field
        # order, and bytea already loads as bytes, so each row is the event's arguments as they
        # are (a third of the time of this read went into building dicts and copying them).
        # Binary results: the states come as their bytes, not as hex to decode (≈ 9 % faster).
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._select_history, (originator_id,), prepare=True, binary=True)
            return [ChainedEvent(*row) for row in curs.fetchall()]

    def select_history_keyed(
        self, originator_id: UUID
    ) -> tuple[list[ChainedEvent], dict[bytes, DataKey]]:
        """:meth:`select_history`, and the vault's live keys of the subjects its sealed people
        name, in one round trip (the vault's tables must exist: ``KeyVault.ensure_tables``).
        A key is read for this call only: an erasure is in force for the next one."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._select_history_keyed, (originator_id,), prepare=True, binary=True)
            rows = curs.fetchall()
        keys = {row[-2]: DataKey(row[-2], row[-1]) for row in rows if row[-2] is not None}
        return [ChainedEvent(*row[:-3]) for row in rows], keys

    def select_chained(self, positions: Sequence[int]) -> list[ChainedEvent]:
        """The events at ``positions`` (those that exist), in log order, with their hashes."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_chained, (list(positions),), prepare=True)
            return [_chained(row) for row in curs.fetchall()]


def _chained(row: DictRow) -> ChainedEvent:
    def raw(value: Any) -> bytes | None:
        return None if value is None else bytes(value)

    return ChainedEvent(
        position=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
        recorded_at=row["recorded_at"],
        leaf_index=row["leaf_index"],
        content_hash=raw(row["content_hash"]),
        prev_hash=raw(row["prev_hash"]),
        event_hash=raw(row["event_hash"]),
    )


class LedgerFactory(PostgresFactory):
    application_recorder_class = LedgerRecorder

    POSTGRES_CONNINFO = "POSTGRES_CONNINFO"
    """The ledger's own key: the whole libpq connection string the event store connects with."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        conninfo = self.env.get(self.POSTGRES_CONNINFO)
        if conninfo:
            # The library connects with five parts of the URL (dbname, host, port, user,
            # password) and drops the rest — sslmode, sslrootcert, options, connect_timeout,
            # application_name …: a silent TLS downgrade. Its pool, not yet opened, connects
            # with the whole string instead, and libpq's defaults for what it leaves out.
            pool = self.datastore.pool
            pool.conninfo = conninfo
            pool.kwargs = {"row_factory": dict_row}
