"""Joint actions, case transfers and cross-regional cases over real events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.collaboration.case_transfer import CaseTransfer
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.collaboration.joint_action import JointAction
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.values import EnforcementDomain, PartyKind
from projections.collaboration import Collaboration
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")

ECO, MSA = uuid4(), uuid4()
OFFICERS = [uuid4(), uuid4()]


def test_an_action_counts_its_sites_problems_rectifications_and_meetings() -> None:
    action = JointAction(
        reference="JA-1",
        title="联合联动执法",
        field=EnforcementDomain.ECOLOGY,
        regions=[PartnerRegion.CANGZHOU, PartnerRegion.TANGSHAN],
        agency_id=ECO,
        starts_on=date(2023, 5, 8),
        ends_on=date(2023, 5, 12),
    )
    tangshan = PartnerRegion.TANGSHAN
    there = action.check_site("某钢铁公司", None, tangshan, date(2023, 5, 9), OFFICERS)
    here = action.check_site("某化工公司", None, None, date(2023, 5, 10), OFFICERS)
    first = action.find_problem(there, "危废标识不全", date(2023, 5, 9))
    action.find_problem(here, "台账缺失", date(2023, 5, 10))
    action.rectify(first, date(2023, 5, 9), on_the_spot=True, note="")
    action.hold_meeting(date(2023, 5, 12), "座谈")
    tables = fold_all(EventLog().add(action), [Collaboration()])
    assert tables["joint_actions"] == {
        (action.id,): {
            "reference": "JA-1",
            "title": "联合联动执法",
            "field": "ecology",
            "regions": ["cangzhou", "tangshan"],
            "agency_id": ECO,
            "starts_on": date(2023, 5, 8),
            "ends_on": date(2023, 5, 12),
            "sites_checked": 2,
            "sites_in_partner_regions": 1,
            "problems_found": 2,
            "problems_rectified": 1,
            "rectified_on_the_spot": 1,
            "meetings": 1,
        }
    }
    # Each site with the region it lies in, each problem with its site: "per partner region"
    # credits them to Tangshan alone, not to Cangzhou as well.
    assert tables["joint_action_sites"] == {
        (action.id, there): {"region": "tangshan", "checked_on": date(2023, 5, 9)},
        (action.id, here): {"region": None, "checked_on": date(2023, 5, 10)},
    }
    assert tables["joint_action_problems"] == {
        (action.id, first): {
            "site_no": there,
            "found_on": date(2023, 5, 9),
            "rectified_on": date(2023, 5, 9),
            "on_the_spot": True,
        },
        (action.id, first + 1): {"site_no": here, "found_on": date(2023, 5, 10)},
    }


def test_transfers_and_cross_regional_cases_keep_their_partners_and_amounts() -> None:
    transfer = CaseTransfer(
        direction=TransferDirection.REFERRED,
        region=PartnerRegion.LANGFANG,
        regions=[PartnerRegion.LANGFANG],
        case_reference="移〔2023〕1号",
        agency_id=MSA,
        transferred_on=date(2023, 4, 3),
        summary="生产源头在外地",
        uscc=None,
    )
    transfer.record_outcome(TransferOutcome.ACCEPTED, date(2023, 4, 10), "")
    case = CrossRegionalCase(
        case_no="罚〔2023〕101号",
        regions=[PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN],
        agency_id=MSA,
        opened_on=date(2023, 3, 20),
        cause="销售冒用厂名、厂址的产品",
        party_kind=PartyKind.ORGANISATION,
        entity_name="某钢材公司",
        uscc=None,
        person=None,
    )
    case.seize("钢材", Decimal(3215), "吨", date(2023, 3, 20), OFFICERS)
    case.decide(date(2023, 6, 1), 1_474_610_000, True, 0, 75_000_000, OFFICERS, major_list=[])
    tables = fold_all(EventLog().add(transfer, case), [Collaboration()])
    assert tables["case_transfers"][(transfer.id,)] == {
        "direction": "referred",
        "region": "langfang",
        "regions": ["langfang"],
        "agency_id": MSA,
        "case_reference": "移〔2023〕1号",
        "transferred_on": date(2023, 4, 3),
        "outcome": "accepted",
        "decided_on": date(2023, 4, 10),
    }
    decided = tables["cross_regional_cases"][(case.id,)]
    assert {
        k: decided[k]
        for k in ("regions", "goods_value_fen", "fine_fen", "goods_confiscated", "lots_seized")
    } == {
        "regions": ["langfang", "tangshan"],
        "goods_value_fen": 1_474_610_000,
        "fine_fen": 75_000_000,
        "goods_confiscated": True,
        "lots_seized": 1,
    }
    # Each lot keeps what was seized, exactly: the report names the goods with their quantity.
    assert tables["cross_regional_lots"] == {
        (case.id, 1): {
            "description": "钢材",
            "quantity": Decimal(3215),
            "unit": "吨",
            "seized_on": date(2023, 3, 20),
        }
    }
