"""Patrols, case-file reviews, 12345 tickets, coordination meetings and joint actions with the
partner cities, as commands."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.actors import Actor
from domain.cases import commands as cc
from domain.cases.review_standard import STANDARD_2023, Deduction
from domain.collaboration import commands as collab
from domain.collaboration.joint_action import JointAction
from domain.field.commands import RecordAreaPatrol
from domain.oversight import commands as ov
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.meeting import CoordinationMeeting
from domain.oversight.values import Satisfaction, ScreeningResult, TicketFinding
from domain.values import DISTRICT_ZONE, EnforcementDomain
from gateway.simulation.acts import JointActionPlan, Meeting, Patrol, Review, Ticket
from gateway.simulation.engine import Phase, Step
from gateway.simulation.script_planning import recorder
from gateway.simulation.world import OFFICE
from gateway.simulation.year import SimulatedYear


def oversight_phases(year: SimulatedYear) -> list[Phase[Any]]:
    return [
        Phase("patrols", year.patrols, _patrol),
        Phase("case-file reviews", year.reviews, _review),
        Phase("12345 tickets", year.tickets, _ticket),
        Phase("meetings", year.meetings, _meeting),
        Phase("joint actions", year.actions, _joint_action),
    ]


def _patrol(patrol: Patrol) -> list[Step]:
    command = RecordAreaPatrol(
        agency_id=patrol.agency.id,
        grid_cell=patrol.cell.code,
        officer_ids=patrol.officer_ids,
        started_at=patrol.started_at,
        ended_at=patrol.ended_at,
        route=f"{patrol.cell.name}主要道路及沿街商户",
        notes="发现问题已现场处置" if patrol.problems else "未发现问题",
        problems_found=patrol.problems,
    )
    return [(command, recorder(patrol).actor)]


def _review(review: Review) -> list[Step]:
    command = cc.ReviewCaseFile(
        agency_id=review.agency.id,
        file_no=review.file_no,
        file_year=review.file_year,
        standard_version=STANDARD_2023.version,
        reviewed_on=review.reviewed_on,
        veto_items=list(review.veto),
        form_points=review.form_points,
        content_points=review.content_points,
        deductions=[Deduction(item=item, points=points) for item, points in review.deductions],
    )
    return [(command, OFFICE)]


def _ticket(ticket: Ticket) -> list[Step]:
    ticket_id = HotlineTicket.create_id(ticket.no)
    handling = ticket.handling
    steps: list[Step] = [
        (
            ov.ReceiveTicket(
                ticket_no=ticket.no,
                received_at=ticket.received_at,
                channel=ticket.channel,
                category=ticket.category,
                summary=ticket.summary,
                person=ticket.person,
                deadline=ticket.deadline,
            ),
            OFFICE,
        ),
        (
            ov.ScreenTicket(
                ticket_id=ticket_id,
                screened_at=ticket.screened_at,
                result=ScreeningResult.RELEVANT if handling else ScreeningResult.NOT_RELEVANT,
                note="属执法类线索，转相关执法部门办理" if handling else "非执法类诉求，不予转办",
            ),
            OFFICE,
        ),
    ]
    satisfaction = None
    if handling is not None:
        route = ov.RouteTicket(
            ticket_id=ticket_id, agency_id=handling.agency.id, routed_at=handling.routed_at
        )
        handle = ov.HandleTicket(
            ticket_id=ticket_id,
            handled_at=handling.handled_at,
            finding=handling.finding,
            result=handling.result,
            officer_ids=[o.id for o in handling.handlers],
        )
        steps += [(route, OFFICE), (handle, handling.handlers[0].actor)]
        satisfaction = handling.satisfaction
    seq = int(ticket.no.rsplit("-", 1)[-1])
    closed_on = ticket.closed_at.astimezone(DISTRICT_ZONE).date()
    if seq % STUCK_EVERY == 11 or (closed_on >= date(closed_on.year, 12, 20) and seq % 3 == 0):
        # Still open when the year ends (a few stuck past their deadline, some late in
        # December): the report counts tickets screened, so an open one changes no figure,
        # and the views have open and overdue tickets to show.
        return steps
    close = ov.CloseTicket(
        ticket_id=ticket_id, closed_at=ticket.closed_at, satisfaction=satisfaction
    )
    steps.append((close, OFFICE))
    if handling is not None and seq % REOPEN_EVERY == 7 and closed_on.month < 12:
        steps += _reopened(ticket_id, ticket.closed_at, handling.handlers[0].actor)
    return steps


STUCK_EVERY = 250
"""About one ticket in 250 is still open, past its deadline, when the year ends."""
REOPEN_EVERY = 29
"""About one handled ticket in thirty is reopened after a dissatisfied return visit."""


def _reopened(ticket_id: UUID, closed_at: datetime, handler: Actor) -> list[Step]:
    """Reopened two hours after its close, handled again the next day, closed the day after."""
    return [
        (
            ov.ReopenTicket(
                ticket_id=ticket_id,
                reopened_at=closed_at + timedelta(hours=2),
                reason="回访不满意，重新办理",
            ),
            OFFICE,
        ),
        (
            ov.HandleTicket(
                ticket_id=ticket_id,
                handled_at=closed_at + timedelta(days=1),
                finding=TicketFinding.SUBSTANTIATED,
                result="再次核查并督促整改到位",
            ),
            handler,
        ),
        (
            ov.CloseTicket(
                ticket_id=ticket_id,
                closed_at=closed_at + timedelta(days=2),
                satisfaction=Satisfaction.BASICALLY_SATISFIED,
            ),
            OFFICE,
        ),
    ]


def _meeting(meeting: Meeting) -> list[Step]:
    meeting_id = CoordinationMeeting.create_id(meeting.reference)
    steps: list[Step] = [
        (
            ov.RecordCoordinationMeeting(
                reference=meeting.reference,
                kind=meeting.kind,
                held_on=meeting.held_on,
                host=meeting.host,
                topic=meeting.topic,
                agency_ids=[a.id for a in meeting.agencies],
            ),
            OFFICE,
        )
    ]
    for given_on, opinion, agency in meeting.opinions:
        give = ov.GiveMeetingOpinion(
            meeting_id=meeting_id,
            given_on=given_on,
            opinion=opinion,
            agency_id=agency.id if agency is not None else None,
        )
        steps.append((give, OFFICE))
    return steps


def _joint_action(action: JointActionPlan) -> list[Step]:
    actor = action.agency.stable[0].actor
    action_id = JointAction.create_id(action.reference)
    steps: list[Step] = [
        (
            collab.LaunchJointAction(
                reference=action.reference,
                title=action.title,
                field=EnforcementDomain.ECOLOGY,
                regions=action.regions,
                agency_id=action.agency.id,
                starts_on=action.starts_on,
                ends_on=action.ends_on,
            ),
            actor,
        )
    ]
    for site in action.sites:
        check = collab.RecordSiteCheck(
            action_id=action_id,
            name=site.name,
            uscc=site.uscc,
            region=site.region,
            checked_on=site.checked_on,
            officer_ids=[o.id for o in site.officers],
        )
        steps.append((check, actor))
    for problem in action.problems:
        found = collab.RecordActionProblem(
            action_id=action_id,
            site_no=problem.site_no,
            description=problem.description,
            found_on=problem.found_on,
        )
        steps.append((found, actor))
    for problem_no, problem in enumerate(action.problems, start=1):
        if problem.rectified_on is not None:
            rectified = collab.RecordRectification(
                action_id=action_id,
                problem_no=problem_no,
                rectified_on=problem.rectified_on,
                on_the_spot=problem.on_the_spot,
                note="立行立改" if problem.on_the_spot else "限期整改，已复查",
            )
            steps.append((rectified, actor))
    for held_on, topic in action.meetings:
        steps.append(
            (collab.RecordJointMeeting(action_id=action_id, held_on=held_on, topic=topic), actor)
        )
    return steps
