"""The supervision counters, folded in memory over event lists (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import orjson

from consumers.envelope import Envelope
from projections.model import fold
from projections.supervision_counters import SupervisionCounters


def event(topic: str, payload: dict[str, object], recorded: datetime, position: int) -> Envelope:
    return Envelope(position, uuid4(), 2, topic, recorded, orjson.dumps(payload))


def test_acts_count_per_agency_kind_and_district_day() -> None:
    agency = uuid4()
    recorded = datetime(2023, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in Binhai
    events = [
        event(
            "Officer.CertificateIssued",
            {"agency_id": str(agency), "issued_on": "2023-03-01"},
            recorded,
            1,
        ),
        event(
            "Officer.CertificateIssued",
            {"agency_id": str(agency), "issued_on": "2023-03-01"},
            recorded,
            2,
        ),
        event(
            "Officer.CertificateRevoked",
            {"agency_id": str(agency), "revoked_on": "2023-03-05"},
            recorded,
            3,
        ),
        event("Agency.Registered", {"code": "X"}, recorded, 4),
    ]
    tables = fold([SupervisionCounters()], events)
    acts = {k: v["n"] for k, v in tables["acts_daily"].items()}
    assert acts == {
        (agency, "certificate_issued", datetime(2023, 3, 1).date()): 2,
        (agency, "certificate_revoked", datetime(2023, 3, 5).date()): 1,
    }
    by_topic = {k: v["n"] for k, v in tables["events_daily"].items()}
    # Recorded at 17:00 UTC is already the next day in the district.
    assert by_topic[("Officer.CertificateIssued", datetime(2023, 3, 2).date())] == 2
    assert sum(by_topic.values()) == 4
