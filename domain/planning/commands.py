"""Commands of inspection planning: plans and their tasks, the double-random draw, and
e-inspection certificates. Joint-inspection matching needs no command of its own: the
platform matches every task as it is scheduled (see ``entity_year.py``)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.commands import AGENCY, ActTime, Code, Command, Name, Text
from domain.planning.values import PlanKind, Substitution

MAX_TASK_NO = 100_000
SEED_MAX = 2**63 - 1


class DrawUpInspectionPlan(Command):
    """Draw up an agency's inspection plan (行政检查计划) for a year."""

    ROUTE = "POST /inspection-plans"
    ROLES = AGENCY
    plan_no: Code
    kind: PlanKind
    agency_id: UUID = Field(description="The agency whose plan it is (the lead of a joint one).")
    partner_agency_ids: list[UUID] = Field(
        default=[], max_length=30, description="The other agencies of a joint random task."
    )
    year: int = Field(ge=2000, le=2100)
    title: Name
    item_codes: list[Code] = Field(
        min_length=1, max_length=100, description="Inspection items (检查事项) it checks."
    )
    drawn_up_at: ActTime


class TaskSpec(BaseModel):
    """A task to add: the entity to inspect and the days it is to be inspected."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entity_id: UUID
    period_from: date
    period_to: date


class AddPlanTasks(Command):
    """Add tasks to a special or routine plan (random plans draw theirs)."""

    ROUTE = "POST /inspection-plans/{plan_id}/tasks"
    ROLES = AGENCY
    plan_id: UUID
    tasks: list[TaskSpec] = Field(min_length=1, max_length=500)
    added_at: ActTime


class DrawDoubleRandom(Command):
    """Draw entities and officers at random for a random plan (双随机), reproducibly.

    The draw is ``domain.planning.draw.draw(seed, candidates …)`` with a seed the ledger picks
    at random when it records the draw (a caller choosing the seed could compute draws offline
    and pick the one it wants); the event records the seed and the candidates so anyone can
    re-run it. A drawn entity rated A is exempted from inspection (诚信免查) unless
    ``honesty_exemption`` is false.
    """

    ROUTE = "POST /inspection-plans/{plan_id}/draws"
    ROLES = AGENCY
    plan_id: UUID
    candidate_entity_ids: list[UUID] = Field(min_length=1, max_length=5000)
    candidate_officer_ids: list[UUID] = Field(min_length=1, max_length=500)
    entities_to_draw: int = Field(ge=1, le=5000)
    officers_per_entity: int = Field(ge=1, le=10)
    period_from: date
    period_to: date
    drawn_at: ActTime
    honesty_exemption: bool = True


class DrawDoubleRandomSeeded(DrawDoubleRandom):
    """The same draw with a seed given by the caller: for the ledger's own processes (the
    simulated year, the demo data, tests), which must be reproducible. It has no HTTP route,
    so no user of the ledger can choose a seed."""

    ROUTE = ""
    seed: int = Field(ge=0, le=SEED_MAX)


class CancelPlanTask(Command):
    """Cancel a scheduled task of a plan, giving the reason."""

    ROUTE = "POST /inspection-plans/{plan_id}/tasks/{task_no}/cancellation"
    ROLES = AGENCY
    plan_id: UUID
    task_no: int = Field(ge=1, le=MAX_TASK_NO)
    reason: Text = Field(min_length=1)
    cancelled_at: ActTime


class CompleteInspectionPlan(Command):
    """Mark a plan completed: every task inspected, exempted or cancelled."""

    ROUTE = "POST /inspection-plans/{plan_id}/completion"
    ROLES = AGENCY
    plan_id: UUID
    completed_at: ActTime


class IssueECertificate(Command):
    """Issue an e-inspection certificate (电子检查证) for a plan task or its joint inspection."""

    ROUTE = "POST /e-certificates"
    ROLES = AGENCY
    number: Code
    plan_id: UUID
    task_no: int = Field(ge=1, le=MAX_TASK_NO)
    officer_ids: list[UUID] = Field(min_length=1, max_length=20)
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    issued_at: ActTime
    substitutions: list[Substitution] = Field(
        default=[],
        max_length=10,
        description="Drawn officers who cannot go, each replaced by a named colleague of "
        "the same agency, with the reason (双随机: otherwise the drawn officers are named).",
    )


class RevokeECertificate(Command):
    """Revoke an e-inspection certificate, giving the reason."""

    ROUTE = "POST /e-certificates/{e_certificate_id}/revocation"
    ROLES = AGENCY
    e_certificate_id: UUID
    reason: Text = Field(min_length=1)
    revoked_at: ActTime
