"""How the planning commands are carried out.

Every task that is scheduled lands on its entity's year (``EntityYear``) in the same command,
which merges it into an open visit when there is one; the plans whose tasks were merged are
updated in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.application import UnitOfWork, handles
from domain.errors import AlreadyExists
from domain.planning import commands as c
from domain.planning import rules
from domain.planning.e_certificate import ECertificate
from domain.planning.entity_year import EntityYear
from domain.planning.plan import OPEN, InspectionPlan
from domain.planning.values import Period, PlanTask, TaskRef, TaskStatus, Visit
from domain.registry.agency import Agency
from domain.registry.entity import Entity
from domain.registry.inspection_item import InspectionItem
from domain.registry.officer import Officer
from domain.rules import require_certified
from domain.values import local_date


def entity_year(uow: UnitOfWork, entity_id: UUID, year: int) -> EntityYear:
    """The entity's inspection year, opened on its first task."""
    found = uow.find(EntityYear, EntityYear.create_id(entity_id, year))
    return found if found is not None else uow.add(EntityYear(entity_id=entity_id, year=year))


def schedule(uow: UnitOfWork, plan: InspectionPlan, task_nos: Sequence[int], at: datetime) -> None:
    """Land the plan's new (not exempted) tasks on their entities' years, merging as they go."""
    for task_no in task_nos:
        task = plan.task(task_no)
        if task.status is not TaskStatus.SCHEDULED:
            continue
        year = entity_year(uow, task.entity_id, plan.year)
        agencies = [task.agency_id, *(a for a in plan.agency_ids if a != task.agency_id)]
        merged = year.schedule(plan.ref(task_no), plan.kind, agencies, task.period, at)
        for ref in merged:
            visit = year.visit_of(ref)
            uow.get(InspectionPlan, ref.plan_id).mark_merged(
                ref.task_no, year.id, visit.visit_no, at
            )


@handles(c.DrawUpInspectionPlan)
def draw_up_plan(uow: UnitOfWork, cmd: c.DrawUpInspectionPlan) -> InspectionPlan:
    uow.actor.require_agency(cmd.agency_id)
    agency_ids = list(dict.fromkeys([cmd.agency_id, *cmd.partner_agency_ids]))
    for agency_id in agency_ids:
        uow.get(Agency, agency_id)
    for code in dict.fromkeys(cmd.item_codes):
        item = uow.find(InspectionItem, InspectionItem.create_id(code))
        rules.require_listed_item(code, listed=item is not None and not item.withdrawn)
    if uow.exists(InspectionPlan.create_id(cmd.plan_no)):
        raise AlreadyExists("inspection plan", cmd.plan_no)
    plan = InspectionPlan.draw_up(
        plan_no=cmd.plan_no,
        kind=cmd.kind,
        agency_ids=agency_ids,
        year=cmd.year,
        title=cmd.title,
        item_codes=list(dict.fromkeys(cmd.item_codes)),
        drawn_up_at=cmd.drawn_up_at,
    )
    return uow.add(plan)


@handles(c.AddPlanTasks)
def add_plan_tasks(uow: UnitOfWork, cmd: c.AddPlanTasks) -> InspectionPlan:
    plan = uow.get(InspectionPlan, cmd.plan_id)
    uow.actor.require_agency(plan.agency_id)
    for spec in cmd.tasks:
        uow.get(Entity, spec.entity_id)
    tasks = [(t.entity_id, Period(first=t.period_from, last=t.period_to)) for t in cmd.tasks]
    schedule(uow, plan, plan.add_tasks(tasks, cmd.added_at), cmd.added_at)
    return plan


def draw_seed(cmd: c.DrawDoubleRandom) -> int:
    """The seed of a draw: the ledger's own random choice, unless a process of the ledger
    itself gave one (``DrawDoubleRandomSeeded`` has no HTTP route)."""
    if isinstance(cmd, c.DrawDoubleRandomSeeded):
        return cmd.seed
    return secrets.randbelow(c.SEED_MAX + 1)


@handles(c.DrawDoubleRandomSeeded)
@handles(c.DrawDoubleRandom)
def draw_double_random(uow: UnitOfWork, cmd: c.DrawDoubleRandom) -> InspectionPlan:
    plan = uow.get(InspectionPlan, cmd.plan_id)
    uow.actor.require_agency(plan.agency_id)
    rules.require_random_plan(plan.kind)
    # Every candidate officer, not only those drawn: a pool with an uncertified officer would
    # make the draw's success depend on luck (and invite drawing again with another seed).
    officers = uow.get_each(Officer, cmd.candidate_officer_ids)
    rules.require_officers_of(officers, plan.agency_ids)
    require_certified(officers, local_date(cmd.drawn_at))
    task_nos = plan.draw_at_random(
        seed=draw_seed(cmd),
        candidates=(cmd.candidate_entity_ids, cmd.candidate_officer_ids),
        counts=(cmd.entities_to_draw, cmd.officers_per_entity),
        period=Period(first=cmd.period_from, last=cmd.period_to),
        at=cmd.drawn_at,
    )
    # Only the drawn entities must exist: the candidates are the agency's published pool.
    entities = {n: uow.get(Entity, plan.task(n).entity_id) for n in task_nos}
    if cmd.honesty_exemption:
        for task_no in task_nos:
            entity = entities[task_no]
            if rules.honesty_exempt(entity.rating, entity.rated_on, local_date(cmd.drawn_at)):
                plan.grant_honesty_exemption(task_no, entity.rating, entity.rated_on, cmd.drawn_at)
    schedule(uow, plan, task_nos, cmd.drawn_at)
    return plan


@handles(c.CancelPlanTask)
def cancel_plan_task(uow: UnitOfWork, cmd: c.CancelPlanTask) -> InspectionPlan:
    plan = uow.get(InspectionPlan, cmd.plan_id)
    uow.actor.require_agency(plan.agency_id)
    task = plan.task(cmd.task_no)
    plan.cancel_task(cmd.task_no, cmd.reason, cmd.cancelled_at)
    year = uow.get(EntityYear, EntityYear.create_id(task.entity_id, plan.year))
    year.cancel(plan.ref(cmd.task_no), task.agency_id, cmd.cancelled_at)
    return plan


@handles(c.CompleteInspectionPlan)
def complete_plan(uow: UnitOfWork, cmd: c.CompleteInspectionPlan) -> InspectionPlan:
    plan = uow.get(InspectionPlan, cmd.plan_id)
    uow.actor.require_agency(plan.agency_id)
    plan.complete(cmd.completed_at)
    return plan


def visit_for_inspection(
    uow: UnitOfWork, plan_id: UUID, task_no: int
) -> tuple[TaskRef, PlanTask, EntityYear, Visit]:
    """The open visit in which a plan task is to be inspected, for the agency leading it (the
    task's own agency, or the lead agency of the joint inspection it was merged into)."""
    plan = uow.get(InspectionPlan, plan_id)
    task = plan.task(task_no)
    ref = plan.ref(task_no)
    if task.status not in OPEN:  # exempted and cancelled tasks have no visit at all
        uow.actor.require_agency(task.agency_id)
        rules.require_task_status(ref, task.status, OPEN, "task-open-for-inspection")
    year = uow.get(EntityYear, EntityYear.create_id(task.entity_id, plan.year))
    visit = year.visit_of(ref)
    uow.actor.require_agency(visit.lead_agency_id)
    rules.require_visit_open(ref, visit.state)
    return ref, task, year, visit


@handles(c.IssueECertificate)
def issue_e_certificate(uow: UnitOfWork, cmd: c.IssueECertificate) -> ECertificate:
    # First: a number already issued is a duplicate whatever became of its task since.
    if uow.exists(ECertificate.create_id(cmd.number)):
        raise AlreadyExists("e-inspection certificate", cmd.number)
    ref, _, year, visit = visit_for_inspection(uow, cmd.plan_id, cmd.task_no)
    certificate = ECertificate.issue(
        number=cmd.number,
        task=ref,
        year=year,
        visit=visit,
        officers=uow.get_each(Officer, cmd.officer_ids),
        window=(cmd.valid_from, cmd.valid_until),
        issued_at=cmd.issued_at,
        drawn=uow.get_each(Officer, drawn_officers(uow, visit)),
        substitutions=cmd.substitutions,
    )
    return uow.add(certificate)


def drawn_officers(uow: UnitOfWork, visit: Visit) -> list[UUID]:
    """The officers drawn at random for the visit's tasks (none for tasks added by hand)."""
    drawn: dict[UUID, None] = {}
    for ref in visit.tasks:
        task = uow.get(InspectionPlan, ref.plan_id).task(ref.task_no)
        drawn.update(dict.fromkeys(task.officer_ids))
    return list(drawn)


@handles(c.RevokeECertificate)
def revoke_e_certificate(uow: UnitOfWork, cmd: c.RevokeECertificate) -> ECertificate:
    certificate = uow.get(ECertificate, cmd.e_certificate_id)
    uow.actor.require_agency(certificate.agency_id)
    certificate.revoke(cmd.reason, cmd.revoked_at)
    return certificate
