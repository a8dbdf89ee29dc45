"""How the oversight commands are carried out."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.actors import Role
from domain.application import UnitOfWork, handles
from domain.errors import AlreadyExists, Forbidden
from domain.oversight import commands as c
from domain.oversight.equipment import EquipmentLedger
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.meeting import CoordinationMeeting
from domain.oversight.rules import (
    require_deadline_not_before,
    require_distinct_agencies,
    require_equipment_issued,
)
from domain.oversight.suggestion import Suggestion
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.rules import require_certified, require_same_agency
from domain.values import local_date


def _agencies(uow: UnitOfWork, agency_ids: Sequence[UUID]) -> list[Agency]:
    return [uow.get(Agency, agency_id) for agency_id in agency_ids]


# 12345 hotline tickets ------------------------------------------------------------------------


@handles(c.ReceiveTicket)
def receive_ticket(uow: UnitOfWork, cmd: c.ReceiveTicket) -> HotlineTicket:
    if uow.exists(HotlineTicket.create_id(cmd.ticket_no)):
        raise AlreadyExists("hotline ticket", cmd.ticket_no)
    received_on = local_date(cmd.received_at)
    require_deadline_not_before(cmd.deadline, received_on, f"ticket {cmd.ticket_no}")
    return uow.add(
        HotlineTicket(
            ticket_no=cmd.ticket_no,
            received_at=cmd.received_at,
            channel=cmd.channel,
            category=cmd.category,
            summary=cmd.summary,
            person=cmd.person,
            deadline=cmd.deadline,
        )
    )


@handles(c.ScreenTicket)
def screen_ticket(uow: UnitOfWork, cmd: c.ScreenTicket) -> HotlineTicket:
    ticket = uow.get(HotlineTicket, cmd.ticket_id)
    ticket.screen(screened_at=cmd.screened_at, result=cmd.result, note=cmd.note)
    return ticket


@handles(c.RouteTicket)
def route_ticket(uow: UnitOfWork, cmd: c.RouteTicket) -> HotlineTicket:
    ticket = uow.get(HotlineTicket, cmd.ticket_id)
    agency = uow.get(Agency, cmd.agency_id)
    ticket.route(agency_id=agency.id, routed_at=cmd.routed_at, deadline=cmd.deadline)
    return ticket


@handles(c.HandleTicket)
def handle_ticket(uow: UnitOfWork, cmd: c.HandleTicket) -> HotlineTicket:
    ticket = uow.get(HotlineTicket, cmd.ticket_id)
    if ticket.agency_id is not None:
        # The agency the ticket was routed to handles it, no other.
        uow.actor.require_agency(ticket.agency_id)
        officers = [uow.get(Officer, officer_id) for officer_id in cmd.officer_ids]
        require_same_agency(officers, ticket.agency_id)
        require_certified(officers, local_date(cmd.handled_at))
    ticket.handle(
        handled_at=cmd.handled_at,
        officer_ids=list(dict.fromkeys(cmd.officer_ids)),
        finding=cmd.finding,
        result=cmd.result,
    )
    return ticket


@handles(c.CloseTicket)
def close_ticket(uow: UnitOfWork, cmd: c.CloseTicket) -> HotlineTicket:
    ticket = uow.get(HotlineTicket, cmd.ticket_id)
    ticket.close(closed_at=cmd.closed_at, satisfaction=cmd.satisfaction)
    return ticket


@handles(c.ReopenTicket)
def reopen_ticket(uow: UnitOfWork, cmd: c.ReopenTicket) -> HotlineTicket:
    ticket = uow.get(HotlineTicket, cmd.ticket_id)
    ticket.reopen(reopened_at=cmd.reopened_at, reason=cmd.reason)
    return ticket


# Coordination -------------------------------------------------------------------------------


@handles(c.RecordCoordinationMeeting)
def record_coordination_meeting(
    uow: UnitOfWork, cmd: c.RecordCoordinationMeeting
) -> CoordinationMeeting:
    if uow.exists(CoordinationMeeting.create_id(cmd.reference)):
        raise AlreadyExists("coordination meeting", cmd.reference)
    require_distinct_agencies(cmd.agency_ids)
    _agencies(uow, cmd.agency_ids)
    return uow.add(
        CoordinationMeeting(
            reference=cmd.reference,
            kind=cmd.kind,
            held_on=cmd.held_on,
            host=cmd.host,
            topic=cmd.topic,
            agency_ids=cmd.agency_ids,
        )
    )


@handles(c.GiveMeetingOpinion)
def give_meeting_opinion(uow: UnitOfWork, cmd: c.GiveMeetingOpinion) -> CoordinationMeeting:
    meeting = uow.get(CoordinationMeeting, cmd.meeting_id)
    meeting.give_opinion(given_on=cmd.given_on, opinion=cmd.opinion, agency_id=cmd.agency_id)
    return meeting


@handles(c.ReceiveSuggestion)
def receive_suggestion(uow: UnitOfWork, cmd: c.ReceiveSuggestion) -> Suggestion:
    if uow.exists(Suggestion.create_id(cmd.kind, cmd.reference)):
        raise AlreadyExists(f"{cmd.kind.value} suggestion", cmd.reference)
    if cmd.agency_id is not None:
        uow.get(Agency, cmd.agency_id)
    require_deadline_not_before(cmd.deadline, cmd.received_on, f"suggestion {cmd.reference}")
    return uow.add(
        Suggestion(
            reference=cmd.reference,
            kind=cmd.kind,
            issuer=cmd.issuer,
            agency_id=cmd.agency_id,
            subject=cmd.subject,
            received_on=cmd.received_on,
            deadline=cmd.deadline,
        )
    )


@handles(c.AnswerSuggestion)
def answer_suggestion(uow: UnitOfWork, cmd: c.AnswerSuggestion) -> Suggestion:
    suggestion = uow.get(Suggestion, cmd.suggestion_id)
    if suggestion.agency_id is not None:
        uow.actor.require_agency(suggestion.agency_id)
    elif uow.actor.role is Role.AGENCY_OFFICER:
        raise Forbidden(
            f"suggestion {suggestion.reference} is addressed to the district government; "
            "the office records its answer"
        )
    suggestion.record_answer(answered_on=cmd.answered_on, answer=cmd.answer)
    return suggestion


# Equipment ----------------------------------------------------------------------------------


@handles(c.IssueEquipment)
def issue_equipment(uow: UnitOfWork, cmd: c.IssueEquipment) -> EquipmentLedger:
    agency = uow.get(Agency, cmd.agency_id)
    ledger = uow.find(EquipmentLedger, EquipmentLedger.create_id(agency.id))
    if ledger is None:
        # The first issue to an agency opens its ledger.
        ledger = uow.add(EquipmentLedger(agency_id=agency.id))
    ledger.issue(
        voucher_no=cmd.voucher_no,
        kind=cmd.kind,
        quantity=cmd.quantity,
        issued_on=cmd.issued_on,
        note=cmd.note,
    )
    return ledger


@handles(c.ReturnEquipment)
def return_equipment(uow: UnitOfWork, cmd: c.ReturnEquipment) -> EquipmentLedger:
    agency = uow.get(Agency, cmd.agency_id)
    ledger = uow.find(EquipmentLedger, EquipmentLedger.create_id(agency.id))
    ledger = require_equipment_issued(agency.code, ledger)
    ledger.record_return(
        voucher_no=cmd.voucher_no,
        kind=cmd.kind,
        quantity=cmd.quantity,
        returned_on=cmd.returned_on,
        reason=cmd.reason,
    )
    return ledger
