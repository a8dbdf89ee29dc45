"""Demo records of the inspection area (see gateway/demo.py).

The joint inspection of the chemicals trader (MSA and ECO tasks merged, see demo_planning) is
carried out under its e-inspection certificate, with its recordings' hashes on file, and ends
with a problem corrected on the spot (现场规范). An attempt to inspect without an e-inspection
certificate is refused, and that refusal is on file too.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.errors import RuleViolation
from domain.inspection import commands as insp
from domain.inspection.inspection import Inspection
from domain.inspection.values import Evidence, EvidenceKind, Outcome
from domain.planning.plan import InspectionPlan
from domain.values import DISTRICT_ZONE
from gateway.demo_planning import JOINT_CERTIFICATE, entity, officers

STARTED = datetime(2023, 4, 10, 9, 30, tzinfo=DISTRICT_ZONE)


def _recording(name: str, kind: EvidenceKind, description: str) -> Evidence:
    # Stand-in digests: the demo has no files, only what the ledger would keep of them.
    return Evidence(
        sha256=hashlib.sha256(name.encode()).hexdigest(), kind=kind, description=description
    )


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records (once: a second run finds the inspection and stops)."""
    inspection_id = Inspection.create_id(JOINT_CERTIFICATE)
    if inspection_id in ledger.repository:
        return
    plan_id = InspectionPlan.create_id("DEMO-2023-MSA-ZX-01")
    ledger.execute(
        insp.StartInspection(
            plan_id=plan_id,
            task_no=2,
            entity_id=entity(3),
            officer_ids=[*officers("MSA", 1), *officers("ECO", 1)],
            e_certificate_number=JOINT_CERTIFICATE,
            started_at=STARTED,
        ),
        SYSTEM,
    )
    ledger.execute(
        insp.RecordInspectionEvidence(
            inspection_id=inspection_id,
            items=[
                _recording("demo-1.mp4", EvidenceKind.VIDEO, "执法记录仪全程录像"),
                _recording("demo-2.jpg", EvidenceKind.PHOTO, "危险化学品仓库现场照片"),
            ],
            recorded_at=datetime(2023, 4, 10, 11, 0, tzinfo=DISTRICT_ZONE),
        ),
        SYSTEM,
    )
    ledger.execute(
        insp.ConcludeInspection(
            inspection_id=inspection_id,
            outcome=Outcome.CORRECTED_ON_SITE,
            findings="危险化学品安全标签缺失，现场责令张贴并完成整改，不予处罚",
            concluded_at=datetime(2023, 4, 10, 11, 30, tzinfo=DISTRICT_ZONE),
        ),
        SYSTEM,
    )
    try:
        ledger.execute(
            insp.StartInspection(
                plan_id=plan_id,
                task_no=1,
                entity_id=entity(2),
                officer_ids=officers("MSA", 2, 3),
                e_certificate_number=None,
                started_at=datetime(2023, 5, 8, 14, 0, tzinfo=DISTRICT_ZONE),
            ),
            SYSTEM,
            idempotency_key="demo-refused-without-e-certificate",
        )
    except RuleViolation as refused:
        # The point of this record: refused for want of an e-inspection certificate, on file.
        if refused.rule != "e-certificate-shown":
            raise
