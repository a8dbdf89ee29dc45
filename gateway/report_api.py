"""The annual report's basic situation (基本情况), computed from the views, for the supervision
office and auditors: ``GET /api/v1/report?year=2023`` as JSON under the report's keys, and
``GET /api/v1/report/markdown?year=2023`` as Markdown (Chinese and English, or one of them with
``lang=zh|en``).

Markdown has a path of its own rather than a ``format`` parameter because a route documents
one response media type, and every response the gateway sends is in the OpenAPI document.
The semantics of every figure are those of ``projections.report`` (its docstring).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.actors import Role
from gateway.api import ApiRoute
from gateway.http import require_role
from gateway.views_api import parse_query, read_views
from projections.report import LANGS, annual_report, render_markdowns

READERS = frozenset({Role.SUPERVISOR, Role.AUDITOR})
MARKDOWN = "text/markdown"


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=2000, le=2100, description="The report's year.")


class MarkdownQuery(ReportQuery):
    lang: Literal["zh", "en"] | None = Field(
        default=None, description="Only this language (default: Chinese, then English)."
    )


class SeizedGoods(BaseModel):
    description: str
    quantity: int | float = Field(description="As recorded, in ``unit``.")
    unit: str


class CrossRegionalCase(BaseModel):
    """One cross-regional case decided in the year, as the source report names it."""

    case_no: str
    regions: list[str] = Field(description="Partner regions the case was handled with.")
    opened_on: str
    decided_on: str
    goods: list[SeizedGoods] = Field(description="What was seized, lot by lot.")
    goods_value_fen: int = Field(description="涉案货值, fen.")
    goods_confiscated: bool
    fine_fen: int


class AnnualReport(BaseModel):
    """The report's figures for a year (see ``projections.report`` for what each counts)."""

    agencies: int = Field(description="Agencies registered (行政执法主体).")
    certified_officers: int = Field(description="Officers certified on 31 December.")
    frontline_officers: int = Field(description="Of those, frontline (一线执法).")
    certificates_issued: int
    certificates_revoked: int
    inspections: int = Field(description="Concluded, not refused; a joint one once.")
    penalties: int
    penalties_simple: int
    penalties_ordinary: int
    patrols: int
    on_site_corrections: int
    education_corrections: int
    per_capita_actions: float = Field(description="人均执法量, one decimal.")
    participation_rate: float = Field(description="人员参与率, percent, one decimal.")
    performance_rate: float = Field(description="履职率, percent, one decimal.")
    plans: int
    plans_double_random: int
    plans_special: int
    joint_random_tasks: int
    case_files_reviewed: int
    honesty_exemptions: int
    joint_inspections_merged: int
    inspections_avoided: int
    hotline_tickets: int = Field(description="12345 tickets screened in the year.")
    whistle_meetings: int
    difficult_case_meetings: int
    collaboration_actions: int
    collaboration_enterprises_checked: int
    collaboration_problems_found: int
    collaboration_problems_rectified: int
    collaboration_meetings: int
    equipment_issued: int = Field(description="Equipment sets issued in the year.")
    exemption_list_domains: int = Field(description="Domains with an exemption list in force.")
    exemption_list_items: int
    patrol_coverage: float = Field(description="Percent of grid cells patrolled in the year.")
    cross_regional_cases: int = Field(description="Cross-regional cases decided in the year.")
    cross_regional_goods_value_fen: int
    cross_regional_fines_fen: int
    case_transfers: int
    cross_regional_case_list: list[CrossRegionalCase] = Field(
        description="Each cross-regional case decided in the year."
    )


async def get_report(request: Request) -> Response:
    require_role(request, READERS)
    query = parse_query(request, ReportQuery)
    report = await read_views(request, lambda conn: annual_report(conn, query.year))
    return JSONResponse(AnnualReport.model_validate(report.as_json()).model_dump(mode="json"))


async def get_report_markdown(request: Request) -> Response:
    require_role(request, READERS)
    query = parse_query(request, MarkdownQuery)
    report = await read_views(request, lambda conn: annual_report(conn, query.year))
    langs = [one for one in LANGS if query.lang in (None, one)]
    return Response(
        render_markdowns(report.figures, query.year, langs, report.cases), media_type=MARKDOWN
    )


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            "GET",
            "/api/v1/report",
            get_report,
            "get_report",
            "The annual report's basic situation (基本情况)",
            "report",
            READERS,
            query_model=ReportQuery,
            response_model=AnnualReport,
            description="The same figures as Markdown: /api/v1/report/markdown.",
        ),
        ApiRoute(
            "GET",
            "/api/v1/report/markdown",
            get_report_markdown,
            "get_report_markdown",
            "The annual report's basic situation as Markdown, in Chinese and English",
            "report",
            READERS,
            query_model=MarkdownQuery,
            response_media_type=MARKDOWN,
        ),
    ]
