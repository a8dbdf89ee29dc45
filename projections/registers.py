"""The registries (两库一单) as the report reads them: agencies, grid cells, inspection items,
penalty-exemption lists, and how many entities are registered.

Every row is one aggregate's own state (``Put``), so arrival order across aggregates does not
matter. ``Agency.Registered`` carries the day the agency enforces from (``registered_on``),
so a year's report counts the agencies registered by its last day; an agency registered before
the ledger kept that day has none (NULL) and counts in every year.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, day_or_none

AGENCIES = Table(
    "agencies",
    keys={"agency_id": "uuid"},
    fields={"code": "text", "name": "text", "domains": "text[]", "registered_on": "date"},
)
GRID_CELLS = Table(
    "grid_cells",
    keys={"code": "text"},
    fields={"grid_cell_id": "uuid", "name": "text", "street": "text"},
)
INSPECTION_ITEMS = Table(
    "inspection_items",
    keys={"item_id": "uuid"},
    fields={"code": "text", "domain": "text", "withdrawn": "boolean"},
)
EXEMPTION_LISTS = Table(
    "exemption_lists",
    keys={"list_id": "uuid"},
    fields={
        "domain": "text",
        "version": "integer",
        "in_force_from": "date",
        "in_force_until": "date",
        "items": "integer",
    },
)
REGISTER_COUNTS = Table("register_counts", keys={"register": "text"}, counters={"n": "bigint"})


class Registers(Projection):
    NAME = "registers"
    TABLES = (AGENCIES, GRID_CELLS, INSPECTION_ITEMS, EXEMPTION_LISTS, REGISTER_COUNTS)
    TOPICS = frozenset(
        {
            "Agency.Registered",
            "Agency.DomainsChanged",
            "GridCell.Defined",
            "InspectionItem.Listed",
            "InspectionItem.Withdrawn",
            "ExemptionList.Published",
            "ExemptionList.Repealed",
            "Entity.Registered",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        if topic == "Entity.Registered":
            yield Add(REGISTER_COUNTS, ("entities",), {"n": 1})
        elif topic == "Agency.Registered":
            yield Put(
                AGENCIES,
                (event.aggregate_id,),
                {
                    "code": p["code"],
                    "name": p["name"],
                    "domains": list(p["domains"]),
                    "registered_on": day_or_none(p.get("registered_on")),
                },
            )
            yield Add(REGISTER_COUNTS, ("agencies",), {"n": 1})
        elif topic == "Agency.DomainsChanged":
            yield Put(AGENCIES, (event.aggregate_id,), {"domains": list(p["domains"])})
        elif topic == "GridCell.Defined":
            yield Put(
                GRID_CELLS,
                (p["code"],),
                {"grid_cell_id": event.aggregate_id, "name": p["name"], "street": p["street"]},
            )
        elif topic == "InspectionItem.Listed":
            yield Put(
                INSPECTION_ITEMS,
                (event.aggregate_id,),
                {"code": p["code"], "domain": p["domain"], "withdrawn": False},
            )
        elif topic == "InspectionItem.Withdrawn":
            yield Put(INSPECTION_ITEMS, (event.aggregate_id,), {"withdrawn": True})
        elif topic == "ExemptionList.Published":
            yield Put(
                EXEMPTION_LISTS,
                (event.aggregate_id,),
                {
                    "domain": p["domain"],
                    "version": p["version"],
                    "in_force_from": day_of(p["in_force_from"]),
                    "items": len(p["items"]),
                },
            )
        elif topic == "ExemptionList.Repealed":
            yield Put(
                EXEMPTION_LISTS,
                (event.aggregate_id,),
                {"in_force_until": day_of(p["in_force_until"])},
            )
