"""An inspection plan (行政检查计划) of an agency for a year, and its tasks.

Tasks live inside the plan: a task only changes under its plan's rules (open, one task per
entity, the period within the year), and a plan of a few hundred tasks is small. A random plan
(double random, joint random) gets its tasks only from a published draw; the draw event keeps
the seed and the candidates so anyone can re-run it (see ``draw.py``).

What the report counts from here: plans by kind (``DrawnUp.kind``) and honesty exemptions
(``HonestyExemptionGranted``, one event per exempted entity).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.errors import NotFound
from domain.ids import natural_id
from domain.planning import draw, rules
from domain.planning.draw import DrawnEntity
from domain.planning.values import NewTask, Period, PlanKind, PlanTask, TaskRef, TaskStatus
from domain.values import CreditRating, local_date

SCHEDULED = frozenset({TaskStatus.SCHEDULED})
OPEN = frozenset({TaskStatus.SCHEDULED, TaskStatus.MERGED})


class InspectionPlan(Aggregate):
    TOPIC = "InspectionPlan"
    KIND = "inspection-plan"

    class DrawnUp(Aggregate.Created):
        plan_no: str
        kind: PlanKind
        agency_id: UUID
        agency_ids: list[UUID]
        year: int
        title: str
        item_codes: list[str]
        drawn_up_at: datetime

    class TasksAdded(Aggregate.Event):
        plan_no: str
        kind: PlanKind
        agency_id: UUID
        tasks: list[NewTask]
        added_at: datetime

    class DoubleRandomDrawn(Aggregate.Event):
        """Public (双随机一公开): the draw's inputs and result; ids only, no personal data."""

        plan_no: str
        kind: PlanKind
        agency_id: UUID
        draw_no: int
        method: str
        seed: int
        candidate_entity_ids: list[UUID]
        candidate_officer_ids: list[UUID]
        entities_to_draw: int
        officers_per_entity: int
        drawn: list[DrawnEntity]
        drawn_at: datetime

    class TaskEvent(Aggregate.Event):
        """What every event about one task says about it."""

        plan_no: str
        task_no: int
        entity_id: UUID
        agency_id: UUID

    class HonestyExemptionGranted(TaskEvent):
        rating: CreditRating
        rated_on: date
        granted_at: datetime

    class TaskMerged(TaskEvent):
        entity_year_id: UUID
        joint_no: int
        merged_at: datetime

    class TaskInspected(TaskEvent):
        inspection_id: UUID
        inspected_at: datetime

    class TaskCancelled(TaskEvent):
        reason: str
        cancelled_at: datetime

    class Completed(Aggregate.Event):
        plan_no: str
        kind: PlanKind
        agency_id: UUID
        agency_ids: list[UUID]
        completed_at: datetime

    @staticmethod
    def create_id(plan_no: str) -> UUID:
        return natural_id("inspection-plan", plan_no)

    @classmethod
    def draw_up(
        cls,
        plan_no: str,
        kind: PlanKind,
        agency_ids: Sequence[UUID],
        year: int,
        title: str,
        item_codes: Sequence[str],
        drawn_up_at: datetime,
    ) -> InspectionPlan:
        """``agency_ids[0]`` leads (owns the plan); a joint random task names the others too."""
        rules.require_agencies_fit_kind(kind, agency_ids)
        agencies = list(dict.fromkeys(agency_ids))
        return cls(plan_no, kind, agencies[0], agencies, year, title, list(item_codes), drawn_up_at)

    @event(DrawnUp)
    def __init__(
        self,
        plan_no: str,
        kind: PlanKind,
        agency_id: UUID,
        agency_ids: list[UUID],
        year: int,
        title: str,
        item_codes: list[str],
        drawn_up_at: datetime,
    ) -> None:
        self.plan_no = plan_no
        self.kind = kind
        self.agency_id = agency_id
        self.agency_ids = list(agency_ids)
        self.year = year
        self.title = title
        self.item_codes = list(item_codes)
        self.drawn_up_at = drawn_up_at
        self.tasks: dict[int, PlanTask] = {}
        self.draws = 0
        self.completed = False

    # Queries -----------------------------------------------------------------------------

    def task(self, task_no: int) -> PlanTask:
        found = self.tasks.get(task_no)
        if found is None:
            raise NotFound("plan task", f"{self.plan_no}/{task_no}")
        return found

    def ref(self, task_no: int) -> TaskRef:
        return TaskRef(plan_id=self.id, plan_no=self.plan_no, task_no=task_no)

    def _facts(self, task_no: int) -> tuple[str, int, UUID, UUID]:
        task = self.task(task_no)
        return self.plan_no, task_no, task.entity_id, task.agency_id

    # Commands ----------------------------------------------------------------------------

    def add_tasks(self, tasks: Sequence[tuple[UUID, Period]], at: datetime) -> list[int]:
        """Add (entity, period) tasks by hand; the new task numbers, in order."""
        rules.require_tasks_by_hand(self.kind)
        return self._add(tasks, [[] for _ in tasks], at)

    def draw_at_random(
        self,
        seed: int,
        candidates: tuple[Sequence[UUID], Sequence[UUID]],
        counts: tuple[int, int],
        period: Period,
        at: datetime,
    ) -> list[int]:
        """Draw (entities, officers per entity) ``counts`` from the (entity, officer)
        ``candidates`` with ``draw.draw``, record the draw, add a task per drawn entity."""
        rules.require_random_plan(self.kind)
        rules.require_plan_open(self.plan_no, self.completed)
        entity_ids, officer_ids = sorted(set(candidates[0])), sorted(set(candidates[1]))
        rules.require_drawable(counts[0], len(entity_ids), counts[1], len(officer_ids))
        rules.require_one_task_per_entity(self.plan_no, self._tasked(), entity_ids)
        rules.require_period_in_year(period, self.year)
        drawn = draw.draw(seed, entity_ids, officer_ids, counts[0], counts[1])
        self._drawn(
            plan_no=self.plan_no,
            kind=self.kind,
            agency_id=self.agency_id,
            draw_no=self.draws + 1,
            method=draw.METHOD,
            seed=seed,
            candidate_entity_ids=entity_ids,
            candidate_officer_ids=officer_ids,
            entities_to_draw=counts[0],
            officers_per_entity=counts[1],
            drawn=drawn,
            drawn_at=at,
        )
        return self._add([(d.entity_id, period) for d in drawn], [d.officer_ids for d in drawn], at)

    @event(DoubleRandomDrawn)
    def _drawn(
        self,
        plan_no: str,
        kind: PlanKind,
        agency_id: UUID,
        draw_no: int,
        method: str,
        seed: int,
        candidate_entity_ids: list[UUID],
        candidate_officer_ids: list[UUID],
        entities_to_draw: int,
        officers_per_entity: int,
        drawn: list[DrawnEntity],
        drawn_at: datetime,
    ) -> None:
        self.draws = draw_no

    def _tasked(self) -> list[UUID]:
        return [t.entity_id for t in self.tasks.values()]

    def _add(
        self, tasks: Sequence[tuple[UUID, Period]], officers: Sequence[list[UUID]], at: datetime
    ) -> list[int]:
        """Tasks are the lead agency's (a joint random task's partners join through the plan)."""
        rules.require_plan_open(self.plan_no, self.completed)
        rules.require_one_task_per_entity(self.plan_no, self._tasked(), [t[0] for t in tasks])
        new = []
        for n, ((entity_id, period), drawn) in enumerate(zip(tasks, officers, strict=True)):
            rules.require_period_in_year(period, self.year)
            task_no = len(self.tasks) + 1 + n
            new.append(
                NewTask(
                    task_no=task_no,
                    entity_id=entity_id,
                    agency_id=self.agency_id,
                    period=period,
                    officer_ids=drawn,
                )
            )
        self._tasks_added(self.plan_no, self.kind, self.agency_id, new, at)
        return [t.task_no for t in new]

    @event(TasksAdded)
    def _tasks_added(
        self,
        plan_no: str,
        kind: PlanKind,
        agency_id: UUID,
        tasks: list[NewTask],
        added_at: datetime,
    ) -> None:
        for task in tasks:
            self.tasks[task.task_no] = PlanTask(**task.model_dump())

    def grant_honesty_exemption(
        self, task_no: int, rating: CreditRating | None, rated_on: date | None, at: datetime
    ) -> None:
        task = self.task(task_no)
        rules.require_random_plan(self.kind)
        held = rules.require_honesty_exemption(task.status, rating, rated_on, local_date(at))
        self._exempted(*self._facts(task_no), *held, at)

    @event(HonestyExemptionGranted)
    def _exempted(
        self,
        plan_no: str,
        task_no: int,
        entity_id: UUID,
        agency_id: UUID,
        rating: CreditRating,
        rated_on: date,
        granted_at: datetime,
    ) -> None:
        self.tasks[task_no].status = TaskStatus.EXEMPTED

    def mark_merged(self, task_no: int, entity_year_id: UUID, joint_no: int, at: datetime) -> None:
        rules.require_task_status(
            self.ref(task_no), self.task(task_no).status, SCHEDULED, "task-state"
        )
        self._merged(*self._facts(task_no), entity_year_id, joint_no, at)

    @event(TaskMerged)
    def _merged(
        self,
        plan_no: str,
        task_no: int,
        entity_id: UUID,
        agency_id: UUID,
        entity_year_id: UUID,
        joint_no: int,
        merged_at: datetime,
    ) -> None:
        self.tasks[task_no].status = TaskStatus.MERGED
        self.tasks[task_no].joint_no = joint_no

    def mark_inspected(self, task_no: int, inspection_id: UUID, at: datetime) -> None:
        rules.require_task_status(
            self.ref(task_no), self.task(task_no).status, OPEN, "task-open-for-inspection"
        )
        self._inspected(*self._facts(task_no), inspection_id, at)

    @event(TaskInspected)
    def _inspected(
        self,
        plan_no: str,
        task_no: int,
        entity_id: UUID,
        agency_id: UUID,
        inspection_id: UUID,
        inspected_at: datetime,
    ) -> None:
        self.tasks[task_no].status = TaskStatus.INSPECTED
        self.tasks[task_no].inspection_id = inspection_id

    def cancel_task(self, task_no: int, reason: str, at: datetime) -> None:
        rules.require_task_status(
            self.ref(task_no), self.task(task_no).status, SCHEDULED, "cancel-only-scheduled-tasks"
        )
        self._cancelled(*self._facts(task_no), reason, at)

    @event(TaskCancelled)
    def _cancelled(
        self,
        plan_no: str,
        task_no: int,
        entity_id: UUID,
        agency_id: UUID,
        reason: str,
        cancelled_at: datetime,
    ) -> None:
        self.tasks[task_no].status = TaskStatus.CANCELLED

    def complete(self, at: datetime) -> None:
        rules.require_plan_open(self.plan_no, self.completed)
        unsettled = [n for n, t in sorted(self.tasks.items()) if not t.status.settled]
        rules.require_tasks_settled(self.plan_no, unsettled)
        self._completed(self.plan_no, self.kind, self.agency_id, self.agency_ids, at)

    @event(Completed)
    def _completed(
        self,
        plan_no: str,
        kind: PlanKind,
        agency_id: UUID,
        agency_ids: list[UUID],
        completed_at: datetime,
    ) -> None:
        self.completed = True
