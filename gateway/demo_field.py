"""Demo records of the field area (see gateway/demo.py): a week of area patrols that covers
every cell of the demo grid."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.application import SupervisionLedger
from domain.field.commands import RecordAreaPatrol
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE
from gateway.demo_run import create

PATROLS = [
    # (agency, cell, day of May 2023, hour, route, problems found)
    ("MSA", "G-001", 8, 9, "新港路—港塘路沿街商户", 2),
    ("URB", "G-001", 8, 14, "新港路占道经营点位", 1),
    ("URB", "G-002", 9, 9, "新港二号路—跃进路", 0),
    ("ECO", "G-003", 10, 10, "塘沽化工园区周边", 3),
    ("MSA", "G-003", 12, 15, "塘沽街道农贸市场", 1),
]


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records."""
    for code, cell, day, hour, route, problems in PATROLS:
        started = datetime(2023, 5, day, hour, 0, tzinfo=DISTRICT_ZONE)
        create(
            ledger,
            RecordAreaPatrol(
                agency_id=Agency.create_id(code),
                grid_cell=cell,
                officer_ids=[
                    Officer.create_id(f"{code}-001"),
                    Officer.create_id(f"{code}-002"),
                ],
                started_at=started,
                ended_at=started + timedelta(hours=2, minutes=30),
                route=route,
                problems_found=problems,
            ),
        )
