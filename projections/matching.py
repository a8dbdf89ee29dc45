"""Joint-inspection matching (碰撞撮合, 合并检查) and honesty exemptions (诚信免查), per day and
agency — "多查合一，年内最多查一次" in figures.

``matching_daily(day, agency_id; tasks_scheduled, joint_inspections_merged, tasks_joined,
inspections_avoided, honesty_exemptions, visits_cancelled)``, all counters:

- a joint inspection is *merged* when its second task arrives (``EntityYear.TasksMerged``,
  credited to the visit's lead agency); each further task joins it
  (``JointInspectionJoined``); every merged or joining task avoids one inspection (the
  events' ``inspections_avoided``);
- an honesty exemption is one ``InspectionPlan.HonestyExemptionGranted`` (the exempting
  plan's agency).

Days are the district's calendar days of the act (``merged_at``, ``granted_at`` …).
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Table
from projections.values import day_of, uuid_of

MATCHING_DAILY = Table(
    "matching_daily",
    keys={"day": "date", "agency_id": "uuid"},
    counters={
        "tasks_scheduled": "bigint",
        "joint_inspections_merged": "bigint",
        "tasks_joined": "bigint",
        "inspections_avoided": "bigint",
        "honesty_exemptions": "bigint",
        "visits_cancelled": "bigint",
    },
)


class Matching(Projection):
    NAME = "matching"
    TABLES = (MATCHING_DAILY,)
    TOPICS = frozenset(
        {
            "EntityYear.TaskScheduled",
            "EntityYear.TasksMerged",
            "EntityYear.JointInspectionJoined",
            "EntityYear.VisitCancelled",
            "InspectionPlan.HonestyExemptionGranted",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        if topic == "EntityYear.TaskScheduled":
            key = (day_of(p["scheduled_at"]), uuid_of(p["agency_id"]))
            yield Add(MATCHING_DAILY, key, {"tasks_scheduled": 1})
        elif topic == "EntityYear.TasksMerged":
            key = (day_of(p["merged_at"]), uuid_of(p["lead_agency_id"]))
            avoided = int(p["inspections_avoided"])
            yield Add(
                MATCHING_DAILY,
                key,
                {"joint_inspections_merged": 1, "inspections_avoided": avoided},
            )
        elif topic == "EntityYear.JointInspectionJoined":
            key = (day_of(p["merged_at"]), uuid_of(p["lead_agency_id"]))
            avoided = int(p["inspections_avoided"])
            yield Add(MATCHING_DAILY, key, {"tasks_joined": 1, "inspections_avoided": avoided})
        elif topic == "EntityYear.VisitCancelled":
            key = (day_of(p["cancelled_at"]), uuid_of(p["agency_id"]))
            yield Add(MATCHING_DAILY, key, {"visits_cancelled": 1})
        elif topic == "InspectionPlan.HonestyExemptionGranted":
            key = (day_of(p["granted_at"]), uuid_of(p["agency_id"]))
            yield Add(MATCHING_DAILY, key, {"honesty_exemptions": 1})
