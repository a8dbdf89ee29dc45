"""Tamper evidence on real PostgreSQL: the chain the database computes, and ``verify`` naming
each way a superuser can rewrite the log behind the ledger's back.

Every tampering here is real: a superuser session switches the append-only triggers off
(``session_replication_role = replica``, as ``ALTER TABLE … DISABLE TRIGGER`` would) and edits,
deletes, inserts or reorders rows of the event table itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import orjson
import psycopg
import pytest

from consumers.checkpointer import Checkpointer, LogTamperedError
from domain.application import SupervisionLedger
from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, EventLeaf
from infra.integrity.signing import Signer
from infra.integrity.verify import Report
from infra.postgres import Database
from tests.integrity_helpers import (
    a_signer,
    as_superuser,
    checkpointer,
    given_history,
    rows,
    verified,
)

CHAIN = (
    "SELECT notification_id, originator_id, originator_version, topic, recorded_at, state, "
    "leaf_index, content_hash, prev_hash, event_hash FROM supervisionledger_events ORDER BY "
    "notification_id"
)


@dataclass(frozen=True)
class Stored:
    position: int
    aggregate_id: UUID
    version: int
    topic: str
    leaf_index: int


def events(database: Database, topic: str | None = None) -> list[Stored]:
    return [
        Stored(*row)
        for row in rows(
            database,
            "SELECT notification_id, originator_id, originator_version, topic, leaf_index "
            "FROM supervisionledger_events WHERE topic = %s OR %s::text IS NULL "
            "ORDER BY notification_id",
            (topic, topic),
        )
    ]


def trainings(database: Database) -> list[Stored]:
    return events(database, "Officer.TrainingRecorded")


@pytest.fixture
def signer() -> Signer:
    return a_signer()


@pytest.fixture
def sealer(ledger: SupervisionLedger, database: Database, signer: Signer) -> Iterator[Checkpointer]:
    with checkpointer(ledger, database, signer) as made:
        yield made


@pytest.fixture
def sealed(ledger: SupervisionLedger, sealer: Checkpointer) -> None:
    """Given a history of 16 events sealed by a checkpoint, then more events not yet sealed."""
    given_history(ledger, officers=3, trainings=2)
    assert sealer.seal() is not None
    given_history_tail(ledger)


def given_history_tail(ledger: SupervisionLedger) -> None:
    from datetime import date

    from domain.actors import SYSTEM
    from domain.registry import commands as reg

    ledger.execute(reg.DefineGridCell(code="G-9", name="网格 9", street="新港街道"), SYSTEM)
    ledger.execute(reg.DefineGridCell(code="G-10", name="网格 10", street="新港街道"), SYSTEM)
    officer = ledger.execute(
        reg.RegisterOfficer(
            officer_no="late", name="late", agency_id=_agency(ledger), frontline=True
        ),
        SYSTEM,
    ).id
    ledger.execute(
        reg.RecordTraining(officer_id=officer, course="c", hours=2, completed_on=date(2023, 3, 1)),
        SYSTEM,
    )


def _agency(ledger: SupervisionLedger) -> UUID:
    from domain.registry.agency import Agency

    return Agency.create_id("MSA")


def first_problem(report: Report) -> tuple[str, int | None]:
    assert not report.ok, "tampering went unnoticed"
    first = report.first
    assert first is not None
    return first.problem, first.position


# The chain itself ----------------------------------------------------------------------------


def test_the_database_chains_every_event_as_the_leaf_layout_says(
    ledger: SupervisionLedger, database: Database
) -> None:
    given_history(ledger)
    stored = rows(database, CHAIN)
    last: dict[UUID, bytes] = {}
    for n, (position, oid, version, topic, at, state, leaf, chash, prev, ehash) in enumerate(
        stored
    ):
        assert leaf == n
        assert bytes(chash) == content_hash(bytes(state))
        assert bytes(prev) == (GENESIS if version == 1 else last[oid])
        fields = EventLeaf(leaf, position, oid, version, topic, at, bytes(chash), bytes(prev))
        assert fields.event_hash() == bytes(ehash)
        last[oid] = bytes(ehash)


def test_recorded_at_is_the_database_clock_whatever_the_client_sends(
    ledger: SupervisionLedger, database: Database
) -> None:
    given_history(ledger, officers=1, trainings=0)
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO supervisionledger_events (originator_id, originator_version, topic, "
            "state, recorded_at) "
            "VALUES (gen_random_uuid(), 1, 'GridCell.Defined', '{}'::bytea, '2001-01-01')"
        )
    (at,) = rows(
        database, "SELECT recorded_at FROM supervisionledger_events ORDER BY notification_id DESC"
    )[0]
    assert at.year > 2001


def test_a_version_that_follows_no_stored_version_is_refused_by_the_database(
    ledger: SupervisionLedger, database: Database
) -> None:
    with (
        psycopg.connect(database.url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.IntegrityConstraintViolation),
    ):
        conn.execute(
            "INSERT INTO supervisionledger_events (originator_id, originator_version, topic, "
            "state) "
            "VALUES (gen_random_uuid(), 2, 'GridCell.Defined', '{}'::bytea)"
        )


def test_an_untouched_log_verifies_with_its_checkpoints(
    ledger: SupervisionLedger, sealer: Checkpointer, signer: Signer
) -> None:
    given_history(ledger, officers=2)
    first = sealer.seal()
    given_history_tail(ledger)
    second = sealer.seal()
    assert first is not None and second is not None
    assert sealer.seal() is None  # nothing new: no checkpoint
    report = verified(ledger, signer)
    assert report.ok, [str(f) for f in report.findings]
    assert report.checkpoints == 2
    assert report.events == second.checkpoint.tree_size > first.checkpoint.tree_size


# The six tamperings, each named --------------------------------------------------------------


@pytest.mark.usefixtures("sealed")
def test_an_edited_payload_is_named(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    target = trainings(database)[2]
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET state = convert_to(replace(convert_from(state, "
            "'UTF8'), "
            "'\"hours\":8', '\"hours\":80'), 'UTF8') WHERE notification_id = %s",
            (target.position,),
        )
    report = verified(ledger, signer)
    assert first_problem(report) == ("payload-edited", target.position)
    first = report.first
    assert first is not None
    assert (first.aggregate_id, first.version) == (target.aggregate_id, target.version)
    assert f"position {target.position}" in str(first)


@pytest.mark.usefixtures("sealed")
def test_an_edited_writer_timestamp_is_named(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    target = trainings(database)[1]
    ((state,),) = rows(
        database,
        "SELECT state FROM supervisionledger_events WHERE notification_id = %s",
        (target.position,),
    )
    data = orjson.loads(bytes(state))
    data["timestamp"] = "2020-01-01T00:00:00Z"
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET state = %s WHERE notification_id = %s",
            (orjson.dumps(data, option=orjson.OPT_SORT_KEYS), target.position),
        )
    assert first_problem(verified(ledger, signer)) == ("payload-edited", target.position)


@pytest.mark.usefixtures("sealed")
@pytest.mark.parametrize(
    ("shift", "problem"),
    [(timedelta(hours=-1), "timestamp-edited"), (timedelta(microseconds=1), "fields-edited")],
)
def test_an_edited_database_timestamp_is_named(
    ledger: SupervisionLedger,
    database: Database,
    signer: Signer,
    shift: timedelta,
    problem: str,
) -> None:
    target = trainings(database)[3]
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET recorded_at = recorded_at + %s WHERE "
            "notification_id = %s",
            (shift, target.position),
        )
    report = verified(ledger, signer)
    assert first_problem(report) == (problem, target.position)
    assert report.first is not None and "recorded_at" in report.first.detail


@pytest.mark.usefixtures("sealed")
def test_a_deleted_event_is_named_where_it_is_missing(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    everything = events(database)
    target = trainings(database)[0]  # an officer's third event, a fourth follows it
    after = everything[everything.index(target) + 1]
    with as_superuser(database) as su:
        su.execute(
            "DELETE FROM supervisionledger_events WHERE notification_id = %s", (target.position,)
        )
    report = verified(ledger, signer)
    assert first_problem(report) == ("event-deleted", after.position)
    assert report.first is not None
    assert f"after position {target.position - 1}" in report.first.detail
    assert any(f.problem == "checkpoint-root" for f in report.findings)


@pytest.mark.usefixtures("sealed")
def test_a_deleted_last_event_of_an_aggregate_is_named_too(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    everything = events(database)
    target = trainings(database)[1]  # the officer's last event; the next belongs to another
    after = everything[everything.index(target) + 1]
    assert after.aggregate_id != target.aggregate_id
    with as_superuser(database) as su:
        su.execute(
            "DELETE FROM supervisionledger_events WHERE notification_id = %s", (target.position,)
        )
    assert first_problem(verified(ledger, signer)) == ("event-deleted", after.position)


@pytest.mark.usefixtures("sealed")
def test_an_inserted_copy_of_an_event_is_named(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    source = trainings(database)[-1]  # the late officer's training, after the checkpoint
    with as_superuser(database) as su:
        # A second training of the same officer at the end of the log, in the next free leaf,
        # with its hashes copied from the genuine one.
        su.execute(
            "INSERT INTO supervisionledger_events (originator_id, originator_version, topic, "
            "state, "
            "recorded_at, leaf_index, content_hash, prev_hash, event_hash) "
            "SELECT originator_id, originator_version + 1, topic, state, clock_timestamp(), "
            "(SELECT max(leaf_index) + 1 FROM supervisionledger_events), content_hash, "
            "prev_hash, event_hash "
            "FROM supervisionledger_events WHERE notification_id = %s",
            (source.position,),
        )
    forged = events(database)[-1]
    assert first_problem(verified(ledger, signer)) == ("event-inserted", forged.position)


@pytest.mark.usefixtures("sealed")
def test_an_event_without_hashes_at_the_end_is_named(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    with as_superuser(database) as su:
        su.execute(
            "INSERT INTO supervisionledger_events (originator_id, originator_version, topic, "
            "state) "
            "VALUES (gen_random_uuid(), 1, 'GridCell.Defined', '{}'::bytea)"
        )
    forged = events(database)[-1]
    # Last in the log, nothing after it says whether it was slipped in or had its hashes
    # removed: it is named for what it lacks.
    assert first_problem(verified(ledger, signer)) == ("unchained-event", forged.position)


@pytest.mark.usefixtures("sealed")
def test_an_event_without_hashes_inserted_in_the_middle_is_named_and_nothing_else(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    """As the review found it: a row with no hashes slipped in between sealed events (here at
    a free position before the first) must be the one named — not an innocent event."""
    with as_superuser(database) as su:
        su.execute(
            "INSERT INTO supervisionledger_events (notification_id, originator_id, "
            "originator_version, topic, state) "
            "VALUES (-7, gen_random_uuid(), 1, 'GridCell.Defined', '{}'::bytea)"
        )
    report = verified(ledger, signer)
    assert first_problem(report) == ("event-inserted", -7)
    assert [f.position for f in report.findings] == [-7]


@pytest.mark.usefixtures("sealed")
def test_an_event_forged_into_the_sealed_log_is_named(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    """A forger who knows the leaf layout slips a well-hashed event into the middle of the
    log, renumbering every later row: its own hashes check out, but the event after it was
    sealed one place earlier, and the checkpoint's root no longer matches."""
    before = trainings(database)[1]
    ((at,),) = rows(
        database,
        "SELECT recorded_at FROM supervisionledger_events WHERE notification_id = %s",
        (before.position,),
    )
    state = orjson.dumps(
        {"code": "G-X", "name": "forged", "street": "s", "originator_topic": "GridCell"},
        option=orjson.OPT_SORT_KEYS,
    )
    forged = EventLeaf(
        leaf_index=before.leaf_index + 1,
        position=before.position + 1,
        aggregate_id=uuid4(),
        version=1,
        topic="GridCell.Defined",
        recorded_at=at,
        content_hash=content_hash(state),
        prev_hash=GENESIS,
    )
    with as_superuser(database) as su:
        for shift in (1_000_000, -999_999):
            su.execute(
                "UPDATE supervisionledger_events SET notification_id = notification_id + %s, "
                "leaf_index = leaf_index + %s WHERE notification_id > %s",
                (shift, shift, before.position),
            )
        su.execute(
            "INSERT INTO supervisionledger_events (notification_id, originator_id, "
            "originator_version, topic, "
            "state, recorded_at, leaf_index, content_hash, prev_hash, event_hash) "
            "VALUES (%s, %s, 1, %s, %s, %s, %s, %s, %s, %s)",
            (
                forged.position,
                forged.aggregate_id,
                forged.topic,
                state,
                at,
                forged.leaf_index,
                forged.content_hash,
                GENESIS,
                forged.event_hash(),
            ),
        )
    report = verified(ledger, signer)
    assert first_problem(report) == ("event-inserted", forged.position)
    assert report.first is not None and report.first.aggregate_id == forged.aggregate_id
    assert any(f.problem == "checkpoint-root" for f in report.findings), [
        str(f) for f in report.findings
    ]


@pytest.mark.usefixtures("sealed")
def test_reordered_events_are_named(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    everything = events(database)
    first, second = everything[4], everything[9]
    assert first.aggregate_id != second.aggregate_id
    with as_superuser(database) as su:
        for old, new in ((first.position, -1), (second.position, first.position)):
            su.execute(
                "UPDATE supervisionledger_events SET notification_id = %s WHERE notification_id "
                "= %s",
                (new, old),
            )
        su.execute(
            "UPDATE supervisionledger_events SET notification_id = %s WHERE notification_id = -1",
            (second.position,),
        )
    report = verified(ledger, signer)
    assert first_problem(report) == ("events-reordered", first.position)


def test_a_truncated_tail_is_named(
    ledger: SupervisionLedger, database: Database, signer: Signer, sealer: Checkpointer
) -> None:
    given_history(ledger, officers=3)
    sealed = sealer.seal()
    assert sealed is not None
    everything = events(database)
    kept = everything[-4]
    with as_superuser(database) as su:
        su.execute(
            "DELETE FROM supervisionledger_events WHERE notification_id > %s", (kept.position,)
        )
    report = verified(ledger, signer)
    assert first_problem(report) == ("tail-truncated", kept.position + 1)
    assert report.first is not None and report.first.leaf_index == kept.leaf_index + 1
    assert "3 event(s)" in report.first.detail


# Beyond the six ------------------------------------------------------------------------------


@pytest.mark.usefixtures("sealed")
def test_a_rewrite_that_recomputes_every_hash_is_caught_by_the_signed_checkpoint(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    """The forger edits an old event and recomputes its hash and its aggregate's later hashes
    exactly as the database would: every chain checks out, the signed root does not."""
    target = trainings(database)[2]
    stored = [r for r in rows(database, CHAIN) if r[1] == target.aggregate_id]
    previous = GENESIS
    with as_superuser(database) as su:
        for position, oid, version, topic, at, state, leaf, _, _, _ in stored:
            state = bytes(state)
            if position == target.position:
                state = state.replace(b'"hours":8', b'"hours":80')
            fields = EventLeaf(
                leaf, position, oid, version, topic, at, content_hash(state), previous
            )
            su.execute(
                "UPDATE supervisionledger_events SET state = %s, content_hash = %s, prev_hash = "
                "%s, "
                "event_hash = %s WHERE notification_id = %s",
                (state, fields.content_hash, previous, fields.event_hash(), position),
            )
            previous = fields.event_hash()
    report = verified(ledger, signer)
    problem, _ = first_problem(report)
    assert problem == "checkpoint-root"


@pytest.mark.usefixtures("sealed")
def test_an_edited_checkpoint_fails_its_signature(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    with as_superuser(database) as su:
        su.execute("UPDATE supervisionledger_checkpoints SET root_hash = sha256(root_hash)")
    problems = {f.problem for f in verified(ledger, signer).findings}
    assert {"checkpoint-signature", "checkpoint-root"} <= problems


@pytest.mark.usefixtures("sealed")
def test_a_checkpoint_signed_by_another_key_is_named(
    ledger: SupervisionLedger, signer: Signer
) -> None:
    report = verified(ledger, a_signer())
    assert first_problem(report)[0] == "checkpoint-key"


@pytest.mark.usefixtures("sealed")
def test_the_checkpointer_refuses_to_seal_a_tampered_tail(
    database: Database, sealer: Checkpointer
) -> None:
    unsealed = events(database)[-2]  # written after the checkpoint
    with as_superuser(database) as su:
        su.execute(
            "DELETE FROM supervisionledger_events WHERE notification_id = %s", (unsealed.position,)
        )
    with pytest.raises(LogTamperedError) as refused:
        sealer.seal()
    assert refused.value.finding.problem == "event-deleted"
    assert refused.value.finding.position == unsealed.position + 1


@pytest.mark.usefixtures("sealed")
def test_a_checkpointer_starting_on_a_rewritten_log_refuses_to_seal_it(
    ledger: SupervisionLedger, database: Database, signer: Signer
) -> None:
    target = trainings(database)[0]
    with as_superuser(database) as su:
        su.execute(
            "DELETE FROM supervisionledger_events WHERE notification_id = %s", (target.position,)
        )
    with checkpointer(ledger, database, signer) as fresh, pytest.raises(LogTamperedError):
        fresh.seal()
    assert rows(database, "SELECT count(*) FROM supervisionledger_checkpoints") == [(1,)]


def test_the_checkpoint_table_is_append_only(
    ledger: SupervisionLedger, database: Database, sealer: Checkpointer
) -> None:
    given_history(ledger, officers=1)
    assert sealer.seal() is not None
    with psycopg.connect(database.url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM supervisionledger_checkpoints")


def test_a_ledger_starting_on_rows_without_hashes_names_them_and_fills_in_nothing(
    ledger: SupervisionLedger,
    database: Database,
    signer: Signer,
    sealer: Checkpointer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Start-up used to chain rows without hashes, which laundered a forged row into the
    chain. Now it only says where the first one is; ``ledger audit chain-legacy`` (see
    ``test_verify_cli``) is the one explicit way to chain a log from before the chain."""
    from infra.wiring import open_ledger

    given_history(ledger, officers=2)
    assert sealer.seal() is not None
    target = trainings(database)[1]
    with as_superuser(database) as su:
        su.execute(
            "UPDATE supervisionledger_events SET leaf_index = NULL, content_hash = NULL, "
            "prev_hash = NULL, event_hash = NULL WHERE notification_id >= %s",
            (target.position,),
        )
    before = rows(database, CHAIN)
    with caplog.at_level("ERROR", logger="infra.eventstore"):
        open_ledger(database, pool_size=2).close()
    assert f"[unchained-event] position {target.position}" in caplog.text
    assert rows(database, CHAIN) == before
    assert first_problem(verified(ledger, signer)) == ("unchained-event", target.position)
    with checkpointer(ledger, database, signer) as fresh, pytest.raises(LogTamperedError):
        fresh.seal()


def test_a_state_with_a_person_is_refused_without_its_redacted_content_hash(
    ledger: SupervisionLedger, database: Database
) -> None:
    """The verifier takes a state whose bytes hash to its content hash for one without a
    person; the database makes sure a state with a person never gets such a hash by default."""
    state = orjson.dumps({"person": {"digest": "00" * 32, "sealed": "AA==", "subject": "s"}})
    with (
        psycopg.connect(database.url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.CheckViolation, match="redacted form"),
    ):
        conn.execute(
            "INSERT INTO supervisionledger_events (originator_id, originator_version, topic, "
            "state) VALUES (gen_random_uuid(), 1, 'GridCell.Defined', %s)",
            (state,),
        )
