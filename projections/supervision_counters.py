"""Supervision counters: enforcement acts per agency, kind and day — what the report adds up.

Two tables:

- ``acts_daily(agency_id, kind, day, n)``: the acts the report counts (inspections, penalties,
  patrols, corrections, certificates issued and revoked …), by the district's calendar day of
  the act itself (not of its recording);
- ``events_daily(topic, day, n)``: every event by topic and day of recording — the pipeline's
  own tally, checked against the event store in tests.

Which event is which act, and where its agency and date are, is the table ``ACTS`` below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from consumers.envelope import Envelope
from domain.values import local_date
from projections.model import Add, Change, Projection, Table


@dataclass(frozen=True)
class Act:
    kind: str
    when: str
    """The payload field holding the act's date or time."""
    agency: str = "agency_id"
    """The payload field holding the acting agency (or a list of agencies)."""


ACTS: Mapping[str, Act] = {
    "Officer.CertificateIssued": Act("certificate_issued", "issued_on"),
    "Officer.CertificateRevoked": Act("certificate_revoked", "revoked_on"),
}

ACTS_DAILY = Table(
    "acts_daily",
    keys={"agency_id": "uuid", "kind": "text", "day": "date"},
    counters={"n": "bigint"},
    indexes=["(day)", "(kind, day)"],
)
EVENTS_DAILY = Table(
    "events_daily", keys={"topic": "text", "day": "date"}, counters={"n": "bigint"}
)


def act_day(value: Any) -> date:
    """The district's calendar day of an act's date or aware datetime (ISO text in the payload)."""
    text = str(value)
    if len(text) == 10:
        return date.fromisoformat(text)
    return local_date(datetime.fromisoformat(text))


def agencies_of(value: Any) -> list[UUID]:
    if value is None:
        return []
    if isinstance(value, list):
        return [UUID(str(v)) for v in value]
    return [UUID(str(value))]


class SupervisionCounters(Projection):
    NAME = "supervision_counters"
    TABLES = (ACTS_DAILY, EVENTS_DAILY)

    def apply(self, event: Envelope) -> Iterable[Change]:
        yield Add(EVENTS_DAILY, (event.topic, local_date(event.recorded_at)), {"n": 1})
        act = ACTS.get(event.topic)
        if act is None:
            return
        payload = event.payload
        day = act_day(payload[act.when])
        for agency_id in agencies_of(payload.get(act.agency)):
            yield Add(ACTS_DAILY, (agency_id, act.kind, day), {"n": 1})
