"""A penalty case, told as given / when / then, in memory."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.base import recording_as
from domain.cases.penalties import ConfiscatedGoods, Measure, Penalties, PenaltyKind
from domain.cases.penalty_case import PenaltyCase
from domain.cases.values import CaseStage, DismissalReason, LegalReview, Outcome, Procedure
from domain.cases.values import ServiceMethod as Method
from domain.errors import RuleViolation
from domain.registry.agency import MajorDecisionItem
from domain.registry.exemption_list import ExemptionItem, ExemptionList
from domain.values import EnforcementDomain, PartyKind, RevocationReason
from tests.builders_cases import (
    FILED_ON,
    VIOLATION_ON,
    a_filed_case,
    a_team,
    an_intake,
    an_investigated_case,
)
from tests.conftest import TEST_META

pytestmark = pytest.mark.usefixtures("as_system")

MARKET = [EnforcementDomain.MARKET]
REVOCATION = Measure(kind=PenaltyKind.LICENCE_REVOCATION, detail="食品经营许可证")
MAJOR = [MajorDecisionItem(code="licence_revocation", description="吊销许可证件")]


def topics(case: PenaltyCase) -> list[str]:
    return [type(e).TOPIC for e in case.collect_events()]  # type: ignore[attr-defined]


def stage_of(case: PenaltyCase) -> CaseStage:
    """The stage now (a function, so the type checker does not pin an earlier stage)."""
    return case.stage


def rule_of(refused: pytest.ExceptionInfo[RuleViolation]) -> str:
    return refused.value.rule


# Simple procedure -----------------------------------------------------------------------------


def test_a_simple_case_is_recorded_decided_and_served_in_one_act() -> None:
    agency = uuid4()
    intake = an_intake(agency, party_kind=PartyKind.CITIZEN)
    case = PenaltyCase.decide_on_the_spot(
        intake, a_team(agency), date(2023, 3, 1), Penalties(fine_fen=20_000), []
    )
    assert case.procedure is Procedure.SIMPLE
    assert case.stage is CaseStage.SERVED
    assert case.outcome is Outcome.PENALTY
    assert case.due_fen == 20_000
    assert case.decision_due_on is None
    assert topics(case) == ["PenaltyCase.Opened", "PenaltyCase.Decided", "PenaltyCase.Served"]


def test_a_simple_fine_above_the_cap_is_refused() -> None:
    agency = uuid4()
    with pytest.raises(RuleViolation) as refused:
        PenaltyCase.decide_on_the_spot(
            an_intake(agency, party_kind=PartyKind.CITIZEN),
            a_team(agency),
            date(2023, 3, 1),
            Penalties(fine_fen=20_001),
            [],
        )
    assert rule_of(refused) == "simple-procedure-cap"


def test_a_simple_decision_on_the_major_list_is_refused_for_want_of_legal_review() -> None:
    agency = uuid4()
    major_warning = [MajorDecisionItem(code="warning", description="警告 (sic)")]
    with pytest.raises(RuleViolation) as refused:
        PenaltyCase.decide_on_the_spot(
            an_intake(agency),
            a_team(agency),
            date(2023, 3, 1),
            Penalties(warning=True),
            major_warning,
        )
    assert rule_of(refused) == "legal-review-before-major-decision"


def test_a_simple_warning_case_closes_at_once_a_fine_after_payment() -> None:
    agency = uuid4()
    warned = PenaltyCase.decide_on_the_spot(
        an_intake(agency), a_team(agency), date(2023, 3, 1), Penalties(warning=True), []
    )
    warned.close(date(2023, 3, 1))
    assert warned.stage is CaseStage.CLOSED
    fined = PenaltyCase.decide_on_the_spot(
        an_intake(agency, case_no="X-2"),
        a_team(agency),
        date(2023, 3, 1),
        Penalties(fine_fen=300_000),
        [],
    )
    with pytest.raises(RuleViolation) as refused:
        fined.close(date(2023, 3, 2))
    assert rule_of(refused) == "close-after-execution"
    fined.record_payment(date(2023, 3, 5), fine_fen=300_000, gains_fen=0)
    assert fined.stage is CaseStage.EXECUTED
    fined.close(date(2023, 3, 6))
    assert fined.closed_on == date(2023, 3, 6)


def test_a_simple_case_is_not_investigated_or_extended() -> None:
    agency = uuid4()
    team = a_team(agency)
    case = PenaltyCase.decide_on_the_spot(
        an_intake(agency), team, date(2023, 3, 1), Penalties(warning=True), []
    )
    with pytest.raises(RuleViolation) as refused:
        case.investigate(team, date(2023, 3, 2), [], "")
    assert rule_of(refused) == "case-steps-in-order"
    with pytest.raises(RuleViolation):
        case.approve_extension(date(2023, 3, 2), date(2023, 9, 1), "局长", "复杂")


# The team -------------------------------------------------------------------------------------


def test_a_case_names_two_certified_officers_of_its_agency() -> None:
    agency = uuid4()
    with pytest.raises(RuleViolation) as one:
        PenaltyCase.file(an_intake(agency), a_team(agency, "O-1"), FILED_ON)
    assert rule_of(one) == "two-officers"
    with pytest.raises(RuleViolation) as other:
        PenaltyCase.file(an_intake(agency), a_team(uuid4()), FILED_ON)
    assert rule_of(other) == "officers-of-the-acting-agency"
    with pytest.raises(RuleViolation) as uncertified:
        PenaltyCase.file(an_intake(agency), a_team(agency, certified_on=date(2024, 1, 1)), FILED_ON)
    assert rule_of(uncertified) == "certified-officers-only"


def test_an_officer_revoked_since_filing_cannot_take_part_in_the_decision() -> None:
    case, team = an_investigated_case()
    team[0].revoke_certificate(date(2023, 3, 20), RevocationReason.RETIREMENT, note="")
    with pytest.raises(RuleViolation) as refused:
        case.decide(team, date(2023, 4, 1), Penalties(fine_fen=100), [])
    assert rule_of(refused) == "certified-officers-only"
    replacement = a_team(case.agency_id, "O-3")
    case.decide([team[1], *replacement], date(2023, 4, 1), Penalties(fine_fen=100), [])
    assert case.officer_ids == [team[1].id, replacement[0].id]


def test_a_case_cannot_concern_a_later_violation() -> None:
    agency = uuid4()
    with pytest.raises(RuleViolation) as refused:
        PenaltyCase.file(
            an_intake(agency, violation_date=FILED_ON + timedelta(days=1)), a_team(agency), FILED_ON
        )
    assert rule_of(refused) == "violation-before-case"


# Ordinary procedure ---------------------------------------------------------------------------


def test_an_ordinary_case_from_filing_to_closing() -> None:
    case, team = a_filed_case(goods_value_fen=1_474_610_000)
    assert case.decision_due_on == FILED_ON + timedelta(days=90)
    case.investigate(team, date(2023, 3, 10), ["ab" * 32, "cd" * 32], "3215吨钢材标注虚假厂名")
    case.investigate(team, date(2023, 3, 12), ["ab" * 32], "", goods_value_fen=1_474_610_001)
    case.request_legal_review(date(2023, 3, 20))
    case.conclude_legal_review(date(2023, 3, 25), passed=True, reviewer="法制科", opinion="同意")
    goods = ConfiscatedGoods(description="钢材", quantity="3215", unit="吨", value_fen=1)
    penalties = Penalties(fine_fen=75_000_000, confiscated_goods=[goods])
    case.decide(team, date(2023, 4, 1), penalties, MAJOR)
    case.serve(date(2023, 4, 3), Method.IN_PERSON)
    case.record_payment(date(2023, 4, 20), fine_fen=50_000_000, gains_fen=0)
    assert case.stage is CaseStage.SERVED and case.due_fen == 25_000_000
    case.record_payment(date(2023, 5, 20), fine_fen=25_000_000, gains_fen=0)
    case.close(date(2023, 5, 21))
    assert stage_of(case) is CaseStage.CLOSED
    assert case.evidence == ["ab" * 32, "cd" * 32]
    assert case.goods_value_fen == 1_474_610_001
    assert case.file_year == 2023
    events = case.collect_events()
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "PenaltyCase.Opened",
        "PenaltyCase.Investigated",
        "PenaltyCase.Investigated",
        "PenaltyCase.LegalReviewRequested",
        "PenaltyCase.LegalReviewed",
        "PenaltyCase.Decided",
        "PenaltyCase.Served",
        "PenaltyCase.PaymentRecorded",
        "PenaltyCase.PaymentRecorded",
        "PenaltyCase.Closed",
    ]
    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt == case


def test_every_event_says_whose_act_which_procedure_and_when() -> None:
    case, team = an_investigated_case()
    case.decide(team, date(2023, 4, 1), Penalties(fine_fen=100), [])
    case.serve(date(2023, 4, 2), Method.POST)
    for e in case.collect_events():
        payload = e.model_dump()  # type: ignore[attr-defined]
        assert payload["agency_id"] == case.agency_id
        assert payload["procedure"] is Procedure.ORDINARY
    decided = PenaltyCase.Decided
    assert {"officer_ids", "decided_on", "penalties", "goods_value_fen"} <= set(
        decided.model_fields
    )


def test_no_decision_before_investigation_nor_service_before_decision() -> None:
    case, team = a_filed_case()
    with pytest.raises(RuleViolation) as early:
        case.decide(team, date(2023, 4, 1), Penalties(fine_fen=100), [])
    assert rule_of(early) == "case-steps-in-order"
    with pytest.raises(RuleViolation):
        case.serve(date(2023, 4, 1), Method.POST)
    with pytest.raises(RuleViolation):
        case.close(date(2023, 4, 1))


def test_steps_are_dated_in_order() -> None:
    case, team = an_investigated_case()
    with pytest.raises(RuleViolation) as refused:
        case.decide(team, FILED_ON - timedelta(days=1), Penalties(fine_fen=100), [])
    assert rule_of(refused) == "case-dates-in-order"


def test_a_major_decision_waits_for_a_passed_legal_review() -> None:
    case, team = an_investigated_case()
    revoke = Penalties(measures=[REVOCATION])
    with pytest.raises(RuleViolation) as unreviewed:
        case.decide(team, date(2023, 4, 1), revoke, MAJOR)
    assert rule_of(unreviewed) == "legal-review-before-major-decision"
    case.request_legal_review(date(2023, 3, 20))
    with pytest.raises(RuleViolation, match="legal review first; it is requested"):
        case.decide(team, date(2023, 4, 1), revoke, MAJOR)
    case.conclude_legal_review(
        date(2023, 3, 22), passed=False, reviewer="法制科", opinion="证据不足"
    )
    assert case.legal_review is LegalReview.FAILED
    with pytest.raises(RuleViolation, match="legal review first; it is failed"):
        case.decide(team, date(2023, 4, 1), revoke, MAJOR)
    case.investigate(team, date(2023, 3, 25), ["ef" * 32], "补充证据")
    case.request_legal_review(date(2023, 3, 26))
    case.conclude_legal_review(date(2023, 3, 28), passed=True, reviewer="法制科", opinion="")
    case.decide(team, date(2023, 4, 1), revoke, MAJOR)
    assert case.major_items == ["licence_revocation"]


def test_a_decision_off_the_list_needs_no_legal_review() -> None:
    case, team = an_investigated_case()
    case.decide(team, date(2023, 4, 1), Penalties(fine_fen=100_000), MAJOR)
    assert case.major_items == []


def test_decided_within_90_days_of_filing() -> None:
    case, team = an_investigated_case()
    due = FILED_ON + timedelta(days=90)
    with pytest.raises(RuleViolation) as late:
        case.decide(team, due + timedelta(days=1), Penalties(fine_fen=100), [])
    assert rule_of(late) == "decision-within-90-days"
    case.decide(team, due, Penalties(fine_fen=100), [])


def test_an_approved_extension_moves_the_deadline() -> None:
    case, team = an_investigated_case()
    due = FILED_ON + timedelta(days=90)
    with pytest.raises(RuleViolation) as short:
        case.approve_extension(date(2023, 5, 1), due, "局长", "案情复杂")
    assert rule_of(short) == "extension-extends"
    case.approve_extension(date(2023, 5, 1), due + timedelta(days=30), "局长", "案情复杂")
    assert case.decision_due_on == due + timedelta(days=30)
    assert case.extensions == 1
    case.decide(team, due + timedelta(days=30), Penalties(fine_fen=100), [])


def test_an_extension_after_the_deadline_is_refused() -> None:
    case, _ = an_investigated_case()
    due = FILED_ON + timedelta(days=90)
    with pytest.raises(RuleViolation) as refused:
        case.approve_extension(due + timedelta(days=1), due + timedelta(days=60), "局长", "迟了")
    assert rule_of(refused) == "extension-before-deadline"


def test_a_decision_must_impose_a_penalty() -> None:
    case, team = an_investigated_case()
    with pytest.raises(RuleViolation) as refused:
        case.decide(team, date(2023, 4, 1), Penalties(), [])
    assert rule_of(refused) == "decision-imposes-a-penalty"


def test_payments_are_exact_and_never_more_than_due() -> None:
    case, team = an_investigated_case()
    case.decide(
        team, date(2023, 4, 1), Penalties(fine_fen=33_160_000, confiscated_gains_fen=99), []
    )
    case.serve(date(2023, 4, 2), Method.ELECTRONIC)
    with pytest.raises(RuleViolation) as refused:
        case.record_payment(date(2023, 4, 3), fine_fen=33_160_001, gains_fen=0)
    assert rule_of(refused) == "payment-within-due"
    case.record_payment(date(2023, 4, 3), fine_fen=33_160_000, gains_fen=0)
    assert case.due_fen == 99
    case.waive_execution(date(2023, 6, 1), approver="局长", reason="当事人已注销")
    assert case.stage is CaseStage.EXECUTED and case.waived_fen == 99 and case.due_fen == 0
    with pytest.raises(RuleViolation):
        case.waive_execution(date(2023, 6, 2), approver="局长", reason="again")
    case.close(date(2023, 6, 2))


# Ending without a penalty ---------------------------------------------------------------------


def test_education_correction_closes_the_case_without_a_penalty() -> None:
    case, team = an_investigated_case()
    case.correct_with_education(team, date(2023, 3, 20), "当场改正并接受教育")
    assert case.stage is CaseStage.CLOSED
    assert case.outcome is Outcome.EDUCATION_CORRECTION
    assert case.penalties is None
    with pytest.raises(RuleViolation):
        case.decide(team, date(2023, 3, 21), Penalties(fine_fen=100), [])


def test_no_education_correction_once_decided() -> None:
    case, team = an_investigated_case()
    case.decide(team, date(2023, 4, 1), Penalties(warning=True), [])
    with pytest.raises(RuleViolation) as refused:
        case.correct_with_education(team, date(2023, 4, 2), "too late")
    assert rule_of(refused) == "case-steps-in-order"


def a_market_list(in_force_from: date = date(2022, 7, 1)) -> ExemptionList:
    with recording_as(TEST_META):
        return ExemptionList(
            domain=EnforcementDomain.MARKET,
            version=1,
            in_force_from=in_force_from,
            items=[ExemptionItem(code="MKT-E-01", violation="首次未公示执照", legal_basis="条例")],
        )


def test_an_exemption_cites_an_item_of_a_list_in_force_on_the_violation_day() -> None:
    case, team = an_investigated_case()
    listed = a_market_list()
    case.exempt(team, date(2023, 3, 20), listed, "MKT-E-01", MARKET)
    assert case.outcome is Outcome.EXEMPTION
    assert case.exemption_list_id == listed.id
    assert case.exemption_item == "MKT-E-01"


def test_an_exemption_from_a_list_not_yet_in_force_is_refused() -> None:
    case, team = an_investigated_case()
    later = a_market_list(in_force_from=VIOLATION_ON + timedelta(days=1))
    with pytest.raises(RuleViolation) as refused:
        case.exempt(team, date(2023, 3, 20), later, "MKT-E-01", MARKET)
    assert rule_of(refused) == "exemption-list-in-force"
    with pytest.raises(RuleViolation) as off_list:
        case.exempt(team, date(2023, 3, 20), a_market_list(), "MKT-E-77", MARKET)
    assert rule_of(off_list) == "exemption-item-on-list"
    with pytest.raises(RuleViolation) as other_field:
        case.exempt(team, date(2023, 3, 20), a_market_list(), "MKT-E-01", [EnforcementDomain.URBAN])
    assert rule_of(other_field) == "exemption-list-of-agency-field"


def test_a_dismissal_closes_the_case() -> None:
    case, team = an_investigated_case()
    case.dismiss(team, date(2023, 3, 20), DismissalReason.NOT_ESTABLISHED, "证据不能证明")
    assert case.outcome is Outcome.DISMISSED and case.stage is CaseStage.CLOSED


def test_ending_without_penalty_is_a_decision_within_the_deadline_too() -> None:
    case, team = an_investigated_case()
    with pytest.raises(RuleViolation) as refused:
        case.dismiss(team, FILED_ON + timedelta(days=91), DismissalReason.OTHER, "")
    assert rule_of(refused) == "decision-within-90-days"


def test_the_person_is_only_in_the_person_field() -> None:
    agency = uuid4()
    case = PenaltyCase.decide_on_the_spot(
        an_intake(agency, party_kind=PartyKind.CITIZEN),
        a_team(agency),
        date(2023, 3, 1),
        Penalties(warning=True),
        [],
    )
    opened = case.collect_events()[0]
    dumped = opened.model_dump(mode="json")  # type: ignore[attr-defined]
    person = dumped.pop("person")
    assert person["id_number"] == "12010119900101123X"
    assert "12010119900101123X" not in str(dumped)
    assert "张三" not in str(dumped)
