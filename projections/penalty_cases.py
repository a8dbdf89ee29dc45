"""Penalty cases (行政处罚案件) by procedure and stage, with what supervision watches for.

``penalty_cases(case_id; …)``: one row per case, its own state — procedure, stage, outcome,
the decision deadline (``Opened`` carries it, ``ExtensionApproved`` moves it), where legal
review stands, the decision's amounts, what was paid or waived. From it, at query time:

- penalties by procedure in a period: rows with ``outcome = 'penalty'`` by ``decided_on``;
- overdue ordinary cases on a day: ``procedure = 'ordinary'``, not ended by that day (no
  ``decided_on``, or a later one) and ``decision_due_on`` before that day — the 90-day limit or
  the extension's (art. 60);
- decisions awaiting legal review: ``legal_review = 'requested'`` and not ended.

"Overdue" depends on the day asked about, so it is a query, never a stored flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, uuid_of, uuid_or_none

PENALTY_CASES = Table(
    "penalty_cases",
    keys={"case_id": "uuid"},
    counters={"extensions": "bigint", "paid_fen": "bigint", "waived_fen": "bigint"},
    fields={
        "case_no": "text",
        "agency_id": "uuid",
        "procedure": "text",
        "party_kind": "text",
        "entity_id": "uuid",
        "inspection_id": "uuid",
        "stage": "text",
        "outcome": "text",
        "opened_on": "date",
        "decision_due_on": "date",
        "legal_review": "text",
        "legal_review_requested_on": "date",
        "decided_on": "date",
        "served_on": "date",
        "closed_on": "date",
        "fine_fen": "bigint",
        "confiscated_gains_fen": "bigint",
        "goods_confiscated_fen": "bigint",
        "goods_value_fen": "bigint",
        "major": "boolean",
    },
    indexes=["(decided_on)", "(procedure, decision_due_on)", "(agency_id)"],
)

ENDINGS: Mapping[str, str] = {
    "PenaltyCase.EducationCorrected": "education_correction",
    "PenaltyCase.Exempted": "exemption",
    "PenaltyCase.Dismissed": "dismissed",
}


def _decision(p: Mapping[str, Any]) -> dict[str, Any]:
    penalties = p["penalties"]
    return {
        "stage": "decided",
        "outcome": "penalty",
        "decided_on": day_of(p["decided_on"]),
        "fine_fen": int(penalties.get("fine_fen", 0)),
        "confiscated_gains_fen": int(penalties.get("confiscated_gains_fen", 0)),
        "goods_confiscated_fen": sum(
            int(g["value_fen"]) for g in penalties.get("confiscated_goods", [])
        ),
        "goods_value_fen": int(p["goods_value_fen"]),
        "major": bool(p["major_items"]),
    }


class PenaltyCases(Projection):
    NAME = "penalty_cases"
    TABLES = (PENALTY_CASES,)
    TOPICS = frozenset(
        {
            "PenaltyCase.Opened",
            "PenaltyCase.Investigated",
            "PenaltyCase.LegalReviewRequested",
            "PenaltyCase.LegalReviewed",
            "PenaltyCase.ExtensionApproved",
            "PenaltyCase.Decided",
            "PenaltyCase.Served",
            "PenaltyCase.PaymentRecorded",
            "PenaltyCase.ExecutionWaived",
            "PenaltyCase.Closed",
            *ENDINGS,
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        row = (event.aggregate_id,)
        if topic == "PenaltyCase.Opened":
            due = p["decision_due_on"]
            yield Put(
                PENALTY_CASES,
                row,
                {
                    "case_no": p["case_no"],
                    "agency_id": uuid_of(p["agency_id"]),
                    "procedure": p["procedure"],
                    "party_kind": p["party_kind"],
                    "entity_id": uuid_or_none(p["entity_id"]),
                    "inspection_id": uuid_or_none(p["inspection_id"]),
                    "stage": "filed",
                    "opened_on": day_of(p["opened_on"]),
                    "decision_due_on": None if due is None else day_of(due),
                    "legal_review": "none",
                    "goods_value_fen": int(p["goods_value_fen"]),
                },
            )
        elif topic == "PenaltyCase.Investigated":
            yield Put(
                PENALTY_CASES,
                row,
                {"stage": "investigated", "goods_value_fen": int(p["goods_value_fen"])},
            )
        elif topic == "PenaltyCase.LegalReviewRequested":
            yield Put(
                PENALTY_CASES,
                row,
                {
                    "legal_review": "requested",
                    "legal_review_requested_on": day_of(p["requested_on"]),
                },
            )
        elif topic == "PenaltyCase.LegalReviewed":
            yield Put(PENALTY_CASES, row, {"legal_review": "passed" if p["passed"] else "failed"})
        elif topic == "PenaltyCase.ExtensionApproved":
            yield Put(PENALTY_CASES, row, {"decision_due_on": day_of(p["decision_due_on"])})
            yield Add(PENALTY_CASES, row, {"extensions": 1})
        elif topic == "PenaltyCase.Decided":
            yield Put(PENALTY_CASES, row, _decision(p))
        elif topic == "PenaltyCase.Served":
            yield Put(PENALTY_CASES, row, {"stage": "served", "served_on": day_of(p["served_on"])})
        elif topic == "PenaltyCase.PaymentRecorded":
            paid = int(p["fine_fen"]) + int(p["gains_fen"])
            yield Add(PENALTY_CASES, row, {"paid_fen": paid})
            if int(p["still_due_fen"]) == 0:
                yield Put(PENALTY_CASES, row, {"stage": "executed"})
        elif topic == "PenaltyCase.ExecutionWaived":
            yield Add(PENALTY_CASES, row, {"waived_fen": int(p["waived_fen"])})
            yield Put(PENALTY_CASES, row, {"stage": "executed"})
        elif topic == "PenaltyCase.Closed":
            yield Put(PENALTY_CASES, row, {"stage": "closed", "closed_on": day_of(p["closed_on"])})
        else:
            day = day_of(p["decided_on"])
            yield Put(
                PENALTY_CASES,
                row,
                {"stage": "closed", "outcome": ENDINGS[topic], "decided_on": day, "closed_on": day},
            )
