"""An inspection from start to conclusion, and a refused attempt, as given / when / then."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import RuleViolation
from domain.inspection.inspection import Inspection
from domain.inspection.refusal import InspectionRefusal
from domain.inspection.values import Evidence, EvidenceKind, Outcome
from domain.planning.values import TaskRef
from domain.values import DISTRICT_ZONE

pytestmark = pytest.mark.usefixtures("as_system")

STARTED = datetime(2023, 3, 10, 10, tzinfo=DISTRICT_ZONE)
TASKS = [TaskRef(plan_id=uuid4(), plan_no="P-1", task_no=1)]


def an_inspection(tasks: list[TaskRef] = TASKS, agencies: int = 1) -> Inspection:
    return Inspection(
        e_certificate_number="EC-1",
        entity_id=uuid4(),
        tasks=tasks,
        entity_year_id=uuid4(),
        visit_no=1,
        agency_id=uuid4(),
        agency_ids=[uuid4() for _ in range(agencies)],
        officer_ids=[uuid4(), uuid4()],
        started_at=STARTED,
    )


def a_recording(n: int = 1, kind: EvidenceKind = EvidenceKind.VIDEO) -> Evidence:
    return Evidence(sha256=f"{n:064x}", kind=kind, description="执法记录仪全程录像")


def test_one_certificate_one_inspection() -> None:
    assert an_inspection().id == Inspection.create_id("EC-1")


def test_evidence_is_kept_by_its_hash_once() -> None:
    inspection = an_inspection()
    inspection.record_evidence([a_recording(1), a_recording(2, EvidenceKind.PHOTO)], STARTED)
    assert [e.sha256 for e in inspection.evidence] == [f"{1:064x}", f"{2:064x}"]
    with pytest.raises(RuleViolation) as refused:
        inspection.record_evidence([a_recording(2)], STARTED)
    assert refused.value.rule == "evidence-recorded-once"
    with pytest.raises(RuleViolation) as early:
        inspection.record_evidence([a_recording(3)], STARTED - timedelta(minutes=1))
    assert early.value.rule == "after-the-start"


def test_an_on_site_correction_is_concluded_once_with_its_findings() -> None:
    inspection = an_inspection()
    with pytest.raises(RuleViolation) as silent:
        inspection.conclude(Outcome.CORRECTED_ON_SITE, "  ", STARTED)
    assert silent.value.rule == "findings-required"
    inspection.conclude(Outcome.CORRECTED_ON_SITE, "未公示营业执照，当场改正", STARTED)
    assert inspection.concluded
    with pytest.raises(RuleViolation) as again:
        inspection.conclude(Outcome.COMPLIANT, "", STARTED)
    assert again.value.rule == "conclude-once"
    (concluded,) = [e for e in inspection.collect_events() if isinstance(e, Inspection.Concluded)]
    assert concluded.outcome is Outcome.CORRECTED_ON_SITE
    assert concluded.agency_id == inspection.agency_id
    assert concluded.officer_ids == inspection.officer_ids
    assert concluded.concluded_at == STARTED


def test_a_conclusion_is_not_dated_before_the_start() -> None:
    with pytest.raises(RuleViolation) as refused:
        an_inspection().conclude(Outcome.COMPLIANT, "", STARTED - timedelta(seconds=1))
    assert refused.value.rule == "after-the-start"


def test_a_joint_inspection_is_one_inspection_of_several_agencies() -> None:
    joint = an_inspection(tasks=[*TASKS, TaskRef(plan_id=uuid4(), plan_no="P-2", task_no=3)])
    assert joint.joint
    assert an_inspection(agencies=2).joint  # a joint random task: one task, several agencies
    assert not an_inspection().joint


def test_only_real_inspections_count() -> None:
    assert [o for o in Outcome if o.inspected] == [
        Outcome.COMPLIANT,
        Outcome.PROBLEMS_FOUND,
        Outcome.CORRECTED_ON_SITE,
    ]


def test_history_is_rebuilt_from_events_alone() -> None:
    inspection = an_inspection()
    inspection.record_evidence([a_recording()], STARTED)
    inspection.conclude(Outcome.PROBLEMS_FOUND, "消防通道堵塞", STARTED + timedelta(hours=1))
    events = inspection.collect_events()
    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt == inspection
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "Inspection.Started",
        "Inspection.EvidenceRecorded",
        "Inspection.Concluded",
    ]


def test_a_refusal_is_its_own_record_with_the_rule_and_reason() -> None:
    refusal = InspectionRefusal(
        entity_id=uuid4(),
        task=TASKS[0],
        agency_id=uuid4(),
        officer_ids=[uuid4(), uuid4()],
        e_certificate_number=None,
        rule="e-certificate-shown",
        reason="no e-inspection certificate was shown",
        attempted_at=STARTED,
    )
    (event,) = refusal.collect_events()
    assert type(event).TOPIC == "InspectionRefusal.RefusedForMissingCertificates"  # type: ignore[attr-defined]
