"""How the cases commands are carried out."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.application import UnitOfWork, handles
from domain.cases import commands as c
from domain.cases import rules
from domain.cases.case_file_review import CaseFileReview
from domain.cases.penalty_case import PenaltyCase
from domain.cases.review_standard import STANDARDS
from domain.cases.values import CaseIntake
from domain.errors import AlreadyExists, NotFound
from domain.inspection.inspection import Inspection
from domain.registry.agency import Agency
from domain.registry.entity import Entity
from domain.registry.exemption_list import ExemptionList
from domain.registry.officer import Officer


def _case(uow: UnitOfWork, case_id: UUID) -> PenaltyCase:
    """The case, if the caller may write for its agency."""
    case = uow.get(PenaltyCase, case_id)
    uow.actor.require_agency(case.agency_id)
    return case


def _team(uow: UnitOfWork, case: PenaltyCase, officer_ids: Sequence[UUID] | None) -> list[Officer]:
    """The officers of a step: those named, or else the officers already on the case."""
    return uow.get_each(Officer, case.officer_ids if officer_ids is None else officer_ids)


def _intake(uow: UnitOfWork, cmd: c.FileCase | c.DecideOnTheSpot) -> tuple[Agency, CaseIntake]:
    agency = uow.get(Agency, cmd.agency_id)
    uow.actor.require_agency(agency.id)
    if cmd.entity_id is not None:
        uow.get(Entity, cmd.entity_id)
    if cmd.inspection_id is not None:
        uow.get(Inspection, cmd.inspection_id)
    if uow.exists(PenaltyCase.create_id(agency.id, cmd.case_no)):
        raise AlreadyExists("penalty case", cmd.case_no)
    intake = CaseIntake(
        case_no=cmd.case_no,
        agency_id=agency.id,
        party_kind=cmd.party_kind,
        entity_id=cmd.entity_id,
        person=cmd.person,
        violation=cmd.violation,
        violation_date=cmd.violation_date,
        legal_basis=cmd.legal_basis,
        inspection_id=cmd.inspection_id,
        goods_value_fen=cmd.goods_value_fen,
    )
    return agency, intake


@handles(c.FileCase)
def file_case(uow: UnitOfWork, cmd: c.FileCase) -> PenaltyCase:
    _, intake = _intake(uow, cmd)
    officers = uow.get_each(Officer, cmd.officer_ids)
    return uow.add(PenaltyCase.file(intake, officers, cmd.filed_on))


@handles(c.DecideOnTheSpot)
def decide_on_the_spot(uow: UnitOfWork, cmd: c.DecideOnTheSpot) -> PenaltyCase:
    agency, intake = _intake(uow, cmd)
    officers = uow.get_each(Officer, cmd.officer_ids)
    return uow.add(
        PenaltyCase.decide_on_the_spot(
            intake, officers, cmd.decided_on, cmd.penalties, agency.major_decisions
        )
    )


@handles(c.RecordInvestigation)
def record_investigation(uow: UnitOfWork, cmd: c.RecordInvestigation) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.investigate(
        _team(uow, case, cmd.officer_ids),
        cmd.investigated_on,
        cmd.evidence,
        cmd.findings,
        cmd.goods_value_fen,
    )
    return case


@handles(c.RequestLegalReview)
def request_legal_review(uow: UnitOfWork, cmd: c.RequestLegalReview) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.request_legal_review(cmd.requested_on)
    return case


@handles(c.RecordLegalReview)
def record_legal_review(uow: UnitOfWork, cmd: c.RecordLegalReview) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.conclude_legal_review(cmd.reviewed_on, cmd.passed, cmd.reviewer, cmd.opinion)
    return case


@handles(c.ApproveExtension)
def approve_extension(uow: UnitOfWork, cmd: c.ApproveExtension) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.approve_extension(cmd.approved_on, cmd.new_deadline, cmd.approver, cmd.reason)
    return case


@handles(c.DecideCase)
def decide_case(uow: UnitOfWork, cmd: c.DecideCase) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    # Whether the decision is major depends on the agency's list as published now.
    agency = uow.get(Agency, case.agency_id)
    case.decide(
        _team(uow, case, cmd.officer_ids), cmd.decided_on, cmd.penalties, agency.major_decisions
    )
    return case


@handles(c.ServeDecision)
def serve_decision(uow: UnitOfWork, cmd: c.ServeDecision) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.serve(cmd.served_on, cmd.method)
    return case


@handles(c.RecordPayment)
def record_payment(uow: UnitOfWork, cmd: c.RecordPayment) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.record_payment(cmd.paid_on, cmd.fine_fen, cmd.gains_fen)
    return case


@handles(c.WaiveExecution)
def waive_execution(uow: UnitOfWork, cmd: c.WaiveExecution) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.waive_execution(cmd.waived_on, cmd.approver, cmd.reason)
    return case


@handles(c.CloseCase)
def close_case(uow: UnitOfWork, cmd: c.CloseCase) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.close(cmd.closed_on)
    return case


@handles(c.CloseWithEducation)
def close_with_education(uow: UnitOfWork, cmd: c.CloseWithEducation) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.correct_with_education(_team(uow, case, cmd.officer_ids), cmd.decided_on, cmd.correction)
    return case


@handles(c.ExemptFromPenalty)
def exempt_from_penalty(uow: UnitOfWork, cmd: c.ExemptFromPenalty) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    agency = uow.get(Agency, case.agency_id)
    exemption_list = uow.find(ExemptionList, ExemptionList.create_id(cmd.domain, cmd.list_version))
    if exemption_list is None:
        raise NotFound("exemption list", f"{cmd.domain.value} v{cmd.list_version}")
    case.exempt(
        _team(uow, case, cmd.officer_ids),
        cmd.decided_on,
        exemption_list,
        cmd.item_code,
        agency.domains,
    )
    # On the list too, so that no later version comes into force retroactively over it.
    exemption_list.cite(cmd.item_code, case.id, case.violation_date)
    return case


@handles(c.DismissCase)
def dismiss_case(uow: UnitOfWork, cmd: c.DismissCase) -> PenaltyCase:
    case = _case(uow, cmd.case_id)
    case.dismiss(_team(uow, case, cmd.officer_ids), cmd.decided_on, cmd.reason, cmd.note)
    return case


@handles(c.ReviewCaseFile)
def review_case_file(uow: UnitOfWork, cmd: c.ReviewCaseFile) -> CaseFileReview:
    agency = uow.get(Agency, cmd.agency_id)
    ident = CaseFileReview.create_id(agency.id, cmd.file_no, cmd.file_year, cmd.standard_version)
    if uow.exists(ident):
        raise AlreadyExists(
            "case-file review",
            f"of file {cmd.file_no} ({cmd.file_year}) under standard {cmd.standard_version}",
        )
    # Most files reviewed predate the ledger; one it holds is linked, and must be closed.
    case = uow.find(PenaltyCase, PenaltyCase.create_id(agency.id, cmd.file_no))
    if case is not None:
        rules.require_reviewable_case(case.case_no, case.stage, case.file_year, cmd.file_year)
    return uow.add(
        CaseFileReview.review(
            agency_id=agency.id,
            file_no=cmd.file_no,
            file_year=cmd.file_year,
            case_id=case.id if case is not None else None,
            standard=STANDARDS[cmd.standard_version],
            reviewed_on=cmd.reviewed_on,
            veto_items=cmd.veto_items,
            form_points=cmd.form_points,
            content_points=cmd.content_points,
            deductions=cmd.deductions,
        )
    )


@handles(c.RescoreCaseFile)
def rescore_case_file(uow: UnitOfWork, cmd: c.RescoreCaseFile) -> CaseFileReview:
    review = uow.get(CaseFileReview, cmd.review_id)
    review.rescore(
        standard=STANDARDS[review.standard_version],
        reviewed_on=cmd.reviewed_on,
        reason=cmd.reason,
        veto_items=cmd.veto_items,
        form_points=cmd.form_points,
        content_points=cmd.content_points,
        deductions=cmd.deductions,
    )
    return review
