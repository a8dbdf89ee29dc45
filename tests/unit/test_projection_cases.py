"""Penalty cases by procedure and stage, and case-file reviews by grade, over real events."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.cases.case_file_review import CaseFileReview
from domain.cases.penalties import ConfiscatedGoods, Penalties
from domain.cases.penalty_case import PenaltyCase
from domain.cases.review_standard import STANDARD_2023, Deduction
from domain.cases.values import DismissalReason, ServiceMethod
from domain.registry.agency import MajorDecisionItem
from projections.case_reviews import CaseReviews
from projections.penalty_cases import PenaltyCases
from tests.builders_cases import FILED_ON, a_team, an_intake, an_investigated_case
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")

AGENCY = uuid4()


def case_row(log: EventLog, case: PenaltyCase) -> dict[str, object]:
    return fold_all(log.envelopes, [PenaltyCases()])["penalty_cases"][(case.id,)]


def test_a_simple_case_is_decided_and_served_on_the_spot() -> None:
    team = a_team(AGENCY)
    case = PenaltyCase.decide_on_the_spot(
        an_intake(AGENCY, case_no="简罚1"), team, date(2023, 7, 14), Penalties(fine_fen=20_000), []
    )
    log = EventLog()
    log.add(case)
    row = case_row(log, case)
    assert {k: row[k] for k in ("procedure", "stage", "outcome", "decided_on", "fine_fen")} == {
        "procedure": "simple",
        "stage": "served",
        "outcome": "penalty",
        "decided_on": date(2023, 7, 14),
        "fine_fen": 20_000,
    }
    assert row["decision_due_on"] is None


def test_an_ordinary_case_carries_its_deadline_extension_review_and_execution() -> None:
    case, team = an_investigated_case(AGENCY)
    log = EventLog()
    log.add(case)
    filed = case_row(log, case)
    assert (filed["stage"], filed["decision_due_on"], filed["legal_review"]) == (
        "investigated",
        date(2023, 6, 4),  # 90 days after filing on 6 March
        "none",
    )
    case.approve_extension(date(2023, 5, 30), date(2023, 7, 4), "局长", "案情复杂")
    case.request_legal_review(date(2023, 6, 1))
    log.add(case)
    waiting = case_row(log, case)
    assert (waiting["decision_due_on"], waiting["extensions"], waiting["legal_review"]) == (
        date(2023, 7, 4),
        1,
        "requested",
    )
    assert waiting["legal_review_requested_on"] == date(2023, 6, 1)
    case.conclude_legal_review(date(2023, 6, 5), True, "法制科", "同意")
    major = [MajorDecisionItem(code="M-1", description="大额罚款", fine_threshold_fen=1_000_000)]
    goods = ConfiscatedGoods(description="钢材", quantity=3215, unit="吨", value_fen=900_000)
    penalties = Penalties(fine_fen=7_500_000, confiscated_goods=[goods])
    case.decide(team, date(2023, 6, 20), penalties, major)
    case.serve(date(2023, 6, 21), ServiceMethod.IN_PERSON)
    case.record_payment(date(2023, 6, 30), 7_500_000, 0)
    case.close(date(2023, 7, 1))
    log.add(case)
    closed = case_row(log, case)
    assert {
        k: closed[k]
        for k in (
            "stage",
            "outcome",
            "legal_review",
            "decided_on",
            "served_on",
            "closed_on",
            "fine_fen",
            "goods_confiscated_fen",
            "paid_fen",
            "major",
        )
    } == {
        "stage": "closed",
        "outcome": "penalty",
        "legal_review": "passed",
        "decided_on": date(2023, 6, 20),
        "served_on": date(2023, 6, 21),
        "closed_on": date(2023, 7, 1),
        "fine_fen": 7_500_000,
        "goods_confiscated_fen": 900_000,
        "paid_fen": 7_500_000,
        "major": True,
    }


@pytest.mark.parametrize("ending", ["education_correction", "dismissed"])
def test_a_case_ended_without_penalty_is_closed_with_its_outcome(ending: str) -> None:
    case, team = an_investigated_case(AGENCY)
    if ending == "education_correction":
        case.correct_with_education(team, FILED_ON, "当场改正")
    else:
        case.dismiss(team, FILED_ON, DismissalReason.NOT_ESTABLISHED, "")
    log = EventLog()
    log.add(case)
    row = case_row(log, case)
    assert (row["stage"], row["outcome"], row["decided_on"], row["closed_on"]) == (
        "closed",
        ending,
        FILED_ON,
        FILED_ON,
    )


def test_a_review_counts_on_its_first_scoring_with_its_latest_grade() -> None:
    review = CaseFileReview.review(
        agency_id=AGENCY,
        file_no="罚〔2021〕7号",
        file_year=2021,
        case_id=None,
        standard=STANDARD_2023,
        reviewed_on=date(2023, 4, 1),
        veto_items=[],
        form_points=25,
        content_points=60,
        deductions=[Deduction(item="D-04", points=10)],
    )
    review.rescore(
        standard=STANDARD_2023,
        reviewed_on=date(2023, 5, 1),
        reason="异议复核",
        veto_items=[],
        form_points=30,
        content_points=65,
        deductions=[],
    )
    log = EventLog()
    log.add(review)
    row = fold_all(log.envelopes, [CaseReviews()])["case_reviews"][(review.id,)]
    assert {k: row[k] for k in ("reviewed_on", "last_reviewed_on", "score", "grade")} == {
        "reviewed_on": date(2023, 4, 1),
        "last_reviewed_on": date(2023, 5, 1),
        "score": 95,
        "grade": "excellent",
    }
    assert (row["file_year"], row["rescored"]) == (2021, 1)
