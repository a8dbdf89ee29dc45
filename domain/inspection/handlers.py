"""How the inspection commands are carried out.

Starting and concluding an inspection also move the entity's year (the visit is under
inspection, then done) and, on conclusion, every plan task the inspection covered — all saved
in the command's one transaction.
"""

from __future__ import annotations

from domain.application import Rejection, UnitOfWork, handles
from domain.errors import AlreadyExists, RuleViolation
from domain.inspection import commands as c
from domain.inspection import rules
from domain.inspection.inspection import Inspection
from domain.inspection.refusal import InspectionRefusal
from domain.planning.e_certificate import ECertificate
from domain.planning.entity_year import EntityYear
from domain.planning.handlers import visit_for_inspection
from domain.planning.plan import InspectionPlan
from domain.planning.rules import require_drawn_officers_present, require_every_agency_present
from domain.registry.entity import Entity
from domain.registry.officer import Officer
from domain.rules import require_certified
from domain.values import local_date


@handles(c.StartInspection)
def start_inspection(uow: UnitOfWork, cmd: c.StartInspection) -> Inspection:
    ref, task, year, visit = visit_for_inspection(uow, cmd.plan_id, cmd.task_no)
    uow.get(Entity, cmd.entity_id)
    rules.require_task_of_entity(ref, task.entity_id, cmd.entity_id)
    officers = uow.get_each(Officer, cmd.officer_ids)
    number = cmd.e_certificate_number
    warrant = uow.find(ECertificate, ECertificate.create_id(number)) if number else None
    try:
        held = rules.require_dual_certificates(
            cmd.started_at, officers, number, warrant, cmd.entity_id, visit.tasks
        )
        if warrant is not None:
            rules.require_certificates_as_named(
                warrant.number, warrant.officers, officers, local_date(cmd.started_at)
            )
    except RuleViolation as violation:
        refusal = InspectionRefusal(
            entity_id=cmd.entity_id,
            task=ref,
            agency_id=visit.lead_agency_id,
            officer_ids=[o.id for o in officers],
            e_certificate_number=number,
            rule=violation.rule,
            reason=violation.message,
            attempted_at=cmd.started_at,
        )
        raise Rejection(violation, uow.add(refusal)) from None
    require_every_agency_present(officers, visit.agency_ids)
    if warrant is not None:
        require_drawn_officers_present(
            warrant.number, warrant.attending_officer_ids, [o.id for o in officers]
        )
    if uow.exists(Inspection.create_id(held.number)):
        raise AlreadyExists("inspection under e-inspection certificate", held.number)
    inspection = Inspection(
        e_certificate_number=held.number,
        entity_id=cmd.entity_id,
        tasks=visit.tasks,
        entity_year_id=year.id,
        visit_no=visit.visit_no,
        agency_id=visit.lead_agency_id,
        agency_ids=visit.agency_ids,
        officer_ids=[o.id for o in officers],
        started_at=cmd.started_at,
    )
    year.start(visit.visit_no, inspection.id, cmd.started_at)
    return uow.add(inspection)


@handles(c.RecordInspectionEvidence)
def record_inspection_evidence(uow: UnitOfWork, cmd: c.RecordInspectionEvidence) -> Inspection:
    inspection = uow.get(Inspection, cmd.inspection_id)
    uow.actor.require_agency(inspection.agency_id)
    inspection.record_evidence(cmd.items, cmd.recorded_at)
    return inspection


@handles(c.ConcludeInspection)
def conclude_inspection(uow: UnitOfWork, cmd: c.ConcludeInspection) -> Inspection:
    inspection = uow.get(Inspection, cmd.inspection_id)
    uow.actor.require_agency(inspection.agency_id)
    # The conclusion is signed by the officers who inspected: each still certified now.
    require_certified(uow.get_each(Officer, inspection.officer_ids), local_date(cmd.concluded_at))
    inspection.conclude(cmd.outcome, cmd.findings, cmd.concluded_at)
    year = uow.get(EntityYear, inspection.entity_year_id)
    year.end(inspection.visit_no, inspection.id, cmd.outcome.inspected, cmd.concluded_at)
    if cmd.outcome.inspected:
        for ref in inspection.tasks:
            plan = uow.get(InspectionPlan, ref.plan_id)
            plan.mark_inspected(ref.task_no, inspection.id, cmd.concluded_at)
    return inspection
