"""A lawful erasure of an individual's personal data, and its record.

``erase`` destroys the subject's data keys (and the vault's link from the person to the
subject: after it, no one can find the subject from the person's id number) and records the
erasure as an event of its own (``PersonalDataErasure.Recorded``): which subject (its
pseudonym, never the personal data), on what legal ground, under which request or decision,
authorised by whom, which keys were destroyed; when, by the database's clock, and by which
principal, as for every event.

Atomicity: the keys are deleted in a vault transaction that commits only after the record was
written, so there is never an erasure without its record. A crash between the two commits
leaves the record and the keys; erasing again under the same reference finds the record and
destroys the keys it names (the record's id is derived from subject and reference, so the
retry writes no second record).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.domain import event
from psycopg import sql

from domain.actors import SYSTEM, Actor, Role
from domain.application import SupervisionLedger
from domain.base import Aggregate, EventMeta, recording_as
from domain.errors import DomainError
from domain.ids import natural_id
from infra.privacy.vault import KeyVault

SUBJECT = re.compile(r"^[0-9a-f]{32}$")


class ErasureGround(StrEnum):
    """Why personal data is erased (Personal Information Protection Law, art. 47)."""

    PURPOSE_FULFILLED = "purpose_fulfilled"  # 处理目的已实现、无法实现或不再必要
    RETENTION_EXPIRED = "retention_expired"  # 保存期限已届满
    CONSENT_WITHDRAWN = "consent_withdrawn"  # 个人撤回同意
    UNLAWFUL_PROCESSING = "unlawful_processing"  # 违反法律、行政法规或约定处理
    ORDERED = "ordered"  # 法院裁判或主管部门决定
    OTHER_LAWFUL = "other_lawful"  # 法律、行政法规规定的其他情形


class PersonalDataErasure(Aggregate):
    """The record of one erasure: one subject, one request (its reference)."""

    TOPIC = "PersonalDataErasure"
    KIND = "erasure"

    class Recorded(Aggregate.Created):
        subject: str
        ground: ErasureGround
        reference: str
        """The request or decision erased under (its document number)."""
        authorised_by: str
        """The official who authorised it (acting in office, not a data subject)."""
        keys_destroyed: list[str]
        """Hex ids of the data keys destroyed (random ids; they reveal nothing)."""
        note: str

    @staticmethod
    def create_id(subject: str, reference: str) -> UUID:
        return natural_id("erasure", f"{subject}:{reference}")

    @event(Recorded)
    def __init__(
        self,
        subject: str,
        ground: ErasureGround,
        reference: str,
        authorised_by: str,
        keys_destroyed: list[str],
        note: str,
    ) -> None:
        self.subject = subject
        self.ground = ground
        self.reference = reference
        self.authorised_by = authorised_by
        self.keys_destroyed = list(keys_destroyed)
        self.note = note

    def readable_by(self, actor: Actor) -> bool:
        """The supervision office and auditors only: not a record of any agency or region."""
        return actor.role in (Role.SYSTEM, Role.SUPERVISOR, Role.AUDITOR)


class NothingToErase(DomainError):
    title = "Nothing to erase"


@dataclass(frozen=True)
class ErasureOutcome:
    record_id: UUID
    subject: str
    keys_destroyed: int
    already_recorded: bool
    """The erasure had been recorded before (a retry); only leftover keys were destroyed."""


def erase(
    ledger: SupervisionLedger,
    vault: KeyVault,
    *,
    subject: str,
    ground: ErasureGround,
    reference: str,
    authorised_by: str,
    note: str = "",
    actor: Actor = SYSTEM,
) -> ErasureOutcome:
    """Destroy ``subject``'s keys and record the erasure (see the module's notes)."""
    if not SUBJECT.match(subject):
        raise NothingToErase(f"{subject!r} is not a subject id (32 hexadecimal digits)")
    reference, authorised_by = reference.strip(), authorised_by.strip()
    if not reference or not authorised_by:
        raise NothingToErase("an erasure names its reference and who authorised it")
    ident = PersonalDataErasure.create_id(subject, reference)
    if ident in ledger.repository:
        earlier: PersonalDataErasure = ledger.repository.get(ident)
        leftover = vault.destroy_keys(subject, [bytes.fromhex(k) for k in earlier.keys_destroyed])
        return ErasureOutcome(ident, subject, leftover, already_recorded=True)
    meta = EventMeta(
        principal=actor.principal,
        role=actor.role,
        agency_id=actor.agency_id,
        correlation_id=f"erasure-{uuid.uuid4()}",
    )
    with vault.destroying(subject) as key_ids:
        if not key_ids:
            raise NothingToErase(
                f"subject {subject} has no personal data keys: never recorded, or already erased"
            )
        with recording_as(meta):
            record = PersonalDataErasure(
                subject=subject,
                ground=ground,
                reference=reference,
                authorised_by=authorised_by,
                keys_destroyed=sorted(k.hex() for k in key_ids),
                note=note,
            )
        ledger.save(record)
    return ErasureOutcome(record.id, subject, len(key_ids), already_recorded=False)


# What the ledger holds about a subject (for ``ledger privacy subject``) ----------------------


@dataclass(frozen=True)
class SubjectEvent:
    position: int
    aggregate_id: UUID
    version: int
    topic: str
    recorded_at: datetime


@dataclass(frozen=True)
class SubjectReport:
    subject: str
    live_keys: int
    events: list[SubjectEvent]
    """The events whose personal data is sealed under this subject."""
    erasures: list[dict[str, Any]]
    """The erasures recorded for this subject (state of each record, with its position)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "live_keys": self.live_keys,
            "events": [
                {
                    "position": e.position,
                    "aggregate_id": str(e.aggregate_id),
                    "version": e.version,
                    "topic": e.topic,
                    "recorded_at": e.recorded_at.isoformat(),
                }
                for e in self.events
            ],
            "erasures": self.erasures,
        }


ERASURE_TOPIC = PersonalDataErasure.Recorded.TOPIC


def subject_report(vault: KeyVault, subject: str, events_table: str) -> SubjectReport:
    """The events naming ``subject`` (a scan of the log for its pseudonym), its erasures."""
    needle = f'"subject":"{subject}"'
    query = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, recorded_at, state "
        "FROM {} WHERE position(convert_to(%s, 'UTF8') in state) > 0 ORDER BY notification_id"
    ).format(sql.Identifier(events_table))
    with psycopg.connect(vault.url) as conn:
        rows = conn.execute(query, (needle,)).fetchall()
    events = [
        SubjectEvent(row[0], row[1], row[2], row[3], row[4])
        for row in rows
        if row[3] != ERASURE_TOPIC
    ]
    erasures = [
        {"position": row[0], "record_id": str(row[1]), "recorded_at": row[4].isoformat()}
        | {k: v for k, v in orjson.loads(row[5]).items() if k not in ("originator_topic",)}
        for row in rows
        if row[3] == ERASURE_TOPIC
    ]
    return SubjectReport(subject, len(vault.live_key_ids(subject)), events, erasures)
