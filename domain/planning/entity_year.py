"""One entity's inspection year: every task scheduled on it, and the matching that merges them
(碰撞撮合 / 合并检查: "多查合一，年内最多查一次").

Every task of every plan on the entity in the year lands here, so this one aggregate (one
stream, one version) decides the once-a-year rule (``rules.require_once_a_year``) without racing
another writer: a task that lands while a visit is still open (scheduled, not yet under
inspection) and whose period shares days with it is merged into it instead of making a second
visit, and the joint inspection is then held within the shared days, so each task is inspected
within its own period. A task that would make a second inspection in the year (the entity is
already inspected, under inspection, or scheduled for days the task does not share) is refused.
A visit with several tasks is a joint inspection.

What the report counts from here, from the events alone:

- joint inspections merged: the number of ``TasksMerged`` events (one per joint inspection,
  when its second task arrives);
- inspections avoided: the sum of ``inspections_avoided`` over ``TasksMerged`` and
  ``JointInspectionJoined`` (each task merged into a visit saves that visit), which equals the
  sum over joint inspections of (tasks merged - 1).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.errors import NotFound, RuleViolation
from domain.ids import natural_id
from domain.planning import rules
from domain.planning.values import Period, PlanKind, TaskRef, Visit, VisitState


class EntityYear(Aggregate):
    TOPIC = "EntityYear"
    KIND = "entity-year"

    class Opened(Aggregate.Created):
        entity_id: UUID
        year: int

    class TaskScheduled(Aggregate.Event):
        entity_id: UUID
        task: TaskRef
        kind: PlanKind
        agency_id: UUID
        agency_ids: list[UUID]
        period: Period
        visit_no: int
        scheduled_at: datetime

    class TasksMerged(Aggregate.Event):
        """Two tasks on the entity became one joint inspection (one inspection avoided)."""

        entity_id: UUID
        visit_no: int
        lead_agency_id: UUID
        agency_ids: list[UUID]
        tasks: list[TaskRef]
        period: Period
        inspections_avoided: int
        merged_at: datetime

    class JointInspectionJoined(Aggregate.Event):
        """One more task joined an existing joint inspection (one more inspection avoided)."""

        entity_id: UUID
        visit_no: int
        lead_agency_id: UUID
        agency_ids: list[UUID]
        task: TaskRef
        period: Period
        inspections_avoided: int
        merged_at: datetime

    class VisitCancelled(Aggregate.Event):
        entity_id: UUID
        visit_no: int
        task: TaskRef
        agency_id: UUID
        cancelled_at: datetime

    class VisitStarted(Aggregate.Event):
        entity_id: UUID
        visit_no: int
        inspection_id: UUID
        agency_ids: list[UUID]
        started_at: datetime

    class VisitEnded(Aggregate.Event):
        """The inspection ended: the visit is done, or reopened when the entity refused it."""

        entity_id: UUID
        visit_no: int
        inspection_id: UUID
        done: bool
        ended_at: datetime

    @staticmethod
    def create_id(entity_id: UUID, year: int) -> UUID:
        return natural_id("entity-year", f"{entity_id}:{year}")

    @event(Opened)
    def __init__(self, entity_id: UUID, year: int) -> None:
        self.entity_id = entity_id
        self.year = year
        self.agency_ids: list[UUID] = []
        self.visits: dict[int, Visit] = {}

    # Queries -----------------------------------------------------------------------------

    def open_visit(self) -> Visit | None:
        """The visit a new task would be merged into (at most one is open at a time)."""
        return next((v for v in self.visits.values() if v.state is VisitState.OPEN), None)

    def visit_of(self, task: TaskRef) -> Visit:
        for visit in self.visits.values():
            if task in visit.tasks:
                return visit
        raise NotFound("scheduled task", task.key)

    # Commands ----------------------------------------------------------------------------

    def schedule(
        self, task: TaskRef, kind: PlanKind, agency_ids: list[UUID], period: Period, at: datetime
    ) -> list[TaskRef]:
        """Schedule ``task`` (of ``agency_ids[0]``, with its partners for a joint random task);
        the tasks that this merged into a joint inspection (empty when it visits alone)."""
        joins = rules.require_once_a_year(task, period, self.year, list(self.visits.values()))
        visit_no = joins[0].visit_no if joins else len(self.visits) + 1
        self._scheduled(self.entity_id, task, kind, agency_ids[0], agency_ids, period, visit_no, at)
        if joins is None:
            return []
        # The joint inspection is held on days within every merged task's period.
        into, shared = joins
        agencies = list(dict.fromkeys([*into.agency_ids, *agency_ids]))
        if into.joint:
            self._joined(
                self.entity_id, visit_no, into.lead_agency_id, agencies, task, shared, 1, at
            )
            return [task]
        tasks = [*into.tasks, task]
        self._merged(self.entity_id, visit_no, into.lead_agency_id, agencies, tasks, shared, 1, at)
        return tasks

    @event(TaskScheduled)
    def _scheduled(
        self,
        entity_id: UUID,
        task: TaskRef,
        kind: PlanKind,
        agency_id: UUID,
        agency_ids: list[UUID],
        period: Period,
        visit_no: int,
        scheduled_at: datetime,
    ) -> None:
        self.agency_ids = list(dict.fromkeys([*self.agency_ids, *agency_ids]))
        if visit_no not in self.visits:
            self.visits[visit_no] = Visit(
                visit_no=visit_no,
                lead_agency_id=agency_id,
                agency_ids=agency_ids,
                tasks=[task],
                period=period,
            )

    @event(TasksMerged)
    def _merged(
        self,
        entity_id: UUID,
        visit_no: int,
        lead_agency_id: UUID,
        agency_ids: list[UUID],
        tasks: list[TaskRef],
        period: Period,
        inspections_avoided: int,
        merged_at: datetime,
    ) -> None:
        visit = self.visits[visit_no]
        visit.agency_ids, visit.tasks, visit.period = list(agency_ids), list(tasks), period

    @event(JointInspectionJoined)
    def _joined(
        self,
        entity_id: UUID,
        visit_no: int,
        lead_agency_id: UUID,
        agency_ids: list[UUID],
        task: TaskRef,
        period: Period,
        inspections_avoided: int,
        merged_at: datetime,
    ) -> None:
        visit = self.visits[visit_no]
        visit.agency_ids, visit.period = list(agency_ids), period
        visit.tasks = [*visit.tasks, task]

    def cancel(self, task: TaskRef, agency_id: UUID, at: datetime) -> None:
        """A lone task was cancelled: its visit will not happen (merged tasks stay bound)."""
        visit = self._require_state(self.visit_of(task), VisitState.OPEN)
        if visit.joint:
            raise RuleViolation(
                "cancel-only-scheduled-tasks",
                f"{task} is merged into joint inspection {visit.visit_no}; it cannot be cancelled",
            )
        self._cancelled(self.entity_id, visit.visit_no, task, agency_id, at)

    @event(VisitCancelled)
    def _cancelled(
        self, entity_id: UUID, visit_no: int, task: TaskRef, agency_id: UUID, cancelled_at: datetime
    ) -> None:
        self.visits[visit_no].state = VisitState.CANCELLED

    def start(self, visit_no: int, inspection_id: UUID, at: datetime) -> None:
        visit = self._require_state(self.visits[visit_no], VisitState.OPEN)
        self._started(self.entity_id, visit_no, inspection_id, visit.agency_ids, at)

    @event(VisitStarted)
    def _started(
        self,
        entity_id: UUID,
        visit_no: int,
        inspection_id: UUID,
        agency_ids: list[UUID],
        started_at: datetime,
    ) -> None:
        self.visits[visit_no].state = VisitState.INSPECTING
        self.visits[visit_no].inspection_id = inspection_id

    def end(self, visit_no: int, inspection_id: UUID, done: bool, at: datetime) -> None:
        self._require_state(self.visits[visit_no], VisitState.INSPECTING)
        self._ended(self.entity_id, visit_no, inspection_id, done, at)

    @event(VisitEnded)
    def _ended(
        self, entity_id: UUID, visit_no: int, inspection_id: UUID, done: bool, ended_at: datetime
    ) -> None:
        visit = self.visits[visit_no]
        visit.state = VisitState.DONE if done else VisitState.OPEN
        visit.inspection_id = inspection_id if done else None

    @staticmethod
    def _require_state(visit: Visit, state: VisitState) -> Visit:
        if visit.state is not state:
            raise RuleViolation(
                "visit-state",
                f"visit {visit.visit_no} of this entity is {visit.state.value}, not {state.value}",
            )
        return visit
