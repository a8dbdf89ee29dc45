"""Givens of the oversight and collaboration tests: tickets at each step, meetings, suggestions,
joint actions, transfers and cross-regional cases.

Each builder issues real commands through the ledger as the system, so every rule applies to
the givens too. Acts are dated in 2023, Beijing time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.collaboration import commands as co
from domain.collaboration.values import PartnerRegion, TransferDirection
from domain.oversight import commands as ov
from domain.oversight.values import (
    MeetingKind,
    ScreeningResult,
    SuggestionKind,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.values import EnforcementDomain, PartyKind
from tests.builders import given_agency, given_officers, uscc

BEIJING = timezone(timedelta(hours=8))


def fill(template: object, ids: dict[str, str]) -> object:
    """A request template with its ``{placeholders}`` replaced by ``ids``, at any depth."""
    if isinstance(template, str):
        return template.format(**ids) if "{" in template else template
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    return template


def at(month: int, day: int, hour: int = 9) -> datetime:
    """A moment of 2023, Beijing time."""
    return datetime(2023, month, day, hour, tzinfo=BEIJING)


@dataclass(frozen=True)
class Agencies:
    """Two agencies with two certified officers each: ``a`` acts, ``b`` is the other one."""

    a: UUID
    b: UUID
    a_officers: list[UUID]
    b_officers: list[UUID]


def given_two_agencies(ledger: SupervisionLedger) -> Agencies:
    a = given_agency(ledger, "AAA", (EnforcementDomain.ECOLOGY, EnforcementDomain.MARKET))
    b = given_agency(ledger, "BBB", (EnforcementDomain.URBAN,))
    return Agencies(
        a=a,
        b=b,
        a_officers=given_officers(ledger, a, "A-1", "A-2"),
        b_officers=given_officers(ledger, b, "B-1", "B-2"),
    )


# Tickets ---------------------------------------------------------------------------------------


def given_ticket(
    ledger: SupervisionLedger, ticket_no: str = "T-1", deadline: date = date(2023, 3, 20)
) -> UUID:
    """A ticket received on 1 March 2023 at 09:00."""
    return ledger.execute(
        ov.ReceiveTicket(
            ticket_no=ticket_no,
            received_at=at(3, 1),
            channel=TicketChannel.PHONE,
            category=TicketCategory.CATERING_FUMES,
            summary="油烟直排",
            deadline=deadline,
        ),
        SYSTEM,
    ).id


def given_screened_ticket(
    ledger: SupervisionLedger, ticket_no: str = "T-1", deadline: date = date(2023, 3, 20)
) -> UUID:
    """A ticket screened relevant at 10:00 on 1 March."""
    ticket = given_ticket(ledger, ticket_no, deadline)
    ledger.execute(
        ov.ScreenTicket(
            ticket_id=ticket, screened_at=at(3, 1, 10), result=ScreeningResult.RELEVANT
        ),
        SYSTEM,
    )
    return ticket


def given_routed_ticket(
    ledger: SupervisionLedger,
    agency_id: UUID,
    ticket_no: str = "T-1",
    deadline: date = date(2023, 3, 20),
) -> UUID:
    """A ticket screened relevant at 10:00 and routed to ``agency_id`` at 11:00 on 1 March."""
    ticket = given_screened_ticket(ledger, ticket_no, deadline)
    ledger.execute(
        ov.RouteTicket(ticket_id=ticket, agency_id=agency_id, routed_at=at(3, 1, 11)), SYSTEM
    )
    return ticket


def given_handled_ticket(
    ledger: SupervisionLedger, agency_id: UUID, ticket_no: str = "T-1"
) -> UUID:
    """A routed ticket the agency handled on 10 March."""
    ticket = given_routed_ticket(ledger, agency_id, ticket_no)
    ledger.execute(
        ov.HandleTicket(
            ticket_id=ticket,
            handled_at=at(3, 10),
            finding=TicketFinding.SUBSTANTIATED,
            result="责令整改",
        ),
        SYSTEM,
    )
    return ticket


def given_closed_ticket(ledger: SupervisionLedger, agency_id: UUID, ticket_no: str = "T-1") -> UUID:
    """A handled ticket the office closed on 12 March, in time."""
    ticket = given_handled_ticket(ledger, agency_id, ticket_no)
    ledger.execute(ov.CloseTicket(ticket_id=ticket, closed_at=at(3, 12)), SYSTEM)
    return ticket


# Coordination ----------------------------------------------------------------------------------


def given_meeting(
    ledger: SupervisionLedger, agency_ids: list[UUID], reference: str = "CS-1"
) -> UUID:
    """A whistle meeting held on 18 April 2023 with ``agency_ids`` attending."""
    return ledger.execute(
        ov.RecordCoordinationMeeting(
            reference=reference,
            kind=MeetingKind.WHISTLE,
            held_on=date(2023, 4, 18),
            host="新港街道",
            topic="拆除违法建设",
            agency_ids=agency_ids,
        ),
        SYSTEM,
    ).id


def given_suggestion(
    ledger: SupervisionLedger, agency_id: UUID | None, reference: str = "（2023）津0116司建1号"
) -> UUID:
    """A judicial suggestion received on 10 May 2023, due 10 July."""
    return ledger.execute(
        ov.ReceiveSuggestion(
            reference=reference,
            kind=SuggestionKind.JUDICIAL,
            issuer="天津市滨海新区人民法院",
            agency_id=agency_id,
            subject="强制拆除程序不完整",
            received_on=date(2023, 5, 10),
            deadline=date(2023, 7, 10),
        ),
        SYSTEM,
    ).id


# Collaboration ---------------------------------------------------------------------------------


def given_joint_action(
    ledger: SupervisionLedger,
    agency_id: UUID,
    regions: tuple[PartnerRegion, ...] = (PartnerRegion.TANGSHAN, PartnerRegion.CANGZHOU),
    reference: str = "JA-1",
) -> UUID:
    """An ecological joint action led by ``agency_id`` from 8 to 12 May 2023."""
    return ledger.execute(
        co.LaunchJointAction(
            reference=reference,
            title="联合联动执法",
            field=EnforcementDomain.ECOLOGY,
            regions=list(regions),
            agency_id=agency_id,
            starts_on=date(2023, 5, 8),
            ends_on=date(2023, 5, 12),
        ),
        SYSTEM,
    ).id


def given_checked_site(
    ledger: SupervisionLedger, action_id: UUID, officer_ids: list[UUID], seq: int = 1
) -> None:
    """A site in Tangshan checked on 9 May 2023."""
    ledger.execute(
        co.RecordSiteCheck(
            action_id=action_id,
            name=f"site {seq}",
            uscc=uscc(seq, "130200"),
            region=PartnerRegion.TANGSHAN,
            checked_on=date(2023, 5, 9),
            officer_ids=officer_ids,
        ),
        SYSTEM,
    )


def given_problem(ledger: SupervisionLedger, action_id: UUID, site_no: int = 1) -> None:
    """A problem found on 9 May 2023 at a checked site."""
    ledger.execute(
        co.RecordActionProblem(
            action_id=action_id, site_no=site_no, description="标识不全", found_on=date(2023, 5, 9)
        ),
        SYSTEM,
    )


def given_transfer(
    ledger: SupervisionLedger,
    agency_id: UUID,
    region: PartnerRegion = PartnerRegion.LANGFANG,
    reference: str = "移〔2023〕1号",
) -> UUID:
    """A case referred to ``region`` on 3 April 2023."""
    return ledger.execute(
        co.RecordCaseTransfer(
            direction=TransferDirection.REFERRED,
            region=region,
            case_reference=reference,
            agency_id=agency_id,
            transferred_on=date(2023, 4, 3),
            summary="生产源头在外地",
        ),
        SYSTEM,
    ).id


def given_cross_case(
    ledger: SupervisionLedger,
    agency_id: UUID,
    officer_ids: list[UUID] | None = None,
    case_no: str = "罚〔2023〕1号",
) -> UUID:
    """A case against a business opened on 20 March 2023 with Langfang and Tangshan; with
    ``officer_ids``, 3215 t of steel seized the same day."""
    case = ledger.execute(
        co.OpenCrossRegionalCase(
            case_no=case_no,
            regions=[PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN],
            agency_id=agency_id,
            opened_on=date(2023, 3, 20),
            cause="销售冒用厂名、厂址的产品",
            party_kind=PartyKind.ORGANISATION,
            entity_name="某钢材公司",
        ),
        SYSTEM,
    ).id
    if officer_ids is not None:
        ledger.execute(
            co.RecordSeizure(
                case_id=case,
                description="钢材",
                quantity=Decimal(3215),
                unit="吨",
                seized_on=date(2023, 3, 20),
                officer_ids=officer_ids,
            ),
            SYSTEM,
        )
    return case
