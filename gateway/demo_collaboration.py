"""Demo records of the collaboration area (see gateway/demo.py): an environmental joint action
with Tangshan and Cangzhou, a case referred to Langfang, and the report's two cross-regional
market cases with their exact figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from domain.application import SupervisionLedger
from domain.collaboration import commands as co
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.personal import PersonalData
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.registry.uscc import check_character
from domain.values import EnforcementDomain, PartyKind
from gateway.demo_run import create, then

TANGSHAN = "130200"
BINHAI = "120116"
"""Administrative division codes: a credit code's characters 3-8."""
YUAN = 100
"""Fen per yuan: every amount is written in yuan as the report gives it, and stored in fen."""


def _uscc(division: str, seq: int) -> str:
    # With BINHAI, the same codes as the registry demo's entities (gateway.demo.demo_uscc).
    first17 = f"91{division}{seq:09d}"
    return first17 + check_character(first17)


def _team(code: str) -> list[UUID]:
    return [Officer.create_id(f"{code}-001"), Officer.create_id(f"{code}-002")]


def _joint_action(ledger: SupervisionLedger) -> None:
    action = create(
        ledger,
        co.LaunchJointAction(
            reference="JJJ-ECO-2023-03",
            title="京津冀大气、危险废物联合联动执法",
            field=EnforcementDomain.ECOLOGY,
            regions=[PartnerRegion.TANGSHAN, PartnerRegion.CANGZHOU],
            agency_id=Agency.create_id("ECO"),
            starts_on=date(2023, 5, 8),
            ends_on=date(2023, 5, 12),
        ),
    )
    if action is None:
        return
    then(
        ledger,
        [
            co.RecordSiteCheck(
                action_id=action,
                name="唐山某钢铁集团有限公司",
                uscc=_uscc(TANGSHAN, 1),
                region=PartnerRegion.TANGSHAN,
                checked_on=date(2023, 5, 9),
                officer_ids=_team("ECO"),
            ),
            co.RecordSiteCheck(
                action_id=action,
                name="塘沽化工原料有限公司",
                uscc=_uscc(BINHAI, 3),
                checked_on=date(2023, 5, 10),
                officer_ids=_team("ECO"),
            ),
            co.RecordActionProblem(
                action_id=action,
                site_no=1,
                description="危险废物贮存场所标识不全",
                found_on=date(2023, 5, 9),
            ),
            co.RecordRectification(
                action_id=action, problem_no=1, rectified_on=date(2023, 5, 9), note="当场补设标识"
            ),
            co.RecordJointMeeting(
                action_id=action, held_on=date(2023, 5, 12), topic="共商大气污染联防联控举措"
            ),
        ],
    )


def _transfer(ledger: SupervisionLedger) -> None:
    transfer = create(
        ledger,
        co.RecordCaseTransfer(
            direction=TransferDirection.REFERRED,
            region=PartnerRegion.LANGFANG,
            case_reference="津滨市监移〔2023〕2号",
            agency_id=Agency.create_id("MSA"),
            transferred_on=date(2023, 4, 3),
            summary="冒用厂名厂址钢材的生产源头位于廊坊，移送当地查处",
        ),
    )
    if transfer is not None:
        then(
            ledger,
            [
                co.RecordTransferOutcome(
                    transfer_id=transfer,
                    outcome=TransferOutcome.ACCEPTED,
                    decided_on=date(2023, 4, 10),
                    note="廊坊市市场监管局已立案",
                )
            ],
        )


def _market_case(
    ledger: SupervisionLedger,
    opened: co.OpenCrossRegionalCase,
    goods: tuple[str, Decimal, str],
    goods_value_yuan: int,
    fine_yuan: int,
    decided_on: date,
) -> None:
    case = create(ledger, opened)
    if case is None:
        return
    description, quantity, unit = goods
    then(
        ledger,
        [
            co.RecordSeizure(
                case_id=case,
                description=description,
                quantity=quantity,
                unit=unit,
                seized_on=opened.opened_on,
                officer_ids=_team("MSA"),
            ),
            # Both fines are above the agency's threshold of a major decision: reviewed first.
            co.RequestCrossRegionalLegalReview(
                case_id=case, requested_on=decided_on - timedelta(days=5)
            ),
            co.RecordCrossRegionalLegalReview(
                case_id=case,
                reviewed_on=decided_on - timedelta(days=2),
                passed=True,
                reviewer="法制科",
            ),
            co.DecideCrossRegionalCase(
                case_id=case,
                decided_on=decided_on,
                goods_value_fen=goods_value_yuan * YUAN,
                goods_confiscated=True,
                fine_fen=fine_yuan * YUAN,
                officer_ids=_team("MSA"),
            ),
        ],
    )


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records."""
    _joint_action(ledger)
    _transfer(ledger)
    msa = Agency.create_id("MSA")
    _market_case(
        ledger,
        co.OpenCrossRegionalCase(
            case_no="津滨市监罚〔2023〕101号",
            regions=[PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN],
            agency_id=msa,
            opened_on=date(2023, 3, 20),
            cause="销售冒用厂名、厂址的产品",
            party_kind=PartyKind.CITIZEN,
            person=PersonalData(name="杨某"),
        ),
        goods=("冒用厂名厂址的钢材", Decimal(3215), "吨"),
        goods_value_yuan=14_746_100,
        fine_yuan=750_000,
        decided_on=date(2023, 6, 15),
    )
    _market_case(
        ledger,
        co.OpenCrossRegionalCase(
            case_no="津滨市监罚〔2023〕187号",
            regions=[PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN],
            agency_id=msa,
            opened_on=date(2023, 8, 2),
            cause="侵犯注册商标专用权",
            party_kind=PartyKind.ORGANISATION,
            entity_name="某钢管销售有限公司",
            uscc=_uscc(TANGSHAN, 7),
        ),
        goods=("侵犯注册商标专用权的钢管", Decimal(497), "根"),
        goods_value_yuan=1_658_000,
        fine_yuan=331_600,
        decided_on=date(2023, 10, 26),
    )
