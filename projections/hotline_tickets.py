"""12345 hotline tickets (便民平台工单) as the supervision office follows them.

``hotline_tickets(ticket_id; …)``: one row per ticket, its own state — received, screened (as
an enforcement lead or not: the report counts tickets *screened* in the year), routed to an
agency with a deadline, handled, closed (on time or late), reopened. No personal data: the
complainant stays in the event store.

Overdue on a day: not closed and the deadline before that day (a query; the deadline is the
routing's when the ticket was routed with its own). Closed late: ``late`` from ``Closed``.
"""

from __future__ import annotations

from collections.abc import Iterable

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Put, Table
from projections.values import day_of, moment_of, uuid_of, uuid_or_none

HOTLINE_TICKETS = Table(
    "hotline_tickets",
    keys={"ticket_id": "uuid"},
    counters={"reopened": "bigint"},
    fields={
        "ticket_no": "text",
        "received_at": "timestamptz",
        "received_on": "date",
        "channel": "text",
        "category": "text",
        "status": "text",
        "screened_on": "date",
        "screening": "text",
        "agency_id": "uuid",
        "deadline": "date",
        "handled_on": "date",
        "finding": "text",
        "closed_on": "date",
        "late": "boolean",
        "satisfaction": "text",
    },
    indexes=["(screened_on)", "(deadline)", "(agency_id)"],
)


class HotlineTickets(Projection):
    NAME = "hotline_tickets"
    TABLES = (HOTLINE_TICKETS,)
    TOPICS = frozenset(
        {
            "HotlineTicket.Received",
            "HotlineTicket.Screened",
            "HotlineTicket.Routed",
            "HotlineTicket.Handled",
            "HotlineTicket.Closed",
            "HotlineTicket.Reopened",
        }
    )

    def apply(self, event: Envelope) -> Iterable[Change]:
        topic = event.topic
        p = event.payload
        row = (event.aggregate_id,)
        if topic == "HotlineTicket.Received":
            yield Put(
                HOTLINE_TICKETS,
                row,
                {
                    "ticket_no": p["ticket_no"],
                    "received_at": moment_of(p["received_at"]),
                    "received_on": day_of(p["received_at"]),
                    "channel": p["channel"],
                    "category": p["category"],
                    "status": "received",
                    "deadline": day_of(p["deadline"]),
                },
            )
        elif topic == "HotlineTicket.Screened":
            relevant = p["result"] == "relevant"
            yield Put(
                HOTLINE_TICKETS,
                row,
                {
                    "status": "screened" if relevant else "screened_out",
                    "screened_on": day_of(p["screened_at"]),
                    "screening": p["result"],
                },
            )
        elif topic == "HotlineTicket.Routed":
            yield Put(
                HOTLINE_TICKETS,
                row,
                {
                    "status": "routed",
                    "agency_id": uuid_of(p["agency_id"]),
                    "deadline": day_of(p["deadline"]),
                },
            )
        elif topic == "HotlineTicket.Handled":
            yield Put(
                HOTLINE_TICKETS,
                row,
                {
                    "status": "handled",
                    "handled_on": day_of(p["handled_at"]),
                    "finding": p["finding"],
                },
            )
        elif topic == "HotlineTicket.Closed":
            yield Put(
                HOTLINE_TICKETS,
                row,
                {
                    "status": "closed",
                    "closed_on": day_of(p["closed_at"]),
                    "late": bool(p["late"]),
                    "satisfaction": p["satisfaction"],
                    "agency_id": uuid_or_none(p["agency_id"]),
                },
            )
        elif topic == "HotlineTicket.Reopened":
            yield Put(
                HOTLINE_TICKETS,
                row,
                {"status": "reopened", "closed_on": None, "late": None, "satisfaction": None},
            )
            yield Add(HOTLINE_TICKETS, row, {"reopened": 1})
