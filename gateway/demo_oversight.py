"""Demo records of the oversight area (see gateway/demo.py): 12345 tickets through every step,
a whistle meeting and a difficult-case meeting, a judicial and a procuratorial suggestion, and
the equipment issued to the three demo agencies (332 sets, the report's "330余台套")."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from domain.application import SupervisionLedger
from domain.oversight import commands as ov
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
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from gateway.demo_run import create, then

BEIJING_TIME = timezone(timedelta(hours=8))


def _at(month: int, day: int, hour: int) -> datetime:
    return datetime(2023, month, day, hour, tzinfo=BEIJING_TIME)


def _tickets(ledger: SupervisionLedger) -> None:
    msa, urb = Agency.create_id("MSA"), Agency.create_id("URB")
    fumes = create(
        ledger,
        ov.ReceiveTicket(
            ticket_no="2303151234500001",
            received_at=_at(3, 15, 9),
            channel=TicketChannel.PHONE,
            category=TicketCategory.CATERING_FUMES,
            summary="新港街道某小区底商餐馆油烟直排，影响居民生活",
            person=PersonalData(name="张某某", phone="13800000001"),
            deadline=date(2023, 3, 29),
        ),
    )
    if fumes is not None:
        then(
            ledger,
            [
                ov.ScreenTicket(
                    ticket_id=fumes, screened_at=_at(3, 15, 11), result=ScreeningResult.RELEVANT
                ),
                ov.RouteTicket(ticket_id=fumes, agency_id=urb, routed_at=_at(3, 15, 14)),
                ov.HandleTicket(
                    ticket_id=fumes,
                    handled_at=_at(3, 20, 16),
                    finding=TicketFinding.SUBSTANTIATED,
                    result="现场检查属实，责令安装油烟净化设施并限期整改",
                    officer_ids=[Officer.create_id("URB-001"), Officer.create_id("URB-002")],
                ),
                ov.CloseTicket(
                    ticket_id=fumes, closed_at=_at(3, 22, 10), satisfaction=Satisfaction.SATISFIED
                ),
            ],
        )
    training = create(
        ledger,
        ov.ReceiveTicket(
            ticket_no="2306121234500002",
            received_at=_at(6, 12, 10),
            channel=TicketChannel.WECHAT,
            category=TicketCategory.EDUCATION_TRAINING,
            summary="某培训机构以“保过”为名虚假宣传，拒不退费",
            deadline=date(2023, 6, 26),
        ),
    )
    if training is not None:
        # Closed four days after its deadline: on file as overdue.
        then(
            ledger,
            [
                ov.ScreenTicket(
                    ticket_id=training, screened_at=_at(6, 12, 15), result=ScreeningResult.RELEVANT
                ),
                ov.RouteTicket(ticket_id=training, agency_id=msa, routed_at=_at(6, 13, 9)),
                ov.HandleTicket(
                    ticket_id=training,
                    handled_at=_at(6, 28, 17),
                    finding=TicketFinding.PARTLY_SUBSTANTIATED,
                    result="虚假宣传属实，已立案调查；退费纠纷引导当事人诉讼解决",
                ),
                ov.CloseTicket(
                    ticket_id=training,
                    closed_at=_at(6, 30, 10),
                    satisfaction=Satisfaction.BASICALLY_SATISFIED,
                ),
            ],
        )
    wages = create(
        ledger,
        ov.ReceiveTicket(
            ticket_no="2309041234500003",
            received_at=_at(9, 4, 8),
            channel=TicketChannel.WEB,
            category=TicketCategory.LABOUR_PROTECTION,
            summary="反映与用人单位的劳动合同纠纷，要求调解",
            deadline=date(2023, 9, 18),
        ),
    )
    if wages is not None:
        then(
            ledger,
            [
                ov.ScreenTicket(
                    ticket_id=wages,
                    screened_at=_at(9, 4, 11),
                    result=ScreeningResult.NOT_RELEVANT,
                    note="劳动争议，属仲裁调解事项，非行政执法线索",
                ),
                ov.CloseTicket(ticket_id=wages, closed_at=_at(9, 5, 9)),
            ],
        )


def _meetings(ledger: SupervisionLedger) -> None:
    eco, msa, urb = (Agency.create_id(code) for code in ("ECO", "MSA", "URB"))
    whistle = create(
        ledger,
        ov.RecordCoordinationMeeting(
            reference="CS-2023-01",
            kind=MeetingKind.WHISTLE,
            held_on=date(2023, 4, 18),
            host="新港街道",
            topic="拆除违法建设",
            agency_ids=[urb, eco],
        ),
    )
    if whistle is not None:
        then(
            ledger,
            [
                ov.GiveMeetingOpinion(
                    meeting_id=whistle,
                    given_on=date(2023, 4, 18),
                    opinion="先行固定证据，依法履行催告程序后再行强制拆除",
                    agency_id=urb,
                )
            ],
        )
    hard = create(
        ledger,
        ov.RecordCoordinationMeeting(
            reference="YN-2023-01",
            kind=MeetingKind.DIFFICULT_CASE,
            held_on=date(2023, 7, 6),
            host="区司法局",
            topic="重点工程施工扬尘案件的管辖与定性",
            agency_ids=[eco, urb, msa],
        ),
    )
    if hard is not None:
        then(
            ledger,
            [
                ov.GiveMeetingOpinion(
                    meeting_id=hard,
                    given_on=date(2023, 7, 7),
                    opinion="由生态环境局主办，城市管理部门配合调查取证",
                )
            ],
        )


def _suggestions(ledger: SupervisionLedger) -> None:
    judicial = create(
        ledger,
        ov.ReceiveSuggestion(
            reference="（2023）津0116司建3号",
            kind=SuggestionKind.JUDICIAL,
            issuer="天津市滨海新区人民法院",
            agency_id=Agency.create_id("URB"),
            subject="行政强制拆除程序中催告、听取陈述申辩环节不完整",
            received_on=date(2023, 5, 10),
            deadline=date(2023, 7, 10),
        ),
    )
    if judicial is not None:
        then(
            ledger,
            [
                ov.AnswerSuggestion(
                    suggestion_id=judicial,
                    answered_on=date(2023, 6, 28),
                    answer="已修订强制拆除工作规程，补齐催告和陈述申辩环节",
                )
            ],
        )
    procuratorial = create(
        ledger,
        ov.ReceiveSuggestion(
            reference="津滨检行建〔2023〕5号",
            kind=SuggestionKind.PROCURATORIAL,
            issuer="天津市滨海新区人民检察院",
            subject="危险废物跨区域转移监管存在漏洞，建议加强联合执法",
            received_on=date(2023, 8, 1),
            deadline=date(2023, 10, 1),
        ),
    )
    if procuratorial is not None:
        then(
            ledger,
            [
                ov.AnswerSuggestion(
                    suggestion_id=procuratorial,
                    answered_on=date(2023, 9, 20),
                    answer="已组织生态环境局与唐山、沧州开展危险废物联合执法",
                )
            ],
        )


EQUIPMENT = [
    ("EQ-2023-001", "MSA", EquipmentKind.ENFORCEMENT_TERMINAL, 120),
    ("EQ-2023-002", "ECO", EquipmentKind.BODY_CAMERA, 60),
    ("EQ-2023-003", "URB", EquipmentKind.ENFORCEMENT_TERMINAL, 100),
    ("EQ-2023-004", "URB", EquipmentKind.BODY_CAMERA, 52),
]


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records."""
    _tickets(ledger)
    _meetings(ledger)
    _suggestions(ledger)
    for voucher_no, code, kind, quantity in EQUIPMENT:
        create(
            ledger,
            ov.IssueEquipment(
                agency_id=Agency.create_id(code),
                voucher_no=voucher_no,
                kind=kind,
                quantity=quantity,
                issued_on=date(2023, 3, 1),
                note="区司法局牵头统一配发",
            ),
        )
