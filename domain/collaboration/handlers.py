"""How the collaboration commands are carried out.

The district's side of every collaboration record is one agency (the lead of a joint action,
the sender or receiver of a transfer, the agency handling a joint case): its officers write
it, no other agency and not the supervision office (the report has the agencies lead them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.application import UnitOfWork, handles
from domain.collaboration import commands as c
from domain.collaboration.case_transfer import CaseTransfer
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.collaboration.joint_action import JointAction
from domain.collaboration.rules import require_not_before
from domain.errors import AlreadyExists
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.rules import require_enforcement_team, require_team


def _team(
    uow: UnitOfWork, officer_ids: Sequence[UUID], agency_id: UUID, day: date, act: str
) -> list[UUID]:
    """The officers named in an enforcement act: two at least, of the agency, certified."""
    require_team(officer_ids, act=act)  # before loading: counts the names given, twice-named once
    officers = uow.get_each(Officer, officer_ids)
    require_enforcement_team(officers, agency_id, day, act=act)
    return [officer.id for officer in officers]


def _own_agency(uow: UnitOfWork, agency_id: UUID) -> Agency:
    agency = uow.get(Agency, agency_id)
    uow.actor.require_agency(agency.id)
    return agency


# Joint actions --------------------------------------------------------------------------------


@handles(c.LaunchJointAction)
def launch_joint_action(uow: UnitOfWork, cmd: c.LaunchJointAction) -> JointAction:
    agency = _own_agency(uow, cmd.agency_id)
    if uow.exists(JointAction.create_id(cmd.reference)):
        raise AlreadyExists("joint action", cmd.reference)
    require_not_before(cmd.ends_on, cmd.starts_on, act="the action's end", earlier="its start")
    return uow.add(
        JointAction(
            reference=cmd.reference,
            title=cmd.title,
            field=cmd.field,
            regions=cmd.regions,
            agency_id=agency.id,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
        )
    )


def _joint_action(uow: UnitOfWork, action_id: UUID) -> JointAction:
    action = uow.get(JointAction, action_id)
    uow.actor.require_agency(action.agency_id)
    return action


@handles(c.RecordSiteCheck)
def record_site_check(uow: UnitOfWork, cmd: c.RecordSiteCheck) -> JointAction:
    action = _joint_action(uow, cmd.action_id)
    officer_ids = _team(uow, cmd.officer_ids, action.agency_id, cmd.checked_on, "a site check")
    action.check_site(
        name=cmd.name,
        uscc=cmd.uscc,
        region=cmd.region,
        checked_on=cmd.checked_on,
        officer_ids=officer_ids,
    )
    return action


@handles(c.RecordActionProblem)
def record_action_problem(uow: UnitOfWork, cmd: c.RecordActionProblem) -> JointAction:
    action = _joint_action(uow, cmd.action_id)
    action.find_problem(site_no=cmd.site_no, description=cmd.description, found_on=cmd.found_on)
    return action


@handles(c.RecordRectification)
def record_rectification(uow: UnitOfWork, cmd: c.RecordRectification) -> JointAction:
    action = _joint_action(uow, cmd.action_id)
    action.rectify(
        problem_no=cmd.problem_no,
        rectified_on=cmd.rectified_on,
        on_the_spot=cmd.on_the_spot,
        note=cmd.note,
    )
    return action


@handles(c.RecordJointMeeting)
def record_joint_meeting(uow: UnitOfWork, cmd: c.RecordJointMeeting) -> JointAction:
    action = _joint_action(uow, cmd.action_id)
    action.hold_meeting(held_on=cmd.held_on, topic=cmd.topic)
    return action


# Case transfers -------------------------------------------------------------------------------


@handles(c.RecordCaseTransfer)
def record_case_transfer(uow: UnitOfWork, cmd: c.RecordCaseTransfer) -> CaseTransfer:
    agency = _own_agency(uow, cmd.agency_id)
    if uow.exists(CaseTransfer.create_id(cmd.direction, cmd.region, cmd.case_reference)):
        raise AlreadyExists(
            f"case {cmd.direction.value} with {cmd.region.value}", cmd.case_reference
        )
    return uow.add(
        CaseTransfer(
            direction=cmd.direction,
            region=cmd.region,
            regions=[cmd.region],
            case_reference=cmd.case_reference,
            agency_id=agency.id,
            transferred_on=cmd.transferred_on,
            summary=cmd.summary,
            uscc=cmd.uscc,
        )
    )


@handles(c.RecordTransferOutcome)
def record_transfer_outcome(uow: UnitOfWork, cmd: c.RecordTransferOutcome) -> CaseTransfer:
    transfer = uow.get(CaseTransfer, cmd.transfer_id)
    uow.actor.require_agency(transfer.agency_id)
    transfer.record_outcome(outcome=cmd.outcome, decided_on=cmd.decided_on, note=cmd.note)
    return transfer


# Cross-regional cases -------------------------------------------------------------------------


@handles(c.OpenCrossRegionalCase)
def open_cross_regional_case(uow: UnitOfWork, cmd: c.OpenCrossRegionalCase) -> CrossRegionalCase:
    agency = _own_agency(uow, cmd.agency_id)
    if uow.exists(CrossRegionalCase.create_id(cmd.case_no)):
        raise AlreadyExists("cross-regional case", cmd.case_no)
    return uow.add(
        CrossRegionalCase(
            case_no=cmd.case_no,
            regions=cmd.regions,
            agency_id=agency.id,
            opened_on=cmd.opened_on,
            cause=cmd.cause,
            party_kind=cmd.party_kind,
            entity_name=cmd.entity_name,
            uscc=cmd.uscc,
            person=cmd.person,
        )
    )


def _case(uow: UnitOfWork, case_id: UUID) -> CrossRegionalCase:
    case = uow.get(CrossRegionalCase, case_id)
    uow.actor.require_agency(case.agency_id)
    return case


@handles(c.RecordSeizure)
def record_seizure(uow: UnitOfWork, cmd: c.RecordSeizure) -> CrossRegionalCase:
    case = _case(uow, cmd.case_id)
    officer_ids = _team(uow, cmd.officer_ids, case.agency_id, cmd.seized_on, "a seizure")
    case.seize(
        description=cmd.description,
        quantity=cmd.quantity,
        unit=cmd.unit,
        seized_on=cmd.seized_on,
        officer_ids=officer_ids,
    )
    return case


@handles(c.RequestCrossRegionalLegalReview)
def request_cross_regional_legal_review(
    uow: UnitOfWork, cmd: c.RequestCrossRegionalLegalReview
) -> CrossRegionalCase:
    case = _case(uow, cmd.case_id)
    case.request_legal_review(cmd.requested_on)
    return case


@handles(c.RecordCrossRegionalLegalReview)
def record_cross_regional_legal_review(
    uow: UnitOfWork, cmd: c.RecordCrossRegionalLegalReview
) -> CrossRegionalCase:
    case = _case(uow, cmd.case_id)
    case.conclude_legal_review(cmd.reviewed_on, cmd.passed, cmd.reviewer, cmd.opinion)
    return case


@handles(c.ApproveCrossRegionalExtension)
def approve_cross_regional_extension(
    uow: UnitOfWork, cmd: c.ApproveCrossRegionalExtension
) -> CrossRegionalCase:
    case = _case(uow, cmd.case_id)
    case.approve_extension(cmd.approved_on, cmd.new_deadline, cmd.approver, cmd.reason)
    return case


@handles(c.DecideCrossRegionalCase)
def decide_cross_regional_case(
    uow: UnitOfWork, cmd: c.DecideCrossRegionalCase
) -> CrossRegionalCase:
    case = _case(uow, cmd.case_id)
    officer_ids = _team(uow, cmd.officer_ids, case.agency_id, cmd.decided_on, "a decision")
    # Whether the decision is major depends on the agency's list as published now.
    agency = uow.get(Agency, case.agency_id)
    case.decide(
        decided_on=cmd.decided_on,
        goods_value_fen=cmd.goods_value_fen,
        goods_confiscated=cmd.goods_confiscated,
        income_confiscated_fen=cmd.income_confiscated_fen,
        fine_fen=cmd.fine_fen,
        officer_ids=officer_ids,
        major_list=agency.major_decisions,
    )
    return case
