"""The rules of penalty cases as pure functions, over generated amounts, parties and dates."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.base import recording_as
from domain.cases import rules
from domain.cases.penalties import (
    MONETARY,
    ConfiscatedGoods,
    Measure,
    Penalties,
    PenaltyKind,
    yuan,
)
from domain.cases.values import CaseStage, LegalReview
from domain.errors import RuleViolation
from domain.registry.agency import MajorDecisionItem
from domain.registry.exemption_list import ExemptionItem, ExemptionList
from domain.values import EnforcementDomain, PartyKind
from tests.conftest import TEST_META

amounts = st.integers(min_value=0, max_value=10**9)
parties = st.sampled_from(list(PartyKind))
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))

# Simple-procedure cap (Penalty Law art. 51) ---------------------------------------------------


@given(fine=amounts, party=parties, warning=st.booleans())
def test_the_simple_procedure_takes_fines_up_to_the_cap_exactly(
    fine: int, party: PartyKind, warning: bool
) -> None:
    cap = 20_000 if party is PartyKind.CITIZEN else 300_000
    penalties = Penalties(fine_fen=fine, warning=warning)
    if fine <= cap:
        rules.require_simple_procedure_cap(party, penalties)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_simple_procedure_cap(party, penalties)
        assert refused.value.rule == "simple-procedure-cap"
        assert "needs the ordinary procedure" in refused.value.message


MEASURES = [k for k in PenaltyKind if k not in MONETARY]


@given(party=parties, kind=st.sampled_from(MEASURES))
def test_the_simple_procedure_decides_no_other_penalty(party: PartyKind, kind: PenaltyKind) -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_simple_procedure_cap(party, Penalties(measures=[Measure(kind=kind)]))
    assert refused.value.rule == "simple-procedure-penalties"
    assert kind.value in refused.value.message


def test_the_cap_message_speaks_in_yuan() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_simple_procedure_cap(PartyKind.CITIZEN, Penalties(fine_fen=50_000))
    assert refused.value.message == (
        "the simple procedure allows a fine of at most 200 yuan for a citizen; "
        "500 yuan needs the ordinary procedure"
    )
    with pytest.raises(RuleViolation, match=r"3,000 yuan for an organisation; 3,000\.01 yuan"):
        rules.require_simple_procedure_cap(PartyKind.ORGANISATION, Penalties(fine_fen=300_001))


def test_confiscation_is_not_for_the_simple_procedure() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_simple_procedure_cap(
            PartyKind.ORGANISATION, Penalties(confiscated_gains_fen=100)
        )
    assert refused.value.rule == "simple-procedure-penalties"


@given(fen=st.integers(min_value=0, max_value=10**13))
def test_yuan_is_exact(fen: int) -> None:
    whole, point, cents = yuan(fen).replace(",", "").partition(".")
    assert not point or len(cents) == 2
    assert int(whole) * 100 + int(cents or "0") == fen


def test_a_decision_imposes_something() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_some_penalty("X-1", Penalties())
    assert refused.value.rule == "decision-imposes-a-penalty"
    rules.require_some_penalty("X-1", Penalties(warning=True))


# Decision deadline (art. 60) ------------------------------------------------------------------


@given(filed=days, decided=days)
def test_an_ordinary_case_is_decided_within_90_days_of_filing(filed: date, decided: date) -> None:
    due = rules.decision_deadline(filed)
    assert due == filed + timedelta(days=90)
    if decided <= filed + timedelta(days=90):
        rules.require_decided_in_time("X-1", decided, due)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_decided_in_time("X-1", decided, due)
        assert refused.value.rule == "decision-within-90-days"
        late = (decided - due).days
        assert f"{late} {'day' if late == 1 else 'days'} late" in refused.value.message


@given(filed=days, extra=st.integers(min_value=1, max_value=400), decided=days)
def test_an_approved_extension_sets_the_deadline(filed: date, extra: int, decided: date) -> None:
    extended_to = filed + timedelta(days=90 + extra)
    due = rules.decision_deadline(filed, extended_to)
    assert due == extended_to
    if decided <= extended_to:
        rules.require_decided_in_time("X-1", decided, due)
    else:
        with pytest.raises(RuleViolation):
            rules.require_decided_in_time("X-1", decided, due)


@given(due=days, approved=days, new_due=days)
def test_an_extension_is_approved_in_time_and_extends(
    due: date, approved: date, new_due: date
) -> None:
    if approved <= due and new_due > due:
        rules.require_extension_in_time("X-1", approved, due, new_due)
        return
    with pytest.raises(RuleViolation) as refused:
        rules.require_extension_in_time("X-1", approved, due, new_due)
    expected = "extension-before-deadline" if approved > due else "extension-extends"
    assert refused.value.rule == expected


# Major decisions and legal review -------------------------------------------------------------

MAJOR_LIST = [
    MajorDecisionItem(code="licence_revocation", description="吊销许可证件"),
    MajorDecisionItem(code="fine", description="较大数额罚款", fine_threshold_fen=10_000_000),
]


@given(fine=st.integers(min_value=0, max_value=10**9), revoke=st.booleans())
def test_a_decision_is_major_by_its_type_or_its_fine(fine: int, revoke: bool) -> None:
    measures = [Measure(kind=PenaltyKind.LICENCE_REVOCATION)] if revoke else []
    penalties = Penalties(fine_fen=fine, measures=measures)
    hits = {i.code for i in rules.major_decision_items(penalties, MAJOR_LIST)}
    assert ("licence_revocation" in hits) == revoke
    # A thresholded item applies by amount only: a small fine is not major for being a fine.
    assert ("fine" in hits) == (fine >= 10_000_000)


@given(review=st.sampled_from(list(LegalReview)), major=st.booleans())
def test_a_major_decision_needs_a_passed_legal_review(review: LegalReview, major: bool) -> None:
    hits = MAJOR_LIST[:1] if major else []
    if major and review is not LegalReview.PASSED:
        with pytest.raises(RuleViolation) as refused:
            rules.require_legal_review_for_major("X-1", hits, review)
        assert refused.value.rule == "legal-review-before-major-decision"
        assert "licence_revocation (吊销许可证件)" in refused.value.message
    else:
        rules.require_legal_review_for_major("X-1", hits, review)


def test_legal_review_is_requested_then_concluded() -> None:
    rules.require_legal_review_step("X-1", LegalReview.NONE, "requested")
    rules.require_legal_review_step("X-1", LegalReview.FAILED, "requested")
    rules.require_legal_review_step("X-1", LegalReview.REQUESTED, "passed or failed")
    for review, step in [
        (LegalReview.REQUESTED, "requested"),
        (LegalReview.PASSED, "requested"),
        (LegalReview.NONE, "passed or failed"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            rules.require_legal_review_step("X-1", review, step)
        assert refused.value.rule == "legal-review-steps-in-order"


# Steps in order -------------------------------------------------------------------------------


@given(stage=st.sampled_from(list(CaseStage)), step=st.sampled_from(sorted(rules.STEPS)))
def test_steps_follow_only_the_stages_they_may(stage: CaseStage, step: str) -> None:
    if stage in rules.STEPS[step]:
        rules.require_step("X-1", stage, step)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_step("X-1", stage, step)
        assert refused.value.rule == "case-steps-in-order"


def test_nothing_follows_closing() -> None:
    assert all(CaseStage.CLOSED not in stages for stages in rules.STEPS.values())


def test_no_decision_before_filing_or_service_before_deciding() -> None:
    with pytest.raises(RuleViolation, match="it can be decided only when investigated"):
        rules.require_step("X-1", CaseStage.FILED, "decided")
    with pytest.raises(RuleViolation, match="it can be served only when decided"):
        rules.require_step("X-1", CaseStage.INVESTIGATED, "served")


# Exemption lists ------------------------------------------------------------------------------


def a_list(in_force_from: date, until: date | None) -> ExemptionList:
    with recording_as(TEST_META):
        listed = ExemptionList(
            domain=EnforcementDomain.MARKET,
            version=1,
            in_force_from=in_force_from,
            items=[ExemptionItem(code="MKT-E-01", violation="v", legal_basis="b")],
        )
        if until is not None:
            listed.repeal(in_force_until=until)
    return listed


@given(start=days, length=st.one_of(st.none(), st.integers(1, 2000)), violation=days)
def test_the_cited_list_was_in_force_on_the_violation_day(
    start: date, length: int | None, violation: date
) -> None:
    until = None if length is None else start + timedelta(days=length)
    listed = a_list(start, until)
    in_force = start <= violation and (until is None or violation < until)
    if in_force:
        item = rules.require_exemption_applies(listed, "MKT-E-01", violation)
        assert item.code == "MKT-E-01"
        with pytest.raises(RuleViolation) as missing:
            rules.require_exemption_applies(listed, "MKT-E-99", violation)
        assert missing.value.rule == "exemption-item-on-list"
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_exemption_applies(listed, "MKT-E-01", violation)
        assert refused.value.rule == "exemption-list-in-force"


def test_an_agency_cites_a_list_of_its_own_field() -> None:
    rules.require_list_of_agency_field(EnforcementDomain.MARKET, [EnforcementDomain.MARKET])
    with pytest.raises(RuleViolation) as refused:
        rules.require_list_of_agency_field(EnforcementDomain.MARKET, [EnforcementDomain.ECOLOGY])
    assert refused.value.rule == "exemption-list-of-agency-field"


# Execution ------------------------------------------------------------------------------------


@given(fine=amounts, gains=amounts, fine_due=amounts, gains_due=amounts)
def test_a_payment_pays_something_and_no_more_than_is_due(
    fine: int, gains: int, fine_due: int, gains_due: int
) -> None:
    ok = (fine or gains) and fine <= fine_due and gains <= gains_due
    if ok:
        rules.require_payment_within_due("X-1", fine, gains, fine_due, gains_due)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_payment_within_due("X-1", fine, gains, fine_due, gains_due)
        assert refused.value.rule == "payment-within-due"


@given(due=amounts, waived=st.booleans())
def test_a_case_closes_once_nothing_is_due_or_it_was_waived(due: int, waived: bool) -> None:
    if due == 0 or waived:
        rules.require_executed("X-1", due, waived)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_executed("X-1", due, waived)
        assert refused.value.rule == "close-after-execution"


def test_goods_value_and_money_due_are_exact_fen() -> None:
    penalties = Penalties(
        fine_fen=75_000_000,
        confiscated_gains_fen=1,
        confiscated_goods=[
            ConfiscatedGoods(
                description="钢材", quantity="3215", unit="吨", value_fen=1_474_610_000
            ),
            ConfiscatedGoods(description="钢管", quantity="497", unit="根", value_fen=165_800_000),
        ],
    )
    assert penalties.money_due_fen == 75_000_001
    assert penalties.goods_confiscated_fen == 1_640_410_000
    assert penalties.kinds() == {
        PenaltyKind.FINE,
        PenaltyKind.CONFISCATE_GAINS,
        PenaltyKind.CONFISCATE_GOODS,
    }


def test_a_warning_or_a_fine_is_not_a_measure() -> None:
    with pytest.raises(ValueError, match="has its own field"):
        Measure(kind=PenaltyKind.FINE)


# Money is exact -------------------------------------------------------------------------------


@given(amount=st.one_of(st.floats(allow_nan=False), st.integers().map(str), st.booleans()))
def test_an_amount_of_fen_is_an_integer_never_coerced(amount: object) -> None:
    with pytest.raises(ValidationError):
        Penalties.model_validate({"fine_fen": amount})
    with pytest.raises(ValidationError):
        Penalties.model_validate_json(json.dumps({"fine_fen": amount}))


@given(fen=st.integers(min_value=0, max_value=10**13))
def test_an_integer_amount_of_fen_is_kept_exactly(fen: int) -> None:
    assert Penalties.model_validate_json(json.dumps({"fine_fen": fen})).fine_fen == fen


@given(due=st.integers(min_value=0, max_value=10**9))
def test_only_money_still_due_can_be_waived(due: int) -> None:
    if due:
        rules.require_something_due("X-1", due)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_something_due("X-1", due)
        assert refused.value.rule == "waive-only-what-is-due"


@given(
    stage=st.sampled_from(list(CaseStage)),
    file_year=st.integers(min_value=2020, max_value=2025),
    year=st.integers(min_value=2020, max_value=2025),
)
def test_a_ledger_case_is_reviewed_closed_and_under_its_own_year(
    stage: CaseStage, file_year: int, year: int
) -> None:
    if stage is not CaseStage.CLOSED:
        expected: str | None = "review-closed-files-only"
    elif file_year != year:
        expected = "case-file-year"
    else:
        expected = None
    if expected is None:
        rules.require_reviewable_case("X-1", stage, file_year, year)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_reviewable_case("X-1", stage, file_year, year)
        assert refused.value.rule == expected
