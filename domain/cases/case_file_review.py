"""A case-file review (案卷评查): the supervision office scores a closed case file against a
version of the review standard and grades it.

The report counts 20,781 files reviewed, going back to 2021 — most of them never in this
ledger. So a review names its file by (agency, file number, year): when the ledger holds that
case, the review is linked to it (``case_id``); otherwise it stands on its own. There is one
review per file and standard version (the natural key); a disputed score is corrected by
``rescore``, which keeps the first scoring in the history.

Each scoring event carries the points, deductions, score and grade, so read models count
reviews by agency, year and grade from events alone, and anyone can recompute the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.cases import rules
from domain.cases.review_standard import Deduction, Grade, ReviewStandard, grade_of, score_file
from domain.ids import natural_id


class CaseFileReview(Aggregate):
    TOPIC = "CaseFileReview"
    KIND = "case-file-review"

    class Scored(Aggregate.Created):
        agency_id: UUID
        file_no: str
        file_year: int
        case_id: UUID | None
        standard_version: str
        reviewed_on: date
        veto_items: list[str]
        form_points: int
        content_points: int
        deductions: list[Deduction]
        score: int
        grade: Grade

    class Rescored(Aggregate.Event):
        agency_id: UUID
        file_year: int
        standard_version: str
        reviewed_on: date
        reason: str
        veto_items: list[str]
        form_points: int
        content_points: int
        deductions: list[Deduction]
        score: int
        grade: Grade

    @staticmethod
    def create_id(agency_id: UUID, file_no: str, file_year: int, standard_version: str) -> UUID:
        return natural_id(
            "case-file-review", f"{agency_id}:{file_year}:{file_no}:{standard_version}"
        )

    @staticmethod
    def _scoring(
        standard: ReviewStandard,
        veto_items: Sequence[str],
        form_points: int,
        content_points: int,
        deductions: Sequence[Deduction],
    ) -> tuple[int, Grade]:
        rules.require_on_standard(standard, veto_items, deductions)
        rules.require_points_within_standard(standard, form_points, content_points, deductions)
        score = score_file(veto_items, form_points, content_points, deductions)
        return score, grade_of(standard, score, vetoed=bool(veto_items))

    @classmethod
    def review(
        cls,
        *,
        agency_id: UUID,
        file_no: str,
        file_year: int,
        case_id: UUID | None,
        standard: ReviewStandard,
        reviewed_on: date,
        veto_items: Sequence[str],
        form_points: int,
        content_points: int,
        deductions: Sequence[Deduction],
    ) -> CaseFileReview:
        rules.require_file_before_review(file_year, reviewed_on)
        score, grade = cls._scoring(standard, veto_items, form_points, content_points, deductions)
        return cls(
            agency_id=agency_id,
            file_no=file_no,
            file_year=file_year,
            case_id=case_id,
            standard_version=standard.version,
            reviewed_on=reviewed_on,
            veto_items=sorted(set(veto_items)),
            form_points=form_points,
            content_points=content_points,
            deductions=list(deductions),
            score=score,
            grade=grade,
        )

    @event(Scored)
    def __init__(
        self,
        agency_id: UUID,
        file_no: str,
        file_year: int,
        case_id: UUID | None,
        standard_version: str,
        reviewed_on: date,
        veto_items: list[str],
        form_points: int,
        content_points: int,
        deductions: list[Deduction],
        score: int,
        grade: Grade,
    ) -> None:
        self.agency_id = agency_id
        self.file_no = file_no
        self.file_year = file_year
        self.case_id = case_id
        self.standard_version = standard_version
        self.times_rescored = 0
        self._set_score(reviewed_on, veto_items, form_points, content_points, deductions)
        self.score = score
        self.grade = grade

    def _set_score(
        self,
        reviewed_on: date,
        veto_items: list[str],
        form_points: int,
        content_points: int,
        deductions: list[Deduction],
    ) -> None:
        self.reviewed_on = reviewed_on
        self.veto_items = list(veto_items)
        self.form_points = form_points
        self.content_points = content_points
        self.deductions = list(deductions)

    def rescore(
        self,
        *,
        standard: ReviewStandard,
        reviewed_on: date,
        reason: str,
        veto_items: Sequence[str],
        form_points: int,
        content_points: int,
        deductions: Sequence[Deduction],
    ) -> None:
        """Correct the score (after the agency's objection, 异议复核), keeping the first on file."""
        rules.require_rescored_after(self.file_no, reviewed_on, self.reviewed_on)
        score, grade = self._scoring(standard, veto_items, form_points, content_points, deductions)
        self._rescore(
            agency_id=self.agency_id,
            file_year=self.file_year,
            standard_version=self.standard_version,
            reviewed_on=reviewed_on,
            reason=reason,
            veto_items=sorted(set(veto_items)),
            form_points=form_points,
            content_points=content_points,
            deductions=list(deductions),
            score=score,
            grade=grade,
        )

    @event(Rescored)
    def _rescore(
        self,
        agency_id: UUID,
        file_year: int,
        standard_version: str,
        reviewed_on: date,
        reason: str,
        veto_items: list[str],
        form_points: int,
        content_points: int,
        deductions: list[Deduction],
        score: int,
        grade: Grade,
    ) -> None:
        self._set_score(reviewed_on, veto_items, form_points, content_points, deductions)
        self.score = score
        self.grade = grade
        self.times_rescored += 1
