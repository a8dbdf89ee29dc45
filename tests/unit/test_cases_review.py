"""Case-file reviews: the standard's scoring and grading, and the review record."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cases import rules
from domain.cases.case_file_review import CaseFileReview
from domain.cases.review_standard import (
    STANDARD_2023,
    STANDARDS,
    Deduction,
    Grade,
    grade_of,
    score_file,
)
from domain.errors import RuleViolation

pytestmark = pytest.mark.usefixtures("as_system")

STANDARD = STANDARD_2023
deductions = st.lists(
    st.builds(
        Deduction,
        item=st.sampled_from([i.code for i in STANDARD.deduction_items]),
        points=st.integers(min_value=1, max_value=100),
    ),
    max_size=12,
)
vetoes = st.lists(st.sampled_from([i.code for i in STANDARD.veto_items]), max_size=3)
form = st.integers(min_value=0, max_value=STANDARD.form_max)
content = st.integers(min_value=0, max_value=STANDARD.content_max)


def test_the_standard_is_one_piece_of_data() -> None:
    assert STANDARDS["2023"] is STANDARD
    assert STANDARD.form_max + STANDARD.content_max == 100
    assert [lowest for _, lowest in STANDARD.bands] == [90, 80, 60, 0]
    assert STANDARD.bands[-1] == (Grade.UNQUALIFIED, 0)


@given(veto=vetoes, f=form, c=content, taken=deductions)
def test_a_score_is_never_outside_0_to_100(
    veto: list[str], f: int, c: int, taken: list[Deduction]
) -> None:
    assert 0 <= score_file(veto, f, c, taken) <= 100


@given(veto=vetoes.filter(bool), f=form, c=content, taken=deductions)
def test_any_veto_scores_0_and_is_unqualified(
    veto: list[str], f: int, c: int, taken: list[Deduction]
) -> None:
    score = score_file(veto, f, c, taken)
    assert score == 0
    assert grade_of(STANDARD, score, vetoed=True) is Grade.UNQUALIFIED


@given(f=form, c=content, taken=deductions, more=deductions)
def test_more_deductions_never_raise_a_score(
    f: int, c: int, taken: list[Deduction], more: list[Deduction]
) -> None:
    assert score_file([], f, c, [*taken, *more]) <= score_file([], f, c, taken)


@given(f=form, c=content)
def test_without_deductions_the_score_is_the_points(f: int, c: int) -> None:
    assert score_file([], f, c, []) == f + c


@given(a=st.integers(0, 100), b=st.integers(0, 100))
def test_grades_follow_scores(a: int, b: int) -> None:
    order = [Grade.UNQUALIFIED, Grade.QUALIFIED, Grade.GOOD, Grade.EXCELLENT]
    low, high = sorted((a, b))
    assert order.index(grade_of(STANDARD, low)) <= order.index(grade_of(STANDARD, high))


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, Grade.EXCELLENT),
        (90, Grade.EXCELLENT),
        (89, Grade.GOOD),
        (80, Grade.GOOD),
        (79, Grade.QUALIFIED),
        (60, Grade.QUALIFIED),
        (59, Grade.UNQUALIFIED),
        (0, Grade.UNQUALIFIED),
    ],
)
def test_the_grade_bands(score: int, grade: Grade) -> None:
    assert grade_of(STANDARD, score) is grade


def test_only_items_of_the_standard_may_be_cited() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_on_standard(STANDARD, ["V-99"], [Deduction(item="D-42", points=1)])
    assert refused.value.rule == "items-of-the-standard"
    assert "D-42, V-99" in refused.value.message


def test_points_stay_within_the_standard() -> None:
    with pytest.raises(RuleViolation) as too_many:
        rules.require_points_within_standard(STANDARD, 31, 70, [])
    assert too_many.value.rule == "points-within-standard"
    with pytest.raises(RuleViolation, match=r"D-01 .* at most 10 points"):
        rules.require_points_within_standard(
            STANDARD, 30, 70, [Deduction(item="D-01", points=6), Deduction(item="D-01", points=5)]
        )
    rules.require_points_within_standard(STANDARD, 30, 70, [Deduction(item="D-01", points=10)])


def a_review(**scoring: object) -> CaseFileReview:
    fields: dict[str, object] = {
        "veto_items": [],
        "form_points": 28,
        "content_points": 65,
        "deductions": [Deduction(item="D-04", points=5, note="裁量说理简单")],
    }
    fields.update(scoring)
    return CaseFileReview.review(
        agency_id=uuid4(),
        file_no="津滨市监罚〔2021〕88号",
        file_year=2021,
        case_id=None,
        standard=STANDARD,
        reviewed_on=date(2023, 6, 1),
        **fields,  # type: ignore[arg-type]
    )


def test_a_file_is_scored_and_graded() -> None:
    review = a_review()
    assert (review.score, review.grade) == (88, Grade.GOOD)
    assert review.case_id is None and review.file_year == 2021


def test_a_vetoed_file_is_unqualified_whatever_its_points() -> None:
    review = a_review(veto_items=["V-06", "V-06"], deductions=[])
    assert (review.score, review.grade) == (0, Grade.UNQUALIFIED)
    assert review.veto_items == ["V-06"]


def test_a_rescore_corrects_the_score_and_keeps_the_first() -> None:
    review = a_review()
    review.rescore(
        standard=STANDARD,
        reviewed_on=date(2023, 6, 10),
        reason="异议成立",
        veto_items=[],
        form_points=30,
        content_points=65,
        deductions=[],
    )
    assert (review.score, review.grade, review.times_rescored) == (95, Grade.EXCELLENT, 1)
    events = review.collect_events()
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "CaseFileReview.Scored",
        "CaseFileReview.Rescored",
    ]
    assert events[0].score == 88  # type: ignore[attr-defined]
    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt == review


def test_a_rescore_is_not_dated_before_the_score() -> None:
    review = a_review()
    with pytest.raises(RuleViolation) as refused:
        review.rescore(
            standard=STANDARD,
            reviewed_on=date(2023, 5, 1),
            reason="x",
            veto_items=[],
            form_points=30,
            content_points=70,
            deductions=[],
        )
    assert refused.value.rule == "review-dates-in-order"


def test_a_file_is_not_reviewed_before_its_year() -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.require_file_before_review(2024, date(2023, 12, 31))
    assert refused.value.rule == "review-after-file-year"


def test_one_review_per_file_and_standard_version() -> None:
    agency = uuid4()
    ident = CaseFileReview.create_id(agency, "F-1", 2021, "2023")
    assert ident == CaseFileReview.create_id(agency, "F-1", 2021, "2023")
    assert ident != CaseFileReview.create_id(agency, "F-1", 2022, "2023")
    assert ident != CaseFileReview.create_id(uuid4(), "F-1", 2021, "2023")
