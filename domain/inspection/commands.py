"""Commands of inspections: start under dual certificates, record evidence, conclude."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from domain.commands import AGENCY, ActTime, Code, Command, Text
from domain.inspection.values import Evidence, Outcome
from domain.planning.commands import MAX_TASK_NO


class StartInspection(Command):
    """Start an inspection of a plan task under dual certificates (双证).

    Refused unless at least two officers, each with an enforcement certificate active now, show
    an e-inspection certificate in force now that names them, the entity and the task; the
    refusal is then recorded (``refusal_id`` in the 409) because the entity was entitled to it.
    """

    ROUTE = "POST /inspections"
    ROLES = AGENCY
    plan_id: UUID
    task_no: int = Field(ge=1, le=MAX_TASK_NO)
    entity_id: UUID
    officer_ids: list[UUID] = Field(min_length=1, max_length=20)
    e_certificate_number: Code | None = Field(
        default=None, description="The e-inspection certificate shown; none if none was shown."
    )
    started_at: ActTime


class RecordInspectionEvidence(Command):
    """Record the SHA-256 of the inspection's recordings (audio, video, photos), never the files."""

    ROUTE = "POST /inspections/{inspection_id}/evidence"
    ROLES = AGENCY
    inspection_id: UUID
    items: list[Evidence] = Field(min_length=1, max_length=100)
    recorded_at: ActTime


class ConcludeInspection(Command):
    """Conclude an inspection with its outcome and findings; its tasks are then inspected."""

    ROUTE = "POST /inspections/{inspection_id}/conclusion"
    ROLES = AGENCY
    inspection_id: UUID
    outcome: Outcome
    findings: Text = ""
    concluded_at: ActTime
