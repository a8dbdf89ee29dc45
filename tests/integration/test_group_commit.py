"""Group commit: many commands, one transaction, and each command still its own answer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import uuid4

import psycopg

from domain.actors import SYSTEM, Actor, Role
from domain.application import Request, SupervisionLedger
from domain.base import Aggregate, EventMeta, recording_as
from domain.commands import Accepted
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.registry import commands as reg
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.values import RevocationReason
from infra.postgres import Database
from tests.builders import given_agency, given_officer


def count(database: Database, topic: str) -> int:
    with psycopg.connect(database.url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM supervisionledger_events WHERE topic = %s", (topic,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def transactions(database: Database) -> int:
    """Distinct write transactions (xmin) in the events table."""
    with psycopg.connect(database.url) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM supervisionledger_events"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_batch_is_one_transaction_and_each_command_gets_its_answer(
    ledger: SupervisionLedger, database: Database
) -> None:
    batch = [
        Request(reg.RegisterAgency(code=f"A{n}", name=f"A{n}", domains=["market"]), SYSTEM)
        for n in range(20)
    ]
    outcomes = ledger.execute_batch(batch)
    assert [o.id for o in outcomes if isinstance(o, Accepted)] == [
        Agency.create_id(f"A{n}") for n in range(20)
    ]
    assert transactions(database) == 1


def test_later_commands_see_earlier_ones_in_the_same_batch(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = Agency.create_id("NEW")
    officer = Officer.create_id("N1")
    outcomes = ledger.execute_batch(
        [
            Request(reg.RegisterAgency(code="NEW", name="New", domains=["market"]), SYSTEM),
            Request(reg.RegisterOfficer(officer_no="N1", name="n", agency_id=agency), SYSTEM),
            Request(
                reg.IssueCertificate(officer_id=officer, number="NC1", issued_on=date(2023, 1, 1)),
                SYSTEM,
            ),
            Request(reg.RegisterAgency(code="NEW", name="Again", domains=["market"]), SYSTEM),
        ]
    )
    assert [type(o) for o in outcomes] == [Accepted, Accepted, Accepted, AlreadyExists]
    assert ledger.repository.get(officer).current_certificate.number == "NC1"
    assert count(database, "Agency.Registered") == 1


def test_a_refused_command_changes_nothing_for_the_others(
    ledger: SupervisionLedger, database: Database
) -> None:
    agency = given_agency(ledger)
    officer = given_officer(ledger, agency, "O1", certified_on=None)
    outcomes = ledger.execute_batch(
        [
            Request(
                reg.IssueCertificate(officer_id=officer, number="C1", issued_on=date(2023, 1, 1)),
                SYSTEM,
            ),
            # Refused: one certificate at a time. It must not leave C2 on the officer.
            Request(
                reg.IssueCertificate(officer_id=officer, number="C2", issued_on=date(2023, 2, 1)),
                SYSTEM,
            ),
            Request(
                reg.IssueCertificate(officer_id=uuid4(), number="C3", issued_on=date(2023, 2, 1)),
                SYSTEM,
            ),
            Request(
                reg.RevokeCertificate(
                    officer_id=officer,
                    revoked_on=date(2023, 3, 1),
                    reason=RevocationReason.RETIREMENT,
                ),
                SYSTEM,
            ),
        ]
    )
    assert isinstance(outcomes[0], Accepted)
    assert isinstance(outcomes[1], RuleViolation)
    assert isinstance(outcomes[2], NotFound)
    assert isinstance(outcomes[3], Accepted)
    stored: Officer = ledger.repository.get(officer)
    assert [(c.number, c.revoked_on) for c in stored.certificates] == [("C1", date(2023, 3, 1))]
    assert count(database, "CertificateNumber.Claimed") == 1


class Interfered(SupervisionLedger):
    """A ledger whose first group commit is overtaken by a writer outside the batch."""

    interfere_with: Any = None

    def _save_aggregates(self, aggregates: Iterable[Aggregate], **kwargs: Any) -> None:
        target, self.interfere_with = self.interfere_with, None
        if target is not None:
            outsider: Officer = self.repository.get(target)
            with recording_as(
                EventMeta(principal="outsider", role=Role.SYSTEM, correlation_id="x")
            ):
                outsider.record_training(course="first aid", hours=4, completed_on=date(2023, 1, 5))
            self.save(outsider)
        super()._save_aggregates(aggregates, **kwargs)


def test_a_clash_with_an_outside_writer_fails_no_command(database: Database) -> None:
    from infra.wiring import eventstore_env

    ledger = Interfered(env=eventstore_env(database, pool_size=2))
    try:
        agency = given_agency(ledger)
        officer = given_officer(ledger, agency, "O1")
        ledger.interfere_with = officer
        outcomes = ledger.execute_batch(
            [
                Request(reg.SetFrontline(officer_id=officer, frontline=False), SYSTEM),
                Request(reg.RegisterOfficer(officer_no="O2", name="x", agency_id=agency), SYSTEM),
            ]
        )
        # The batch clashed on O1; each command was then carried out on its own, and both won.
        assert all(isinstance(o, Accepted) for o in outcomes), outcomes
        stored: Officer = ledger.repository.get(officer)
        assert stored.frontline is False
        assert stored.training_hours == 4
        assert Officer.create_id("O2") in ledger.repository
    finally:
        ledger.close()


def test_a_key_repeated_within_a_batch_writes_once(
    ledger: SupervisionLedger, database: Database
) -> None:
    office = Actor(principal="office", role=Role.SUPERVISOR)
    command = reg.RegisterAgency(code="K", name="K", domains=["market"])
    outcomes = ledger.execute_batch(
        [Request(command, office, "k1"), Request(command, office, "k1")]
    )
    assert outcomes[0] == outcomes[1]
    assert count(database, "Agency.Registered") == 1


def test_a_cached_aggregate_changed_by_another_process_is_read_fresh(
    ledger: SupervisionLedger, database: Database
) -> None:
    from infra.wiring import open_ledger

    agency = given_agency(ledger)
    officer = given_officer(ledger, agency, "O1")
    cached: Officer = ledger.repository.get(officer)
    assert cached.frontline is True
    ledger.get_aggregate(officer)  # now in this ledger's cache
    other = open_ledger(database, pool_size=2)  # another gateway process
    try:
        other.execute(reg.SetFrontline(officer_id=officer, frontline=False), SYSTEM)
    finally:
        other.close()
    # A stale cache would see frontline=True, write a change and clash; a fresh read sees the
    # other process's change and has nothing to write.
    accepted = ledger.execute(reg.SetFrontline(officer_id=officer, frontline=False), SYSTEM)
    assert accepted.events == []
    fresh = ledger.get_aggregate(officer)
    assert isinstance(fresh, Officer) and fresh.frontline is False
