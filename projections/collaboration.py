"""Cross-regional collaboration (京津冀执法协作): joint actions, case transfers and cases handled
with partner regions — per action, so "per partner region" is a query over each row's regions.

- ``joint_actions(action_id; reference, title, field, regions, agency_id, starts_on, ends_on;
  sites_checked, sites_in_partner_regions, problems_found, problems_rectified,
  rectified_on_the_spot, meetings)``: every event of an action carries its regions, so the
  counters stay the action's own; "the year's actions and what they did" sums the counters of
  the actions launched (started) in the year;
- ``joint_action_sites(action_id, site_no; region, checked_on)`` and
  ``joint_action_problems(action_id, problem_no; site_no, found_on, rectified_on, on_the_spot)``:
  each site with the partner region it lies in (NULL: in the district itself) and each problem
  with its site, so "per partner region" credits a site, and the problems found there, to the
  one region it is in — not to every region of a multi-region action;
- ``case_transfers(transfer_id; direction, region, regions, agency_id, case_reference,
  transferred_on, outcome, decided_on)``;
- ``cross_regional_cases(case_id; case_no, regions, agency_id, opened_on, decided_on,
  goods_value_fen, goods_confiscated, income_confiscated_fen, fine_fen; lots_seized)``;
- ``cross_regional_lots(case_id, lot_no; description, quantity, unit, seized_on)``: what each
  case seized, so the report can name every case's goods with their quantity and unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, uuid_of

JOINT_ACTIONS = Table(
    "joint_actions",
    keys={"action_id": "uuid"},
    counters={
        "sites_checked": "bigint",
        "sites_in_partner_regions": "bigint",
        "problems_found": "bigint",
        "problems_rectified": "bigint",
        "rectified_on_the_spot": "bigint",
        "meetings": "bigint",
    },
    fields={
        "reference": "text",
        "title": "text",
        "field": "text",
        "regions": "text[]",
        "agency_id": "uuid",
        "starts_on": "date",
        "ends_on": "date",
    },
    indexes=["(starts_on)"],
)
CASE_TRANSFERS = Table(
    "case_transfers",
    keys={"transfer_id": "uuid"},
    fields={
        "direction": "text",
        "region": "text",
        "regions": "text[]",
        "agency_id": "uuid",
        "case_reference": "text",
        "transferred_on": "date",
        "outcome": "text",
        "decided_on": "date",
    },
)
CROSS_REGIONAL_CASES = Table(
    "cross_regional_cases",
    keys={"case_id": "uuid"},
    counters={"lots_seized": "bigint"},
    fields={
        "case_no": "text",
        "regions": "text[]",
        "agency_id": "uuid",
        "opened_on": "date",
        "decided_on": "date",
        "goods_value_fen": "bigint",
        "goods_confiscated": "boolean",
        "income_confiscated_fen": "bigint",
        "fine_fen": "bigint",
    },
)
JOINT_ACTION_SITES = Table(
    "joint_action_sites",
    keys={"action_id": "uuid", "site_no": "integer"},
    fields={"region": "text", "checked_on": "date"},
)
JOINT_ACTION_PROBLEMS = Table(
    "joint_action_problems",
    keys={"action_id": "uuid", "problem_no": "integer"},
    fields={
        "site_no": "integer",
        "found_on": "date",
        "rectified_on": "date",
        "on_the_spot": "boolean",
    },
)
CROSS_REGIONAL_LOTS = Table(
    "cross_regional_lots",
    keys={"case_id": "uuid", "lot_no": "integer"},
    fields={"description": "text", "quantity": "numeric", "unit": "text", "seized_on": "date"},
)


class Collaboration(Projection):
    NAME = "collaboration"
    TABLES = (
        JOINT_ACTIONS,
        JOINT_ACTION_SITES,
        JOINT_ACTION_PROBLEMS,
        CASE_TRANSFERS,
        CROSS_REGIONAL_CASES,
        CROSS_REGIONAL_LOTS,
    )
    TOPICS = frozenset(
        {
            "JointAction.Launched",
            "JointAction.SiteChecked",
            "JointAction.ProblemFound",
            "JointAction.ProblemRectified",
            "JointAction.MeetingHeld",
            "CaseTransfer.Transferred",
            "CaseTransfer.OutcomeRecorded",
            "CrossRegionalCase.Opened",
            "CrossRegionalCase.GoodsSeized",
            "CrossRegionalCase.Decided",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        row = (event.aggregate_id,)
        if topic == "JointAction.MeetingHeld":
            yield Add(JOINT_ACTIONS, row, {"meetings": 1})
            return
        p = event.payload
        if topic == "JointAction.ProblemFound":
            yield Add(JOINT_ACTIONS, row, {"problems_found": 1})
            yield Put(
                JOINT_ACTION_PROBLEMS,
                (event.aggregate_id, int(p["problem_no"])),
                {"site_no": int(p["site_no"]), "found_on": day_of(p["found_on"])},
            )
            return
        if topic == "CrossRegionalCase.GoodsSeized":
            yield Add(CROSS_REGIONAL_CASES, row, {"lots_seized": 1})
            yield Put(
                CROSS_REGIONAL_LOTS,
                (event.aggregate_id, int(p["lot_no"])),
                {
                    "description": p["description"],
                    # Exact, as the event holds it (a Decimal written as text).
                    "quantity": Decimal(str(p["quantity"])),
                    "unit": p["unit"],
                    "seized_on": day_of(p["seized_on"]),
                },
            )
            return
        if topic == "JointAction.Launched":
            yield Put(
                JOINT_ACTIONS,
                row,
                {
                    "reference": p["reference"],
                    "title": p["title"],
                    "field": p["field"],
                    "regions": list(p["regions"]),
                    "agency_id": uuid_of(p["agency_id"]),
                    "starts_on": day_of(p["starts_on"]),
                    "ends_on": day_of(p["ends_on"]),
                },
            )
        elif topic == "JointAction.SiteChecked":
            in_partner = 0 if p["region"] is None else 1
            yield Add(
                JOINT_ACTIONS, row, {"sites_checked": 1, "sites_in_partner_regions": in_partner}
            )
            yield Put(
                JOINT_ACTION_SITES,
                (event.aggregate_id, int(p["site_no"])),
                {"region": p["region"], "checked_on": day_of(p["checked_on"])},
            )
        elif topic == "JointAction.ProblemRectified":
            on_the_spot = 1 if p["on_the_spot"] else 0
            yield Add(
                JOINT_ACTIONS,
                row,
                {"problems_rectified": 1, "rectified_on_the_spot": on_the_spot},
            )
            yield Put(
                JOINT_ACTION_PROBLEMS,
                (event.aggregate_id, int(p["problem_no"])),
                {"rectified_on": day_of(p["rectified_on"]), "on_the_spot": bool(p["on_the_spot"])},
            )
        elif topic == "CaseTransfer.Transferred":
            yield Put(
                CASE_TRANSFERS,
                row,
                {
                    "direction": p["direction"],
                    "region": p["region"],
                    "regions": list(p["regions"]),
                    "agency_id": uuid_of(p["agency_id"]),
                    "case_reference": p["case_reference"],
                    "transferred_on": day_of(p["transferred_on"]),
                },
            )
        elif topic == "CaseTransfer.OutcomeRecorded":
            yield Put(
                CASE_TRANSFERS,
                row,
                {"outcome": p["outcome"], "decided_on": day_of(p["decided_on"])},
            )
        elif topic == "CrossRegionalCase.Opened":
            yield Put(
                CROSS_REGIONAL_CASES,
                row,
                {
                    "case_no": p["case_no"],
                    "regions": list(p["regions"]),
                    "agency_id": uuid_of(p["agency_id"]),
                    "opened_on": day_of(p["opened_on"]),
                },
            )
        elif topic == "CrossRegionalCase.Decided":
            yield Put(
                CROSS_REGIONAL_CASES,
                row,
                {
                    "decided_on": day_of(p["decided_on"]),
                    "goods_value_fen": int(p["goods_value_fen"]),
                    "goods_confiscated": bool(p["goods_confiscated"]),
                    "income_confiscated_fen": int(p["income_confiscated_fen"]),
                    "fine_fen": int(p["fine_fen"]),
                },
            )
