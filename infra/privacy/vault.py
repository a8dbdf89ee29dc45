"""The key vault: subjects' data keys and the pseudonym secret, in PostgreSQL tables of their own.

Tables (beside the event store, never inside it):

- ``privacy_secret``: one row, the random secret of the lookup HMAC, made on first use;
- ``privacy_subjects``: how a person is found: the lookup key of what identifies them
  (``infra.privacy.subjects.lookup_key``) and their random subject id;
- ``privacy_subject_keys``: one live data key per subject (``subject``, ``key_id``,
  ``data_key``).

Erasure deletes the subject's key *and* its lookup rows, then ``VACUUM FULL`` rewrites both
tables so neither the key's bytes nor the link from the person to the subject is left behind
in a dead tuple. A person recorded again after an erasure is a new subject with a new key (new
data is a new lawful processing, and it cannot be linked to the erased records); the old
ciphertexts name the destroyed key's id and stay unreadable.

The mapper reaches the vault through the eventsourcing library's cipher slot: with
``CIPHER_TOPIC`` naming :class:`SealingCipher`, the library's factory builds it from the same
``POSTGRES_*`` settings as the event store, and :class:`infra.mapper.PydanticMapper` seals and
opens ``person`` fields with it (the library never uses it as a whole-event cipher: the mapper
replaces the methods that would). Keys are not cached in memory: an erasure in one process is
in force at once in every other.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from infra.privacy import sealing, subjects
from infra.privacy.sealing import ERASED, DataKey

T = TypeVar("T")

# Any fixed 64-bit number; it serialises the creation of the vault's tables across processes.
VAULT_LOCK_KEY = 0x5052495641435901  # "PRIVAC" 01

DDL = (
    "CREATE TABLE IF NOT EXISTS privacy_secret ("
    "id smallint PRIMARY KEY CHECK (id = 1), secret bytea NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS privacy_subjects ("
    "lookup bytea PRIMARY KEY, subject text NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())",
    "CREATE INDEX IF NOT EXISTS privacy_subjects_subject ON privacy_subjects (subject)",
    "CREATE TABLE IF NOT EXISTS privacy_subject_keys ("
    "subject text PRIMARY KEY, key_id bytea NOT NULL UNIQUE, data_key bytea NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())",
)
SECRET_BYTES = 32


def conninfo_from(environment: Mapping[str, str] | Environment) -> str:
    """A psycopg connection string from the eventsourcing library's ``POSTGRES_*`` settings."""
    env = environment if isinstance(environment, Environment) else Environment(env=environment)

    def need(key: str) -> str:
        value = env.get(key)
        if not value:
            raise ValueError(f"{key} is not set: the key vault needs the event store's database")
        return value

    return psycopg.conninfo.make_conninfo(
        dbname=need("POSTGRES_DBNAME"),
        host=need("POSTGRES_HOST"),
        port=env.get("POSTGRES_PORT") or "5432",
        user=need("POSTGRES_USER"),
        password=env.get("POSTGRES_PASSWORD") or "",
    )


class KeyVault:
    """Seals and opens personal data with per-subject keys kept in PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._secret: bytes | None = None

    # Connection -----------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        conn = psycopg.connect(self.url, autocommit=True)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (VAULT_LOCK_KEY,))
            for statement in DDL:
                conn.execute(statement)
        return conn

    def _run(self, work: Callable[[psycopg.Connection[tuple[Any, ...]]], T]) -> T:
        """``work`` on the vault's connection; once more on a new one if the old one broke."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = self._connect()
                try:
                    return work(self._conn)
                except psycopg.OperationalError:
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __del__(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()

    # Subjects -------------------------------------------------------------------------------

    def secret(self) -> bytes:
        if self._secret is None:

            def read(conn: psycopg.Connection[tuple[Any, ...]]) -> bytes:
                conn.execute(
                    "INSERT INTO privacy_secret (id, secret) VALUES (1, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    (os.urandom(SECRET_BYTES),),
                )
                row = conn.execute("SELECT secret FROM privacy_secret WHERE id = 1").fetchone()
                if row is None:
                    raise RuntimeError("privacy_secret has no row after inserting one")
                return bytes(row[0])

            self._secret = self._run(read)
        return self._secret

    def subject_of(self, person: Mapping[str, Any]) -> str:
        """The person's subject id: the one the vault knows them by, or a new random one."""
        lookup = subjects.lookup_key(self.secret(), subjects.identifying_material(person))

        def find_or_make(conn: psycopg.Connection[tuple[Any, ...]]) -> str:
            select = "SELECT subject FROM privacy_subjects WHERE lookup = %s"
            row = conn.execute(select, (lookup,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO privacy_subjects (lookup, subject) VALUES (%s, %s) "
                    "ON CONFLICT (lookup) DO NOTHING",
                    (lookup, subjects.new_subject_id()),
                )
                row = conn.execute(select, (lookup,)).fetchone()  # ours, or a racing writer's
                if row is None:
                    raise RuntimeError("privacy_subjects has no row after inserting one")
            return str(row[0])

        return self._run(find_or_make)

    def candidate_subjects(
        self, *, id_number: str | None = None, name: str | None = None, phone: str | None = None
    ) -> list[str]:
        """The subject ids a person known by these details is recorded under (none once the
        person was erased: the vault forgot the link)."""
        secret = self.secret()
        materials = subjects.candidate_materials(id_number=id_number, name=name, phone=phone)

        def find(conn: psycopg.Connection[tuple[Any, ...]]) -> list[str]:
            found: list[str] = []
            for material in materials:
                row = conn.execute(
                    "SELECT subject FROM privacy_subjects WHERE lookup = %s",
                    (subjects.lookup_key(secret, material),),
                ).fetchone()
                if row is not None:
                    found.append(str(row[0]))
                # Data sealed before random subjects, while it is not erased (see subjects).
                legacy = subjects.subject_id(secret, material)
                alive = conn.execute(
                    "SELECT 1 FROM privacy_subject_keys WHERE subject = %s", (legacy,)
                ).fetchone()
                if alive is not None:
                    found.append(legacy)
            return list(dict.fromkeys(found))

        return self._run(find)

    # Keys -----------------------------------------------------------------------------------

    def key_for(self, subject: str) -> DataKey:
        """The subject's live data key, made if it has none."""

        def get_or_make(conn: psycopg.Connection[tuple[Any, ...]]) -> DataKey:
            select = "SELECT key_id, data_key FROM privacy_subject_keys WHERE subject = %s"
            row = conn.execute(select, (subject,)).fetchone()
            if row is None:
                made = DataKey.generate()
                conn.execute(
                    "INSERT INTO privacy_subject_keys (subject, key_id, data_key) "
                    "VALUES (%s, %s, %s) ON CONFLICT (subject) DO NOTHING",
                    (subject, made.key_id, made.secret),
                )
                row = conn.execute(select, (subject,)).fetchone()  # ours, or a racing writer's
                if row is None:
                    raise RuntimeError(f"subject {subject} has no key after inserting one")
            return DataKey(bytes(row[0]), bytes(row[1]))

        return self._run(get_or_make)

    def key(self, key_id: bytes) -> DataKey | None:
        """The data key ``key_id``, or ``None`` once it was destroyed."""
        row = self._run(  # prepared: every sealed person a replay opens asks it
            lambda conn: conn.execute(
                "SELECT data_key FROM privacy_subject_keys WHERE key_id = %s",
                (key_id,),
                prepare=True,
            ).fetchone()
        )
        return None if row is None else DataKey(key_id, bytes(row[0]))

    def live_key_ids(self, subject: str) -> list[bytes]:
        rows = self._run(
            lambda conn: conn.execute(
                "SELECT key_id FROM privacy_subject_keys WHERE subject = %s", (subject,)
            ).fetchall()
        )
        return [bytes(row[0]) for row in rows]

    def all_keys(self) -> list[DataKey]:
        """Every live key (for tests and audits that prove erased data cannot be opened)."""
        rows = self._run(
            lambda conn: conn.execute(
                "SELECT key_id, data_key FROM privacy_subject_keys"
            ).fetchall()
        )
        return [DataKey(bytes(r[0]), bytes(r[1])) for r in rows]

    @contextmanager
    def destroying(self, subject: str) -> Iterator[list[bytes]]:
        """Delete the subject's keys; committed only if the block ends without an error.

        Yields the ids of the keys deleted. The block records the erasure (an event): the keys
        are gone exactly when the record exists (a crash between the two commits leaves the
        record and the keys, which :func:`infra.privacy.erasure.erase` finishes next time).
        Afterwards the table is rewritten so no dead copy of a key stays in its file.
        """
        self.ensure_tables()
        with psycopg.connect(self.url, autocommit=True) as conn:
            with conn.transaction():
                rows = conn.execute(
                    "DELETE FROM privacy_subject_keys WHERE subject = %s RETURNING key_id",
                    (subject,),
                ).fetchall()
                # The link from the person to the subject goes with the key (see module notes).
                conn.execute("DELETE FROM privacy_subjects WHERE subject = %s", (subject,))
                yield [bytes(row[0]) for row in rows]
            conn.execute("VACUUM FULL privacy_subject_keys")
            conn.execute("VACUUM FULL privacy_subjects")

    def destroy_keys(self, subject: str, key_ids: list[bytes]) -> int:
        """Delete these keys of ``subject`` and its lookup rows if they still exist
        (finishing an interrupted erasure); how many keys were deleted."""
        self.ensure_tables()
        with psycopg.connect(self.url, autocommit=True) as conn:
            deleted = 0
            if key_ids:
                deleted = conn.execute(
                    "DELETE FROM privacy_subject_keys WHERE key_id = ANY(%s)", (key_ids,)
                ).rowcount
            forgotten = conn.execute(
                "DELETE FROM privacy_subjects WHERE subject = %s", (subject,)
            ).rowcount
            if deleted:
                conn.execute("VACUUM FULL privacy_subject_keys")
            if forgotten:
                conn.execute("VACUUM FULL privacy_subjects")
        return deleted

    # Sealing --------------------------------------------------------------------------------

    def seal_person(self, person: Mapping[str, Any]) -> dict[str, str]:
        subject = self.subject_of(person)
        return sealing.seal(person, subject, self.key_for(subject))

    def open_person(
        self, value: dict[str, Any], known: Mapping[bytes, DataKey] | None = None
    ) -> dict[str, Any]:
        """The person in a stored ``person`` value: sealed (opened, or :data:`ERASED`) or plain.

        ``known``: keys read a moment ago with the events
        (``LedgerRecorder.select_history_keyed``); a key not among them is asked of the vault
        by its id, which alone decides that it was destroyed.
        """
        if not sealing.is_sealed(value):
            return value  # written before sealing was configured
        key_id = sealing.sealed_key_id(value)
        key = known.get(key_id) if known else None
        if key is None:
            key = self.key(key_id)
        if key is None:
            return dict(ERASED)
        return sealing.unseal(value, key)

    def seal_state(self, state: dict[str, Any]) -> dict[str, Any]:
        sealed: dict[str, Any] = sealing.map_persons(state, self.seal_person)
        return sealed

    def open_state(
        self, state: dict[str, Any], known: Mapping[bytes, DataKey] | None = None
    ) -> dict[str, Any]:
        opened: dict[str, Any] = sealing.map_persons(
            state, lambda value: self.open_person(value, known)
        )
        return opened

    def ensure_tables(self) -> None:
        """The vault's tables exist (made with its first connection; no round trip after)."""
        self._run(lambda conn: None)


class SealingCipher(Cipher):
    """The vault in the eventsourcing library's cipher slot (``CIPHER_TOPIC``), for the mapper.

    Built by the library's factory from the event store's own ``POSTGRES_*`` settings; it does
    not encrypt whole events (stored states stay readable JSON, so they can be hashed and
    published): the mapper seals the ``person`` fields with :attr:`vault`.
    """

    def __init__(self, environment: Environment) -> None:
        self.vault = KeyVault(conninfo_from(environment))

    def encrypt(self, plaintext: bytes) -> bytes:
        raise TypeError("SealingCipher seals person fields (PydanticMapper), not whole events")

    def decrypt(self, ciphertext: bytes) -> bytes:
        raise TypeError("SealingCipher seals person fields (PydanticMapper), not whole events")
