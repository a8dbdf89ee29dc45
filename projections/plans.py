"""Inspection plans (行政检查计划) by year and kind, and how far their tasks got.

``plans(plan_id; plan_no, kind, agency_id, agency_ids, year, drawn_up_on, completed_on;
tasks, draws, tasks_inspected, tasks_exempted, tasks_merged, tasks_cancelled)``: one row per
plan, its own state. A task's status moves scheduled → (merged →) inspected, or exempted, or
cancelled; the counters count tasks that reached each, so a plan's completion is
``(inspected + exempted + cancelled) / tasks`` and "tasks by kind" is a sum over its plans.
The report counts plans by the plan's year and kind (``DrawnUp``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, uuid_of, uuids_of

PLANS = Table(
    "plans",
    keys={"plan_id": "uuid"},
    counters={
        "tasks": "bigint",
        "draws": "bigint",
        "tasks_inspected": "bigint",
        "tasks_exempted": "bigint",
        "tasks_merged": "bigint",
        "tasks_cancelled": "bigint",
    },
    fields={
        "plan_no": "text",
        "kind": "text",
        "agency_id": "uuid",
        "agency_ids": "uuid[]",
        "year": "integer",
        "drawn_up_on": "date",
        "completed_on": "date",
    },
    indexes=["(year, kind)", "(agency_id)"],
)

TASK_COUNTERS: Mapping[str, str] = {
    "InspectionPlan.TaskInspected": "tasks_inspected",
    "InspectionPlan.HonestyExemptionGranted": "tasks_exempted",
    "InspectionPlan.TaskMerged": "tasks_merged",
    "InspectionPlan.TaskCancelled": "tasks_cancelled",
}


class Plans(Projection):
    NAME = "plans"
    TABLES = (PLANS,)
    TOPICS = frozenset(
        {
            "InspectionPlan.DrawnUp",
            "InspectionPlan.TasksAdded",
            "InspectionPlan.DoubleRandomDrawn",
            "InspectionPlan.Completed",
            *TASK_COUNTERS,
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        plan = (event.aggregate_id,)
        counter = TASK_COUNTERS.get(topic)
        if counter is not None:
            yield Add(PLANS, plan, {counter: 1})
            return
        p = event.payload
        if topic == "InspectionPlan.DrawnUp":
            yield Put(
                PLANS,
                plan,
                {
                    "plan_no": p["plan_no"],
                    "kind": p["kind"],
                    "agency_id": uuid_of(p["agency_id"]),
                    "agency_ids": uuids_of(p["agency_ids"]),
                    "year": p["year"],
                    "drawn_up_on": day_of(p["drawn_up_at"]),
                },
            )
        elif topic == "InspectionPlan.TasksAdded":
            yield Add(PLANS, plan, {"tasks": len(p["tasks"])})
        elif topic == "InspectionPlan.DoubleRandomDrawn":
            yield Add(PLANS, plan, {"draws": 1})
        elif topic == "InspectionPlan.Completed":
            yield Put(PLANS, plan, {"completed_on": day_of(p["completed_at"])})
