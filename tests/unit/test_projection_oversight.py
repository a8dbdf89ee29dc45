"""Hotline tickets, coordination meetings, suggestions and equipment over real events."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.oversight.equipment import EquipmentLedger
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.meeting import CoordinationMeeting
from domain.oversight.suggestion import Suggestion
from domain.oversight.values import (
    EquipmentKind,
    MeetingKind,
    Satisfaction,
    ScreeningResult,
    SuggestionKind,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.personal import PersonalData
from projections.coordination import Coordination
from projections.equipment import Equipment
from projections.hotline_tickets import HotlineTickets
from tests.builders_oversight import at
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")

URB, ECO = uuid4(), uuid4()
CITIZEN = PersonalData(name="李四", id_number="12010119900101123X", phone="13800000000")


def a_ticket(no: str = "T-1") -> HotlineTicket:
    return HotlineTicket(
        ticket_no=no,
        received_at=at(3, 1),
        channel=TicketChannel.PHONE,
        category=TicketCategory.CATERING_FUMES,
        summary="油烟直排",
        person=CITIZEN,
        deadline=date(2023, 3, 20),
    )


def test_a_ticket_row_follows_it_and_holds_no_personal_data() -> None:
    ticket = a_ticket()
    ticket.screen(at(3, 1, 10), ScreeningResult.RELEVANT, note="")
    ticket.route(URB, at(3, 1, 11), deadline=date(2023, 3, 25))
    log = EventLog()
    log.add(ticket)
    routed = fold_all(log.envelopes, [HotlineTickets()])["hotline_tickets"][(ticket.id,)]
    assert {k: routed[k] for k in ("status", "screened_on", "agency_id", "deadline")} == {
        "status": "routed",
        "screened_on": date(2023, 3, 1),
        "agency_id": URB,
        "deadline": date(2023, 3, 25),
    }
    assert CITIZEN.name not in repr(routed) and "13800000000" not in repr(routed)
    ticket.handle(at(3, 24), [uuid4()], TicketFinding.SUBSTANTIATED, "责令整改")
    ticket.close(at(3, 27), Satisfaction.SATISFIED)
    log.add(ticket)
    closed = fold_all(log.envelopes, [HotlineTickets()])["hotline_tickets"][(ticket.id,)]
    assert (closed["status"], closed["closed_on"], closed["late"]) == (
        "closed",
        date(2023, 3, 27),
        True,
    )
    ticket.reopen(at(3, 28), "回访不满意")
    log.add(ticket)
    reopened = fold_all(log.envelopes, [HotlineTickets()])["hotline_tickets"][(ticket.id,)]
    assert (reopened["status"], reopened["closed_on"], reopened["late"]) == ("reopened", None, None)
    assert reopened["reopened"] == 1


def test_a_ticket_screened_out_is_screened_and_never_routed() -> None:
    ticket = a_ticket()
    ticket.screen(at(3, 2), ScreeningResult.NOT_RELEVANT, note="非执法事项")
    row = fold_all(EventLog().add(ticket), [HotlineTickets()])["hotline_tickets"][(ticket.id,)]
    assert (row["status"], row["screened_on"], row["screening"]) == (
        "screened_out",
        date(2023, 3, 2),
        "not_relevant",
    )
    assert "agency_id" not in row


def test_meetings_suggestions_and_equipment() -> None:
    meeting = CoordinationMeeting(
        reference="CS-1",
        kind=MeetingKind.DIFFICULT_CASE,
        held_on=date(2023, 4, 18),
        host="区司法局",
        topic="土地违法",
        agency_ids=[URB, ECO],
    )
    meeting.give_opinion(date(2023, 4, 18), "先固定证据", agency_id=URB)
    suggestion = Suggestion(
        reference="（2023）津0116司建1号",
        kind=SuggestionKind.JUDICIAL,
        issuer="区法院",
        agency_id=URB,
        subject="程序不完整",
        received_on=date(2023, 5, 10),
        deadline=date(2023, 7, 10),
    )
    suggestion.record_answer(date(2023, 7, 12), "已整改")
    equipment = EquipmentLedger(agency_id=ECO)
    equipment.issue("V-1", EquipmentKind.BODY_CAMERA, 30, date(2023, 3, 1), "")
    equipment.record_return("V-2", EquipmentKind.BODY_CAMERA, 2, date(2023, 9, 1), "损坏")
    tables = fold_all(EventLog().add(meeting, suggestion, equipment), [Coordination(), Equipment()])
    assert tables["coordination_meetings"] == {
        (meeting.id,): {
            "reference": "CS-1",
            "kind": "difficult_case",
            "held_on": date(2023, 4, 18),
            "agency_ids": [URB, ECO],
            "opinions": 1,
        }
    }
    answered = tables["suggestions"][(suggestion.id,)]
    assert (answered["answered_on"], answered["late"]) == (date(2023, 7, 12), True)
    assert tables["equipment_daily"] == {
        (date(2023, 3, 1), ECO, "body_camera"): {"issued": 30},
        (date(2023, 9, 1), ECO, "body_camera"): {"returned": 2},
    }
