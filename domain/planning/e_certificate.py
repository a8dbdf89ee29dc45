"""An e-inspection certificate (电子检查证): the per-visit warrant shown with the officers'
enforcement certificates (双证). Without a valid one the entity may refuse the inspection.

It names the officers (at least two, certified on every day of its window as far as the
registry knows at issue), the entity, the plan task — or, when that task was merged, the joint
inspection and all of its tasks — and a validity window inside the task's period. Anyone can
verify it by its number (``GET /api/v1/public/e-certificates/{number}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event
from pydantic import Field

from domain.base import Aggregate
from domain.ids import natural_id
from domain.planning import rules
from domain.planning.entity_year import EntityYear
from domain.planning.values import (
    ECertificateStatus,
    OfficerOnDuty,
    Substitution,
    TaskRef,
    Visit,
    e_certificate_status,
)
from domain.registry.officer import Officer
from domain.rules import require_team
from domain.values import local_date


class ECertificate(Aggregate):
    TOPIC = "ECertificate"
    KIND = "e-certificate"

    class Issued(Aggregate.Created):
        number: str
        entity_id: UUID
        task: TaskRef
        tasks: list[TaskRef]
        entity_year_id: UUID
        visit_no: int
        agency_id: UUID
        agency_ids: list[UUID]
        officers: list[OfficerOnDuty]
        valid_from: datetime
        valid_until: datetime
        issued_at: datetime
        # Who was drawn at random for the visit's tasks (none for tasks added by hand, and in
        # certificates issued before the draw was enforced).
        drawn_officer_ids: list[UUID] = Field(default_factory=list)

    class DrawnOfficerReplaced(Aggregate.Event):
        """A drawn officer who cannot go replaced by a colleague, with the reason."""

        number: str
        agency_id: UUID
        drawn_officer_id: UUID
        substitute_id: UUID
        reason: str
        replaced_at: datetime

    class Revoked(Aggregate.Event):
        number: str
        agency_id: UUID
        reason: str
        revoked_at: datetime

    @staticmethod
    def create_id(number: str) -> UUID:
        return natural_id("e-certificate", number)

    @classmethod
    def issue(
        cls,
        number: str,
        task: TaskRef,
        year: EntityYear,
        visit: Visit,
        officers: Sequence[Officer],
        window: tuple[datetime, datetime],
        issued_at: datetime,
        drawn: Sequence[Officer] = (),
        substitutions: Sequence[Substitution] = (),
    ) -> ECertificate:
        """Issue for ``task`` and the rest of its ``visit`` on the entity's ``year``.

        The officers must be certified on every day of the window as far as the registry
        knows now (a retirement already on file counts); a revocation recorded later is caught
        when the inspection starts, which checks again at its own moment.
        """
        valid_from, valid_until = window
        rules.require_window(valid_from, valid_until, issued_at, visit.period)
        require_team([o.id for o in officers], act="an e-inspection certificate")
        rules.require_officers_of(officers, visit.agency_ids)
        rules.require_every_agency_present(officers, visit.agency_ids)
        rules.require_certified_throughout(officers, valid_from, valid_until)
        rules.require_drawn_officers_named(drawn, officers, substitutions)
        first_day = local_date(valid_from)
        on_duty = [
            OfficerOnDuty(officer_id=o.id, certificate_no=held.number)
            for o in officers
            if (held := o.certificate_on(first_day)) is not None
        ]
        certificate = cls(
            number=number,
            entity_id=year.entity_id,
            task=task,
            tasks=list(visit.tasks),
            entity_year_id=year.id,
            visit_no=visit.visit_no,
            agency_id=visit.lead_agency_id,
            agency_ids=list(visit.agency_ids),
            officers=on_duty,
            valid_from=valid_from,
            valid_until=valid_until,
            issued_at=issued_at,
            drawn_officer_ids=[o.id for o in drawn],
        )
        for sub in substitutions:
            certificate._replace(
                number,
                certificate.agency_id,
                sub.drawn_officer_id,
                sub.substitute_id,
                sub.reason,
                issued_at,
            )
        return certificate

    @event(Issued)
    def __init__(
        self,
        number: str,
        entity_id: UUID,
        task: TaskRef,
        tasks: list[TaskRef],
        entity_year_id: UUID,
        visit_no: int,
        agency_id: UUID,
        agency_ids: list[UUID],
        officers: list[OfficerOnDuty],
        valid_from: datetime,
        valid_until: datetime,
        issued_at: datetime,
        drawn_officer_ids: list[UUID],
    ) -> None:
        self.number = number
        self.entity_id = entity_id
        self.task = task
        self.tasks = list(tasks)
        self.entity_year_id = entity_year_id
        self.visit_no = visit_no
        self.agency_id = agency_id
        self.agency_ids = list(agency_ids)
        self.officers = list(officers)
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.issued_at = issued_at
        self.revoked_at: datetime | None = None
        self.revocation_reason: str | None = None
        self.attending_officer_ids = list(drawn_officer_ids)
        """Who must be among the inspecting officers: the drawn, or their substitutes."""

    # Queries -----------------------------------------------------------------------------

    def status_at(self, moment: datetime) -> ECertificateStatus:
        return e_certificate_status(self.valid_from, self.valid_until, self.revoked_at, moment)

    @property
    def officer_ids(self) -> list[UUID]:
        return [o.officer_id for o in self.officers]

    # Commands ----------------------------------------------------------------------------

    def revoke(self, reason: str, at: datetime) -> None:
        rules.require_not_revoked(self.number, self.revoked_at is not None)
        rules.require_revocation_after_issue(self.number, self.issued_at, at)
        self._revoke(self.number, self.agency_id, reason, at)

    @event(DrawnOfficerReplaced)
    def _replace(
        self,
        number: str,
        agency_id: UUID,
        drawn_officer_id: UUID,
        substitute_id: UUID,
        reason: str,
        replaced_at: datetime,
    ) -> None:
        self.attending_officer_ids = [
            substitute_id if i == drawn_officer_id else i for i in self.attending_officer_ids
        ]

    @event(Revoked)
    def _revoke(self, number: str, agency_id: UUID, reason: str, revoked_at: datetime) -> None:
        self.revoked_at = revoked_at
        self.revocation_reason = reason
