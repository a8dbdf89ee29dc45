"""Givens of the cases and field areas: certified teams, filed cases, lists, grid cells.

Ledger givens issue real commands (every rule applies to them too); the ``a_*`` helpers build
aggregates in memory for unit tests (inside ``recording_as``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from domain.cases.penalties import Penalties
from domain.cases.penalty_case import PenaltyCase
from domain.cases.values import CaseIntake, ServiceMethod
from domain.personal import PersonalData
from domain.registry import commands as reg
from domain.registry.agency import MajorDecisionItem
from domain.registry.entity import Entity
from domain.registry.exemption_list import ExemptionItem
from domain.registry.officer import Officer
from domain.values import EnforcementDomain, PartyKind
from tests.builders import CERTIFIED_ON, given_agency, given_entity, given_officers, uscc

CITIZEN = PersonalData(name="张三", id_number="12010119900101123X", phone="13800000000")
VIOLATION_ON = date(2023, 3, 1)
FILED_ON = date(2023, 3, 6)


# In memory ---------------------------------------------------------------------------------


def a_team(agency_id: UUID, *numbers: str, certified_on: date = CERTIFIED_ON) -> list[Officer]:
    """Certified officers of ``agency_id`` (built in memory)."""
    team = []
    for number in numbers or ("O-1", "O-2"):
        officer = Officer(officer_no=number, name=number, agency_id=agency_id, frontline=True)
        officer.issue_certificate(number=f"C-{number}", issued_on=certified_on)
        team.append(officer)
    return team


def an_intake(
    agency_id: UUID,
    *,
    case_no: str = "津滨市监罚〔2023〕1号",
    party_kind: PartyKind = PartyKind.ORGANISATION,
    violation_date: date = VIOLATION_ON,
    goods_value_fen: int = 0,
) -> CaseIntake:
    citizen = party_kind is PartyKind.CITIZEN
    return CaseIntake(
        case_no=case_no,
        agency_id=agency_id,
        party_kind=party_kind,
        entity_id=None if citizen else uuid4(),
        person=CITIZEN if citizen else None,
        violation="销售标注虚假生产者名称的钢材",
        violation_date=violation_date,
        legal_basis="《中华人民共和国产品质量法》第五十三条",
        goods_value_fen=goods_value_fen,
    )


def a_filed_case(
    agency_id: UUID | None = None, filed_on: date = FILED_ON, **intake: Any
) -> tuple[PenaltyCase, list[Officer]]:
    agency = agency_id or uuid4()
    team = a_team(agency)
    return PenaltyCase.file(an_intake(agency, **intake), team, filed_on), team


def an_investigated_case(
    agency_id: UUID | None = None, filed_on: date = FILED_ON, **intake: Any
) -> tuple[PenaltyCase, list[Officer]]:
    case, team = a_filed_case(agency_id, filed_on, **intake)
    case.investigate(team, filed_on, ["ab" * 32], "查明销售钢材3215吨")
    return case, team


# In the ledger -----------------------------------------------------------------------------


def given_team(ledger: SupervisionLedger, code: str = "MSA", n: int = 2) -> tuple[UUID, list[UUID]]:
    """An agency (registered if new) and ``n`` officers of it certified since 2022."""
    agency_id = given_agency(ledger, code)
    return agency_id, given_officers(ledger, agency_id, *[f"{code}-{i}" for i in range(1, n + 1)])


def given_grid_cell(ledger: SupervisionLedger, code: str = "G-001") -> UUID:
    return ledger.execute(
        reg.DefineGridCell(code=code, name=f"网格 {code}", street="新港街道"), SYSTEM
    ).id


def given_major_list(
    ledger: SupervisionLedger, agency_id: UUID, items: Sequence[MajorDecisionItem]
) -> None:
    ledger.execute(reg.PublishMajorDecisionList(agency_id=agency_id, items=list(items)), SYSTEM)


def given_exemption_list(
    ledger: SupervisionLedger,
    version: int = 1,
    in_force_from: date = date(2022, 7, 1),
    domain: EnforcementDomain = EnforcementDomain.MARKET,
    codes: Sequence[str] = ("MKT-E-01",),
) -> UUID:
    items = [ExemptionItem(code=c, violation=f"轻微违法 {c}", legal_basis="条例") for c in codes]
    return ledger.execute(
        reg.PublishExemptionList(
            domain=domain, version=version, in_force_from=in_force_from, items=items
        ),
        SYSTEM,
    ).id


def intake_body(
    agency_id: UUID,
    officer_ids: Sequence[UUID],
    entity_id: UUID | None,
    *,
    case_no: str = "津滨市监罚〔2023〕1号",
    **overrides: Any,
) -> dict[str, Any]:
    """The JSON body of opening a case of an organisation (or of a citizen without entity)."""
    body: dict[str, Any] = {
        "agency_id": str(agency_id),
        "case_no": case_no,
        "officer_ids": [str(o) for o in officer_ids],
        "party_kind": "organisation" if entity_id else "citizen",
        "violation": "销售标注虚假生产者名称的钢材",
        "violation_date": VIOLATION_ON.isoformat(),
        "legal_basis": "《中华人民共和国产品质量法》第五十三条",
    }
    if entity_id is not None:
        body["entity_id"] = str(entity_id)
    else:
        body["person"] = CITIZEN.model_dump(mode="json")
    body.update(overrides)
    return body


def given_filed_case(
    ledger: SupervisionLedger,
    agency_id: UUID,
    officer_ids: Sequence[UUID],
    *,
    case_no: str = "津滨市监罚〔2023〕1号",
    filed_on: date = FILED_ON,
    investigated: bool = True,
    entity_seq: int = 1,
) -> UUID:
    entity_id = Entity.create_id(uscc(entity_seq))
    if entity_id not in ledger.repository:
        given_entity(ledger, entity_seq)
    case_id = ledger.execute(
        cc.FileCase.model_validate(
            intake_body(agency_id, officer_ids, entity_id, case_no=case_no)
            | {"filed_on": filed_on.isoformat()}
        ),
        SYSTEM,
    ).id
    if investigated:
        ledger.execute(
            cc.RecordInvestigation(
                case_id=case_id, investigated_on=filed_on, evidence=["ab" * 32], findings="查明"
            ),
            SYSTEM,
        )
    return case_id


def given_decided_case(
    ledger: SupervisionLedger,
    agency_id: UUID,
    officer_ids: Sequence[UUID],
    *,
    case_no: str = "津滨市监罚〔2023〕1号",
    penalties: Penalties | None = None,
    served: bool = True,
) -> UUID:
    case_id = given_filed_case(ledger, agency_id, officer_ids, case_no=case_no)
    ledger.execute(
        cc.DecideCase(
            case_id=case_id,
            decided_on=date(2023, 4, 1),
            penalties=penalties or Penalties(fine_fen=500_000),
        ),
        SYSTEM,
    )
    if served:
        ledger.execute(
            cc.ServeDecision(
                case_id=case_id, served_on=date(2023, 4, 3), method=ServiceMethod.IN_PERSON
            ),
            SYSTEM,
        )
    return case_id
