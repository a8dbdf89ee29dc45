"""Rules of inspections, as pure functions: each raises a ``RuleViolation`` naming itself.

The central one is ``require_dual_certificates`` (双证): an inspection starts only with at
least two officers, each holding an enforcement certificate (执法证) active at that moment,
under an e-inspection certificate (电子检查证) in force at that moment that names those
officers, that entity and every task the inspection covers. Without it the entity may refuse
the inspection, and the ledger records that refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from domain.errors import RuleViolation
from domain.inspection.values import Outcome
from domain.planning.values import (
    ECertificateStatus,
    OfficerOnDuty,
    TaskRef,
    e_certificate_status,
)
from domain.registry.officer import Officer
from domain.rules import require_certified, require_team
from domain.values import local_date


class Warrant(Protocol):
    """What the dual-certificate rule reads of an e-inspection certificate."""

    @property
    def number(self) -> str: ...
    @property
    def entity_id(self) -> UUID: ...
    @property
    def tasks(self) -> list[TaskRef]: ...
    @property
    def officer_ids(self) -> list[UUID]: ...
    @property
    def valid_from(self) -> datetime: ...
    @property
    def valid_until(self) -> datetime: ...
    @property
    def issued_at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...


def require_e_certificate_shown(shown: str | None, warrant: Warrant | None) -> Warrant:
    """An e-inspection certificate is shown, and the ledger knows it."""
    if shown is None:
        raise RuleViolation(
            "e-certificate-shown",
            "no e-inspection certificate (电子检查证) was shown; the entity may refuse the "
            "inspection",
        )
    if warrant is None:
        raise RuleViolation(
            "e-certificate-shown", f"no e-inspection certificate numbered {shown} was ever issued"
        )
    return warrant


def require_e_certificate_in_force(warrant: Warrant, moment: datetime) -> None:
    """The certificate was issued by ``moment``, its window covers it, and it is not revoked."""
    if warrant.issued_at > moment:
        raise RuleViolation(
            "e-certificate-in-force",
            f"e-inspection certificate {warrant.number} was issued after the inspection began",
        )
    status = e_certificate_status(
        warrant.valid_from, warrant.valid_until, warrant.revoked_at, moment
    )
    if status is not ECertificateStatus.VALID:
        raise RuleViolation(
            "e-certificate-in-force",
            f"e-inspection certificate {warrant.number} is {status.value.replace('_', ' ')} at "
            f"{moment.isoformat()} (valid {warrant.valid_from.isoformat()} to "
            f"{warrant.valid_until.isoformat()})",
        )


def require_e_certificate_names(
    warrant: Warrant, officers: Sequence[Officer], entity_id: UUID, tasks: Sequence[TaskRef]
) -> None:
    """The certificate names every officer present, the entity, and every task covered."""
    if warrant.entity_id != entity_id:
        raise RuleViolation(
            "e-certificate-names-the-inspection",
            f"e-inspection certificate {warrant.number} is for another entity",
        )
    missing_tasks = [t for t in tasks if t not in warrant.tasks]
    if missing_tasks:
        raise RuleViolation(
            "e-certificate-names-the-inspection",
            f"e-inspection certificate {warrant.number} does not name {missing_tasks[0]}",
        )
    strangers = [o for o in officers if o.id not in warrant.officer_ids]
    if strangers:
        named = ", ".join(f"{o.officer_no} ({o.name})" for o in strangers)
        raise RuleViolation(
            "e-certificate-names-the-inspection",
            f"e-inspection certificate {warrant.number} does not name the officer"
            f"{'s' if len(strangers) > 1 else ''} present {named}",
        )


def require_dual_certificates(
    moment: datetime,
    officers: Sequence[Officer],
    shown: str | None,
    warrant: Warrant | None,
    entity_id: UUID,
    tasks: Sequence[TaskRef],
) -> Warrant:
    """双证: two or more officers with enforcement certificates active at ``moment``, under an
    e-inspection certificate in force at ``moment`` naming them, the entity and the tasks.
    Returns the certificate that warrants the inspection."""
    require_team([o.id for o in officers], act="an inspection")
    require_certified(officers, local_date(moment))
    held = require_e_certificate_shown(shown, warrant)
    require_e_certificate_in_force(held, moment)
    require_e_certificate_names(held, officers, entity_id, tasks)
    return held


def require_certificates_as_named(
    number: str, named: Sequence[OfficerOnDuty], officers: Sequence[Officer], day: date
) -> None:
    """双证 are shown together: each officer's enforcement certificate on the day is the one
    the e-inspection certificate names (a certificate replaced since its issue is another)."""
    named_no = {o.officer_id: o.certificate_no for o in named}
    for officer in officers:
        held = officer.certificate_on(day)
        expected = named_no.get(officer.id)
        if held is not None and expected is not None and held.number != expected:
            raise RuleViolation(
                "e-certificate-names-the-inspection",
                f"e-inspection certificate {number} names officer {officer.officer_no} with "
                f"enforcement certificate {expected}; they hold {held.number} on {day}: issue a "
                "new e-inspection certificate",
            )


def require_task_of_entity(task: TaskRef, task_entity_id: UUID, entity_id: UUID) -> None:
    if task_entity_id != entity_id:
        raise RuleViolation("task-of-the-entity", f"{task} is the inspection of another entity")


def require_open(concluded: bool) -> None:
    if concluded:
        raise RuleViolation("conclude-once", "this inspection is already concluded")


def require_after_start(started_at: datetime, moment: datetime, what: str) -> None:
    if moment < started_at:
        raise RuleViolation(
            "after-the-start", f"{what} cannot be dated before the inspection started"
        )


def require_findings(outcome: Outcome, findings: str) -> None:
    """Whatever was not simply compliant is written down."""
    if outcome is not Outcome.COMPLIANT and not findings.strip():
        raise RuleViolation(
            "findings-required",
            f"an inspection concluded as {outcome.value.replace('_', ' ')} states its findings",
        )


def require_new_evidence(recorded: set[str], sha256s: Sequence[str]) -> None:
    """Each recording is on file once (the same file twice is a mistake, not more evidence)."""
    seen = set(recorded)
    for digest in sha256s:
        if digest in seen:
            raise RuleViolation(
                "evidence-recorded-once", f"the file with SHA-256 {digest[:12]}… is already on file"
            )
        seen.add(digest)
