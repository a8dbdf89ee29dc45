"""The live dashboard (``GET /``) for supervisors, its static files, the few figures the views API
lacks, and the live stream it listens to.

The page is public HTML and JavaScript; every figure it shows comes from endpoints that need a
bearer token (the views API, and here acts by agency and kind, and the years with acts). The
page keeps the token in ``sessionStorage`` (typed into its login field, or passed once as
``?token=`` and at once removed from the address bar) and sends it as an ``Authorization``
header. The live stream (``GET /api/v1/live``) is opened with a short-lived ticket instead, as
``EventSource`` sends no headers (see ``gateway.live``).

Static files are served from ``gateway/static`` by name only (an allow-list made at start), with
a strict Content-Security-Policy: the page loads nothing from elsewhere and works offline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from psycopg.rows import tuple_row
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse

from domain.actors import Role
from gateway.api import ApiRoute
from gateway.http import ledger_of, require_role
from gateway.live import TicketError, hub_of, stream
from gateway.problems import ProblemError
from gateway.views_api import YearQuery, parse_query, read_views, slice_of, today
from projections import queries
from projections.supervision_counters import ENFORCEMENT

READERS = frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.AGENCY_OFFICER})
STATIC = Path(__file__).with_name("static")
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # Keeps a ?token= or ?ticket= out of any Referer header.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def static_files() -> dict[str, Path]:
    """Every servable file by its name (names are unique across ``static`` and its folders)."""
    files: dict[str, Path] = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in MEDIA_TYPES:
            if path.name in files:
                raise RuntimeError(f"two static files named {path.name}")
            files[path.name] = path
    return files


FILES = static_files()


def page(name: str) -> Response:
    return FileResponse(FILES[name], media_type=MEDIA_TYPES[".html"], headers=SECURITY_HEADERS)


async def get_dashboard(request: Request) -> Response:
    return page("dashboard.html")


async def get_static(request: Request) -> Response:
    name = request.path_params["name"]
    path = FILES.get(name)
    if path is None:
        raise ProblemError(404, "not-found", "Not found", f"no static file {name[:100]!r}")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


# Acts by agency and kind ---------------------------------------------------------------------


class AgencyActs(BaseModel):
    agency_id: UUID
    code: str
    name: str
    acts: dict[str, int] = Field(description="The year's acts by kind (each credited once).")
    enforcement: int = Field(description="Of those, the five enforcement kinds together.")


class AgenciesView(BaseModel):
    """Acts of the year by agency and kind, every agency registered by its end included."""

    year: int
    agency_id: UUID | None
    agencies: list[AgencyActs]


def acts_by_agency(conn: queries.Connection, year: int, agency_id: UUID | None) -> list[AgencyActs]:
    first, last = queries.year_period(year)
    acts = queries.acts_by_agency(conn, first, last, agency_id)
    result = []
    # The agencies of that year (registered by its last day).
    for found, code, name in queries.agency_list(conn, last):
        if agency_id not in (None, found):
            continue
        mine = dict(sorted(acts.get(found, {}).items()))
        enforcement = sum(n for kind, n in mine.items() if kind in ENFORCEMENT)
        result.append(
            AgencyActs(agency_id=found, code=code, name=name, acts=mine, enforcement=enforcement)
        )
    return sorted(result, key=lambda a: (-a.enforcement, a.code))


async def get_agencies(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = parse_query(request, YearQuery)
    agency_id = slice_of(actor, query.agency_id)
    agencies = await read_views(request, lambda c: acts_by_agency(c, query.year, agency_id))
    view = AgenciesView(year=query.year, agency_id=agency_id, agencies=agencies)
    return JSONResponse(view.model_dump(mode="json"))


class YearsView(BaseModel):
    """The years with enforcement acts, and the current one (the dashboard's choice of years)."""

    years: list[int]
    current: int
    latest_with_acts: int | None


async def get_years(request: Request) -> Response:
    require_role(request, READERS)

    def read(conn: queries.Connection) -> list[int]:
        rows = (
            conn.cursor(row_factory=tuple_row)
            .execute(
                "SELECT DISTINCT extract(year FROM day)::int FROM views.acts_daily "
                "WHERE kind = ANY(%s) ORDER BY 1",
                (list(ENFORCEMENT),),
            )
            .fetchall()
        )
        return [int(r[0]) for r in rows]

    with_acts = await read_views(request, read)
    current = today().year
    view = YearsView(
        years=sorted({*with_acts, current}),
        current=current,
        latest_with_acts=with_acts[-1] if with_acts else None,
    )
    return JSONResponse(view.model_dump(mode="json"))


# The live stream -------------------------------------------------------------------------------


class Ticket(BaseModel):
    """A short-lived ticket opening the live stream: ``GET {url}``."""

    ticket: str
    expires_at: datetime
    url: str


async def post_ticket(request: Request) -> Response:
    actor = require_role(request, READERS)
    hub = hub_of(request.app.state, ledger_of(request))
    ticket, expires = hub.signer.issue(actor)
    answer = Ticket(
        ticket=ticket,
        expires_at=datetime.fromtimestamp(expires, UTC),
        url=f"/api/v1/live?ticket={ticket}",
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=201)


class LiveQuery(BaseModel):
    ticket: str = Field(description="From POST /api/v1/live/tickets (valid one minute).")


async def get_live(request: Request) -> Response:
    ticket = request.query_params.get("ticket")
    if not ticket:
        raise ProblemError(
            401,
            "unauthenticated",
            "Unauthenticated",
            "open the stream with ?ticket= from POST /api/v1/live/tickets",
        )
    hub = hub_of(request.app.state, ledger_of(request))
    try:
        actor = hub.signer.check(ticket)
    except TicketError as error:
        raise ProblemError(401, "unauthenticated", "Unauthenticated", str(error)) from None
    if actor.role not in READERS:
        raise ProblemError(403, "forbidden", "Forbidden", "the live feed is for supervisors")
    return StreamingResponse(
        stream(hub, actor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            "GET",
            "/",
            get_dashboard,
            "get_dashboard",
            "The live supervision dashboard (HTML; its data needs a token)",
            "dashboard",
            None,
            response_media_type="text/html",
        ),
        ApiRoute(
            "GET",
            "/static/{name}",
            get_static,
            "get_static",
            "A static file of the dashboard or the disclosure page",
            "dashboard",
            None,
            response_media_type="application/octet-stream",
        ),
        ApiRoute(
            "GET",
            "/api/v1/dashboard/agencies",
            get_agencies,
            "get_dashboard_agencies",
            "Acts of a year by agency and kind",
            "dashboard",
            READERS,
            query_model=YearQuery,
            response_model=AgenciesView,
            description="Agency officers read their own agency's row only.",
        ),
        ApiRoute(
            "GET",
            "/api/v1/dashboard/years",
            get_years,
            "get_dashboard_years",
            "Years with enforcement acts",
            "dashboard",
            READERS,
            response_model=YearsView,
        ),
        ApiRoute(
            "POST",
            "/api/v1/live/tickets",
            post_ticket,
            "post_live_ticket",
            "A one-minute ticket to open the live stream",
            "dashboard",
            READERS,
            response_model=Ticket,
            response_status=201,
            description="EventSource cannot send an Authorization header: open "
            "GET /api/v1/live?ticket=<ticket> within a minute instead.",
        ),
        ApiRoute(
            "GET",
            "/api/v1/live",
            get_live,
            "get_live",
            "Server-sent events: new events in the log and view updates",
            "dashboard",
            None,
            query_model=LiveQuery,
            response_media_type="text/event-stream",
            description="Authenticated by the ticket (401 without a valid one). Events: hello, "
            "log (new events: position, topic, time), views (the views moved: refetch), "
            "resync; a comment every 15 s keeps the connection open.",
            extra_statuses=(401, 403),
        ),
    ]
