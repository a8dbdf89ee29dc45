"""Plans, draws, e-inspection certificates, inspections and plan completion as commands.

Every plan is written (drawn up, its tasks added or drawn) before any inspection starts, in the
order of the days they were scheduled, so each entity's tasks meet in one visit exactly as the
plan of the year intended (see ``plan_inspections``).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from domain.inspection import commands as insp
from domain.inspection.inspection import Inspection
from domain.inspection.values import Evidence, EvidenceKind
from domain.planning import commands as plan_cmd
from domain.planning.values import PlanKind
from gateway.simulation.acts import SimPlan, Slot, TeamAct, Visit
from gateway.simulation.calendar import at
from gateway.simulation.engine import Phase, Step
from gateway.simulation.plan_inspections import MAX_ADD, visit_window
from gateway.simulation.world import SimAgency, SimOfficer
from gateway.simulation.year import SimulatedYear

EVIDENCE = (
    (EvidenceKind.VIDEO, "执法记录仪全过程录像"),
    (EvidenceKind.PHOTO, "现场检查照片"),
    (EvidenceKind.AUDIO, "现场询问录音"),
)


def planning_phases(year: SimulatedYear) -> list[Phase[Any]]:
    return [
        Phase("plans", year.plans, _plan, events=_plan_events),
        Phase("inspections", year.visits, _visit, events=_visit_events),
        Phase("plans completed", year.plans, _complete),
    ]


def _plan_events(plan: SimPlan) -> int:
    """Drawn up; per draw or addition its record; per task its entity's year opened and the
    task scheduled (and, now and then, merged)."""
    return 1 + 2 * max(1, len(plan.draws)) + 3 * len(plan.slots)


def _visit_events(visit: Visit) -> int:
    """Certificate issued; started, with its visit; evidence; concluded, with the visit ended
    and every task inspected."""
    return 5 + (1 if visit.evidence else 0) + len(visit.slots)


def planner(agency: SimAgency) -> SimOfficer:
    """The officer who keeps the agency's plans."""
    return agency.stable[0]


def recorder(act: TeamAct) -> SimOfficer:
    """The officer who records an act: the first of the acting agency on its team."""
    return next(o for o in act.team if o.agency is act.agency)


def _plan(plan: SimPlan) -> list[Step]:
    actor = planner(plan.agency).actor
    steps: list[Step] = [
        (
            plan_cmd.DrawUpInspectionPlan(
                plan_no=plan.no,
                kind=plan.kind,
                agency_id=plan.agency.id,
                partner_agency_ids=[a.id for a in plan.agencies[1:]],
                year=plan.period_first.year,
                title=plan.title,
                item_codes=plan.item_codes,
                drawn_up_at=plan.drawn_up_at,
            ),
            actor,
        )
    ]
    if plan.kind in (PlanKind.DOUBLE_RANDOM, PlanKind.JOINT_RANDOM):
        for n, done in enumerate(plan.draws):
            draw = plan_cmd.DrawDoubleRandomSeeded(
                plan_id=plan.id,
                candidate_entity_ids=[e.id for e in done.candidates],
                candidate_officer_ids=[o.id for o in done.officers],
                entities_to_draw=len(done.drawn),
                officers_per_entity=2,
                seed=done.seed,
                # To the year's end: every visit's window (see visit_window) lies within.
                period_from=plan.period_first,
                period_to=date(plan.period_first.year, 12, 31),
                drawn_at=plan.scheduled_at + timedelta(minutes=n),
            )
            steps.append((draw, actor))
        return steps
    for n, start in enumerate(range(0, len(plan.slots), MAX_ADD)):
        tasks = [
            plan_cmd.TaskSpec(
                entity_id=slot.entity.id,
                period_from=task_period(slot)[0],
                period_to=task_period(slot)[1],
            )
            for slot in plan.slots[start : start + MAX_ADD]
            if slot.entity is not None
        ]
        add = plan_cmd.AddPlanTasks(
            plan_id=plan.id, tasks=tasks, added_at=plan.scheduled_at + timedelta(minutes=n)
        )
        steps.append((add, actor))
    return steps


def task_period(slot: Slot) -> tuple[date, date]:
    """A task added by hand takes its visit's window as its period, so the tasks merged into
    a joint inspection share days (it is held within every task's period)."""
    if slot.visit is None:
        return slot.plan.period_first, slot.plan.period_last
    return visit_window(slot.visit)


def _visit(visit: Visit) -> list[Step]:
    lead = visit.lead
    actor = recorder(visit).actor
    day = visit.first
    steps: list[Step] = [
        (
            plan_cmd.IssueECertificate(
                number=visit.number,
                plan_id=lead.plan.id,
                task_no=lead.task_no,
                officer_ids=visit.officer_ids,
                valid_from=at(day, 8),
                valid_until=at(day, 18),
                issued_at=visit.issued_at,
            ),
            actor,
        ),
        (
            insp.StartInspection(
                plan_id=lead.plan.id,
                task_no=lead.task_no,
                entity_id=visit.entity.id,
                officer_ids=visit.officer_ids,
                e_certificate_number=visit.number,
                started_at=visit.started_at,
            ),
            actor,
        ),
    ]
    inspection_id = Inspection.create_id(visit.number)
    if visit.evidence:
        items = [
            Evidence(
                sha256=hashlib.sha256(f"{visit.number}:{k}".encode()).hexdigest(),
                kind=kind,
                description=description,
            )
            for k, (kind, description) in enumerate(EVIDENCE[: visit.evidence])
        ]
        recorded = insp.RecordInspectionEvidence(
            inspection_id=inspection_id,
            items=items,
            recorded_at=visit.concluded_at + timedelta(minutes=20),
        )
        steps.append((recorded, actor))
    conclude = insp.ConcludeInspection(
        inspection_id=inspection_id,
        outcome=visit.outcome,
        findings=visit.findings,
        concluded_at=visit.concluded_at,
    )
    steps.append((conclude, actor))
    return steps


def _complete(plan: SimPlan) -> list[Step]:
    command = plan_cmd.CompleteInspectionPlan(plan_id=plan.id, completed_at=plan.completed_at)
    return [(command, planner(plan.agency).actor)]
