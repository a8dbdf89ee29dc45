"""Officers and their enforcement certificates (执法证): who was certified on any day.

- ``officers(officer_id; officer_no, agency_id, frontline, training_hours)``;
- ``certificates(officer_id, number; agency_id, issued_on, revoked_on, reason)``: one row per
  certificate an officer held, so "certified on 31 December" is ``issued_on <= day < revoked_on``
  and "issued / revoked in a period, by reason and agency" are plain range queries.

- ``frontline_history(officer_id, version; effective_on, frontline)``: the flag as registered
  (``effective_on`` NULL: from the start) and every change with the day it took effect (a change
  written before the ledger kept that day takes the day it was recorded), so "frontline on 31
  December" is the latest row in effect that day, whatever changed later.

All are one officer's own state: its events arrive in order, so ``Put`` is safe.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, district_day, uuid_of

OFFICERS = Table(
    "officers",
    keys={"officer_id": "uuid"},
    counters={"training_hours": "bigint"},
    fields={"officer_no": "text", "agency_id": "uuid", "frontline": "boolean"},
    indexes=["(agency_id)"],
)
CERTIFICATES = Table(
    "certificates",
    keys={"officer_id": "uuid", "number": "text"},
    fields={"agency_id": "uuid", "issued_on": "date", "revoked_on": "date", "reason": "text"},
    indexes=["(issued_on)", "(revoked_on)"],
)
FRONTLINE_HISTORY = Table(
    "frontline_history",
    keys={"officer_id": "uuid", "version": "integer"},
    fields={"effective_on": "date", "frontline": "boolean"},
)


class Officers(Projection):
    NAME = "officers"
    TABLES = (OFFICERS, CERTIFICATES, FRONTLINE_HISTORY)
    TOPICS = frozenset(
        {
            "Officer.Registered",
            "Officer.CertificateIssued",
            "Officer.CertificateRevoked",
            "Officer.FrontlineChanged",
            "Officer.TrainingRecorded",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        officer = event.aggregate_id
        if topic == "Officer.Registered":
            yield Put(
                OFFICERS,
                (officer,),
                {
                    "officer_no": p["officer_no"],
                    "agency_id": uuid_of(p["agency_id"]),
                    "frontline": p["frontline"],
                },
            )
            yield Put(
                FRONTLINE_HISTORY,
                (officer, event.version),
                {"effective_on": None, "frontline": p["frontline"]},
            )
        elif topic == "Officer.CertificateIssued":
            yield Put(
                CERTIFICATES,
                (officer, p["number"]),
                {"agency_id": uuid_of(p["agency_id"]), "issued_on": day_of(p["issued_on"])},
            )
        elif topic == "Officer.CertificateRevoked":
            yield Put(
                CERTIFICATES,
                (officer, p["number"]),
                {"revoked_on": day_of(p["revoked_on"]), "reason": p["reason"]},
            )
        elif topic == "Officer.FrontlineChanged":
            yield Put(OFFICERS, (officer,), {"frontline": p["frontline"]})
            effective = p.get("effective_on")
            yield Put(
                FRONTLINE_HISTORY,
                (officer, event.version),
                {
                    "effective_on": (
                        district_day(event.recorded_at) if effective is None else day_of(effective)
                    ),
                    "frontline": p["frontline"],
                },
            )
        elif topic == "Officer.TrainingRecorded":
            yield Add(OFFICERS, (officer,), {"training_hours": int(p["hours"])})
