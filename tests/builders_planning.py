"""Givens of the planning and inspection areas: listed items, plans with tasks, e-inspection
certificates and started inspections — each through the real commands, so every rule applies.

Dates are in 2023 (the report's year) unless a test needs "now": the public verification
says whether a certificate is valid *now*, so ``current_window`` builds one around the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.inspection import commands as insp
from domain.planning import commands as plan
from domain.planning.values import PlanKind
from domain.registry import commands as reg
from domain.values import DISTRICT_ZONE, EnforcementDomain, local_date

YEAR = 2023
PERIOD = (date(2023, 3, 1), date(2023, 6, 30))
DRAWN_UP = datetime(2023, 1, 10, 9, 0, tzinfo=DISTRICT_ZONE)
ISSUED = datetime(2023, 3, 9, 17, 0, tzinfo=DISTRICT_ZONE)
WINDOW = (
    datetime(2023, 3, 10, 8, 30, tzinfo=DISTRICT_ZONE),
    datetime(2023, 3, 10, 18, 0, tzinfo=DISTRICT_ZONE),
)
DURING = datetime(2023, 3, 10, 10, 0, tzinfo=DISTRICT_ZONE)


def given_item(ledger: SupervisionLedger, code: str = "MKT-001") -> str:
    ledger.execute(
        reg.ListInspectionItem(
            code=code,
            name=f"item {code}",
            domain=EnforcementDomain.MARKET,
            legal_basis="《产品质量法》第十五条",
        ),
        SYSTEM,
    )
    return code


def given_plan(
    ledger: SupervisionLedger,
    agency_id: UUID,
    plan_no: str = "P-1",
    kind: PlanKind = PlanKind.SPECIAL,
    *,
    partners: Sequence[UUID] = (),
    year: int = YEAR,
    item: str = "MKT-001",
) -> UUID:
    return ledger.execute(
        plan.DrawUpInspectionPlan(
            plan_no=plan_no,
            kind=kind,
            agency_id=agency_id,
            partner_agency_ids=list(partners),
            year=year,
            title=f"plan {plan_no}",
            item_codes=[item],
            drawn_up_at=DRAWN_UP if year == YEAR else datetime.now(UTC) - timedelta(hours=3),
        ),
        SYSTEM,
    ).id


def given_tasks(
    ledger: SupervisionLedger,
    plan_id: UUID,
    *entity_ids: UUID,
    period: tuple[date, date] = PERIOD,
    at: datetime = DRAWN_UP,
) -> None:
    ledger.execute(
        plan.AddPlanTasks(
            plan_id=plan_id,
            tasks=[
                plan.TaskSpec(entity_id=e, period_from=period[0], period_to=period[1])
                for e in entity_ids
            ],
            added_at=at,
        ),
        SYSTEM,
    )


def given_e_certificate(
    ledger: SupervisionLedger,
    plan_id: UUID,
    officer_ids: Sequence[UUID],
    number: str = "EC-1",
    *,
    task_no: int = 1,
    window: tuple[datetime, datetime] = WINDOW,
    issued_at: datetime = ISSUED,
) -> UUID:
    return ledger.execute(
        plan.IssueECertificate(
            number=number,
            plan_id=plan_id,
            task_no=task_no,
            officer_ids=list(officer_ids),
            valid_from=window[0],
            valid_until=window[1],
            issued_at=issued_at,
        ),
        SYSTEM,
    ).id


def given_inspection(
    ledger: SupervisionLedger,
    plan_id: UUID,
    entity_id: UUID,
    officer_ids: Sequence[UUID],
    number: str = "EC-1",
    *,
    task_no: int = 1,
    at: datetime = DURING,
) -> UUID:
    return ledger.execute(
        insp.StartInspection(
            plan_id=plan_id,
            task_no=task_no,
            entity_id=entity_id,
            officer_ids=list(officer_ids),
            e_certificate_number=number,
            started_at=at,
        ),
        SYSTEM,
    ).id


def current_window() -> tuple[tuple[date, date], tuple[datetime, datetime], datetime]:
    """A task period (this year), a certificate window around now, and a time of issue."""
    now = datetime.now(UTC)
    year = local_date(now).year
    year_start = datetime(year, 1, 1, tzinfo=DISTRICT_ZONE)
    valid_from = max(now - timedelta(hours=1), year_start)
    valid_until = min(now + timedelta(hours=1), datetime(year + 1, 1, 1, tzinfo=DISTRICT_ZONE))
    return (date(year, 1, 1), date(year, 12, 31)), (valid_from, valid_until), valid_from
