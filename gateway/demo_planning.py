"""Demo records of the planning area (see gateway/demo.py).

2023 plans of every kind: an MSA special plan and an ECO routine plan whose tasks on the same
chemicals trader merge into one joint inspection; an MSA double-random plan and an MSA+URB
joint random task, each drawing two of three entities (seeds on file), so at least one A-rated
entity is exempted (诚信免查); and an e-inspection certificate for the joint inspection.
One plan of the current year carries a certificate valid from the moment of loading, so the
public verification shows a valid one:
``GET /api/v1/public/e-certificates/DEMO-EC-NOW``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.planning import commands as plan
from domain.planning.plan import InspectionPlan
from domain.planning.values import PlanKind
from domain.registry.agency import Agency
from domain.registry.entity import Entity
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE, local_date
from gateway.demo_run import create

DRAWN_UP = datetime(2023, 1, 9, 9, 0, tzinfo=DISTRICT_ZONE)
JOINT_CERTIFICATE = "DEMO-EC-2023-0001"
NOW_CERTIFICATE = "DEMO-EC-NOW"


def entity(seq: int) -> UUID:
    from gateway.demo import demo_uscc  # here, not above: gateway.demo imports this module

    return Entity.create_id(demo_uscc(seq))


def officers(code: str, *numbers: int) -> list[UUID]:
    return [Officer.create_id(f"{code}-{n:03d}") for n in numbers]


def _plan(ledger: SupervisionLedger, plan_no: str, kind: PlanKind, *agencies: str) -> UUID | None:
    """Draw up a demo plan; ``None`` when it exists already (then its tasks do too)."""
    created = create(
        ledger,
        plan.DrawUpInspectionPlan(
            plan_no=plan_no,
            kind=kind,
            agency_id=Agency.create_id(agencies[0]),
            partner_agency_ids=[Agency.create_id(a) for a in agencies[1:]],
            year=2023,
            title={
                PlanKind.SPECIAL: "2023年产品质量专项检查",
                PlanKind.ROUTINE: "2023年危险废物日常检查",
                PlanKind.DOUBLE_RANDOM: "2023年第一批双随机抽查",
                PlanKind.JOINT_RANDOM: "2023年市场与城管联合随机抽查",
            }[kind],
            item_codes=["MKT-001"],
            drawn_up_at=DRAWN_UP,
        ),
    )
    return InspectionPlan.create_id(plan_no) if created is not None else None


def _tasks(ledger: SupervisionLedger, plan_id: UUID, *seqs: int) -> None:
    ledger.execute(
        plan.AddPlanTasks(
            plan_id=plan_id,
            tasks=[
                plan.TaskSpec(
                    entity_id=entity(s), period_from=date(2023, 4, 1), period_to=date(2023, 6, 30)
                )
                for s in seqs
            ],
            added_at=DRAWN_UP,
        ),
        SYSTEM,
    )


def _draw(ledger: SupervisionLedger, plan_id: UUID, pool: list[UUID], seed: int) -> None:
    # The chemicals trader (3) is left out of the draws: its joint inspection is certified below.
    ledger.execute(
        plan.DrawDoubleRandomSeeded(
            plan_id=plan_id,
            candidate_entity_ids=[entity(s) for s in (1, 2, 4)],
            candidate_officer_ids=pool,
            entities_to_draw=2,
            officers_per_entity=2,
            seed=seed,
            period_from=date(2023, 5, 1),
            period_to=date(2023, 9, 30),
            drawn_at=datetime(2023, 4, 20, 10, 0, tzinfo=DISTRICT_ZONE),
        ),
        SYSTEM,
    )


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records."""
    special = _plan(ledger, "DEMO-2023-MSA-ZX-01", PlanKind.SPECIAL, "MSA")
    if special is not None:
        _tasks(ledger, special, 2, 3)
    routine = _plan(ledger, "DEMO-2023-ECO-RC-01", PlanKind.ROUTINE, "ECO")
    if routine is not None:
        _tasks(ledger, routine, 3)  # the chemicals trader again: merged into a joint inspection
    drawn = _plan(ledger, "DEMO-2023-MSA-SJ-01", PlanKind.DOUBLE_RANDOM, "MSA")
    if drawn is not None:
        _draw(ledger, drawn, officers("MSA", 1, 2, 3), seed=20230420)
    joint = _plan(ledger, "DEMO-2023-LH-01", PlanKind.JOINT_RANDOM, "MSA", "URB")
    if joint is not None:
        _draw(ledger, joint, officers("MSA", 1, 2) + officers("URB", 1, 2), seed=20230421)
    create(
        ledger,
        plan.IssueECertificate(
            number=JOINT_CERTIFICATE,
            plan_id=InspectionPlan.create_id("DEMO-2023-MSA-ZX-01"),
            task_no=2,
            officer_ids=[*officers("MSA", 1), *officers("ECO", 1)],
            valid_from=datetime(2023, 4, 10, 8, 30, tzinfo=DISTRICT_ZONE),
            valid_until=datetime(2023, 4, 10, 18, 0, tzinfo=DISTRICT_ZONE),
            issued_at=datetime(2023, 4, 9, 16, 0, tzinfo=DISTRICT_ZONE),
        ),
    )
    _load_current(ledger)


def _load_current(ledger: SupervisionLedger) -> None:
    """A plan of this year with a certificate valid for the next week (within the year)."""
    now = datetime.now(UTC)
    year = local_date(now).year
    plan_no = f"DEMO-{year}-URB-RC-01"
    created = create(
        ledger,
        plan.DrawUpInspectionPlan(
            plan_no=plan_no,
            kind=PlanKind.ROUTINE,
            agency_id=Agency.create_id("URB"),
            year=year,
            title=f"{year}年市容环境日常检查",
            item_codes=["MKT-001"],
            drawn_up_at=now - timedelta(minutes=2),
        ),
    )
    plan_id = InspectionPlan.create_id(plan_no)
    if created is not None:
        ledger.execute(
            plan.AddPlanTasks(
                plan_id=plan_id,
                tasks=[
                    plan.TaskSpec(
                        entity_id=entity(2),
                        period_from=date(year, 1, 1),
                        period_to=date(year, 12, 31),
                    )
                ],
                added_at=now - timedelta(minutes=1),
            ),
            SYSTEM,
        )
    year_end = datetime(year + 1, 1, 1, tzinfo=DISTRICT_ZONE)
    create(
        ledger,
        plan.IssueECertificate(
            number=NOW_CERTIFICATE,
            plan_id=plan_id,
            task_no=1,
            officer_ids=officers("URB", 1, 2),
            valid_from=now - timedelta(minutes=1),
            valid_until=min(now + timedelta(days=7), year_end),
            issued_at=now - timedelta(minutes=1),
        ),
    )
