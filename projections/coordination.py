"""Coordination and outside scrutiny: meetings (吹哨会, 疑难案件专题会) and the opinions given
there, and judicial / procuratorial suggestions (司法建议 / 检察建议) with their deadlines.

- ``coordination_meetings(meeting_id; reference, kind, held_on, agency_ids; opinions)``;
- ``suggestions(suggestion_id; reference, kind, agency_id, received_on, deadline, answered_on,
  late)``: overdue on a day = unanswered with the deadline before it (a query).
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, uuid_or_none, uuids_of

COORDINATION_MEETINGS = Table(
    "coordination_meetings",
    keys={"meeting_id": "uuid"},
    counters={"opinions": "bigint"},
    fields={"reference": "text", "kind": "text", "held_on": "date", "agency_ids": "uuid[]"},
    indexes=["(held_on)"],
)
SUGGESTIONS = Table(
    "suggestions",
    keys={"suggestion_id": "uuid"},
    fields={
        "reference": "text",
        "kind": "text",
        "agency_id": "uuid",
        "received_on": "date",
        "deadline": "date",
        "answered_on": "date",
        "late": "boolean",
    },
)


class Coordination(Projection):
    NAME = "coordination"
    TABLES = (COORDINATION_MEETINGS, SUGGESTIONS)
    TOPICS = frozenset(
        {
            "CoordinationMeeting.Held",
            "CoordinationMeeting.OpinionGiven",
            "Suggestion.Received",
            "Suggestion.Answered",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        row = (event.aggregate_id,)
        if topic == "CoordinationMeeting.Held":
            yield Put(
                COORDINATION_MEETINGS,
                row,
                {
                    "reference": p["reference"],
                    "kind": p["kind"],
                    "held_on": day_of(p["held_on"]),
                    "agency_ids": uuids_of(p["agency_ids"]),
                },
            )
        elif topic == "CoordinationMeeting.OpinionGiven":
            yield Add(COORDINATION_MEETINGS, row, {"opinions": 1})
        elif topic == "Suggestion.Received":
            yield Put(
                SUGGESTIONS,
                row,
                {
                    "reference": p["reference"],
                    "kind": p["kind"],
                    "agency_id": uuid_or_none(p["agency_id"]),
                    "received_on": day_of(p["received_on"]),
                    "deadline": day_of(p["deadline"]),
                },
            )
        elif topic == "Suggestion.Answered":
            yield Put(
                SUGGESTIONS,
                row,
                {"answered_on": day_of(p["answered_on"]), "late": bool(p["late"])},
            )
