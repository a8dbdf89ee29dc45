"""The event store on real PostgreSQL: atomicity, concurrency, idempotency, audit data."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date
from typing import Any

import orjson
import psycopg
import pytest

from domain.actors import SYSTEM, Actor, Role
from domain.application import SupervisionLedger
from domain.commands import Accepted
from domain.errors import AlreadyExists, ConcurrencyConflict, DomainError, IdempotencyKeyReused
from domain.registry import commands as reg
from domain.registry.officer import Officer
from infra.postgres import Database
from tests.builders import given_agency, given_officer

OFFICE = Actor(principal="office-1", role=Role.SUPERVISOR)


def rows(database: Database, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database.url) as conn:
        return conn.execute(query).fetchall()


def race(n: int, action: Callable[[int], Accepted]) -> list[Accepted | DomainError]:
    """Run ``action`` in ``n`` threads released at the same moment."""
    barrier = threading.Barrier(n)
    results: list[Accepted | DomainError] = [DomainError("not run")] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except DomainError as error:
            results[i] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_events_are_stored_under_pinned_topics_as_plain_json(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = given_agency(ledger)
    stored = rows(
        database, "SELECT topic, state FROM supervisionledger_events ORDER BY notification_id"
    )
    assert [t for t, _ in stored] == ["Agency.Registered"]
    state = orjson.loads(bytes(stored[0][1]))
    assert state["code"] == "MSA"
    assert state["originator_topic"] == "Agency"
    assert "_type_" not in str(state)  # no library type wrappers: other programs read it
    assert ledger.get_aggregate(agency).version == 1


def test_every_event_records_who_and_the_correlation_id(
    ledger: SupervisionLedger, database: Database
) -> None:
    ledger.execute(
        reg.RegisterAgency(code="ECO", name="Ecology", domains=["ecology"]),
        OFFICE,
        correlation_id="req-42",
    )
    (state,) = rows(database, "SELECT state FROM supervisionledger_events")[0]
    meta = orjson.loads(bytes(state))["meta"]
    assert meta == {
        "principal": "office-1",
        "role": "supervisor",
        "agency_id": None,
        "correlation_id": "req-42",
    }


def test_the_database_clock_stamps_each_row_in_log_order(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = given_agency(ledger)
    for n in range(5):
        given_officer(ledger, agency, f"O{n}")
    stamped = rows(
        database,
        "SELECT recorded_at, recorded_at <= now() + interval '1 second' "
        "FROM supervisionledger_events ORDER BY notification_id",
    )
    times = [t for t, _ in stamped]
    assert times == sorted(times)
    assert all(ok for _, ok in stamped)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE supervisionledger_events SET topic = 'x'",
        "DELETE FROM supervisionledger_events",
        "TRUNCATE supervisionledger_events",
    ],
)
def test_the_log_is_append_only(
    ledger: SupervisionLedger, database: Database, statement: str
) -> None:
    given_agency(ledger)
    with psycopg.connect(database.url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)
    assert rows(database, "SELECT count(*) FROM supervisionledger_events") == [(1,)]


def test_two_writers_on_one_aggregate_one_wins_nothing_half_written(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = given_agency(ledger)
    a = given_officer(ledger, agency, "A", certified_on=None)
    b = given_officer(ledger, agency, "B", certified_on=None)

    # Both officers claim the same certificate number at the same moment: each command writes
    # two aggregates (the officer and the number's claim); exactly one may succeed whole.
    def issue(i: int) -> Accepted:
        return ledger.execute(
            reg.IssueCertificate(officer_id=(a, b)[i], number="C-SAME", issued_on=date(2023, 1, 1)),
            SYSTEM,
        )

    results = race(2, issue)
    accepted = [r for r in results if isinstance(r, Accepted)]
    refused = [r for r in results if not isinstance(r, Accepted)]
    assert len(accepted) == 1
    assert len(refused) == 1
    assert isinstance(refused[0], AlreadyExists | ConcurrencyConflict)
    holders = [o for o in (a, b) if ledger.repository.get(o).current_certificate is not None]
    assert holders == [accepted[0].id]
    claims = rows(
        database,
        "SELECT count(*) FROM supervisionledger_events WHERE topic = 'CertificateNumber.Claimed'",
    )
    assert claims == [(1,)]


def test_many_concurrent_registrations_of_one_code_create_one_agency(
    ledger: SupervisionLedger, database: Database
) -> None:
    def register(_: int) -> Accepted:
        return ledger.execute(
            reg.RegisterAgency(code="DUP", name="Dup", domains=["market"]), SYSTEM
        )

    results = race(8, register)
    assert sum(isinstance(r, Accepted) for r in results) == 1
    assert all(isinstance(r, Accepted | AlreadyExists | ConcurrencyConflict) for r in results)
    assert rows(database, "SELECT count(*) FROM supervisionledger_events") == [(1,)]


def test_stale_aggregate_save_is_a_conflict(ledger: SupervisionLedger) -> None:
    from eventsourcing.persistence import IntegrityError

    from domain.base import EventMeta, recording_as

    agency = given_agency(ledger)
    officer_id = given_officer(ledger, agency, "S", certified_on=None)
    first: Officer = ledger.repository.get(officer_id)
    second: Officer = ledger.repository.get(officer_id)
    with recording_as(EventMeta(principal="t", role=Role.SYSTEM, correlation_id="c")):
        first.set_frontline(False)
        second.set_frontline(False)
    ledger.save(first)
    with pytest.raises(IntegrityError):
        ledger.save(second)


def test_a_retried_command_with_the_same_key_writes_once(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = given_agency(ledger)
    command = reg.RegisterOfficer(officer_no="K1", name="Key", agency_id=agency)
    first = ledger.execute(command, OFFICE, idempotency_key="key-1")
    again = ledger.execute(command, OFFICE, idempotency_key="key-1")
    assert again == first
    assert rows(
        database, "SELECT count(*) FROM supervisionledger_events WHERE topic = 'Officer.Registered'"
    ) == [(1,)]


def test_a_key_reused_for_another_request_is_refused(ledger: SupervisionLedger) -> None:
    agency = given_agency(ledger)
    ledger.execute(
        reg.RegisterOfficer(officer_no="K1", name="Key", agency_id=agency),
        OFFICE,
        idempotency_key="k",
    )
    with pytest.raises(IdempotencyKeyReused):
        ledger.execute(
            reg.RegisterOfficer(officer_no="K2", name="Key", agency_id=agency),
            OFFICE,
            idempotency_key="k",
        )


def test_keys_belong_to_their_principal(ledger: SupervisionLedger) -> None:
    agency = given_agency(ledger)
    other = Actor(principal="office-2", role=Role.SUPERVISOR)
    ledger.execute(
        reg.RegisterOfficer(officer_no="P1", name="P", agency_id=agency),
        OFFICE,
        idempotency_key="k",
    )
    accepted = ledger.execute(
        reg.RegisterOfficer(officer_no="P2", name="P", agency_id=agency), other, idempotency_key="k"
    )
    assert accepted.created


def test_concurrent_retries_with_one_key_write_once(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = given_agency(ledger)
    command = reg.RegisterOfficer(officer_no="R1", name="Race", agency_id=agency)
    results = race(6, lambda _: ledger.execute(command, OFFICE, idempotency_key="same"))
    accepted = [r for r in results if isinstance(r, Accepted)]
    # Every retry gets the first answer or (if it lost the race before the answer existed) a
    # conflict; none writes a second officer.
    assert accepted
    assert len({a.id for a in accepted}) == 1
    assert rows(
        database, "SELECT count(*) FROM supervisionledger_events WHERE topic = 'Officer.Registered'"
    ) == [(1,)]


@pytest.mark.timeout(120)
def test_large_transactions_go_through(ledger: SupervisionLedger, database: Database) -> None:
    # Group commits and simulation batches write hundreds of events per transaction; psycopg's
    # pipeline mode (the library's default insert) could hang on transactions this size.
    from domain.base import EventMeta, recording_as
    from domain.registry.entity import Entity
    from tests.builders import uscc

    with recording_as(EventMeta(principal="t", role=Role.SYSTEM, correlation_id="c" * 60)):
        for round_ in range(10):
            entities = [
                Entity(
                    uscc=uscc(round_ * 1000 + n),
                    name="名" * 200,
                    address="地址" * 150,
                    grid_cell=None,
                )
                for n in range(600)
            ]
            ledger.save(*entities)
    assert rows(database, "SELECT count(*) FROM supervisionledger_events") == [(6000,)]


def test_sessions_read_the_logs_timestamps_in_the_standard_librarys_utc(
    ledger: SupervisionLedger, database: Database
) -> None:
    # psycopg's fast path, about three times faster than a zoneinfo zone such as the server's
    # Etc/UTC: the log's readers load one timestamp per event. See infra/postgres.py.
    given_agency(ledger)
    with psycopg.connect(database.url) as conn:
        row = conn.execute("SELECT recorded_at FROM supervisionledger_events LIMIT 1").fetchone()
    assert row is not None
    assert row[0].tzinfo is UTC


def test_the_event_store_connects_with_every_parameter_of_the_url(database: Database) -> None:
    # Parameters beyond dbname/host/port/user/password (TLS settings above all) hold for the
    # event store's own connections too; application_name makes them visible.
    from infra.wiring import open_ledger

    url = psycopg.conninfo.make_conninfo(
        database.url, application_name="ledger-conninfo-test", connect_timeout="5"
    )
    ledger = open_ledger(Database.from_url(url), pool_size=2)
    try:
        given_agency(ledger)  # a write, through the event store's pool
        with psycopg.connect(database.url) as conn:
            sessions = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = 'ledger-conninfo-test' AND datname = %s",
                (database.dbname,),
            ).fetchall()
        assert sessions[0][0] >= 2  # the pool's connections (its minimum is two)
    finally:
        ledger.close()


def test_a_url_without_a_database_name_means_the_users_database() -> None:
    # As libpq reads it: the database is named like the user.
    assert Database.from_url("postgresql://alice@db.example/").dbname == "alice"
    assert Database.from_url("host=db.example user=bob").dbname == "bob"
    assert Database.from_url("postgresql://db.example/ledger").dbname == "ledger"
