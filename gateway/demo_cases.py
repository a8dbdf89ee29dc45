"""Demo records of the cases area (see gateway/demo.py).

An ordinary case from filing to closing (expired food sold; goods confiscated, a fine large
enough to need legal review), an on-the-spot fine, three cases closed without penalty
(exemption under the market list, education and correction, dismissal), and two case-file
reviews: one of the closed case, one of a 2021 file that predates the ledger.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from domain.cases.penalties import ConfiscatedGoods, Penalties
from domain.cases.review_standard import Deduction
from domain.cases.values import DismissalReason, ServiceMethod
from domain.commands import Command
from domain.personal import PersonalData
from domain.registry import commands as reg
from domain.registry.agency import Agency, MajorDecisionItem
from domain.registry.entity import Entity
from domain.registry.officer import Officer
from domain.values import EnforcementDomain, PartyKind
from gateway.demo_run import create

MSA = Agency.create_id("MSA")
TEAM = [Officer.create_id("MSA-001"), Officer.create_id("MSA-002")]
FOOD_CASE = "津滨市监罚〔2023〕0031号"
MARKET_LAW = "《中华人民共和国食品安全法》第一百二十四条"


def _entity(seq: int) -> UUID:
    from gateway.demo import demo_uscc  # the registry demo owns the entities' credit codes

    return Entity.create_id(demo_uscc(seq))


def _open(case_no: str, entity_seq: int, violation: str, violated_on: date) -> dict[str, object]:
    return {
        "agency_id": MSA,
        "case_no": case_no,
        "officer_ids": TEAM,
        "party_kind": PartyKind.ORGANISATION,
        "entity_id": _entity(entity_seq),
        "violation": violation,
        "violation_date": violated_on,
        "legal_basis": MARKET_LAW,
    }


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records."""
    agency: Agency = ledger.repository.get(MSA)
    if agency.major_decision_list_version == 0:
        ledger.execute(
            reg.PublishMajorDecisionList(
                agency_id=MSA,
                items=[
                    MajorDecisionItem(code="licence_revocation", description="吊销许可证件"),
                    MajorDecisionItem(code="suspend_business", description="责令停产停业"),
                    MajorDecisionItem(
                        code="large_fine", description="较大数额罚款", fine_threshold_fen=10_000_000
                    ),
                ],
            ),
            SYSTEM,
        )
    _food_case(ledger)
    create(
        ledger,
        cc.DecideOnTheSpot(
            agency_id=MSA,
            case_no="津滨市监简罚〔2023〕0107号",
            officer_ids=TEAM,
            party_kind=PartyKind.CITIZEN,
            person=PersonalData(name="李某", id_number="120116199001011234"),
            violation="流动摊贩未明码标价",
            violation_date=date(2023, 7, 14),
            legal_basis="《明码标价和禁止价格欺诈规定》第二十一条",
            decided_on=date(2023, 7, 14),
            penalties=Penalties(warning=True, fine_fen=10_000),
        ),
    )
    _closed_without_penalty(ledger)
    _reviews(ledger)


def _food_case(ledger: SupervisionLedger) -> None:
    opened = create(
        ledger,
        cc.FileCase.model_validate(
            _open(FOOD_CASE, 4, "经营超过保质期的食品", date(2023, 2, 20))
            | {"filed_on": date(2023, 3, 1), "goods_value_fen": 8_640_000}
        ),
    )
    if opened is None:
        return
    steps: list[Command] = [
        cc.RecordInvestigation(
            case_id=opened,
            investigated_on=date(2023, 3, 20),
            evidence=["3f" * 32, "a7" * 32],
            findings="库存超过保质期的预包装食品1200件，已销售部分违法所得1.2万元",
        ),
        cc.RequestLegalReview(case_id=opened, requested_on=date(2023, 4, 10)),
        cc.RecordLegalReview(
            case_id=opened, reviewed_on=date(2023, 4, 14), passed=True, reviewer="法制科"
        ),
        cc.DecideCase(
            case_id=opened,
            decided_on=date(2023, 4, 20),
            penalties=Penalties(
                fine_fen=15_000_000,
                confiscated_gains_fen=1_200_000,
                confiscated_goods=[
                    ConfiscatedGoods(
                        description="超过保质期的预包装食品",
                        quantity=Decimal("1200"),
                        unit="件",
                        value_fen=8_640_000,
                    )
                ],
            ),
        ),
        cc.ServeDecision(
            case_id=opened, served_on=date(2023, 4, 21), method=ServiceMethod.IN_PERSON
        ),
        cc.RecordPayment(
            case_id=opened, paid_on=date(2023, 5, 15), fine_fen=15_000_000, gains_fen=1_200_000
        ),
        cc.CloseCase(case_id=opened, closed_on=date(2023, 5, 30)),
    ]
    for step in steps:
        ledger.execute(step, SYSTEM)


def _closed_without_penalty(ledger: SupervisionLedger) -> None:
    for case_no, seq, violation, ending in [
        ("津滨市监罚〔2023〕0102号", 2, "未按规定公示营业执照", "exemption"),
        ("津滨市监罚〔2023〕0103号", 4, "餐饮后厨卫生不达标", "education"),
        ("津滨市监罚〔2023〕0104号", 3, "涉嫌超范围经营", "dismissal"),
    ]:
        opened = create(
            ledger,
            cc.FileCase.model_validate(
                _open(case_no, seq, violation, date(2023, 8, 1)) | {"filed_on": date(2023, 8, 2)}
            ),
        )
        if opened is None:
            continue
        ledger.execute(
            cc.RecordInvestigation(
                case_id=opened, investigated_on=date(2023, 8, 5), findings="初次违法，已改正"
            ),
            SYSTEM,
        )
        decided_on = date(2023, 8, 10)
        last: Command
        if ending == "exemption":
            last = cc.ExemptFromPenalty(
                case_id=opened,
                decided_on=decided_on,
                domain=EnforcementDomain.MARKET,
                list_version=1,
                item_code="MKT-E-01",
            )
        elif ending == "education":
            last = cc.CloseWithEducation(
                case_id=opened, decided_on=decided_on, correction="当场整改，开展食品安全教育"
            )
        else:
            last = cc.DismissCase(
                case_id=opened, decided_on=decided_on, reason=DismissalReason.NOT_ESTABLISHED
            )
        ledger.execute(last, SYSTEM)


def _reviews(ledger: SupervisionLedger) -> None:
    create(
        ledger,
        cc.ReviewCaseFile(
            agency_id=MSA,
            file_no=FOOD_CASE,
            file_year=2023,
            standard_version="2023",
            reviewed_on=date(2023, 11, 20),
            form_points=29,
            content_points=68,
            deductions=[Deduction(item="D-02", points=1, note="送达回证缺少日期")],
        ),
    )
    create(
        ledger,
        cc.ReviewCaseFile(
            agency_id=MSA,
            file_no="津滨市监罚〔2021〕0415号",
            file_year=2021,
            standard_version="2023",
            reviewed_on=date(2023, 9, 12),
            form_points=24,
            content_points=55,
            deductions=[
                Deduction(item="D-03", points=6, note="证据未经当事人确认"),
                Deduction(item="D-04", points=5, note="未说明从轻理由"),
            ],
        ),
    )
