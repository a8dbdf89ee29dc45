"""Cases transferred to or from partner regions, and cases handled with them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.collaboration.case_transfer import CaseTransfer
from domain.collaboration.commands import OpenCrossRegionalCase, RecordSeizure
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.errors import RuleViolation
from domain.personal import PersonalData
from domain.values import PartyKind

pytestmark = pytest.mark.usefixtures("as_system")

MSA = uuid4()
OFFICERS = [uuid4(), uuid4()]
OPENED = date(2023, 3, 20)
REGIONS = [PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN]


def a_transfer() -> CaseTransfer:
    return CaseTransfer(
        direction=TransferDirection.RECEIVED,
        region=PartnerRegion.CANGZHOU,
        regions=[PartnerRegion.CANGZHOU],
        case_reference="沧市监移〔2023〕3号",
        agency_id=MSA,
        transferred_on=date(2023, 4, 3),
        summary="涉案企业在滨海新区",
        uscc=None,
    )


def a_case(person: PersonalData | None = None) -> CrossRegionalCase:
    return CrossRegionalCase(
        case_no="罚〔2023〕101号",
        regions=REGIONS,
        agency_id=MSA,
        opened_on=OPENED,
        cause="销售冒用厂名、厂址的产品",
        party_kind=PartyKind.CITIZEN if person else PartyKind.ORGANISATION,
        entity_name=None if person else "某钢管公司",
        uscc=None,
        person=person,
    )


# Transfers -------------------------------------------------------------------------------------


def test_a_transfer_concerns_its_partner_and_its_outcome_event_says_so() -> None:
    transfer = a_transfer()
    transfer.record_outcome(TransferOutcome.PENALISED, date(2023, 5, 1), note="已处罚")
    assert transfer.partner_regions() == frozenset({"cangzhou"})
    outcome = transfer.collect_events()[-1]
    assert outcome.regions == [PartnerRegion.CANGZHOU]  # type: ignore[attr-defined]
    assert outcome.agency_id == MSA  # type: ignore[attr-defined]


def test_a_transfer_has_one_outcome() -> None:
    transfer = a_transfer()
    transfer.record_outcome(TransferOutcome.ACCEPTED, date(2023, 4, 5), note="")
    with pytest.raises(RuleViolation) as refused:
        transfer.record_outcome(TransferOutcome.DECLINED, date(2023, 4, 6), note="")
    assert refused.value.rule == "outcome-once"


@given(offset=st.integers(min_value=-30, max_value=30))
def test_an_outcome_is_not_dated_before_the_transfer(offset: int) -> None:
    transfer = a_transfer()
    day = date(2023, 4, 3) + timedelta(days=offset)
    if offset < 0:
        with pytest.raises(RuleViolation) as refused:
            transfer.record_outcome(TransferOutcome.ACCEPTED, day, note="")
        assert refused.value.rule == "collaboration-dates-in-order"
    else:
        transfer.record_outcome(TransferOutcome.ACCEPTED, day, note="")


# Cross-regional cases --------------------------------------------------------------------------


def test_the_report_s_steel_case_in_fen() -> None:
    case = a_case(person=PersonalData(name="杨某"))
    case.seize("冒用厂名厂址的钢材", Decimal(3215), "吨", OPENED, OFFICERS)
    case.decide(
        date(2023, 6, 15),
        goods_value_fen=14_746_100_00,
        goods_confiscated=True,
        income_confiscated_fen=0,
        fine_fen=750_000_00,
        officer_ids=OFFICERS,
    )
    events = case.collect_events()
    decided = events[-1]
    assert isinstance(decided, CrossRegionalCase.Decided)
    assert (decided.goods_value_fen, decided.fine_fen) == (1_474_610_000, 75_000_000)
    assert decided.goods_confiscated
    assert case.seized[0].quantity == Decimal(3215)
    # The citizen's name is in the opening event's person and in no other event.
    assert all("杨某" not in e.model_dump_json() for e in events[1:])  # type: ignore[attr-defined]
    state = None
    for event in events:
        state = event.mutate(state)
    assert state == case


def test_goods_are_confiscated_only_if_seized() -> None:
    with pytest.raises(RuleViolation) as refused:
        a_case().decide(date(2023, 6, 1), 165_800_000, True, 0, 33_160_000, OFFICERS)
    assert refused.value.rule == "confiscate-seized-goods"


def test_a_decided_case_takes_no_more_seizures_nor_a_second_decision() -> None:
    case = a_case()
    case.decide(date(2023, 6, 1), 0, False, 0, 100_00, OFFICERS)
    with pytest.raises(RuleViolation) as refused:
        case.seize("钢管", Decimal(497), "根", date(2023, 6, 2), OFFICERS)
    assert refused.value.rule == "case-decided"
    with pytest.raises(RuleViolation) as refused:
        case.decide(date(2023, 6, 3), 0, False, 0, 100_00, OFFICERS)
    assert refused.value.rule == "case-decided"


@given(
    seized=st.integers(min_value=0, max_value=60), decided=st.integers(min_value=-10, max_value=90)
)
def test_a_decision_follows_the_opening_and_every_seizure(seized: int, decided: int) -> None:
    case = a_case()
    case.seize("钢管", Decimal(497), "根", OPENED + timedelta(days=seized), OFFICERS)
    day = OPENED + timedelta(days=decided)
    if decided < seized:
        with pytest.raises(RuleViolation) as refused:
            case.decide(day, 0, True, 0, 0, OFFICERS)
        assert refused.value.rule == "collaboration-dates-in-order"
    else:
        case.decide(day, 0, True, 0, 0, OFFICERS)


def test_every_case_event_carries_the_regions() -> None:
    case = a_case()
    case.seize("钢管", Decimal("12.5"), "吨", OPENED, OFFICERS)
    case.decide(OPENED, 0, True, 0, 0, OFFICERS)
    assert all(e.regions == REGIONS for e in case.collect_events())  # type: ignore[attr-defined]
    assert case.partner_regions() == frozenset({"langfang", "tangshan"})


@pytest.mark.parametrize(
    ("party", "problem"),
    [
        ({"party_kind": "citizen"}, "a citizen party is given in person"),
        (
            {"party_kind": "citizen", "person": {"name": "杨某"}, "entity_name": "x"},
            "a citizen party is given in person",
        ),
        ({"party_kind": "organisation"}, "an organisation party is given by entity_name"),
        (
            {"party_kind": "organisation", "entity_name": "x", "person": {"name": "杨某"}},
            "an organisation party is given by entity_name",
        ),
    ],
)
def test_a_case_names_one_party_of_its_kind(party: dict[str, object], problem: str) -> None:
    body = {
        "case_no": "C-1",
        "regions": ["tangshan"],
        "agency_id": str(MSA),
        "opened_on": "2023-03-20",
        "cause": "x",
        **party,
    }
    with pytest.raises(ValidationError, match=problem):
        OpenCrossRegionalCase.model_validate(body)


def test_regions_are_named_once_and_kept_in_order() -> None:
    body = {
        "case_no": "C-1",
        "regions": ["tangshan", "langfang"],
        "agency_id": str(MSA),
        "opened_on": "2023-03-20",
        "cause": "x",
        "party_kind": "organisation",
        "entity_name": "x",
    }
    assert OpenCrossRegionalCase.model_validate(body).regions == REGIONS
    with pytest.raises(ValidationError, match="names a region twice"):
        OpenCrossRegionalCase.model_validate({**body, "regions": ["tangshan", "tangshan"]})


@pytest.mark.parametrize("quantity", ["0", "-1", "1.0001", "1e20"])
def test_a_seized_quantity_is_positive_with_at_most_three_decimals(quantity: str) -> None:
    with pytest.raises(ValidationError):
        RecordSeizure.model_validate(
            {
                "case_id": str(uuid4()),
                "description": "钢材",
                "quantity": quantity,
                "unit": "吨",
                "seized_on": "2023-03-20",
                "officer_ids": [str(o) for o in OFFICERS],
            }
        )
