"""A refused inspection attempt: officers came without valid dual certificates (双证), so the
entity was entitled to refuse, and the ledger keeps that on file.

It is written by ``StartInspection`` when ``require_dual_certificates`` fails (the command
still fails with the rule's 409, carrying this record's id as ``refusal_id``). It is not an
inspection and counts as none.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.planning.values import TaskRef


class InspectionRefusal(Aggregate):
    TOPIC = "InspectionRefusal"
    KIND = "inspection-refusal"

    class RefusedForMissingCertificates(Aggregate.Created):
        entity_id: UUID
        task: TaskRef
        agency_id: UUID
        officer_ids: list[UUID]
        e_certificate_number: str | None
        rule: str
        reason: str
        attempted_at: datetime

    @event(RefusedForMissingCertificates)
    def __init__(
        self,
        entity_id: UUID,
        task: TaskRef,
        agency_id: UUID,
        officer_ids: list[UUID],
        e_certificate_number: str | None,
        rule: str,
        reason: str,
        attempted_at: datetime,
    ) -> None:
        self.entity_id = entity_id
        self.task = task
        self.agency_id = agency_id
        self.officer_ids = list(officer_ids)
        self.e_certificate_number = e_certificate_number
        self.rule = rule
        self.reason = reason
        self.attempted_at = attempted_at
