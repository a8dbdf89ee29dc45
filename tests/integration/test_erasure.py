"""Personal data on real PostgreSQL: sealed in the store, read back in the clear, erased on a
lawful request — and after erasure unreadable anywhere while the log still verifies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import psycopg
import pytest
from eventsourcing.utils import get_topic
from typer.testing import CliRunner

from domain.actors import SYSTEM, Role
from domain.application import SupervisionLedger
from domain.base import EventMeta, recording_as
from domain.cases import commands as cc
from domain.cases.penalty_case import PenaltyCase
from domain.collaboration import commands as co
from domain.personal import PersonalData
from domain.registry.agency import Agency
from gateway.cli import app as cli
from infra.postgres import Database
from infra.privacy import subjects
from infra.privacy.erasure import (
    ErasureGround,
    ErasureOutcome,
    NothingToErase,
    PersonalDataErasure,
    erase,
    subject_report,
)
from infra.privacy.sealing import ERASED_NAME, DataKey, SealTampered, sealed_key_id, unseal
from infra.privacy.vault import KeyVault, SealingCipher
from infra.settings import Settings
from infra.wiring import eventstore_env, open_ledger
from tests.builders import given_agency
from tests.builders_cases import CITIZEN, FILED_ON, given_team, intake_body
from tests.conftest import Clients
from tests.integrity_helpers import a_signer, checkpointer, verified

EVENTS = "supervisionledger_events"
SEALED_ENV = {"CIPHER_TOPIC": get_topic(SealingCipher)}
CASE_NO = "津滨市监罚〔2023〕7号"


@contextmanager
def sealed_ledger(database: Database) -> Iterator[SupervisionLedger]:
    """The ledger with its key vault (the library's cipher slot names the SealingCipher)."""
    app = SupervisionLedger(env={**eventstore_env(database, pool_size=2), **SEALED_ENV})
    try:
        yield app
    finally:
        app.close()
        app.mapper.vault.close()  # type: ignore[attr-defined]


@pytest.fixture
def sealed(database: Database) -> Iterator[SupervisionLedger]:
    with sealed_ledger(database) as app:
        yield app


@pytest.fixture
def vault(database: Database) -> Iterator[KeyVault]:
    made = KeyVault(database.url)
    yield made
    made.close()


def stored_states(database: Database) -> dict[tuple[UUID, int], bytes]:
    with psycopg.connect(database.url) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, state FROM supervisionledger_events"
        ).fetchall()
    return {(row[0], row[1]): bytes(row[2]) for row in rows}


def first_state(database: Database, aggregate_id: UUID) -> dict[str, Any]:
    state: dict[str, Any] = orjson.loads(stored_states(database)[(aggregate_id, 1)])
    return state


def given_citizen_case(ledger: SupervisionLedger, person: PersonalData = CITIZEN) -> UUID:
    agency_id, officers = given_team(ledger)
    body = intake_body(agency_id, officers, None, case_no=CASE_NO)
    body["person"] = person.model_dump(mode="json")
    return ledger.execute(
        cc.FileCase.model_validate(body | {"filed_on": FILED_ON.isoformat()}), SYSTEM
    ).id


def given_cross_regional_case(
    ledger: SupervisionLedger, person: PersonalData = CITIZEN, case_no: str = "跨〔2023〕1号"
) -> UUID:
    agency_id = Agency.create_id("MSA")
    if agency_id not in ledger.repository:
        agency_id = given_agency(ledger, "MSA")
    command = co.OpenCrossRegionalCase.model_validate(
        {
            "case_no": case_no,
            "regions": ["tangshan"],
            "agency_id": str(agency_id),
            "opened_on": "2023-04-01",
            "cause": "无照经营",
            "party_kind": "citizen",
            "person": person.model_dump(mode="json"),
        }
    )
    return ledger.execute(command, SYSTEM).id


def personal_bytes(person: PersonalData) -> list[bytes]:
    values = [person.name, person.id_number, person.phone]
    return [v.encode() for v in values if v] + [orjson.dumps(v)[1:-1] for v in values if v]


def erased_by(
    ledger: SupervisionLedger, vault: KeyVault, subject: str, **kw: Any
) -> ErasureOutcome:
    return erase(
        ledger,
        vault,
        subject=subject,
        ground=kw.get("ground", ErasureGround.RETENTION_EXPIRED),
        reference=kw.get("reference", "津滨司删〔2024〕1号"),
        authorised_by=kw.get("authorised_by", "王某 (法制审核科)"),
    )


def test_personal_data_is_stored_sealed_and_read_back_in_the_clear(
    sealed: SupervisionLedger, database: Database, vault: KeyVault
) -> None:
    case_id = given_citizen_case(sealed)

    stored = stored_states(database)
    for state in stored.values():
        for secret in personal_bytes(CITIZEN):
            assert secret not in state
    person = first_state(database, case_id)["person"]
    assert set(person) == {"subject", "sealed", "digest"}
    assert person["subject"] == vault.candidate_subjects(id_number=CITIZEN.id_number)[0]

    case: PenaltyCase = sealed.repository.get(case_id)
    assert isinstance(case, PenaltyCase)
    assert case.person == CITIZEN
    assert case.state()["state"]["person"] == CITIZEN.model_dump(mode="json")


def test_erasure_makes_the_data_unreadable_everywhere_and_the_log_still_verifies(
    sealed: SupervisionLedger, database: Database, vault: KeyVault
) -> None:
    # Given the same citizen named by a penalty case and a cross-regional case, all sealed.
    case_id = given_citizen_case(sealed)
    cross_id = given_cross_regional_case(sealed)
    subject = first_state(database, case_id)["person"]["subject"]
    assert first_state(database, cross_id)["person"]["subject"] == subject
    signer = a_signer()
    with checkpointer(sealed, database, signer) as sealer:
        assert sealer.seal() is not None
        before = stored_states(database)
        key = vault.key_for(subject)

        # When the subject is erased.
        outcome = erased_by(sealed, vault, subject)
        assert outcome.keys_destroyed == 1 and not outcome.already_recorded

        # Then both records read as erased, and load without error.
        for ident in (case_id, cross_id):
            erased: Any = sealed.repository.get(ident)
            assert erased.person == PersonalData(name=ERASED_NAME)
            assert erased.state()["state"]["person"]["name"] == ERASED_NAME

        # The log is untouched (nothing rewritten) and still verifies, checkpoints too.
        after = stored_states(database)
        assert {k: v for k, v in after.items() if k in before} == before
        assert sealer.seal() is not None  # seals the erasure record too
    report = verified(sealed, signer)
    assert report.ok, report.first

    # No key left opens the ciphertexts, the destroyed key is gone from the table's files.
    for ident in (case_id, cross_id):
        value = first_state(database, ident)["person"]
        assert vault.key(sealed_key_id(value)) is None
        for other in vault.all_keys():
            with pytest.raises(SealTampered):
                unseal(value, DataKey(sealed_key_id(value), other.secret))
    with psycopg.connect(database.url) as conn:
        superuser = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        assert conn.execute(superuser).fetchone() == (True,), "reading table files needs it"
        conn.execute("CHECKPOINT")  # every page on disk, as a thief of the files would see it
        files = conn.execute(
            "SELECT pg_read_binary_file(pg_relation_filepath(c.oid)) FROM pg_class c "
            "WHERE c.relname LIKE 'privacy_subject_keys%' AND pg_relation_filepath(c.oid) "
            "IS NOT NULL"
        ).fetchall()
    assert files
    for (content,) in files:
        assert key.secret not in bytes(content)
        assert key.key_id not in bytes(content)

    # The erasure is on record: who, on what ground, which subject — and no personal data.
    record: PersonalDataErasure = sealed.repository.get(outcome.record_id)
    assert isinstance(record, PersonalDataErasure)
    assert (record.subject, record.ground) == (subject, ErasureGround.RETENTION_EXPIRED)
    assert record.keys_destroyed == [key.key_id.hex()]
    erasure_state = stored_states(database)[(outcome.record_id, 1)]
    for secret in personal_bytes(CITIZEN):
        assert secret not in erasure_state
    report_of = subject_report(vault, subject, EVENTS)
    assert report_of.live_keys == 0
    assert {e.aggregate_id for e in report_of.events} == {case_id, cross_id}
    assert [e["reference"] for e in report_of.erasures] == ["津滨司删〔2024〕1号"]


def test_a_repeated_erasure_records_nothing_new_and_an_unknown_subject_is_refused(
    sealed: SupervisionLedger, database: Database, vault: KeyVault
) -> None:
    case_id = given_citizen_case(sealed)
    subject = first_state(database, case_id)["person"]["subject"]
    first = erased_by(sealed, vault, subject)
    count = len(stored_states(database))

    again = erased_by(sealed, vault, subject)
    assert again.already_recorded and again.record_id == first.record_id
    assert again.keys_destroyed == 0
    with pytest.raises(NothingToErase, match="no personal data keys"):
        erased_by(sealed, vault, subject, reference="another request")
    with pytest.raises(NothingToErase, match="not a subject id"):
        erased_by(sealed, vault, "张三")
    with pytest.raises(NothingToErase, match="no personal data keys"):
        erased_by(sealed, vault, "0" * 32)
    assert len(stored_states(database)) == count


def test_an_erasure_interrupted_after_its_record_is_finished_by_running_it_again(
    sealed: SupervisionLedger, database: Database, vault: KeyVault
) -> None:
    # Given the state a crash between the two commits leaves: the record, and the key alive.
    case_id = given_citizen_case(sealed)
    subject = first_state(database, case_id)["person"]["subject"]
    key = vault.key_for(subject)
    with recording_as(EventMeta(principal="ledger-cli", role=Role.SYSTEM, correlation_id="x")):
        record = PersonalDataErasure(
            subject=subject,
            ground=ErasureGround.CONSENT_WITHDRAWN,
            reference="R-1",
            authorised_by="王某",
            keys_destroyed=[key.key_id.hex()],
            note="",
        )
    sealed.save(record)
    assert sealed.repository.get(case_id).person == CITIZEN

    outcome = erased_by(sealed, vault, subject, reference="R-1")

    assert outcome.already_recorded and outcome.keys_destroyed == 1
    assert sealed.repository.get(case_id).person.name == ERASED_NAME


def test_a_person_recorded_again_after_an_erasure_gets_a_new_key(
    sealed: SupervisionLedger, database: Database, vault: KeyVault
) -> None:
    case_id = given_citizen_case(sealed)
    subject = first_state(database, case_id)["person"]["subject"]
    erased_by(sealed, vault, subject)

    later = given_cross_regional_case(sealed, case_no="跨〔2024〕9号")

    assert sealed.repository.get(later).person == CITIZEN
    assert sealed.repository.get(case_id).person.name == ERASED_NAME
    # A new subject: the new records cannot be linked to the erased ones.
    again = first_state(database, later)["person"]["subject"]
    assert again != subject
    assert vault.candidate_subjects(id_number=CITIZEN.id_number) == [again]
    assert len(vault.live_key_ids(again)) == 1
    assert vault.live_key_ids(subject) == []


def test_after_erasure_the_person_s_details_lead_to_nothing_and_the_log_verifies(
    sealed: SupervisionLedger, database: Database, vault: KeyVault
) -> None:
    case_id = given_citizen_case(sealed)
    subject = first_state(database, case_id)["person"]["subject"]
    material = subjects.identifying_material(CITIZEN.model_dump())
    # Random, not computed from the person: the vault's secret alone does not give it.
    assert subject != subjects.subject_id(vault.secret(), material)
    assert vault.candidate_subjects(id_number=CITIZEN.id_number) == [subject]
    signer = a_signer()
    with checkpointer(sealed, database, signer) as sealer:
        assert sealer.seal() is not None
        erased_by(sealed, vault, subject)
        assert sealer.seal() is not None

    assert vault.candidate_subjects(id_number=CITIZEN.id_number) == []
    assert vault.candidate_subjects(name=CITIZEN.name, phone=CITIZEN.phone) == []
    with psycopg.connect(database.url) as conn:
        left = conn.execute("SELECT count(*) FROM privacy_subjects WHERE subject = %s", (subject,))
        assert left.fetchone() == (0,)
    report = verified(sealed, signer)
    assert report.ok, report.first


def test_a_ledger_without_the_vault_refuses_to_read_sealed_data_rather_than_guess(
    sealed: SupervisionLedger, database: Database
) -> None:
    case_id = given_citizen_case(sealed)
    # No cipher slot, whatever the wiring or the environment says.
    plain = SupervisionLedger(env={**eventstore_env(database, pool_size=2), "CIPHER_TOPIC": ""})
    try:
        assert plain.mapper.vault is None  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="no key vault"):
            plain.repository.get(case_id)
    finally:
        plain.close()


def test_the_command_line_finds_the_subject_and_erases_it(
    sealed: SupervisionLedger,
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_id = given_citizen_case(sealed)
    monkeypatch.setenv("LEDGER_DATABASE_URL", database.url)
    monkeypatch.setenv("LEDGER_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    found = runner.invoke(
        cli, ["privacy", "subject", "--id-number", CITIZEN.id_number or "", "--json"]
    )
    assert found.exit_code == 0, found.output
    (report,) = orjson.loads(found.output)
    assert report["live_keys"] == 1
    assert [e["aggregate_id"] for e in report["events"]] == [str(case_id)]
    subject = report["subject"]

    erased = runner.invoke(
        cli,
        [
            "privacy",
            "erase",
            "--subject",
            subject,
            "--ground",
            "purpose_fulfilled",
            "--reference",
            "津滨司删〔2024〕2号",
            "--authorised-by",
            "李某",
        ],
    )
    assert erased.exit_code == 0, erased.output
    assert f"erased subject {subject}: 1 keys destroyed" in erased.output
    assert sealed.repository.get(case_id).person.name == ERASED_NAME

    # The id number leads nowhere now; the subject id (from the erasure record) still shows
    # what the ledger holds under it.
    shown = runner.invoke(cli, ["privacy", "subject", "--id-number", CITIZEN.id_number or ""])
    assert shown.exit_code == 0, shown.output
    assert "no subject is recorded under these details" in shown.output
    assert subject not in shown.output
    by_subject = runner.invoke(cli, ["privacy", "subject", "--subject", subject])
    assert "no live key" in by_subject.output and "purpose_fulfilled" in by_subject.output
    assert str(case_id) in by_subject.output
    refused = runner.invoke(
        cli,
        [
            "privacy",
            "erase",
            "--subject",
            subject,
            "--ground",
            "purpose_fulfilled",
            "--reference",
            "another",
            "--authorised-by",
            "李某",
        ],
    )
    assert refused.exit_code == 1
    assert "no personal data keys" in refused.output


def test_after_an_erasure_elsewhere_the_gateway_shows_the_person_erased(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The gateway's ledger as the wiring builds it (cache and all), sealing through the
    # environment the library reads; the erasure runs elsewhere, as `ledger privacy erase`.
    monkeypatch.setenv("CIPHER_TOPIC", get_topic(SealingCipher))
    served = open_ledger(database, pool_size=2)
    web = Clients(served, Settings(data_dir=tmp_path))
    try:
        case_id = given_citizen_case(served)
        path = f"/api/v1/penalty-cases/{case_id}"
        assert web.office.get(path).json()["state"]["person"] == CITIZEN.model_dump(mode="json")

        elsewhere = open_ledger(database, pool_size=2)
        vault = KeyVault(database.url)
        try:
            subject = first_state(database, case_id)["person"]["subject"]
            erased_by(elsewhere, vault, subject)
        finally:
            vault.close()
            elsewhere.close()

        person = web.office.get(path).json()["state"]["person"]
        assert person == {"name": ERASED_NAME, "id_number": None, "phone": None}
        assert web.auditor.get(path).json()["state"]["person"]["name"] == ERASED_NAME
    finally:
        web.app.state.committer.close()
        served.close()


def test_after_an_erasure_a_get_of_the_record_shows_the_person_erased(
    sealed: SupervisionLedger, database: Database, vault: KeyVault, tmp_path: Path
) -> None:
    web = Clients(sealed, Settings(data_dir=tmp_path))
    try:
        case_id = given_citizen_case(sealed)
        path = f"/api/v1/penalty-cases/{case_id}"
        assert web.office.get(path).json()["state"]["person"] == CITIZEN.model_dump(mode="json")

        outcome = erased_by(sealed, vault, first_state(database, case_id)["person"]["subject"])

        person = web.office.get(path).json()["state"]["person"]
        assert person == {"name": ERASED_NAME, "id_number": None, "phone": None}
        record = f"/api/v1/erasures/{outcome.record_id}"
        assert web.auditor.get(record).json()["state"]["ground"] == "retention_expired"
        assert web.office.get(record).status_code == 200
        agency = first_state(database, case_id)["agency_id"]
        assert web.officer_of(UUID(agency)).get(record).status_code == 403
        assert web.partner("tangshan").get(record).status_code == 403
    finally:
        web.app.state.committer.close()
