"""The demo data set goes only into an empty ledger: one already holding records (a simulated
year, a deployment's) is left as it is, whatever those records are."""

from __future__ import annotations

from datetime import date

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.registry import commands as reg
from domain.registry.agency import Agency
from domain.registry.exemption_list import ExemptionItem
from domain.values import EnforcementDomain
from gateway.demo import demo_present, load_demo


def test_the_demo_is_not_loaded_into_a_ledger_holding_other_records(
    ledger: SupervisionLedger,
) -> None:
    # What `ledger simulate` leaves, in small: another agency, and the market's exemption list
    # (the demo's own list would be refused as a second version 1).
    ledger.execute(
        reg.RegisterAgency(code="TST", name="测试执法局", domains=[EnforcementDomain.MARKET]),
        SYSTEM,
    )
    ledger.execute(
        reg.PublishExemptionList(
            domain=EnforcementDomain.MARKET,
            version=1,
            in_force_from=date(2023, 1, 1),
            items=[ExemptionItem(code="T-01", violation="测试违法行为", legal_basis="测试依据")],
        ),
        SYSTEM,
    )
    before = ledger.recorder.max_notification_id()

    assert load_demo(ledger) is False

    assert ledger.recorder.max_notification_id() == before
    assert not demo_present(ledger)
    assert Agency.create_id("TST") in ledger.repository


def test_the_demo_loads_into_an_empty_ledger_and_only_once(ledger: SupervisionLedger) -> None:
    assert not ledger.recorder.max_notification_id()

    assert load_demo(ledger) is True

    assert demo_present(ledger)
    loaded = ledger.recorder.max_notification_id()
    assert loaded
    assert load_demo(ledger) is False
    assert ledger.recorder.max_notification_id() == loaded
