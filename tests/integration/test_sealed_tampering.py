"""A sealed personal value edited in PostgreSQL (its ciphertext no longer matches its digest):
the history over HTTP and on the CLI, and a GET of the record, answer with a problem naming
the event's position — not a traceback."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast
from uuid import UUID

import orjson
import pytest
from typer.testing import CliRunner

from domain.application import SupervisionLedger
from domain.registry.agency import Agency
from gateway.cli import app as cli
from infra.mapper import PydanticMapper
from infra.postgres import Database
from infra.privacy.sealing import ERASED, DataKey
from infra.privacy.subjects import new_subject_id
from infra.privacy.vault import KeyVault
from infra.settings import Settings
from tests.builders_cases import CITIZEN
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem
from tests.integration.test_erasure import EVENTS, SEALED_ENV, given_citizen_case, sealed
from tests.integrity_helpers import as_superuser

__all__ = ["sealed"]  # the fixture, shared with the erasure tests


@pytest.fixture
def web(sealed: SupervisionLedger, tmp_path: Path) -> Iterator[Clients]:
    made = Clients(sealed, Settings(data_dir=tmp_path))
    yield made
    made.app.state.committer.close()


def vault_of(ledger: SupervisionLedger) -> KeyVault:
    vault = cast(PydanticMapper, ledger.mapper).vault
    assert vault is not None
    return vault


def tamper_with_the_sealed_person(
    database: Database, case_id: UUID, change: Callable[[dict[str, str]], None] | None = None
) -> int:
    """Flip one byte of the case's first event's ciphertext (or ``change`` its sealed person
    otherwise), as an intruder with SQL would; the event's position."""
    with as_superuser(database) as conn:
        position, raw = conn.execute(
            f"SELECT notification_id, state FROM {EVENTS} "  # noqa: S608 - a constant
            "WHERE originator_id = %s AND originator_version = 1",
            (case_id,),
        ).fetchone() or (0, b"")
        state = orjson.loads(bytes(raw))
        if change is None:
            blob = bytearray(base64.b64decode(state["person"]["sealed"]))
            blob[-1] ^= 0x01
            state["person"]["sealed"] = base64.b64encode(bytes(blob)).decode()
        else:
            change(state["person"])
        conn.execute(
            f"UPDATE {EVENTS} SET state = %s WHERE notification_id = %s",  # noqa: S608
            (orjson.dumps(state), position),
        )
    assert position
    return int(position)


def assert_tampered_at(response: object, position: int) -> dict[str, object]:
    """A 409 ``sealed-value-tampered`` naming the event at ``position``; its body."""
    body = assert_problem(response, 409, "sealed-value-tampered")
    assert body["position"] == position
    return body


def test_history_and_record_reads_name_the_tampered_event(
    sealed: SupervisionLedger, web: Clients, database: Database
) -> None:
    case_id = given_citizen_case(sealed)
    assert web.auditor.get(f"/api/v1/audit/penalty-case/{case_id}/history").status_code == 200
    position = tamper_with_the_sealed_person(database, case_id)

    response = web.auditor.get(f"/api/v1/audit/penalty-case/{case_id}/history")
    body = assert_tampered_at(response, position)
    assert f"position {position}" in str(body["detail"])
    assert_tampered_at(web.office.get(f"/api/v1/penalty-cases/{case_id}"), position)


def test_a_sealed_value_moved_under_another_subject_is_refused_not_shown_erased(
    sealed: SupervisionLedger, web: Clients, database: Database
) -> None:
    # The replay reads each person's key with the events, found by the subject the row names.
    # Moved under another subject, the row finds that subject's key, not its own: its own is
    # then asked of the vault by its id, and the ciphertext, bound to its true subject, does
    # not open. Reading "not among the keys found" as "erased" would hide the tampering.
    someone_else = new_subject_id()
    vault_of(sealed).key_for(someone_else)  # a subject with a key of its own
    case_id = given_citizen_case(sealed)

    def rename(person: dict[str, str]) -> None:
        person["subject"] = someone_else

    position = tamper_with_the_sealed_person(database, case_id, rename)

    assert_tampered_at(web.auditor.get(f"/api/v1/audit/penalty-case/{case_id}/history"), position)


def test_a_replay_opens_its_people_with_keys_read_beside_its_events(
    sealed: SupervisionLedger, web: Clients, database: Database
) -> None:
    case_id = given_citizen_case(sealed)
    vault = vault_of(sealed)
    asked: list[bytes] = []
    key_by_id = vault.key

    def counted(key_id: bytes) -> DataKey | None:
        asked.append(key_id)
        return key_by_id(key_id)

    vault.key = counted  # type: ignore[method-assign]
    history = web.auditor.get(f"/api/v1/audit/penalty-case/{case_id}/history").json()
    assert history["steps"][0]["payload"]["person"]["name"] == CITIZEN.name
    assert history["state"]["person"]["id_number"] == CITIZEN.id_number
    assert asked == []  # no query of its own per person
    with as_superuser(database) as conn:
        conn.execute("DELETE FROM privacy_subject_keys")  # as an erasure does, elsewhere
    history = web.auditor.get(f"/api/v1/audit/penalty-case/{case_id}/history").json()
    assert history["state"]["person"] == ERASED  # no key kept from the read before
    assert len(asked) == 1  # the key not found beside the events: the vault decides


def test_a_caller_who_may_not_read_the_record_learns_nothing_of_the_tampering(
    sealed: SupervisionLedger, web: Clients, database: Database
) -> None:
    case_id = given_citizen_case(sealed)
    stranger = web.officer_of(Agency.create_id("ELSEWHERE"))
    owner = web.officer_of(sealed.repository.get(case_id).agency_id)
    history = f"/api/v1/audit/penalty-case/{case_id}/history"
    record = f"/api/v1/penalty-cases/{case_id}"
    intact = [
        web.partner("tangshan").get(history).status_code,
        stranger.get(record).status_code,
        owner.get(record).status_code,
    ]
    tamper_with_the_sealed_person(database, case_id)

    # As for the intact record: a partner the case does not concern and an officer of another
    # agency are refused; the case's own agency is told of the tampering.
    assert intact == [403, 403, 200]
    assert_problem(web.partner("tangshan").get(history), 403, "forbidden")
    assert_problem(stranger.get(record), 403, "forbidden")
    assert_problem(owner.get(record), 409, "sealed-value-tampered")


def test_the_command_line_history_says_it_in_one_line(
    sealed: SupervisionLedger, database: Database, tmp_path: Path
) -> None:
    case_id = given_citizen_case(sealed)
    position = tamper_with_the_sealed_person(database, case_id)
    env = {"LEDGER_DATABASE_URL": database.url, "LEDGER_DATA_DIR": str(tmp_path), **SEALED_ENV}
    result = CliRunner().invoke(cli, ["history", "penalty-case", str(case_id)], env=env)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"position {position}" in result.output
    assert len(result.output.strip().splitlines()) == 1
