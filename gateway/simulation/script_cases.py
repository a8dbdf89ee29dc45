"""Penalty cases and education corrections as commands, each case from opening to closing."""

from __future__ import annotations

import hashlib
from typing import Any

from domain.cases import commands as cc
from domain.cases.penalty_case import PenaltyCase
from domain.inspection.inspection import Inspection
from gateway.simulation.acts import OrdinaryCase, Party, SimpleCase, known
from gateway.simulation.engine import Phase, Step
from gateway.simulation.script_planning import recorder
from gateway.simulation.year import SimulatedYear


def case_phases(year: SimulatedYear) -> list[Phase[Any]]:
    return [
        Phase("simple cases", year.simple, _simple),
        Phase("ordinary cases", year.ordinary, _ordinary),
    ]


def _party(party: Party) -> dict[str, object]:
    return {
        "party_kind": party.kind,
        "entity_id": party.entity.id if party.entity is not None else None,
        "person": party.person,
    }


def _simple(case: SimpleCase) -> list[Step]:
    actor = recorder(case).actor
    case_id = PenaltyCase.create_id(case.agency.id, case.case_no)
    decide = cc.DecideOnTheSpot.model_validate(
        {
            "agency_id": case.agency.id,
            "case_no": case.case_no,
            "officer_ids": case.officer_ids,
            **_party(case.party),
            "violation": case.violation,
            "violation_date": case.first,
            "legal_basis": case.legal_basis,
            "decided_on": case.first,
            "penalties": case.penalties,
        }
    )
    steps: list[Step] = [(decide, actor)]
    if case.paid_on is not None:
        paid = cc.RecordPayment(
            case_id=case_id, paid_on=case.paid_on, fine_fen=case.penalties.fine_fen
        )
        steps.append((paid, actor))
    steps.append((cc.CloseCase(case_id=case_id, closed_on=case.closed_on), actor))
    return steps


def _ordinary(case: OrdinaryCase) -> list[Step]:
    actor = recorder(case).actor
    case_id = PenaltyCase.create_id(case.agency.id, case.case_no)
    filed = cc.FileCase.model_validate(
        {
            "agency_id": case.agency.id,
            "case_no": case.case_no,
            "officer_ids": case.officer_ids,
            **_party(case.party),
            "violation": case.violation,
            "violation_date": case.violation_date,
            "legal_basis": case.legal_basis,
            "inspection_id": Inspection.create_id(case.inspection.number)
            if case.inspection is not None
            else None,
            "goods_value_fen": case.goods_value_fen,
            "filed_on": case.filed_on,
        }
    )
    evidence = [
        hashlib.sha256(f"{case.agency.code}:{case.case_no}:{k}".encode()).hexdigest()
        for k in range(1, 3)
    ]
    steps: list[Step] = [
        (filed, actor),
        (
            cc.RecordInvestigation(
                case_id=case_id,
                investigated_on=case.investigated_on,
                evidence=evidence,
                findings=case.findings,
            ),
            actor,
        ),
    ]
    if case.penalties is None:
        educated = cc.CloseWithEducation(
            case_id=case_id,
            decided_on=case.decided_on,
            correction="当事人已当场改正违法行为，执法人员对其进行了法治宣传教育，依法不予处罚",
        )
        return [*steps, (educated, actor)]
    if case.review is not None:
        requested, reviewed = case.review
        steps += [
            (cc.RequestLegalReview(case_id=case_id, requested_on=requested), actor),
            (
                cc.RecordLegalReview(
                    case_id=case_id,
                    reviewed_on=reviewed,
                    passed=True,
                    reviewer=f"{case.agency.name}法制审核机构",
                    opinion="事实清楚，证据确凿，适用依据正确，程序合法，裁量适当",
                ),
                actor,
            ),
        ]
    if case.extension is not None:
        approved, deadline = case.extension
        steps.append(
            (
                cc.ApproveExtension(
                    case_id=case_id,
                    approved_on=approved,
                    new_deadline=deadline,
                    approver=f"{case.agency.name}负责人",
                    reason="案情复杂，需进一步调查取证",
                ),
                actor,
            )
        )
    done = known(case.execution, f"the execution of case {case.case_no}")
    steps += [
        (
            cc.DecideCase(case_id=case_id, decided_on=case.decided_on, penalties=case.penalties),
            actor,
        ),
        (cc.ServeDecision(case_id=case_id, served_on=done.served_on, method=done.method), actor),
        (
            cc.RecordPayment(
                case_id=case_id,
                paid_on=done.paid_on,
                fine_fen=done.fine_fen,
                gains_fen=done.gains_fen,
            ),
            actor,
        ),
    ]
    if done.waived_on is not None:
        waive = cc.WaiveExecution(
            case_id=case_id,
            waived_on=done.waived_on,
            approver=f"{case.agency.name}负责人",
            reason="当事人确有经济困难，经批准减免剩余罚款",
        )
        steps.append((waive, actor))
    steps.append((cc.CloseCase(case_id=case_id, closed_on=case.closed_on), actor))
    return steps
