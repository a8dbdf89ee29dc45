"""Inspections (行政检查) and their outcomes; refused attempts for want of dual certificates.

- ``inspections(inspection_id; agency_id, agency_ids, entity_id, joint, started_at, started_on,
  concluded_on, outcome; evidence_items)``: one row per inspection, its own state. A joint
  inspection is one row (led by ``agency_id``, done with every agency of ``agency_ids``).
  Outcomes: ``compliant``, ``problems_found``, ``corrected_on_site`` (现场规范) and
  ``refused_by_entity`` (not an inspection: the report leaves it out); an inspection started
  and not yet concluded has none.
- ``inspection_refusals_daily(day, agency_id, rule; n)``: attempts the entity was entitled to
  refuse (no valid e-inspection certificate, an uncertified officer …), kept on file although
  they are no inspection.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, moment_of, uuid_of, uuids_of

INSPECTIONS = Table(
    "inspections",
    keys={"inspection_id": "uuid"},
    counters={"evidence_items": "bigint"},
    fields={
        "agency_id": "uuid",
        "agency_ids": "uuid[]",
        "entity_id": "uuid",
        "joint": "boolean",
        "started_at": "timestamptz",
        "started_on": "date",
        "concluded_on": "date",
        "outcome": "text",
    },
    indexes=["(concluded_on)", "(agency_id, concluded_on)"],
)
INSPECTION_REFUSALS_DAILY = Table(
    "inspection_refusals_daily",
    keys={"day": "date", "agency_id": "uuid", "rule": "text"},
    counters={"n": "bigint"},
)


class Inspections(Projection):
    NAME = "inspections"
    TABLES = (INSPECTIONS, INSPECTION_REFUSALS_DAILY)
    TOPICS = frozenset(
        {
            "Inspection.Started",
            "Inspection.EvidenceRecorded",
            "Inspection.Concluded",
            "InspectionRefusal.RefusedForMissingCertificates",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        row = (event.aggregate_id,)
        if topic == "Inspection.Started":
            started_at = moment_of(p["started_at"])
            yield Put(
                INSPECTIONS,
                row,
                {
                    "agency_id": uuid_of(p["agency_id"]),
                    "agency_ids": uuids_of(p["agency_ids"]),
                    "entity_id": uuid_of(p["entity_id"]),
                    "joint": len(p["tasks"]) > 1 or len(p["agency_ids"]) > 1,
                    "started_at": started_at,
                    "started_on": day_of(p["started_at"]),
                },
            )
        elif topic == "Inspection.EvidenceRecorded":
            yield Add(INSPECTIONS, row, {"evidence_items": len(p["items"])})
        elif topic == "Inspection.Concluded":
            yield Put(
                INSPECTIONS,
                row,
                {
                    "concluded_on": day_of(p["concluded_at"]),
                    "outcome": p["outcome"],
                    "joint": bool(p["joint"]),
                },
            )
        elif topic == "InspectionRefusal.RefusedForMissingCertificates":
            key = (day_of(p["attempted_at"]), uuid_of(p["agency_id"]), p["rule"])
            yield Add(INSPECTION_REFUSALS_DAILY, key, {"n": 1})
