"""Public disclosure (行政执法公示), read from the events alone.

What the law says must be published, and only that:

- **double-random inspections** (双随机一公开): each draw of a random plan — the plan, the
  agency, when and how it was drawn (method, seed, how many candidates), and for every entity
  drawn its name, credit code and result (the inspection's outcome, an honesty exemption, a
  cancelled task). An entity drawn is disclosed once its result is known: publishing the list
  before the officers knock would warn the very entities the draw is meant to surprise; until
  then the draw says how many results are pending.
- **penalty decisions** (行政处罚决定): the decision's number, agency and date, the violation,
  its legal basis and the penalties. An organisation is named with its credit code; an
  individual only by a masked name (张某) — no id number, no phone, no address, and the free
  text of the decision is cleared of the individual's name, id number and phone, and of
  anything shaped like an id card or a mobile number.

Each item is published by one event (``InspectionPlan.DoubleRandomDrawn``, ``PenaltyCase.Decided``)
and listed newest first by that event's log position, which is also the paging cursor. The
rest of an item is read from the same log by aggregate id (the plan's later events, the
inspections' conclusions, the entities' and agencies' registrations, the case's opening) —
never from the views, so the disclosure is exactly what the ledger recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from psycopg import sql
from psycopg.rows import tuple_row
from pydantic import BaseModel, Field

from domain.application import SupervisionLedger
from infra.eventstore import LedgerRecorder
from projections.values import day_of

DRAWN = "InspectionPlan.DoubleRandomDrawn"
DECIDED = "PenaltyCase.Decided"
KINDS: Mapping[str, tuple[str, ...]] = {
    "all": (DRAWN, DECIDED),
    "draw": (DRAWN,),
    "penalty": (DECIDED,),
}
MAX_LIMIT = 100

Row = tuple[int, UUID, int, str, bytes, datetime]
Result = Literal["inspected", "exempted", "cancelled"]


# What is published ------------------------------------------------------------------------------


class DrawnResult(BaseModel):
    """An entity drawn, once its result is known."""

    entity_name: str
    uscc: str = Field(description="Unified social credit code (统一社会信用代码).")
    officers: int = Field(description="How many officers were drawn to inspect it.")
    result: Result
    outcome: str | None = Field(
        description="The inspection's outcome: compliant, problems_found, corrected_on_site or "
        "refused_by_entity (null unless inspected)."
    )
    on: date | None = Field(description="When the result was reached.")


class DrawDisclosure(BaseModel):
    """A double-random draw (双随机抽查) and the results of the inspections it led to."""

    type: Literal["double_random_draw"] = "double_random_draw"
    id: str
    position: int = Field(description="The draw's position in the ledger's log (the cursor).")
    published_at: datetime
    updated_at: datetime = Field(description="When its last result was recorded.")
    agency: str
    agency_code: str
    plan_no: str
    plan_title: str
    plan_kind: str
    year: int
    draw_no: int
    drawn_at: datetime
    method: str
    seed: int
    candidate_entities: int
    candidate_officers: int
    entities_to_draw: int
    officers_per_entity: int
    results: list[DrawnResult]
    pending: int = Field(description="Entities drawn whose result is not known yet.")


class ConfiscatedGoods(BaseModel):
    description: str
    quantity: str
    unit: str
    value_fen: int


class Measure(BaseModel):
    kind: str
    detail: str


class PublishedPenalties(BaseModel):
    warning: bool
    fine_fen: int
    confiscated_gains_fen: int
    confiscated_goods: list[ConfiscatedGoods]
    measures: list[Measure]


class PenaltyDisclosure(BaseModel):
    """A penalty decision (行政处罚决定), an individual's personal data removed."""

    type: Literal["penalty_decision"] = "penalty_decision"
    id: str
    position: int = Field(description="The decision's position in the ledger's log (the cursor).")
    published_at: datetime
    updated_at: datetime
    agency: str
    agency_code: str
    case_no: str
    procedure: str
    decided_on: date
    party_kind: Literal["organisation", "individual"]
    party: str = Field(description="An organisation's name, or an individual's masked name.")
    uscc: str | None = Field(description="An organisation's credit code (never an individual's).")
    violation: str
    legal_basis: str
    penalties: PublishedPenalties


Disclosure = DrawDisclosure | PenaltyDisclosure


class DisclosurePage(BaseModel):
    """Published items, newest first; pass ``next_before`` as ``before`` for the next page."""

    items: list[DrawDisclosure | PenaltyDisclosure]
    next_before: int | None


# Personal data ------------------------------------------------------------------------------------

# Identity card numbers (15 or 18 characters), mobile numbers (11 digits, +86 or not), and any
# other long run of digits: a decision's free text has no use for them, and an individual's
# number glued to another one would slip past a pattern for each.
LONG_NUMBER = re.compile(r"\d{11,}[Xx]?")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]\d{4}[ -]\d{4}(?!\d)")
CJK = re.compile(r"[\u3400-\u9fff]")


def masked_name(name: str | None) -> str:
    """张三 -> 张某; Li Wei -> L.; unknown or erased -> 某."""
    text = (name or "").strip()
    if not text:
        return "某"
    first = text[0]
    if CJK.match(first):
        return first + "某"
    if first.isalpha():
        return first.upper() + "."
    return "某"  # an erased person reads as a marker, not a name


def scrub(text: str, person: Mapping[str, Any] | None) -> str:
    """``text`` without the person's name, id number and phone, nor anything shaped like an id
    card or a mobile number."""
    if person:
        name = str(person.get("name") or "").strip()
        if len(name) >= 2:
            text = text.replace(name, masked_name(name))
        for field in ("id_number", "phone"):
            value = str(person.get(field) or "").strip()
            if len(value) >= 5:
                text = text.replace(value, "***")
    text = MOBILE.sub("***", text)
    return LONG_NUMBER.sub("***", text)


# Reading the log --------------------------------------------------------------------------------


class DisclosureReader:
    """Reads disclosure items from the ledger's event store."""

    def __init__(self, ledger: SupervisionLedger) -> None:
        recorder = ledger.recorder
        if not isinstance(recorder, LedgerRecorder):
            raise TypeError("the ledger's event store is not the ledger recorder")
        self.ledger = ledger
        self.datastore = recorder.datastore
        events = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
        columns = sql.SQL(
            "notification_id, originator_id, originator_version, topic, state, recorded_at"
        )
        self._published = sql.SQL(
            "SELECT {c} FROM {e} WHERE topic = ANY(%s) AND notification_id < %s "
            "ORDER BY notification_id DESC LIMIT %s"
        ).format(c=columns, e=events)
        self._histories = sql.SQL(
            "SELECT {c} FROM {e} WHERE originator_id = ANY(%s) "
            "ORDER BY originator_id, originator_version"
        ).format(c=columns, e=events)
        self._firsts = sql.SQL(
            "SELECT {c} FROM {e} WHERE originator_id = ANY(%s) AND originator_version = 1"
        ).format(c=columns, e=events)
        self._concluded = sql.SQL(
            "SELECT {c} FROM {e} WHERE originator_id = ANY(%s) AND topic = 'Inspection.Concluded'"
        ).format(c=columns, e=events)

    def _rows(self, query: sql.Composed, params: Sequence[Any]) -> list[Row]:
        with self.datastore.get_connection() as conn:
            cur = conn.cursor(row_factory=tuple_row)
            rows = cur.execute(query, params).fetchall()
        return [(int(p), a, int(v), str(t), bytes(s), r) for p, a, v, t, s, r in rows]

    def page(self, kind: str = "all", before: int | None = None, limit: int = 20) -> DisclosurePage:
        limit = max(1, min(limit, MAX_LIMIT))
        published = self._rows(
            self._published, (list(KINDS[kind]), before if before is not None else 2**62, limit)
        )
        items = self.assemble(published)
        full = len(published) == limit
        return DisclosurePage(items=items, next_before=published[-1][0] if full else None)

    def assemble(self, published: Sequence[Row]) -> list[Disclosure]:
        draws = [r for r in published if r[3] == DRAWN]
        decisions = [r for r in published if r[3] == DECIDED]
        plans = self._group(self._rows(self._histories, ([r[1] for r in draws],))) if draws else {}
        inspections: dict[UUID, Row] = {}
        case_opened: dict[UUID, Row] = {}
        wanted: set[UUID] = set()
        for history in plans.values():
            ids = [
                UUID(_payload(r)["inspection_id"])
                for r in history
                if r[3] == "InspectionPlan.TaskInspected"
            ]
            if ids:
                inspections.update({r[1]: r for r in self._rows(self._concluded, (ids,))})
            for row in history:
                payload = _payload(row)
                if "agency_id" in payload:
                    wanted.add(UUID(payload["agency_id"]))
                for drawn in payload.get("drawn", []):
                    wanted.add(UUID(drawn["entity_id"]))
        if decisions:
            case_opened = {r[1]: r for r in self._rows(self._firsts, ([r[1] for r in decisions],))}
            for row in [*decisions, *case_opened.values()]:
                payload = _payload(row)
                wanted.add(UUID(payload["agency_id"]))
                if payload.get("entity_id"):
                    wanted.add(UUID(payload["entity_id"]))
        registered = {r[1]: _payload(r) for r in self._rows(self._firsts, (list(wanted),))}
        items: list[Disclosure] = []
        for row in published:
            if row[3] == DRAWN:
                items.append(_draw(row, plans.get(row[1], []), inspections, registered))
            elif row[1] in case_opened:
                opened = case_opened[row[1]]
                items.append(_decision(row, opened, self._person(opened), registered))
        return items

    def _person(self, opened: Row) -> dict[str, Any] | None:
        """The individual named by a case's opening, unsealed through the ledger's mapper."""
        _, originator_id, version, topic, state, _ = opened
        try:
            event = self.ledger.mapper.to_domain_event(
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
            )
        except (RuntimeError, ValueError):
            return None  # sealed and unreadable here: publish no name at all
        person = getattr(event, "person", None)
        if person is None:
            return None
        dumped: dict[str, Any] = person.model_dump()
        return dumped

    @staticmethod
    def _group(rows: Iterable[Row]) -> dict[UUID, list[Row]]:
        grouped: dict[UUID, list[Row]] = {}
        for row in rows:
            grouped.setdefault(row[1], []).append(row)
        return grouped


def _payload(row: Row) -> dict[str, Any]:
    found: dict[str, Any] = orjson.loads(row[4])
    return found


def _day(value: str) -> date:
    return day_of(value)


def _agency(registered: Mapping[UUID, Mapping[str, Any]], agency_id: str) -> tuple[str, str]:
    found = registered.get(UUID(agency_id), {})
    return str(found.get("name", "")), str(found.get("code", ""))


def _draw(
    row: Row,
    history: Sequence[Row],
    inspections: Mapping[UUID, Row],
    registered: Mapping[UUID, Mapping[str, Any]],
) -> DrawDisclosure:
    p = _payload(row)
    plan = _payload(history[0]) if history else {}
    task_of: dict[str, int] = {}
    status: dict[int, tuple[Result, str | None, date, datetime]] = {}
    updated = row[5]
    for event in history:
        e = _payload(event)
        topic = event[3]
        if topic == "InspectionPlan.TasksAdded":
            task_of.update({t["entity_id"]: int(t["task_no"]) for t in e["tasks"]})
        elif topic == "InspectionPlan.TaskInspected":
            concluded = inspections.get(UUID(e["inspection_id"]))
            outcome = _payload(concluded)["outcome"] if concluded else None
            day = _day(_payload(concluded)["concluded_at"] if concluded else e["inspected_at"])
            status[e["task_no"]] = ("inspected", outcome, day, max(event[5], *_at(concluded)))
        elif topic == "InspectionPlan.HonestyExemptionGranted":
            status[e["task_no"]] = ("exempted", None, _day(e["granted_at"]), event[5])
        elif topic == "InspectionPlan.TaskCancelled":
            status[e["task_no"]] = ("cancelled", None, _day(e["cancelled_at"]), event[5])
    results: list[DrawnResult] = []
    pending = 0
    for drawn in p["drawn"]:
        settled = status.get(task_of.get(drawn["entity_id"], -1))
        if settled is None:
            pending += 1
            continue
        result, outcome, on, at = settled
        updated = max(updated, at)
        entity = registered.get(UUID(drawn["entity_id"]), {})
        results.append(
            DrawnResult(
                entity_name=str(entity.get("name", "")),
                uscc=str(entity.get("uscc", "")),
                officers=len(drawn["officer_ids"]),
                result=result,
                outcome=outcome,
                on=on,
            )
        )
    agency, code = _agency(registered, p["agency_id"])
    return DrawDisclosure(
        id=f"draw-{p['plan_no']}-{p['draw_no']}",
        position=row[0],
        published_at=row[5],
        updated_at=updated,
        agency=agency,
        agency_code=code,
        plan_no=p["plan_no"],
        plan_title=str(plan.get("title", "")),
        plan_kind=p["kind"],
        year=int(plan.get("year", 0)),
        draw_no=p["draw_no"],
        drawn_at=datetime.fromisoformat(p["drawn_at"]),
        method=p["method"],
        seed=p["seed"],
        candidate_entities=len(p["candidate_entity_ids"]),
        candidate_officers=len(p["candidate_officer_ids"]),
        entities_to_draw=p["entities_to_draw"],
        officers_per_entity=p["officers_per_entity"],
        results=results,
        pending=pending,
    )


def _at(row: Row | None) -> list[datetime]:
    return [row[5]] if row is not None else []


def _decision(
    row: Row,
    opened: Row,
    person: Mapping[str, Any] | None,
    registered: Mapping[UUID, Mapping[str, Any]],
) -> PenaltyDisclosure:
    d = _payload(row)
    o = _payload(opened)
    individual = o["party_kind"] != "organisation"
    if individual:
        party, uscc = masked_name(person.get("name") if person else None), None
    else:
        entity = registered.get(UUID(o["entity_id"]), {}) if o.get("entity_id") else {}
        party, uscc = str(entity.get("name", "")), entity.get("uscc")
    p = d["penalties"]
    penalties = PublishedPenalties(
        warning=bool(p.get("warning", False)),
        fine_fen=int(p.get("fine_fen", 0)),
        confiscated_gains_fen=int(p.get("confiscated_gains_fen", 0)),
        confiscated_goods=[
            ConfiscatedGoods(
                description=scrub(str(g["description"]), person),
                quantity=str(g["quantity"]),
                unit=str(g["unit"]),
                value_fen=int(g["value_fen"]),
            )
            for g in p.get("confiscated_goods", [])
        ],
        measures=[
            Measure(kind=str(m["kind"]), detail=scrub(str(m.get("detail", "")), person))
            for m in p.get("measures", [])
        ],
    )
    agency, code = _agency(registered, d["agency_id"])
    return PenaltyDisclosure(
        id=f"penalty-{row[1]}",
        position=row[0],
        published_at=row[5],
        updated_at=row[5],
        agency=agency,
        agency_code=code,
        case_no=o["case_no"],
        procedure=d["procedure"],
        decided_on=_day(d["decided_on"]),
        party_kind="individual" if individual else "organisation",
        party=party,
        uscc=None if uscc is None else str(uscc),
        violation=scrub(str(o["violation"]), person),
        legal_basis=scrub(str(o["legal_basis"]), person),
        penalties=penalties,
    )
