"""Case-file reviews (案卷评查) by agency, file year and grade.

``case_reviews(review_id; agency_id, file_no, file_year, case_id, standard_version,
reviewed_on, last_reviewed_on, score, grade; rescored)``: one row per review, its own state.
A file counts as reviewed on the day it was first scored (``Scored.reviewed_on``); a rescoring
(异议复核) changes its score and grade, not when it was reviewed, and is counted in
``rescored``.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, uuid_of, uuid_or_none

CASE_REVIEWS = Table(
    "case_reviews",
    keys={"review_id": "uuid"},
    counters={"rescored": "bigint"},
    fields={
        "agency_id": "uuid",
        "file_no": "text",
        "file_year": "integer",
        "case_id": "uuid",
        "standard_version": "text",
        "reviewed_on": "date",
        "last_reviewed_on": "date",
        "score": "integer",
        "grade": "text",
    },
    indexes=["(reviewed_on)", "(agency_id, file_year)"],
)


class CaseReviews(Projection):
    NAME = "case_reviews"
    TABLES = (CASE_REVIEWS,)
    TOPICS = frozenset({"CaseFileReview.Scored", "CaseFileReview.Rescored"})

    def apply(self, event: Envelope) -> Iterable[Change]:
        p = event.payload
        row = (event.aggregate_id,)
        day = day_of(p["reviewed_on"])
        if event.topic == "CaseFileReview.Scored":
            yield Put(
                CASE_REVIEWS,
                row,
                {
                    "agency_id": uuid_of(p["agency_id"]),
                    "file_no": p["file_no"],
                    "file_year": p["file_year"],
                    "case_id": uuid_or_none(p["case_id"]),
                    "standard_version": p["standard_version"],
                    "reviewed_on": day,
                    "last_reviewed_on": day,
                    "score": p["score"],
                    "grade": p["grade"],
                },
            )
        else:
            yield Put(
                CASE_REVIEWS,
                row,
                {"last_reviewed_on": day, "score": p["score"], "grade": p["grade"]},
            )
            yield Add(CASE_REVIEWS, row, {"rescored": 1})
