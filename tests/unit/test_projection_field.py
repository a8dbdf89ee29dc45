"""Inspections, refused attempts and area patrols over real events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.field.patrol import AreaPatrol
from domain.inspection.inspection import Inspection
from domain.inspection.refusal import InspectionRefusal
from domain.inspection.values import Evidence, EvidenceKind, Outcome
from domain.planning.values import TaskRef
from domain.registry.grid_cell import GridCell
from domain.values import DISTRICT_ZONE
from projections.inspections import Inspections
from projections.patrols import Patrols
from tests.builders_cases import a_team
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")

STARTED = datetime(2023, 3, 10, 9, 30, tzinfo=DISTRICT_ZONE)
LEAD, PARTNER = uuid4(), uuid4()


def test_an_inspection_row_follows_it_from_start_to_outcome() -> None:
    tasks = [TaskRef(plan_id=uuid4(), plan_no=f"P-{n}", task_no=1) for n in (1, 2)]
    entity = uuid4()
    inspection = Inspection(
        e_certificate_number="EC-1",
        entity_id=entity,
        tasks=tasks,
        entity_year_id=uuid4(),
        visit_no=1,
        agency_id=LEAD,
        agency_ids=[LEAD, PARTNER],
        officer_ids=[uuid4(), uuid4()],
        started_at=STARTED,
    )
    log = EventLog()
    log.add(inspection)
    started = fold_all(log.envelopes, [Inspections()])["inspections"][(inspection.id,)]
    assert started == {
        "agency_id": LEAD,
        "agency_ids": [LEAD, PARTNER],
        "entity_id": entity,
        "joint": True,
        "started_at": STARTED,
        "started_on": date(2023, 3, 10),
    }
    recording = Evidence(sha256="ab" * 32, kind=EvidenceKind.VIDEO, description="全程录像")
    inspection.record_evidence([recording], STARTED + timedelta(hours=1))
    inspection.conclude(Outcome.PROBLEMS_FOUND, "标签缺失", STARTED + timedelta(hours=2))
    log.add(inspection)
    done = fold_all(log.envelopes, [Inspections()])["inspections"][(inspection.id,)]
    assert (done["outcome"], done["concluded_on"], done["evidence_items"]) == (
        "problems_found",
        date(2023, 3, 10),
        1,
    )


def test_a_refused_attempt_is_on_file_by_day_agency_and_rule() -> None:
    refusal = InspectionRefusal(
        entity_id=uuid4(),
        task=TaskRef(plan_id=uuid4(), plan_no="P-1", task_no=1),
        agency_id=LEAD,
        officer_ids=[uuid4()],
        e_certificate_number=None,
        rule="e-certificate-shown",
        reason="未出示电子检查证",
        attempted_at=STARTED,
    )
    tables = fold_all(EventLog().add(refusal), [Inspections()])
    assert tables["inspection_refusals_daily"] == {
        (date(2023, 3, 10), LEAD, "e-certificate-shown"): {"n": 1}
    }
    assert "inspections" not in tables


def test_patrols_count_per_day_agency_and_cell_with_their_problems() -> None:
    cells = [GridCell(code=f"G-00{n}", name=f"网格{n}", street="新港街道") for n in (1, 2)]
    team = a_team(LEAD)
    patrols = [
        AreaPatrol.record(
            agency_id=LEAD,
            grid_cell=cells[n % 2],
            officers=team,
            started_at=STARTED + timedelta(hours=3 * n),
            ended_at=STARTED + timedelta(hours=3 * n + 2),
            route="",
            notes="",
            problems_found=n,
        )
        for n in range(3)
    ]
    tables = fold_all(EventLog().add(*patrols), [Patrols()])
    assert tables["patrols_daily"] == {
        (date(2023, 3, 10), LEAD, "G-001"): {"n": 2, "problems_found": 2},
        (date(2023, 3, 10), LEAD, "G-002"): {"n": 1, "problems_found": 1},
    }
