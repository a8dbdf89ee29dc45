"""Cases transferred to or from partner regions, and cases handled with them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.cases.values import LegalReview
from domain.collaboration.case_transfer import CaseTransfer
from domain.collaboration.commands import OpenCrossRegionalCase, RecordSeizure
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.errors import RuleViolation
from domain.personal import PersonalData
from domain.registry.agency import MajorDecisionItem
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
        major_list=[],
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
        a_case().decide(date(2023, 6, 1), 165_800_000, True, 0, 33_160_000, OFFICERS, major_list=[])
    assert refused.value.rule == "confiscate-seized-goods"


def test_a_decided_case_takes_no_more_seizures_nor_a_second_decision() -> None:
    case = a_case()
    case.decide(date(2023, 6, 1), 0, False, 0, 100_00, OFFICERS, major_list=[])
    with pytest.raises(RuleViolation) as refused:
        case.seize("钢管", Decimal(497), "根", date(2023, 6, 2), OFFICERS)
    assert refused.value.rule == "case-decided"
    with pytest.raises(RuleViolation) as refused:
        case.decide(date(2023, 6, 3), 0, False, 0, 100_00, OFFICERS, major_list=[])
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
            case.decide(day, 0, True, 0, 0, OFFICERS, major_list=[])
        assert refused.value.rule == "collaboration-dates-in-order"
    else:
        case.decide(day, 0, True, 0, 0, OFFICERS, major_list=[])


def test_every_case_event_carries_the_regions() -> None:
    case = a_case()
    case.seize("钢管", Decimal("12.5"), "吨", OPENED, OFFICERS)
    case.decide(OPENED, 0, True, 0, 0, OFFICERS, major_list=[])
    assert all(e.regions == REGIONS for e in case.collect_events())  # type: ignore[attr-defined]
    assert case.partner_regions() == frozenset({"langfang", "tangshan"})


# The Penalty Law's rules of an ordinary case apply to a cross-regional case too ----------------

LARGE_FINE = MajorDecisionItem(
    code="large_fine", description="较大数额罚款", fine_threshold_fen=100_000_00
)
CONFISCATION = MajorDecisionItem(code="confiscate_goods", description="没收非法财物")


def a_seized_case() -> CrossRegionalCase:
    case = a_case()
    case.seize("冒用厂名厂址的钢材", Decimal(3215), "吨", OPENED, OFFICERS)
    return case


def test_a_major_fine_without_legal_review_is_refused_and_decided_once_reviewed() -> None:
    # Given a case whose fine is above the agency's threshold of a major decision
    case = a_seized_case()
    decide = date(2023, 6, 15)
    # When it is decided with no legal review, then the decision is refused and names the rule
    with pytest.raises(RuleViolation) as refused:
        case.decide(decide, 0, True, 0, 750_000_00, OFFICERS, major_list=[LARGE_FINE])
    assert refused.value.rule == "legal-review-before-major-decision"
    assert "large_fine" in str(refused.value)
    # When the review is requested and fails, the decision is still refused
    case.request_legal_review(date(2023, 6, 1))
    case.conclude_legal_review(date(2023, 6, 3), False, "法制科", "证据不足")
    with pytest.raises(RuleViolation) as refused:
        case.decide(decide, 0, True, 0, 750_000_00, OFFICERS, major_list=[LARGE_FINE])
    assert refused.value.rule == "legal-review-before-major-decision"
    # Then requested again and passed, the decision is written and names the list's item
    case.request_legal_review(date(2023, 6, 5))
    case.conclude_legal_review(date(2023, 6, 8), True, "法制科", "")
    case.decide(decide, 0, True, 0, 750_000_00, OFFICERS, major_list=[LARGE_FINE])
    decided = case.collect_events()[-1]
    assert isinstance(decided, CrossRegionalCase.Decided)
    assert decided.major_items == ["large_fine"]
    assert case.legal_review is LegalReview.PASSED


@given(fine_yuan=st.integers(min_value=0, max_value=300_000))
def test_only_a_decision_on_the_list_needs_the_review(fine_yuan: int) -> None:
    case = a_seized_case()
    fine = fine_yuan * 100
    decide = date(2023, 6, 15)
    if fine >= LARGE_FINE.fine_threshold_fen:  # type: ignore[operator]
        with pytest.raises(RuleViolation) as refused:
            case.decide(decide, 0, False, 0, fine, OFFICERS, major_list=[LARGE_FINE])
        assert refused.value.rule == "legal-review-before-major-decision"
    else:
        case.decide(decide, 0, False, 0, fine, OFFICERS, major_list=[LARGE_FINE])


def test_confiscating_goods_is_major_when_the_list_names_that_kind() -> None:
    case = a_seized_case()
    with pytest.raises(RuleViolation) as refused:
        case.decide(date(2023, 6, 15), 10_00, True, 0, 0, OFFICERS, major_list=[CONFISCATION])
    assert refused.value.rule == "legal-review-before-major-decision"
    case.decide(date(2023, 6, 15), 10_00, False, 0, 0, OFFICERS, major_list=[CONFISCATION])


@given(days=st.integers(min_value=0, max_value=400))
def test_a_case_is_decided_within_90_days_of_opening(days: int) -> None:
    case = a_seized_case()
    day = OPENED + timedelta(days=days)
    if days > 90:
        with pytest.raises(RuleViolation) as refused:
            case.decide(day, 0, True, 0, 100_00, OFFICERS, major_list=[])
        assert refused.value.rule == "decision-within-90-days"
        assert f"{days - 90} day" in str(refused.value)
    else:
        case.decide(day, 0, True, 0, 100_00, OFFICERS, major_list=[])


def test_an_approved_extension_moves_the_deadline_and_must_come_in_time() -> None:
    # Given a case opened on 20 March: its deadline is 18 June
    case = a_seized_case()
    assert case.decision_due_on == date(2023, 6, 18)
    late = date(2023, 11, 30)
    # When an extension is sought after the deadline, it is refused
    with pytest.raises(RuleViolation) as refused:
        case.approve_extension(date(2023, 6, 19), date(2023, 12, 31), "局长", "案情复杂")
    assert refused.value.rule == "extension-before-deadline"
    # When it is approved in time, the case may be decided up to the new deadline
    case.approve_extension(date(2023, 6, 10), date(2023, 12, 31), "局长", "案情复杂")
    extended = case.collect_events()[-1]
    assert isinstance(extended, CrossRegionalCase.ExtensionApproved)
    assert (extended.previous_due_on, extended.decision_due_on) == (
        date(2023, 6, 18),
        date(2023, 12, 31),
    )
    case.decide(late, 0, True, 0, 100_00, OFFICERS, major_list=[])
    decided = case.collect_events()[-1]
    assert decided.decision_due_on == date(2023, 12, 31)  # type: ignore[attr-defined]


def test_review_and_extension_come_before_the_decision_and_rebuild_the_case() -> None:
    case = a_seized_case()
    case.request_legal_review(date(2023, 4, 1))
    with pytest.raises(RuleViolation) as refused:
        case.request_legal_review(date(2023, 4, 2))
    assert refused.value.rule == "legal-review-steps-in-order"
    case.conclude_legal_review(date(2023, 4, 3), True, "法制科", "")
    case.decide(date(2023, 4, 5), 0, True, 0, 750_000_00, OFFICERS, major_list=[LARGE_FINE])
    with pytest.raises(RuleViolation) as refused:
        case.request_legal_review(date(2023, 4, 6))
    assert refused.value.rule == "case-decided"
    with pytest.raises(RuleViolation) as refused:
        case.approve_extension(date(2023, 4, 6), date(2023, 9, 1), "局长", "x")
    assert refused.value.rule == "case-decided"
    state = None
    for event in case.collect_events():
        state = event.mutate(state)
    assert state == case


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
