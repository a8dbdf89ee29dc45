"""The registers and officers projections over real events: who is registered, who held which
certificate when, and which exemption lists are in force."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.registry.agency import Agency
from domain.registry.entity import Entity
from domain.registry.exemption_list import ExemptionItem, ExemptionList
from domain.registry.grid_cell import GridCell
from domain.registry.inspection_item import InspectionItem
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE, EnforcementDomain, RevocationReason
from projections.officers import Officers
from projections.registers import Registers
from tests.builders import uscc
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")


def test_an_officer_s_certificates_are_kept_whole_with_their_dates_and_reasons() -> None:
    agency = uuid4()
    officer = Officer(officer_no="O-1", name="张三", agency_id=agency, frontline=False)
    officer.issue_certificate(number="C-1", issued_on=date(2020, 3, 1))
    officer.revoke_certificate(date(2023, 2, 1), RevocationReason.REASSIGNMENT, "调岗")
    officer.issue_certificate(number="C-2", issued_on=date(2023, 6, 1))
    officer.set_frontline(True)
    officer.record_training("执法规范化培训", 16, date(2023, 7, 1))
    log = EventLog()
    log.add(officer)
    tables = fold_all(log.envelopes, [Officers()])
    assert tables["officers"] == {
        (officer.id,): {
            "officer_no": "O-1",
            "agency_id": agency,
            "frontline": True,
            "training_hours": 16,
        }
    }
    assert tables["certificates"] == {
        (officer.id, "C-1"): {
            "agency_id": agency,
            "issued_on": date(2020, 3, 1),
            "revoked_on": date(2023, 2, 1),
            "reason": "reassignment",
        },
        (officer.id, "C-2"): {"agency_id": agency, "issued_on": date(2023, 6, 1)},
    }


def test_the_frontline_flag_keeps_its_history_with_the_day_each_change_took_effect() -> None:
    officer = Officer(officer_no="O-1", name="张三", agency_id=uuid4(), frontline=True)
    officer.set_frontline(False, effective_on=date(2023, 5, 1))
    officer.set_frontline(True)  # as stored before the ledger kept the day: none
    log = EventLog()
    log.add(officer)
    envelopes = log.envelopes
    tables = fold_all(envelopes, [Officers()])
    recorded = envelopes[-1].recorded_at.astimezone(DISTRICT_ZONE).date()
    assert tables["frontline_history"] == {
        (officer.id, 1): {"effective_on": None, "frontline": True},
        (officer.id, 2): {"effective_on": date(2023, 5, 1), "frontline": False},
        (officer.id, 3): {"effective_on": recorded, "frontline": True},
    }


def test_the_registers_hold_agencies_cells_items_and_lists_in_force() -> None:
    agency = Agency(
        code="MSA",
        name="市场监管局",
        domains=[EnforcementDomain.MARKET],
        registered_on=date(2019, 1, 1),
    )
    agency.change_domains([EnforcementDomain.MARKET, EnforcementDomain.HEALTH])
    cell = GridCell(code="G-001", name="一网格", street="新港街道")
    item = InspectionItem(
        code="MKT-001", name="产品质量", domain=EnforcementDomain.MARKET, legal_basis="产品质量法"
    )
    item.withdraw("合并")
    listed = ExemptionList(
        domain=EnforcementDomain.MARKET,
        version=1,
        in_force_from=date(2022, 7, 1),
        items=[ExemptionItem(code=f"E-{n}", violation="轻微", legal_basis="条例") for n in (1, 2)],
    )
    listed.repeal(date(2023, 7, 1))
    entities = [Entity(uscc=uscc(n), name=f"公司{n}", address="", grid_cell=None) for n in (1, 2)]
    log = EventLog()
    log.add(agency, cell, item, listed, *entities)
    tables = fold_all(log.envelopes, [Registers()])
    assert tables["agencies"] == {
        (agency.id,): {
            "code": "MSA",
            "name": "市场监管局",
            "domains": ["market", "health"],
            "registered_on": date(2019, 1, 1),
        }
    }
    assert tables["grid_cells"] == {
        ("G-001",): {"grid_cell_id": cell.id, "name": "一网格", "street": "新港街道"}
    }
    assert tables["inspection_items"] == {
        (item.id,): {"code": "MKT-001", "domain": "market", "withdrawn": True}
    }
    assert tables["exemption_lists"][(listed.id,)] == {
        "domain": "market",
        "version": 1,
        "in_force_from": date(2022, 7, 1),
        "in_force_until": date(2023, 7, 1),
        "items": 2,
    }
    assert tables["register_counts"] == {("agencies",): {"n": 1}, ("entities",): {"n": 2}}
