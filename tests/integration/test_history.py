"""Case-history replay on the real event store: the database's clock decides "as of", the
chain of each record is rechecked on the way, and every read lands in the reader's audit trail."""

from __future__ import annotations

import threading
from contextlib import closing
from datetime import timedelta
from uuid import UUID

import pytest

from domain.actors import SYSTEM, Actor, Role
from domain.application import SupervisionLedger
from domain.audit.history import NothingAsOf, withhold_personal
from domain.audit.reads import record_read
from domain.audit.trail import AuditTrail
from domain.cases import commands as cc
from domain.values import local_date
from infra.integrity.service import load_history
from infra.postgres import Database
from infra.wiring import open_ledger
from tests.builders_cases import given_decided_case, given_team
from tests.integrity_helpers import as_superuser, given_history, rows

AUDITOR = Actor(principal="auditor-7", role=Role.AUDITOR)


@pytest.fixture
def case(ledger: SupervisionLedger) -> UUID:
    agency, team = given_team(ledger)
    return given_decided_case(ledger, agency, team)


def test_a_penalty_case_replays_step_by_step(ledger: SupervisionLedger, case: UUID) -> None:
    replayed = load_history(ledger, "penalty-case", case)
    history = replayed.history
    assert [s.event for s in history.steps] == [
        "PenaltyCase.Opened",
        "PenaltyCase.Investigated",
        "PenaltyCase.Decided",
        "PenaltyCase.Served",
    ]
    assert history.chain_intact
    assert history.state == ledger.get_aggregate(case).state()["state"]
    assert [s.who.principal for s in history.steps] == ["ledger-cli"] * 4
    recorded = [s.recorded_at for s in history.steps]
    assert recorded == sorted(recorded)
    positions = [s.position for s in history.steps]
    assert positions == sorted(positions)
    assert history.steps[2].payload["penalties"]["fine_fen"] == 500_000


def test_as_of_maps_the_database_clock_to_a_version(ledger: SupervisionLedger, case: UUID) -> None:
    steps = load_history(ledger, "penalty-case", case).history.steps
    between = steps[1].recorded_at + (steps[2].recorded_at - steps[1].recorded_at) / 2
    as_of = load_history(ledger, "penalty-case", case, as_of=between).history
    assert as_of.version == 2
    assert as_of.state == steps[1].state_after
    assert (
        load_history(ledger, "penalty-case", case, as_of=steps[2].recorded_at).history.version == 3
    )
    with pytest.raises(NothingAsOf):
        load_history(ledger, "penalty-case", case, as_of=steps[0].recorded_at - timedelta(1))


def test_a_record_of_another_kind_is_not_found(ledger: SupervisionLedger, case: UUID) -> None:
    from domain.errors import NotFound

    with pytest.raises(NotFound):
        load_history(ledger, "officer", case)
    with pytest.raises(NotFound):
        load_history(ledger, "no-such-kind", case)


def test_a_tampered_record_shows_a_broken_chain(
    ledger: SupervisionLedger, database: Database, case: UUID
) -> None:
    position = load_history(ledger, "penalty-case", case).history.steps[1].position
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET recorded_at = recorded_at - interval '1 day' "
            "WHERE notification_id = %s",
            (position,),
        )
    assert not load_history(ledger, "penalty-case", case).history.chain_intact


def test_a_citizen_is_withheld_from_those_who_may_not_see_individuals(
    ledger: SupervisionLedger,
) -> None:
    agency, team = given_team(ledger)
    from tests.builders_cases import intake_body

    case = ledger.execute(
        cc.FileCase.model_validate(
            intake_body(agency, team, None, case_no="罚〔2023〕9号") | {"filed_on": "2023-03-06"}
        ),
        SYSTEM,
    ).id
    shown = load_history(ledger, "penalty-case", case).history
    withheld = load_history(ledger, "penalty-case", case, withhold=withhold_personal).history
    assert shown.steps[0].payload["person"]["name"] == "张三"
    assert shown.state["person"]["name"] == "张三"
    person = withheld.steps[0].payload["person"]
    assert person["withheld"] is True and "name" not in person
    assert "张三" not in withheld.model_dump_json()


def test_every_read_is_recorded_in_the_readers_trail_of_the_day(
    ledger: SupervisionLedger, case: UUID
) -> None:
    for version in (1, 4):
        trail = record_read(
            ledger,
            AUDITOR,
            record_kind="penalty-case",
            record_id=case,
            version=version,
            as_of=None,
            format="json",
            channel="http",
            correlation_id="req-1",
        )
    from datetime import UTC, datetime

    assert trail == AuditTrail.create_id("auditor-7", local_date(datetime.now(UTC)))
    reads = load_history(ledger, "audit-trail", trail).history
    assert [s.event for s in reads.steps] == [
        "AuditTrail.Opened",
        "AuditTrail.HistoryRead",
        "AuditTrail.HistoryRead",
    ]
    assert reads.steps[2].payload["record_id"] == str(case)
    assert reads.steps[2].payload["version"] == 4
    assert reads.steps[2].who.principal == "auditor-7"
    assert reads.steps[2].who.correlation_id == "req-1"
    assert reads.chain_intact
    assert reads.state["reads"] == 2


def test_simultaneous_reads_by_one_auditor_are_all_recorded(
    ledger: SupervisionLedger, database: Database, case: UUID
) -> None:
    barrier = threading.Barrier(6)

    def read() -> None:
        barrier.wait()
        record_read(
            ledger,
            AUDITOR,
            record_kind="penalty-case",
            record_id=case,
            version=4,
            as_of=None,
            format="html",
            channel="http",
        )

    threads = [threading.Thread(target=read) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rows(
        database,
        "SELECT count(*) FROM supervisionledger_events WHERE topic = 'AuditTrail.HistoryRead'",
    ) == [(6,)]


def test_two_processes_recording_one_auditor_s_reads_take_turns_without_a_gap(
    ledger: SupervisionLedger, database: Database, case: UUID
) -> None:
    # Each ledger remembers the version it last wrote to the trail; the other one's writes
    # make that memory stale, and the refused insert sends it back to read the trail.
    with closing(open_ledger(database, pool_size=2)) as other:
        for n, who in enumerate([ledger, other, other, ledger, ledger, other, ledger]):
            trail_id = record_read(
                who,
                AUDITOR,
                record_kind="penalty-case",
                record_id=case,
                version=n % 4 + 1,
                as_of=None,
                format="json",
                channel="http",
            )
    versions = rows(
        database,
        "SELECT originator_version, topic FROM supervisionledger_events "
        "WHERE topic LIKE 'AuditTrail%%' ORDER BY originator_version",
    )
    assert [v for v, _ in versions] == list(range(1, 9))  # opened, then 7 reads, no gap
    trail = load_history(ledger, "audit-trail", trail_id)
    assert [s.payload["version"] for s in trail.history.steps[1:]] == [1, 2, 3, 4, 1, 2, 3]
    assert trail.history.chain_intact


def test_an_officer_replays_with_its_trainings(ledger: SupervisionLedger) -> None:
    (officer, *_) = given_history(ledger, officers=1, trainings=3)
    history = load_history(ledger, "officer", officer).history
    assert history.latest_version == 5
    assert history.state["training_hours"] == 24


def test_a_withheld_history_shows_each_person_under_one_subject(database: Database) -> None:
    from tests.integration.test_erasure import first_state, given_citizen_case, sealed_ledger

    with sealed_ledger(database) as sealed:
        case = given_citizen_case(sealed)
        subject = first_state(database, case)["person"]["subject"]
        withheld = load_history(sealed, "penalty-case", case, withhold=withhold_personal).history
    shown = {"subject": subject, "withheld": True}
    assert withheld.steps[0].payload["person"] == shown
    assert withheld.steps[0].state_after["person"] == shown
    assert withheld.state["person"] == shown
