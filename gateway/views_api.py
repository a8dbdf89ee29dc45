"""Read endpoints over the views — what a supervision dashboard shows.

``GET /api/v1/views/...``: the supervision indicators per year, month or agency; acts per day
by kind; overdue cases and tickets (and decisions awaiting legal review); collaboration per
partner region; plans and their tasks by kind; certificates issued and revoked (by reason);
penalty cases by procedure and stage; case-file reviews by grade; inspections by outcome. The
office and auditors read everything; an agency officer reads its own agency's slice only
(asking for another agency is a 403).

The views are read from the same PostgreSQL as the event store, through the ledger's pool;
they are as current as the projections (the embedded follower of ``ledger serve``, or the
Kafka projection runners).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Literal, TypeVar
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.actors import Actor, Role
from domain.values import local_date
from gateway.api import ApiRoute, Endpoint
from gateway.http import ledger_of, require_role
from gateway.problems import ProblemError
from infra.eventstore import LedgerRecorder
from projections import queries

API = "/api/v1/views"
READERS = frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.AGENCY_OFFICER})
MAX_DAYS = 400
T = TypeVar("T")
Q = TypeVar("Q", bound=BaseModel)


# Plumbing ------------------------------------------------------------------------------------


@contextmanager
def views_connection(request: Request) -> Iterator[queries.Connection]:
    """A connection of the ledger's pool; a 503 problem while the views do not exist yet."""
    recorder = ledger_of(request).recorder
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError("the ledger's event store is not the ledger recorder")
    with recorder.datastore.get_connection() as conn:
        try:
            yield conn
        except psycopg.errors.UndefinedTable:
            raise ProblemError(
                503,
                "views-not-ready",
                "Views not ready",
                "the projections have not run yet; start the ledger's projections",
                headers={"Retry-After": "5"},
            ) from None


async def read_views(request: Request, read: Callable[[queries.Connection], T]) -> T:
    def run() -> T:
        with views_connection(request) as conn:
            return read(conn)

    return await run_in_threadpool(run)


def parse_query(request: Request, model: type[Q]) -> Q:
    """The query string as ``model`` (a validation error is a 422 problem)."""
    return model.model_validate(dict(request.query_params))


def slice_of(actor: Actor, agency_id: UUID | None) -> UUID | None:
    """The agency whose slice ``actor`` reads: an agency officer's own, whatever was asked."""
    if actor.role is not Role.AGENCY_OFFICER:
        return agency_id
    if agency_id is not None and agency_id != actor.agency_id:
        raise ProblemError(
            403, "forbidden", "Forbidden", "an agency officer reads its own agency's views only"
        )
    return actor.agency_id


def today() -> date:
    return local_date(datetime.now(UTC))


def json_response(model: BaseModel) -> Response:
    return JSONResponse(model.model_dump(mode="json"))


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Query):
    first: date = Field(description="First day of the period (the district's calendar).")
    last: date = Field(description="Last day of the period, included.")
    agency_id: UUID | None = Field(default=None, description="Only this agency's acts.")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.last < self.first:
            raise ValueError("last is before first")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValueError(f"a period of at most {MAX_DAYS} days")
        return self


Year = Field(ge=2000, le=2100, description="The year (the district's calendar).")


# Indicators ----------------------------------------------------------------------------------


class IndicatorsQuery(Query):
    year: int = Year
    by: Literal["year", "month", "agency"] = Field(
        default="year", description="One row for the year, one per month, or one per agency."
    )
    agency_id: UUID | None = Field(default=None, description="Only this agency.")


class IndicatorRow(BaseModel):
    first: date
    last: date
    agency_id: UUID | None = Field(description="The agency, or null for the district.")
    acts: int = Field(
        description="Inspections, penalties, patrols, on-site and education "
        "corrections (each credited to its lead agency)."
    )
    certified_officers: int = Field(description="Holding a certificate on the period's last day.")
    participating_officers: int = Field(description="Of those, named on at least one act.")
    agencies: int
    performing_agencies: int = Field(description="Agencies leading or taking part in an act.")
    per_capita_actions: float
    participation_rate: float = Field(description="Percent, one decimal.")
    performance_rate: float = Field(description="Percent, one decimal.")


class IndicatorsView(BaseModel):
    """The supervision indicators (人均执法量, 人员参与率, 履职率)."""

    year: int
    by: str
    rows: list[IndicatorRow]


def _row(found: queries.Indicators, agency_id: UUID | None) -> IndicatorRow:
    return IndicatorRow(
        first=found.first,
        last=found.last,
        agency_id=agency_id,
        acts=found.acts,
        certified_officers=found.certified_officers,
        participating_officers=found.participating_officers,
        agencies=found.agencies,
        performing_agencies=found.performing_agencies,
        per_capita_actions=found.per_capita_actions,
        participation_rate=found.participation_rate,
        performance_rate=found.performance_rate,
    )


async def get_indicators(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = parse_query(request, IndicatorsQuery)
    agency_id = slice_of(actor, query.agency_id)
    first, last = queries.year_period(query.year)

    def read(conn: queries.Connection) -> list[IndicatorRow]:
        with queries.snapshot(conn):
            if query.by == "month":
                months = queries.indicators_by_month(conn, query.year, agency_id)
                return [_row(m, agency_id) for m in months]
            if query.by == "agency":
                every = queries.indicators_by_agency(conn, first, last)
                return [_row(found, a) for a, found in every.items() if agency_id in (None, a)]
            return [_row(queries.indicators(conn, first, last, agency_id), agency_id)]

    rows = await read_views(request, read)
    return json_response(IndicatorsView(year=query.year, by=query.by, rows=rows))


# Acts per day ---------------------------------------------------------------------------------


class DayActs(BaseModel):
    day: date
    kind: str
    n: int


class ActsView(BaseModel):
    """Acts per day by kind (``inspection``, ``penalty``, ``patrol`` …), credited once each."""

    first: date
    last: date
    agency_id: UUID | None
    totals: dict[str, int] = Field(description="The period's acts by kind.")
    days: list[DayActs]


async def get_acts(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = parse_query(request, Period)
    agency_id = slice_of(actor, query.agency_id)

    def read(conn: queries.Connection) -> ActsView:
        rows = queries.acts_per_day(conn, query.first, query.last, agency_id)
        totals: dict[str, int] = {}
        for _, kind, n in rows:
            totals[kind] = totals.get(kind, 0) + n
        return ActsView(
            first=query.first,
            last=query.last,
            agency_id=agency_id,
            totals=dict(sorted(totals.items())),
            days=[DayActs(day=d, kind=k, n=n) for d, k, n in rows],
        )

    return json_response(await read_views(request, read))


# Overdue ------------------------------------------------------------------------------------


class OverdueQuery(Query):
    on: date | None = Field(default=None, description="The day asked about (default today).")
    agency_id: UUID | None = Field(default=None, description="Only this agency's.")


class OverdueView(BaseModel):
    """What is late on a day: ordinary cases past their decision deadline (90 days from filing,
    or the extension's), 12345 tickets past theirs, and decisions awaiting legal review."""

    on: date
    agency_id: UUID | None
    # The queries' own dataclasses: pydantic validates, serialises and documents them as they are.
    overdue_cases: list[queries.OpenCase]
    awaiting_legal_review: list[queries.OpenCase]
    overdue_tickets: list[queries.OpenTicket]


async def get_overdue(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = parse_query(request, OverdueQuery)
    agency_id = slice_of(actor, query.agency_id)
    on = query.on or today()

    def read(conn: queries.Connection) -> OverdueView:
        with queries.snapshot(conn):
            return OverdueView(
                on=on,
                agency_id=agency_id,
                overdue_cases=queries.overdue_cases(conn, on, agency_id),
                awaiting_legal_review=queries.awaiting_legal_review(conn, agency_id),
                overdue_tickets=queries.overdue_tickets(conn, on, agency_id),
            )

    return json_response(await read_views(request, read))


# Collaboration --------------------------------------------------------------------------------


class YearQuery(Query):
    year: int = Year
    agency_id: UUID | None = Field(default=None, description="Only this agency's.")


class PartnerRow(BaseModel):
    region: str
    actions: int = Field(description="Joint actions started in the year with this region.")
    sites_checked: int = Field(description="Sites in this region checked by those actions.")
    problems_found: int
    problems_rectified: int
    rectified_on_the_spot: int
    meetings: int
    transfers_referred: int
    transfers_received: int
    cross_regional_cases: int = Field(description="Opened in the year with this region.")


class CollaborationView(BaseModel):
    """Beijing-Tianjin-Hebei collaboration per partner region. Sites checked, and the problems
    found and rectified at them, count for the region the site lies in; an action, a joint
    meeting or a case names all its partners and counts for each of them."""

    year: int
    agency_id: UUID | None
    regions: list[PartnerRow]


async def get_collaboration(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = parse_query(request, YearQuery)
    agency_id = slice_of(actor, query.agency_id)
    first, last = queries.year_period(query.year)

    def read(conn: queries.Connection) -> list[PartnerRow]:
        found = queries.collaboration_by_region(conn, first, last, agency_id)
        return [PartnerRow(region=region, **figures) for region, figures in found.items()]

    rows = await read_views(request, read)
    return json_response(CollaborationView(year=query.year, agency_id=agency_id, regions=rows))


# Plans --------------------------------------------------------------------------------------


class PlanRow(BaseModel):
    kind: str
    plans: int
    completed: int
    tasks: int
    tasks_inspected: int
    tasks_exempted: int
    tasks_merged: int
    tasks_cancelled: int
    tasks_settled: int = Field(description="Inspected, exempted or cancelled.")


class PlansView(BaseModel):
    """The year's inspection plans and their tasks by kind, and how far they got."""

    year: int
    agency_id: UUID | None
    kinds: list[PlanRow]


async def get_plans(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = parse_query(request, YearQuery)
    agency_id = slice_of(actor, query.agency_id)

    def read(conn: queries.Connection) -> list[PlanRow]:
        found = queries.plans_by_kind(conn, query.year, agency_id)
        return [
            PlanRow(tasks_settled=f.tasks_settled, **asdict(f)) for _, f in sorted(found.items())
        ]

    rows = await read_views(request, read)
    return json_response(PlansView(year=query.year, agency_id=agency_id, kinds=rows))


# Certificates, cases, reviews, inspections: a year or one of its months -----------------------


class YearOrMonthQuery(Query):
    year: int = Year
    month: int | None = Field(default=None, ge=1, le=12, description="Only this month.")
    agency_id: UUID | None = Field(default=None, description="Only this agency's.")

    def period(self) -> tuple[date, date]:
        if self.month is None:
            return queries.year_period(self.year)
        return queries.month_period(self.year, self.month)


class CertificatesView(BaseModel):
    """Enforcement certificates (执法证) issued and revoked in the period, revocations by
    reason, and the officers certified (and frontline) on its last day."""

    first: date
    last: date
    agency_id: UUID | None
    issued: int
    revoked: int
    revoked_by_reason: dict[str, int]
    certified_officers: int = Field(description="Holding a certificate on the last day.")
    frontline_officers: int = Field(description="Of those, frontline that day.")


def period_slice(request: Request) -> tuple[UUID | None, date, date]:
    """A reader's slice of a year-or-month view: the agency it may see (or asked for) and the
    period's first and last day."""
    actor = require_role(request, READERS)
    query = parse_query(request, YearOrMonthQuery)
    agency_id = slice_of(actor, query.agency_id)
    first, last = query.period()
    return agency_id, first, last


async def get_certificates(request: Request) -> Response:
    agency_id, first, last = period_slice(request)

    def read(conn: queries.Connection) -> CertificatesView:
        with queries.snapshot(conn):
            changes = queries.certificate_changes(conn, first, last, agency_id)
            certified, frontline = queries.certified_officers(conn, last, agency_id)
        return CertificatesView(
            first=first,
            last=last,
            agency_id=agency_id,
            issued=changes.issued,
            revoked=changes.revoked,
            revoked_by_reason=dict(sorted(changes.revoked_by_reason.items())),
            certified_officers=certified,
            frontline_officers=frontline,
        )

    return json_response(await read_views(request, read))


class StageRow(BaseModel):
    procedure: str
    stage: str
    cases: int


class CasesView(BaseModel):
    """Penalty cases opened in the period by procedure and the stage they stand at now, and
    the penalties decided in the period by procedure."""

    first: date
    last: date
    agency_id: UUID | None
    by_stage: list[StageRow]
    penalties_by_procedure: dict[str, int]


async def get_cases(request: Request) -> Response:
    agency_id, first, last = period_slice(request)

    def read(conn: queries.Connection) -> CasesView:
        with queries.snapshot(conn):
            stages = queries.cases_by_stage(conn, agency_id, first, last)
            penalties = queries.penalties_by_procedure(conn, first, last, agency_id)
        return CasesView(
            first=first,
            last=last,
            agency_id=agency_id,
            by_stage=[StageRow(procedure=p, stage=s, cases=n) for (p, s), n in stages.items()],
            penalties_by_procedure=dict(sorted(penalties.items())),
        )

    return json_response(await read_views(request, read))


class ReviewsView(BaseModel):
    """Case files first scored in the period (案卷评查), by their grade now."""

    first: date
    last: date
    agency_id: UUID | None
    reviewed: int
    by_grade: dict[str, int]


async def get_reviews(request: Request) -> Response:
    agency_id, first, last = period_slice(request)

    def read(conn: queries.Connection) -> ReviewsView:
        grades = queries.reviews_by_grade(conn, first, last, agency_id)
        return ReviewsView(
            first=first,
            last=last,
            agency_id=agency_id,
            reviewed=sum(grades.values()),
            by_grade=dict(sorted(grades.items())),
        )

    return json_response(await read_views(request, read))


class InspectionsView(BaseModel):
    """Inspections concluded in the period by outcome (``refused_by_entity`` among them),
    the joint ones, and attempts refused for missing certificates."""

    first: date
    last: date
    agency_id: UUID | None = Field(description="Inspections this agency led or joined.")
    by_outcome: dict[str, int]
    joint: int
    refused_for_missing_certificates: int


async def get_inspections(request: Request) -> Response:
    agency_id, first, last = period_slice(request)

    def read(conn: queries.Connection) -> InspectionsView:
        found = queries.inspection_outcomes(conn, first, last, agency_id)
        joint = found.pop("joint")
        refused = found.pop("refused_for_missing_certificates")
        return InspectionsView(
            first=first,
            last=last,
            agency_id=agency_id,
            by_outcome=dict(sorted(found.items())),
            joint=joint,
            refused_for_missing_certificates=refused,
        )

    return json_response(await read_views(request, read))


def routes() -> list[ApiRoute]:
    def route(
        path: str,
        endpoint: Endpoint,
        name: str,
        summary: str,
        query: type[BaseModel],
        response: type[BaseModel],
    ) -> ApiRoute:
        return ApiRoute(
            "GET",
            f"{API}/{path}",
            endpoint,
            name,
            summary,
            "views",
            READERS,
            query_model=query,
            response_model=response,
            description="Agency officers read their own agency's slice only.",
        )

    return [
        route(
            "indicators",
            get_indicators,
            "get_indicators",
            "Supervision indicators per year, month or agency",
            IndicatorsQuery,
            IndicatorsView,
        ),
        route("acts", get_acts, "get_acts", "Acts per day by kind", Period, ActsView),
        route(
            "overdue",
            get_overdue,
            "get_overdue",
            "Overdue cases and tickets, decisions awaiting legal review",
            OverdueQuery,
            OverdueView,
        ),
        route(
            "collaboration",
            get_collaboration,
            "get_collaboration",
            "Collaboration per partner region",
            YearQuery,
            CollaborationView,
        ),
        route("plans", get_plans, "get_plans", "Plans and tasks by kind", YearQuery, PlansView),
        route(
            "certificates",
            get_certificates,
            "get_certificate_views",
            "Certificates issued and revoked (by reason), officers certified",
            YearOrMonthQuery,
            CertificatesView,
        ),
        route(
            "cases",
            get_cases,
            "get_case_views",
            "Penalty cases by procedure and stage",
            YearOrMonthQuery,
            CasesView,
        ),
        route(
            "reviews",
            get_reviews,
            "get_review_views",
            "Case-file reviews by grade",
            YearOrMonthQuery,
            ReviewsView,
        ),
        route(
            "inspections",
            get_inspections,
            "get_inspection_views",
            "Inspections by outcome",
            YearOrMonthQuery,
            InspectionsView,
        ),
    ]
