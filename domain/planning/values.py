"""Value types of the planning area: plan kinds, task states, and how a task is referred to."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.values import DISTRICT_ZONE


class PlanKind(StrEnum):
    """What kind of inspection plan (行政检查计划) it is; the report counts plans by kind."""

    DOUBLE_RANDOM = "double_random"  # 双随机: entities and officers drawn at random
    SPECIAL = "special"  # 专项: a campaign on one theme
    JOINT_RANDOM = "joint_random"  # 联合随机任务: a random task of several agencies together
    ROUTINE = "routine"  # 日常

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def random(self) -> bool:
        """Random plans get their tasks from a draw, never by hand (双随机一公开)."""
        return self in (PlanKind.DOUBLE_RANDOM, PlanKind.JOINT_RANDOM)


class TaskStatus(StrEnum):
    SCHEDULED = "scheduled"
    MERGED = "merged"  # merged into a joint inspection (合并检查)
    EXEMPTED = "exempted"  # honesty exemption (诚信免查)
    INSPECTED = "inspected"
    CANCELLED = "cancelled"

    @property
    def settled(self) -> bool:
        """Nothing more will happen to a task in this state."""
        return self in (TaskStatus.EXEMPTED, TaskStatus.INSPECTED, TaskStatus.CANCELLED)


class TaskRef(BaseModel):
    """A task of a plan, as other records refer to it (the plan number travels along so a
    reader of one event needs no other to say which task it was)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_id: UUID
    plan_no: str
    task_no: int

    @property
    def key(self) -> str:
        return f"{self.plan_id}/{self.task_no}"

    def __str__(self) -> str:
        return f"task {self.task_no} of plan {self.plan_no}"


class Period(BaseModel):
    """Calendar days ``first`` to ``last`` inclusive, in the district's calendar."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: date
    last: date

    @property
    def opens_at(self) -> datetime:
        return datetime.combine(self.first, time(), DISTRICT_ZONE)

    @property
    def closes_at(self) -> datetime:
        """The first moment after the period (midnight ending its last day)."""
        return datetime.combine(self.last + timedelta(days=1), time(), DISTRICT_ZONE)

    def overlap(self, other: Period) -> Period | None:
        """The days both periods share; ``None`` when they share none."""
        first, last = max(self.first, other.first), min(self.last, other.last)
        return Period(first=first, last=last) if first <= last else None

    def __str__(self) -> str:
        return f"{self.first} to {self.last}"


class NewTask(BaseModel):
    """A task as added to a plan (the ``TasksAdded`` payload)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_no: int
    entity_id: UUID
    agency_id: UUID
    period: Period
    officer_ids: list[UUID] = []
    """The officers drawn for it (double random); empty for a task added by hand."""


class PlanTask(NewTask):
    """A task as its plan keeps it."""

    model_config = ConfigDict(frozen=False, extra="forbid")

    status: TaskStatus = TaskStatus.SCHEDULED
    joint_no: int | None = None
    inspection_id: UUID | None = None


class VisitState(StrEnum):
    OPEN = "open"
    INSPECTING = "inspecting"
    DONE = "done"
    CANCELLED = "cancelled"


class Visit(BaseModel):
    """One inspection of an entity, as its year's calendar keeps it: a lone task, or a joint
    inspection (联合检查) covering the tasks of several plans merged into it."""

    model_config = ConfigDict(extra="forbid")

    visit_no: int
    lead_agency_id: UUID
    agency_ids: list[UUID]
    tasks: list[TaskRef]
    period: Period
    state: VisitState = VisitState.OPEN
    inspection_id: UUID | None = None

    @property
    def joint(self) -> bool:
        return len(self.tasks) > 1


class ECertificateStatus(StrEnum):
    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


def e_certificate_status(
    valid_from: datetime, valid_until: datetime, revoked_at: datetime | None, moment: datetime
) -> ECertificateStatus:
    """An e-inspection certificate's status at ``moment``: valid in ``[valid_from,
    valid_until)`` unless revoked at or before ``moment``."""
    if revoked_at is not None and revoked_at <= moment:
        return ECertificateStatus.REVOKED
    if moment < valid_from:
        return ECertificateStatus.NOT_YET_VALID
    if moment >= valid_until:
        return ECertificateStatus.EXPIRED
    return ECertificateStatus.VALID


class Substitution(BaseModel):
    """A drawn officer who cannot go (on leave, ill, withdrawn for a conflict of interest …)
    replaced on the e-inspection certificate by a colleague of the same agency, with why."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    drawn_officer_id: UUID
    substitute_id: UUID
    reason: str = Field(min_length=1, max_length=4000)


class OfficerOnDuty(BaseModel):
    """An officer named on an e-inspection certificate, with the enforcement certificate
    (执法证) they held when it was issued: the two certificates shown together (双证)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    officer_id: UUID
    certificate_no: str
