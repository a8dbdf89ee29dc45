"""Reading the views: the figures of the report and of a dashboard, as plain functions of a
PostgreSQL connection.

Time-dependent facts ("overdue on a day", "certified on 31 December") are answered here, by
comparing the dates the projections stored with the day asked about — never stored as flags.
Periods are the district's calendar days, ``first`` to ``last`` inclusive. Functions taking
``agency_id`` return that agency's slice when it is given (an agency officer's view).

Open a ``snapshot`` to read several figures from one consistent state of the views (each
projection batch commits in one transaction, so a snapshot never sees half a batch).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

from projections.supervision_counters import ENFORCEMENT

Connection = psycopg.Connection[Any]
Row = tuple[Any, ...]


# Plumbing ----------------------------------------------------------------------------------


@contextmanager
def snapshot(conn: Connection) -> Iterator[Connection]:
    """One read-only, repeatable-read transaction: every query inside sees the same state."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield conn


def _rows(conn: Connection, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
    cur = conn.cursor(row_factory=tuple_row)
    return cur.execute(query, params or {}).fetchall()


def _one(conn: Connection, query: str, params: Mapping[str, Any] | None = None) -> Row:
    rows = _rows(conn, query, params)
    return rows[0]


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def month_period(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def rounded(value: Decimal) -> float:
    """Half up to one decimal, as the report writes 18.5 and 100.0."""
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def ratio(part: int, whole: int, scale: int = 1) -> float:
    """``part * scale / whole`` rounded to one decimal; 0.0 when ``whole`` is 0."""
    if whole == 0:
        return 0.0
    return rounded(Decimal(part * scale) / Decimal(whole))


# Officers and agencies ---------------------------------------------------------------------


def agencies(conn: Connection, day: date | None = None) -> int:
    """Agencies registered by ``day`` (every registered agency without one)."""
    return int(
        _one(
            conn,
            # NULL registered_on: registered before the ledger kept the day.
            "SELECT count(*) FROM views.agencies WHERE %(day)s::date IS NULL"
            " OR registered_on IS NULL OR registered_on <= %(day)s",
            {"day": day},
        )[0]
    )


def agency_list(conn: Connection, day: date | None = None) -> list[tuple[UUID, str, str]]:
    """Agencies registered by ``day`` (every registered agency without one), by code."""
    return [
        (r[0], r[1], r[2])
        for r in _rows(
            conn,
            "SELECT agency_id, code, name FROM views.agencies "
            "WHERE %(day)s::date IS NULL OR registered_on IS NULL OR registered_on <= %(day)s"
            " ORDER BY code",
            {"day": day},
        )
    ]


def certified_officers(
    conn: Connection, day: date, agency_id: UUID | None = None
) -> tuple[int, int]:
    """Officers holding a certificate active on ``day``, and how many of them were frontline
    that day (the flag's latest change in effect by then: later changes do not reach back)."""
    row = _one(
        conn,
        "SELECT count(*), count(*) FILTER (WHERE f.frontline) FROM "
        "(SELECT DISTINCT officer_id, agency_id FROM views.certificates"
        "  WHERE issued_on <= %(day)s AND (revoked_on IS NULL OR revoked_on > %(day)s)) c "
        "LEFT JOIN LATERAL (SELECT h.frontline FROM views.frontline_history h"
        "  WHERE h.officer_id = c.officer_id"
        "  AND (h.effective_on IS NULL OR h.effective_on <= %(day)s)"
        "  ORDER BY h.effective_on DESC NULLS LAST, h.version DESC LIMIT 1) f ON true "
        "WHERE %(agency_id)s::uuid IS NULL OR c.agency_id = %(agency_id)s",
        {"day": day, "agency_id": agency_id},
    )
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class CertificateChanges:
    issued: int
    revoked: int
    revoked_by_reason: dict[str, int]


def certificate_changes(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> CertificateChanges:
    """Certificates issued and revoked between ``first`` and ``last`` (by the dates on them)."""
    params = {"first": first, "last": last, "agency_id": agency_id}
    issued = _one(
        conn,
        "SELECT count(*) FROM views.certificates "
        "WHERE issued_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        params,
    )[0]
    reasons = _rows(
        conn,
        "SELECT reason, count(*) FROM views.certificates "
        "WHERE revoked_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY reason",
        params,
    )
    by_reason = {str(reason): int(n) for reason, n in reasons}
    return CertificateChanges(int(issued), sum(by_reason.values()), by_reason)


# Acts and the supervision indicators -------------------------------------------------------


def acts_by_kind(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    """Acts between ``first`` and ``last`` by kind (each credited once, to the acting agency)."""
    rows = _rows(
        conn,
        "SELECT kind, sum(n) FROM views.acts_daily WHERE day BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY kind",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return {str(kind): int(n) for kind, n in rows}


def acts_by_agency(
    conn: Connection,
    first: date | None = None,
    last: date | None = None,
    agency_id: UUID | None = None,
) -> dict[UUID, dict[str, int]]:
    """Acts between ``first`` and ``last`` (without them: ever) by acting agency and kind."""
    rows = _rows(
        conn,
        "SELECT agency_id, kind, sum(n) FROM views.acts_daily "
        "WHERE (%(first)s::date IS NULL OR day >= %(first)s)"
        " AND (%(last)s::date IS NULL OR day <= %(last)s)"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s) GROUP BY 1, 2",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    found: dict[UUID, dict[str, int]] = {}
    for agency, kind, n in rows:
        found.setdefault(agency, {})[str(kind)] = int(n)
    return found


def acts_per_day(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> list[tuple[date, str, int]]:
    rows = _rows(
        conn,
        "SELECT day, kind, sum(n) FROM views.acts_daily WHERE day BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY day, kind ORDER BY day, kind",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return [(r[0], str(r[1]), int(r[2])) for r in rows]


@dataclass(frozen=True)
class Indicators:
    """The supervision indicators of a period (and of an agency, or the whole district).

    Officers count when certified on the period's last day; their acts count over the whole
    months the period touches (acts per officer are kept per month).
    """

    first: date
    last: date
    acts: int
    certified_officers: int
    participating_officers: int
    agencies: int
    performing_agencies: int

    @property
    def per_capita_actions(self) -> float:
        return ratio(self.acts, self.certified_officers)

    @property
    def participation_rate(self) -> float:
        return ratio(self.participating_officers, self.certified_officers, 100)

    @property
    def performance_rate(self) -> float:
        return ratio(self.performing_agencies, self.agencies, 100)


def _months(first: date, last: date) -> dict[str, date]:
    return {"first_month": first.replace(day=1), "last_month": last.replace(day=1)}


def indicators(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> Indicators:
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "day": last,
        "agency_id": agency_id,
        "kinds": list(ENFORCEMENT),
        **_months(first, last),
    }
    acts = _one(
        conn,
        "SELECT coalesce(sum(n), 0) FROM views.acts_daily "
        "WHERE day BETWEEN %(first)s AND %(last)s AND kind = ANY(%(kinds)s)"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        params,
    )[0]
    officers = _one(
        conn,
        "SELECT count(*), count(a.officer_id) FROM "
        "(SELECT DISTINCT officer_id, agency_id FROM views.certificates"
        "  WHERE issued_on <= %(day)s AND (revoked_on IS NULL OR revoked_on > %(day)s)) c "
        "LEFT JOIN ("
        "  SELECT DISTINCT officer_id FROM views.officer_acts_monthly"
        "  WHERE month BETWEEN %(first_month)s AND %(last_month)s"
        ") a USING (officer_id) WHERE true"
        " AND (%(agency_id)s::uuid IS NULL OR c.agency_id = %(agency_id)s)",
        params,
    )
    agencies_row = _one(
        conn,
        "SELECT count(*), count(*) FILTER (WHERE EXISTS ("
        "  SELECT 1 FROM views.agency_acts_monthly m WHERE m.agency_id = g.agency_id"
        "  AND m.month BETWEEN %(first_month)s AND %(last_month)s"
        ")) FROM views.agencies g WHERE (g.registered_on IS NULL OR g.registered_on <= %(day)s)"
        " AND (%(agency_id)s::uuid IS NULL OR g.agency_id = %(agency_id)s)",
        params,
    )
    return Indicators(
        first=first,
        last=last,
        acts=int(acts),
        certified_officers=int(officers[0]),
        participating_officers=int(officers[1]),
        agencies=int(agencies_row[0]),
        performing_agencies=int(agencies_row[1]),
    )


def indicators_by_month(
    conn: Connection, year: int, agency_id: UUID | None = None
) -> list[Indicators]:
    return [indicators(conn, *month_period(year, m), agency_id) for m in range(1, 13)]


def indicators_by_agency(conn: Connection, first: date, last: date) -> dict[UUID, Indicators]:
    """The indicators of every registered agency, in one pass per table."""
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "day": last,
        "kinds": list(ENFORCEMENT),
        **_months(first, last),
    }
    acts: dict[UUID, int] = dict(
        _rows(
            conn,
            "SELECT agency_id, sum(n) FROM views.acts_daily "
            "WHERE day BETWEEN %(first)s AND %(last)s AND kind = ANY(%(kinds)s) GROUP BY 1",
            params,
        )
    )
    officers = {
        r[0]: (int(r[1]), int(r[2]))
        for r in _rows(
            conn,
            "SELECT c.agency_id, count(*), count(a.officer_id) FROM "
            "(SELECT DISTINCT officer_id, agency_id FROM views.certificates"
            "  WHERE issued_on <= %(day)s AND (revoked_on IS NULL OR revoked_on > %(day)s)) c "
            "LEFT JOIN (SELECT DISTINCT officer_id FROM views.officer_acts_monthly"
            "  WHERE month BETWEEN %(first_month)s AND %(last_month)s) a USING (officer_id) "
            "GROUP BY 1",
            params,
        )
    }
    performing = {
        r[0]
        for r in _rows(
            conn,
            "SELECT DISTINCT agency_id FROM views.agency_acts_monthly "
            "WHERE month BETWEEN %(first_month)s AND %(last_month)s",
            params,
        )
    }
    result: dict[UUID, Indicators] = {}
    for agency_id, _, _ in agency_list(conn, last):
        certified, participating = officers.get(agency_id, (0, 0))
        result[agency_id] = Indicators(
            first=first,
            last=last,
            acts=int(acts.get(agency_id, 0)),
            certified_officers=certified,
            participating_officers=participating,
            agencies=1,
            performing_agencies=int(agency_id in performing),
        )
    return result


# Plans, matching, inspections, patrols -----------------------------------------------------


@dataclass(frozen=True)
class PlanFigures:
    kind: str
    plans: int
    completed: int
    tasks: int
    tasks_inspected: int
    tasks_exempted: int
    tasks_merged: int
    tasks_cancelled: int

    @property
    def tasks_settled(self) -> int:
        return self.tasks_inspected + self.tasks_exempted + self.tasks_cancelled


def plans_by_kind(
    conn: Connection, year: int, agency_id: UUID | None = None
) -> dict[str, PlanFigures]:
    """The year's plans by kind (a joint plan is its lead agency's, and its partners' too)."""
    rows = _rows(
        conn,
        "SELECT kind, count(*), count(completed_on), sum(tasks), sum(tasks_inspected), "
        "sum(tasks_exempted), sum(tasks_merged), sum(tasks_cancelled) "
        "FROM views.plans WHERE year = %(year)s"
        " AND (%(agency_id)s::uuid IS NULL OR %(agency_id)s = ANY(agency_ids))"
        " GROUP BY kind",
        {"year": year, "agency_id": agency_id},
    )
    return {str(r[0]): PlanFigures(str(r[0]), *(int(v) for v in r[1:])) for r in rows}


def matching(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    columns = (
        "tasks_scheduled",
        "joint_inspections_merged",
        "tasks_joined",
        "inspections_avoided",
        "honesty_exemptions",
        "visits_cancelled",
    )
    row = _one(
        conn,
        "SELECT coalesce(sum(tasks_scheduled), 0), coalesce(sum(joint_inspections_merged), 0), "
        "coalesce(sum(tasks_joined), 0), coalesce(sum(inspections_avoided), 0), "
        "coalesce(sum(honesty_exemptions), 0), coalesce(sum(visits_cancelled), 0) "
        "FROM views.matching_daily WHERE day BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return {c: int(v) for c, v in zip(columns, row, strict=True)}


def inspection_outcomes(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    """Inspections concluded in the period by outcome, joint ones, and refused attempts."""
    params = {"first": first, "last": last, "agency_id": agency_id}
    rows = _rows(
        conn,
        "SELECT outcome, count(*) FROM views.inspections "
        "WHERE concluded_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR %(agency_id)s = ANY(agency_ids))"
        " GROUP BY outcome",
        params,
    )
    result = {str(outcome): int(n) for outcome, n in rows}
    result["joint"] = int(
        _one(
            conn,
            "SELECT count(*) FROM views.inspections WHERE joint "
            "AND concluded_on BETWEEN %(first)s AND %(last)s "
            "AND outcome <> 'refused_by_entity'"
            " AND (%(agency_id)s::uuid IS NULL OR %(agency_id)s = ANY(agency_ids))",
            params,
        )[0]
    )
    result["refused_for_missing_certificates"] = int(
        _one(
            conn,
            "SELECT coalesce(sum(n), 0) FROM views.inspection_refusals_daily "
            "WHERE day BETWEEN %(first)s AND %(last)s"
            " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
            params,
        )[0]
    )
    return result


@dataclass(frozen=True)
class Coverage:
    cells_defined: int
    cells_patrolled: int
    patrols: int

    @property
    def percent(self) -> float:
        return ratio(self.cells_patrolled, self.cells_defined, 100)


def patrol_coverage(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> Coverage:
    """Distinct defined grid cells patrolled in the period over the cells defined."""
    params = {"first": first, "last": last, "agency_id": agency_id}
    defined = _one(conn, "SELECT count(*) FROM views.grid_cells")[0]
    patrolled = _one(
        conn,
        "SELECT count(DISTINCT p.grid_cell_code) FROM views.patrols_daily p "
        "JOIN views.grid_cells g ON g.code = p.grid_cell_code "
        "WHERE day BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        params,
    )[0]
    patrols = _one(
        conn,
        "SELECT coalesce(sum(n), 0) FROM views.patrols_daily "
        "WHERE day BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        params,
    )[0]
    return Coverage(int(defined), int(patrolled), int(patrols))


# Cases and reviews -------------------------------------------------------------------------


def penalties_by_procedure(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    rows = _rows(
        conn,
        "SELECT procedure, count(*) FROM views.penalty_cases WHERE outcome = 'penalty' "
        "AND decided_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY procedure",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return {str(p): int(n) for p, n in rows}


def cases_by_stage(
    conn: Connection,
    agency_id: UUID | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict[tuple[str, str], int]:
    """Cases by (procedure, stage) as they stand now: every case, or those opened between
    ``first`` and ``last``."""
    rows = _rows(
        conn,
        "SELECT procedure, stage, count(*) FROM views.penalty_cases WHERE true"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " AND (%(first)s::date IS NULL OR opened_on >= %(first)s)"
        " AND (%(last)s::date IS NULL OR opened_on <= %(last)s)"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        {"agency_id": agency_id, "first": first, "last": last},
    )
    return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}


@dataclass(frozen=True)
class OpenCase:
    case_id: UUID
    case_no: str
    agency_id: UUID
    opened_on: date
    decision_due_on: date | None
    stage: str
    extensions: int
    legal_review_requested_on: date | None


_OPEN_CASES = (
    "SELECT case_id, case_no, agency_id, opened_on, decision_due_on, stage, extensions, "
    "legal_review_requested_on FROM views.penalty_cases "
)
"""The columns of an ``OpenCase``, in its order."""

# The definitions of "overdue" and "awaiting legal review", each written once: the lists of the
# views API and the counts of the metrics and the dashboard are read through them.
OVERDUE_CASE = (
    "procedure = 'ordinary' AND (decided_on IS NULL OR decided_on > %(day)s) "
    "AND opened_on <= %(day)s AND decision_due_on < %(day)s"
)
"""An ordinary case not ended by ``day`` whose decision deadline had passed on ``day``."""
AWAITING_LEGAL_REVIEW = "legal_review = 'requested' AND decided_on IS NULL"
"""A case sent to legal review, not yet reviewed nor ended."""
OVERDUE_TICKET = (
    "(closed_on IS NULL OR closed_on > %(day)s) AND received_on <= %(day)s AND deadline < %(day)s"
)
"""A ticket received by ``day``, not closed by then, whose deadline had passed on ``day``."""


def overdue_cases(
    conn: Connection, day: date, agency_id: UUID | None = None, limit: int = 500
) -> list[OpenCase]:
    """Ordinary cases not decided (nor otherwise ended) by ``day`` whose deadline — 90 days
    from filing or the extension's — had passed on ``day``. A case decided after ``day`` was
    still open then: a past day's list keeps it."""
    rows = _rows(
        conn,
        _OPEN_CASES + "WHERE " + OVERDUE_CASE + " AND (%(agency_id)s::uuid IS NULL OR "
        "agency_id = %(agency_id)s) ORDER BY decision_due_on, case_no LIMIT %(limit)s",
        {"day": day, "agency_id": agency_id, "limit": limit},
    )
    return [OpenCase(*r) for r in rows]


def overdue_case_counts(conn: Connection, day: date) -> dict[UUID, int]:
    """``overdue_cases`` on ``day`` counted per agency (agencies with none left out)."""
    rows = _rows(
        conn,
        "SELECT agency_id, count(*) FROM views.penalty_cases "  # noqa: S608 - constants
        "WHERE " + OVERDUE_CASE + " GROUP BY 1",
        {"day": day},
    )
    return {r[0]: int(r[1]) for r in rows}


def awaiting_legal_review(
    conn: Connection, agency_id: UUID | None = None, limit: int = 500
) -> list[OpenCase]:
    """Cases sent to legal review (法制审核) and not yet reviewed, nor ended."""
    rows = _rows(
        conn,
        _OPEN_CASES + "WHERE " + AWAITING_LEGAL_REVIEW + " AND (%(agency_id)s::uuid IS NULL"
        " OR agency_id = %(agency_id)s) ORDER BY legal_review_requested_on, case_no"
        " LIMIT %(limit)s",
        {"agency_id": agency_id, "limit": limit},
    )
    return [OpenCase(*r) for r in rows]


def awaiting_legal_review_count(conn: Connection, agency_id: UUID | None = None) -> int:
    """How many ``awaiting_legal_review`` lists (without its limit)."""
    return int(
        _one(
            conn,
            "SELECT count(*) FROM views.penalty_cases WHERE " + AWAITING_LEGAL_REVIEW + " AND"  # noqa: S608 - constants
            " (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
            {"agency_id": agency_id},
        )[0]
    )


def reviews_by_grade(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    """Case files first scored in the period, by their grade now."""
    rows = _rows(
        conn,
        "SELECT grade, count(*) FROM views.case_reviews "
        "WHERE reviewed_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY grade",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return {str(g): int(n) for g, n in rows}


# Oversight ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenTicket:
    ticket_id: UUID
    ticket_no: str
    status: str
    category: str
    agency_id: UUID | None
    received_on: date
    deadline: date


def overdue_tickets(
    conn: Connection, day: date, agency_id: UUID | None = None, limit: int = 500
) -> list[OpenTicket]:
    """Tickets received by ``day``, not closed by then, whose deadline had passed on ``day``
    (a ticket closed after ``day`` was still open then). ``status`` is the ticket's now."""
    rows = _rows(
        conn,
        "SELECT ticket_id, ticket_no, status, category, agency_id, received_on, deadline "
        "FROM views.hotline_tickets WHERE " + OVERDUE_TICKET + " AND (%(agency_id)s::uuid IS "
        "NULL OR agency_id = %(agency_id)s) ORDER BY deadline, ticket_no LIMIT %(limit)s",
        {"day": day, "agency_id": agency_id, "limit": limit},
    )
    return [OpenTicket(*r) for r in rows]


def overdue_ticket_count(conn: Connection, day: date, agency_id: UUID | None = None) -> int:
    """How many ``overdue_tickets`` lists on ``day`` (without its limit)."""
    return int(
        _one(
            conn,
            "SELECT count(*) FROM views.hotline_tickets WHERE " + OVERDUE_TICKET + " AND"  # noqa: S608 - constants
            " (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
            {"day": day, "agency_id": agency_id},
        )[0]
    )


def open_tickets_by_status(conn: Connection) -> dict[str, int]:
    """Tickets not closed, by their status now."""
    rows = _rows(
        conn,
        "SELECT status, count(*) FROM views.hotline_tickets WHERE closed_on IS NULL GROUP BY 1",
    )
    return {str(r[0]): int(r[1]) for r in rows}


def tickets(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    """Tickets screened in the period, routed, closed, and closed late."""
    row = _one(
        conn,
        "SELECT count(*) FILTER (WHERE screened_on BETWEEN %(first)s AND %(last)s), "
        "count(*) FILTER (WHERE screened_on BETWEEN %(first)s AND %(last)s "
        "  AND screening = 'relevant'), "
        "count(*) FILTER (WHERE closed_on BETWEEN %(first)s AND %(last)s), "
        "count(*) FILTER (WHERE closed_on BETWEEN %(first)s AND %(last)s AND late) "
        "FROM views.hotline_tickets WHERE true"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return dict(zip(("screened", "relevant", "closed", "closed_late"), map(int, row), strict=True))


def meetings_by_kind(conn: Connection, first: date, last: date) -> dict[str, int]:
    rows = _rows(
        conn,
        "SELECT kind, count(*) FROM views.coordination_meetings "
        "WHERE held_on BETWEEN %(first)s AND %(last)s GROUP BY kind",
        {"first": first, "last": last},
    )
    return {str(k): int(n) for k, n in rows}


def equipment_issued(conn: Connection, first: date, last: date) -> int:
    return int(
        _one(
            conn,
            "SELECT coalesce(sum(issued), 0) FROM views.equipment_daily "
            "WHERE day BETWEEN %(first)s AND %(last)s",
            {"first": first, "last": last},
        )[0]
    )


def exemption_lists_in_force(conn: Connection, day: date) -> tuple[int, int]:
    """Domains with a penalty-exemption list in force on ``day``, and their items."""
    row = _one(
        conn,
        "SELECT count(DISTINCT domain), coalesce(sum(items), 0) FROM views.exemption_lists "
        "WHERE in_force_from <= %(day)s AND (in_force_until IS NULL OR in_force_until > %(day)s)",
        {"day": day},
    )
    return int(row[0]), int(row[1])


# Collaboration ------------------------------------------------------------------------------

ACTION_COUNTERS: Sequence[str] = (
    "sites_checked",
    "problems_found",
    "problems_rectified",
    "rectified_on_the_spot",
    "meetings",
)


def joint_actions(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    """Joint actions started in the period, and what they did (over their whole course)."""
    row = _one(
        conn,
        "SELECT count(*), coalesce(sum(sites_checked), 0), coalesce(sum(problems_found), 0), "
        "coalesce(sum(problems_rectified), 0), coalesce(sum(rectified_on_the_spot), 0), "
        "coalesce(sum(meetings), 0) "
        "FROM views.joint_actions WHERE starts_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return dict(zip(("actions", *ACTION_COUNTERS), map(int, row), strict=True))


def cross_regional_cases(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, int]:
    """Cross-regional cases decided in the period, with their goods value and fines (fen)."""
    row = _one(
        conn,
        "SELECT count(*), coalesce(sum(goods_value_fen), 0), coalesce(sum(fine_fen), 0), "
        "count(*) FILTER (WHERE goods_confiscated) FROM views.cross_regional_cases "
        "WHERE decided_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
        {"first": first, "last": last, "agency_id": agency_id},
    )
    return dict(
        zip(
            ("cases", "goods_value_fen", "fine_fen", "goods_confiscated"),
            map(int, row),
            strict=True,
        )
    )


@dataclass(frozen=True)
class SeizedGoods:
    description: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class CrossRegionalCaseFigures:
    """One cross-regional case decided in the period: the report names each one."""

    case_no: str
    regions: tuple[str, ...]
    opened_on: date
    decided_on: date
    goods: tuple[SeizedGoods, ...]
    goods_value_fen: int
    goods_confiscated: bool
    fine_fen: int


def cross_regional_case_list(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> list[CrossRegionalCaseFigures]:
    """Each cross-regional case decided in the period, with its seized goods (lot by lot), in
    the order decided."""
    params = {"first": first, "last": last, "agency_id": agency_id}
    lots: dict[UUID, list[SeizedGoods]] = {}
    for case_id, description, quantity, unit in _rows(
        conn,
        "SELECT l.case_id, l.description, l.quantity, l.unit "
        "FROM views.cross_regional_lots l JOIN views.cross_regional_cases c USING (case_id) "
        "WHERE c.decided_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR c.agency_id = %(agency_id)s)"
        " ORDER BY l.case_id, l.lot_no",
        params,
    ):
        lots.setdefault(case_id, []).append(SeizedGoods(description, Decimal(quantity), unit))
    return [
        CrossRegionalCaseFigures(
            case_no=case_no,
            regions=tuple(regions),
            opened_on=opened_on,
            decided_on=decided_on,
            goods=tuple(lots.get(case_id, ())),
            goods_value_fen=int(value),
            goods_confiscated=bool(confiscated),
            fine_fen=int(fine),
        )
        for case_id, case_no, regions, opened_on, decided_on, value, confiscated, fine in _rows(
            conn,
            "SELECT case_id, case_no, regions, opened_on, decided_on, goods_value_fen, "
            "goods_confiscated, fine_fen FROM views.cross_regional_cases "
            "WHERE decided_on BETWEEN %(first)s AND %(last)s"
            " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
            " ORDER BY decided_on, case_no",
            params,
        )
    ]


def collaboration_by_region(
    conn: Connection, first: date, last: date, agency_id: UUID | None = None
) -> dict[str, dict[str, int]]:
    """Per partner region: joint actions started in the period with it (and their joint
    meetings), the sites checked in it and the problems found and rectified at those sites,
    cases transferred to or from it, and cross-regional cases opened with it.

    A site and its problems lie in one region and count for that region alone (a site in the
    district itself counts for none), so sites and problems add up across regions to at most
    the district's figures. An action, a joint meeting or a case names all its partners and
    counts for each of them: those do not add up to the district's totals."""
    params = {"first": first, "last": last, "agency_id": agency_id}
    result: dict[str, dict[str, int]] = {}

    def slot(region: str) -> dict[str, int]:
        return result.setdefault(
            region,
            {
                "actions": 0,
                **dict.fromkeys(ACTION_COUNTERS, 0),
                "transfers_referred": 0,
                "transfers_received": 0,
                "cross_regional_cases": 0,
            },
        )

    for region, actions, meetings in _rows(
        conn,
        "SELECT r.region, count(*), sum(a.meetings) "
        "FROM views.joint_actions a, unnest(a.regions) AS r(region) "
        "WHERE a.starts_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR a.agency_id = %(agency_id)s) GROUP BY 1",
        params,
    ):
        slot(region).update(actions=int(actions), meetings=int(meetings))
    for region, sites in _rows(
        conn,
        "SELECT s.region, count(*) FROM views.joint_actions a "
        "JOIN views.joint_action_sites s USING (action_id) "
        "WHERE s.region IS NOT NULL AND a.starts_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR a.agency_id = %(agency_id)s) GROUP BY 1",
        params,
    ):
        slot(region)["sites_checked"] = int(sites)
    for region, found, rectified, on_the_spot in _rows(
        conn,
        "SELECT s.region, count(*), count(p.rectified_on), count(*) FILTER (WHERE p.on_the_spot) "
        "FROM views.joint_actions a JOIN views.joint_action_problems p USING (action_id) "
        "JOIN views.joint_action_sites s USING (action_id, site_no) "
        "WHERE s.region IS NOT NULL AND a.starts_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR a.agency_id = %(agency_id)s) GROUP BY 1",
        params,
    ):
        slot(region).update(
            problems_found=int(found),
            problems_rectified=int(rectified),
            rectified_on_the_spot=int(on_the_spot),
        )
    for region, direction, n in _rows(
        conn,
        "SELECT region, direction, count(*) FROM views.case_transfers "
        "WHERE transferred_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY 1, 2",
        params,
    ):
        slot(region)[f"transfers_{direction}"] = int(n)
    for region, n in _rows(
        conn,
        "SELECT r.region, count(*) FROM views.cross_regional_cases, unnest(regions) AS r(region) "
        "WHERE opened_on BETWEEN %(first)s AND %(last)s"
        " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)"
        " GROUP BY 1",
        params,
    ):
        slot(region)["cross_regional_cases"] = int(n)
    return dict(sorted(result.items()))


def case_transfers(conn: Connection, first: date, last: date, agency_id: UUID | None = None) -> int:
    return int(
        _one(
            conn,
            "SELECT count(*) FROM views.case_transfers "
            "WHERE transferred_on BETWEEN %(first)s AND %(last)s"
            " AND (%(agency_id)s::uuid IS NULL OR agency_id = %(agency_id)s)",
            {"first": first, "last": last, "agency_id": agency_id},
        )[0]
    )
