"""Enforcement equipment (执法终端, 执法记录仪 …) issued to and returned by agencies.

``equipment_daily(day, agency_id, kind; issued, returned)``: quantities by the voucher's day;
an agency's holdings are the sums of ``issued - returned`` up to a day.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Table
from projections.values import day_of, uuid_of

EQUIPMENT_DAILY = Table(
    "equipment_daily",
    keys={"day": "date", "agency_id": "uuid", "kind": "text"},
    counters={"issued": "bigint", "returned": "bigint"},
)


class Equipment(Projection):
    NAME = "equipment"
    TABLES = (EQUIPMENT_DAILY,)
    TOPICS = frozenset({"EquipmentLedger.Issued", "EquipmentLedger.Returned"})

    def apply(self, event: Envelope) -> Iterable[Change]:
        p = event.payload
        if event.topic == "EquipmentLedger.Issued":
            key = (day_of(p["issued_on"]), uuid_of(p["agency_id"]), p["kind"])
            yield Add(EQUIPMENT_DAILY, key, {"issued": int(p["quantity"])})
        else:
            key = (day_of(p["returned_on"]), uuid_of(p["agency_id"]), p["kind"])
            yield Add(EQUIPMENT_DAILY, key, {"returned": int(p["quantity"])})
