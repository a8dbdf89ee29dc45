"""An inspection (行政检查) of an entity, started under dual certificates (双证).

One e-inspection certificate warrants one inspection, so the inspection's id derives from the
certificate's number: starting twice under the same certificate fails as a duplicate. A joint
inspection (several agencies' merged tasks) is one inspection, led by ``agency_id`` and done
by officers of every agency in ``agency_ids``.

What the report counts from here: inspections (``Concluded`` with an outcome other than
``refused_by_entity``) and on-site corrections (``Concluded`` with ``corrected_on_site``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.inspection import rules
from domain.inspection.values import Evidence, Outcome
from domain.planning.values import TaskRef


class Inspection(Aggregate):
    TOPIC = "Inspection"
    KIND = "inspection"

    class Started(Aggregate.Created):
        e_certificate_number: str
        entity_id: UUID
        tasks: list[TaskRef]
        entity_year_id: UUID
        visit_no: int
        agency_id: UUID
        agency_ids: list[UUID]
        officer_ids: list[UUID]
        started_at: datetime

    class EvidenceRecorded(Aggregate.Event):
        entity_id: UUID
        agency_id: UUID
        officer_ids: list[UUID]
        items: list[Evidence]
        recorded_at: datetime

    class Concluded(Aggregate.Event):
        entity_id: UUID
        tasks: list[TaskRef]
        agency_id: UUID
        agency_ids: list[UUID]
        officer_ids: list[UUID]
        outcome: Outcome
        findings: str
        joint: bool
        concluded_at: datetime

    @staticmethod
    def create_id(e_certificate_number: str) -> UUID:
        return natural_id("inspection", e_certificate_number)

    @event(Started)
    def __init__(
        self,
        e_certificate_number: str,
        entity_id: UUID,
        tasks: list[TaskRef],
        entity_year_id: UUID,
        visit_no: int,
        agency_id: UUID,
        agency_ids: list[UUID],
        officer_ids: list[UUID],
        started_at: datetime,
    ) -> None:
        self.e_certificate_number = e_certificate_number
        self.entity_id = entity_id
        self.tasks = list(tasks)
        self.entity_year_id = entity_year_id
        self.visit_no = visit_no
        self.agency_id = agency_id
        self.agency_ids = list(agency_ids)
        self.officer_ids = list(officer_ids)
        self.started_at = started_at
        self.evidence: list[Evidence] = []
        self.outcome: Outcome | None = None
        self.findings = ""
        self.concluded_at: datetime | None = None

    @property
    def concluded(self) -> bool:
        return self.outcome is not None

    @property
    def joint(self) -> bool:
        """Several agencies' tasks merged into one inspection (counted once)."""
        return len(self.tasks) > 1 or len(self.agency_ids) > 1

    def record_evidence(self, items: Sequence[Evidence], at: datetime) -> None:
        """Recordings may arrive after the conclusion (devices sync later), never before start."""
        rules.require_after_start(self.started_at, at, "evidence")
        rules.require_new_evidence({e.sha256 for e in self.evidence}, [e.sha256 for e in items])
        self._record_evidence(self.entity_id, self.agency_id, self.officer_ids, list(items), at)

    @event(EvidenceRecorded)
    def _record_evidence(
        self,
        entity_id: UUID,
        agency_id: UUID,
        officer_ids: list[UUID],
        items: list[Evidence],
        recorded_at: datetime,
    ) -> None:
        self.evidence = [*self.evidence, *items]

    def conclude(self, outcome: Outcome, findings: str, at: datetime) -> None:
        rules.require_open(self.concluded)
        rules.require_after_start(self.started_at, at, "the conclusion")
        rules.require_findings(outcome, findings)
        self._conclude(
            entity_id=self.entity_id,
            tasks=self.tasks,
            agency_id=self.agency_id,
            agency_ids=self.agency_ids,
            officer_ids=self.officer_ids,
            outcome=outcome,
            findings=findings,
            joint=self.joint,
            concluded_at=at,
        )

    @event(Concluded)
    def _conclude(
        self,
        entity_id: UUID,
        tasks: list[TaskRef],
        agency_id: UUID,
        agency_ids: list[UUID],
        officer_ids: list[UUID],
        outcome: Outcome,
        findings: str,
        joint: bool,
        concluded_at: datetime,
    ) -> None:
        self.outcome = outcome
        self.findings = findings
        self.concluded_at = concluded_at
