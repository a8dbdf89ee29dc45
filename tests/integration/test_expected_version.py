"""The expected version on real PostgreSQL: a command that names the version it decided on
loses to a writer that got there first (nothing of it written), even one outside its batch;
without it the command is decided again on the current state (``test_group_commit``)."""

from __future__ import annotations

from domain.actors import SYSTEM
from domain.application import Request, StaleVersion
from domain.commands import Accepted
from domain.registry import commands as reg
from domain.registry.officer import Officer
from infra.postgres import Database
from tests.builders import given_agency, given_officer
from tests.integration.test_group_commit import Interfered


def test_a_clash_with_an_outside_writer_refuses_the_command_that_named_a_version(
    database: Database,
) -> None:
    from infra.wiring import eventstore_env

    ledger = Interfered(env=eventstore_env(database, pool_size=2))
    try:
        agency = given_agency(ledger)
        officer = given_officer(ledger, agency, "O1")
        read: Officer = ledger.repository.get(officer)
        ledger.interfere_with = officer  # trains O1 just before the batch is written
        outcomes = ledger.execute_batch(
            [
                Request(
                    reg.SetFrontline(officer_id=officer, frontline=False),
                    SYSTEM,
                    expected_version=read.version,
                ),
                Request(reg.RegisterOfficer(officer_no="O2", name="x", agency_id=agency), SYSTEM),
            ]
        )
        stale, other = outcomes
        assert isinstance(stale, StaleVersion), stale
        assert (stale.expected, stale.current) == (read.version, read.version + 1)
        assert isinstance(other, Accepted)
        stored: Officer = ledger.repository.get(officer)
        assert stored.frontline is True  # the refused command wrote nothing
        assert stored.training_hours == 4  # the outsider's change stands
        assert stored.version == read.version + 1
    finally:
        ledger.close()


def test_within_one_batch_the_second_writer_on_a_version_is_refused(
    database: Database,
) -> None:
    from infra.wiring import open_ledger

    ledger = open_ledger(database, pool_size=2)
    try:
        agency = given_agency(ledger)
        outcomes = ledger.execute_batch(
            [
                Request(
                    reg.ChangeAgencyDomains(agency_id=agency, domains=[d]),
                    SYSTEM,
                    expected_version=1,
                )
                for d in ("urban", "ecology")
            ]
        )
        assert isinstance(outcomes[0], Accepted)
        assert isinstance(outcomes[1], StaleVersion)
        assert ledger.repository.get(agency).domains == ["urban"]
    finally:
        ledger.close()
