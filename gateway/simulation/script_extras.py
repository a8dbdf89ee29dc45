"""Equipment issued, cross-regional cases and case transfers with partner cities, as commands."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from domain.cases.penalties import Penalties
from domain.cases.rules import major_decision_items
from domain.collaboration import commands as collab
from domain.collaboration.case_transfer import CaseTransfer
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.oversight import commands as ov
from domain.values import PartyKind
from gateway.simulation.acts import CrossRegionalCasePlan, EquipmentIssue, TransferPlan
from gateway.simulation.engine import Phase, Step
from gateway.simulation.script_upkeep import upkeep_phases
from gateway.simulation.world import OFFICE
from gateway.simulation.year import SimulatedYear


def extra_phases(year: SimulatedYear) -> list[Phase[Any]]:
    return [
        Phase("equipment", year.equipment, _equipment),
        Phase("cross-regional cases", year.cross_regional_cases, _cross_regional_case),
        Phase("case transfers", year.transfers, _transfer),
        *upkeep_phases(year),
    ]


def _equipment(issue: EquipmentIssue) -> list[Step]:
    command = ov.IssueEquipment(
        agency_id=issue.agency.id,
        voucher_no=issue.voucher_no,
        kind=issue.kind,
        quantity=issue.quantity,
        issued_on=issue.issued_on,
        note="区司法局统一配发，落实行政执法全过程记录",
    )
    return [(command, OFFICE)]


def _cross_regional_case(case: CrossRegionalCasePlan) -> list[Step]:
    actor = case.agency.stable[0].actor
    case_id = CrossRegionalCase.create_id(case.case_no)
    description, quantity, unit = case.goods
    officers = [o.id for o in case.officers]
    return [
        (
            collab.OpenCrossRegionalCase(
                case_no=case.case_no,
                regions=list(case.regions),
                agency_id=case.agency.id,
                opened_on=case.opened_on,
                cause=case.cause,
                party_kind=PartyKind.ORGANISATION,
                entity_name=case.entity_name,
                uscc=case.uscc,
            ),
            actor,
        ),
        (
            collab.RecordSeizure(
                case_id=case_id,
                description=description,
                quantity=Decimal(quantity),
                unit=unit,
                seized_on=case.opened_on,
                officer_ids=officers,
            ),
            actor,
        ),
        *_legal_review(case),
        (
            collab.DecideCrossRegionalCase(
                case_id=case_id,
                decided_on=case.decided_on,
                goods_value_fen=case.goods_value_fen,
                goods_confiscated=True,
                fine_fen=case.fine_fen,
                officer_ids=officers,
            ),
            actor,
        ),
    ]


def _legal_review(case: CrossRegionalCasePlan) -> list[Step]:
    """A fine on the agency's major-decision list is legally reviewed, and passes, first."""
    # The goods confiscated are no item of the simulated lists; the fine's threshold is.
    if not major_decision_items(Penalties(fine_fen=case.fine_fen), case.agency.major_items):
        return []
    actor = case.agency.stable[0].actor
    case_id = CrossRegionalCase.create_id(case.case_no)
    return [
        (
            collab.RequestCrossRegionalLegalReview(
                case_id=case_id, requested_on=case.decided_on - timedelta(days=2)
            ),
            actor,
        ),
        (
            collab.RecordCrossRegionalLegalReview(
                case_id=case_id,
                reviewed_on=case.decided_on - timedelta(days=1),
                passed=True,
                reviewer=f"{case.agency.name}法制审核机构",
            ),
            actor,
        ),
    ]


def _transfer(transfer: TransferPlan) -> list[Step]:
    actor = transfer.agency.stable[0].actor
    transfer_id = CaseTransfer.create_id(transfer.direction, transfer.region, transfer.reference)
    return [
        (
            collab.RecordCaseTransfer(
                direction=transfer.direction,
                region=transfer.region,
                case_reference=transfer.reference,
                agency_id=transfer.agency.id,
                transferred_on=transfer.transferred_on,
                summary=transfer.summary,
            ),
            actor,
        ),
        (
            collab.RecordTransferOutcome(
                transfer_id=transfer_id,
                outcome=transfer.outcome,
                decided_on=transfer.decided_on,
            ),
            actor,
        ),
    ]
