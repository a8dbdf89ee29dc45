"""Public disclosure (行政执法公示) over HTTP, no token: a page, a JSON feed and an Atom feed.

- ``GET /disclosure``: the page (Chinese and English), reading the JSON feed;
- ``GET /api/v1/public/disclosures?kind=all|draw|penalty&before=&limit=``: items newest first,
  paged by log position (``next_before``);
- ``GET /api/v1/public/disclosures.atom?kind=&lang=zh|en``: the latest items as an Atom 1.0 feed
  (RFC 4287), for feed readers and other government sites to follow.

JSON and Atom rather than server-sent events: the public follows disclosures at its own pace
and with its own tools (a feed reader polls with a conditional GET), and a public endpoint
holding a connection open per reader would be a cheap way to exhaust the gateway. What is
published, and how an individual is kept out of it, is ``gateway.disclosure``.
"""

from __future__ import annotations

import uuid
from typing import Literal
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.cases.penalties import yuan
from gateway.api import ApiRoute
from gateway.dashboard_api import page
from gateway.disclosure import (
    MAX_LIMIT,
    Disclosure,
    DisclosurePage,
    DisclosureReader,
    DrawDisclosure,
)
from gateway.http import ledger_of
from gateway.views_api import parse_query

API = "/api/v1/public"
ATOM = "application/atom+xml; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


class DisclosureQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["all", "draw", "penalty"] = Field(
        default="all", description="Double-random draws, penalty decisions, or both."
    )
    before: int | None = Field(default=None, ge=1, description="Items before this position.")
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["all", "draw", "penalty"] = "all"
    lang: Literal["zh", "en"] = Field(default="zh", description="The feed's language.")


async def get_disclosure_page(request: Request) -> Response:
    return page("disclosure.html")


async def get_disclosures(request: Request) -> Response:
    query = parse_query(request, DisclosureQuery)
    reader = DisclosureReader(ledger_of(request))
    found = await run_in_threadpool(reader.page, query.kind, query.before, query.limit)
    return JSONResponse(found.model_dump(mode="json"))


# Atom --------------------------------------------------------------------------------------------

WORDS = {
    "zh": {
        "title": "行政执法公示",
        "subtitle": "双随机抽查结果与行政处罚决定",
        "draw": "双随机抽查",
        "penalty": "行政处罚决定",
        "pending": "{n}个对象尚在检查中",
        "party": "当事人",
        "violation": "违法事实",
        "basis": "处罚依据",
        "penalties": "处罚内容",
        "warning": "警告",
        "fine": "罚款{v}元",
        "gains": "没收违法所得{v}元",
        "goods": "没收{d}（价值{v}元）",
        "inspected": "已检查",
        "exempted": "诚信免查",
        "cancelled": "任务取消",
    },
    "en": {
        "title": "Administrative enforcement disclosure",
        "subtitle": "Double-random inspection results and penalty decisions",
        "draw": "Double-random draw",
        "penalty": "Penalty decision",
        "pending": "{n} entities still being inspected",
        "party": "Party",
        "violation": "Violation",
        "basis": "Legal basis",
        "penalties": "Penalties",
        "warning": "warning",
        "fine": "fine of {v} yuan",
        "gains": "illegal gains of {v} yuan confiscated",
        "goods": "{d} confiscated (worth {v} yuan)",
        "inspected": "inspected",
        "exempted": "exempted (good credit)",
        "cancelled": "task cancelled",
    },
}


def _title(item: Disclosure, lang: str) -> str:
    w = WORDS[lang]
    if isinstance(item, DrawDisclosure):
        return f"{w['draw']} · {item.agency} · {item.plan_no} #{item.draw_no}"
    return f"{w['penalty']} · {item.agency} · {item.case_no}"


def summary(item: Disclosure, lang: str) -> str:
    """A plain-text summary of an item for the feed."""
    w = WORDS[lang]
    sep = "；" if lang == "zh" else "; "
    if isinstance(item, DrawDisclosure):
        lines = [f"{item.plan_title} ({item.plan_kind}, {item.method}, seed {item.seed})"]
        for r in item.results:
            outcome = r.outcome or w[r.result]
            lines.append(f"{r.entity_name} {r.uscc}: {outcome} {r.on or ''}".rstrip())
        if item.pending:
            lines.append(w["pending"].format(n=item.pending))
        return "\n".join(lines)
    p = item.penalties
    parts = [w["warning"]] if p.warning else []
    if p.fine_fen:
        parts.append(w["fine"].format(v=yuan(p.fine_fen)))
    if p.confiscated_gains_fen:
        parts.append(w["gains"].format(v=yuan(p.confiscated_gains_fen)))
    parts += [w["goods"].format(d=g.description, v=yuan(g.value_fen)) for g in p.confiscated_goods]
    parts += [f"{m.kind} {m.detail}".strip() for m in p.measures]
    party = item.party + (f" ({item.uscc})" if item.uscc else "")
    return "\n".join(
        [
            f"{w['party']}: {party}",
            f"{w['violation']}: {item.violation}",
            f"{w['basis']}: {item.legal_basis}",
            f"{w['penalties']}: {sep.join(parts)}",
        ]
    )


def atom(found: DisclosurePage, base: str, source: str, query: FeedQuery) -> bytes:
    """The items as an Atom 1.0 feed (ids are stable URNs derived from the ledger's source)."""
    w = WORDS[query.lang]
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    lang = "zh-CN" if query.lang == "zh" else "en"
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    sub(feed, "id", _urn(source, f"disclosures/{query.kind}"))
    sub(feed, "title", w["title"])
    sub(feed, "subtitle", w["subtitle"])
    updated = max((i.updated_at for i in found.items), default=None)
    sub(feed, "updated", (updated.isoformat() if updated else "1970-01-01T00:00:00+00:00"))
    sub(feed, "author").append(_named(source))
    self_url = f"{base}{API}/disclosures.atom?kind={query.kind}&lang={query.lang}"
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=f"{base}/disclosure", type="text/html")
    for item in found.items:
        entry = sub(feed, "entry")
        sub(entry, "id", _urn(source, item.id))
        sub(entry, "title", _title(item, query.lang))
        sub(entry, "published", item.published_at.isoformat())
        sub(entry, "updated", item.updated_at.isoformat())
        sub(entry, "link", rel="alternate", href=f"{base}/disclosure#{item.id}", type="text/html")
        sub(entry, "category", term=item.type)
        sub(entry, "content", summary(item, query.lang), type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _named(source: str) -> ET.Element:
    name = ET.Element(f"{{{ATOM_NS}}}name")
    name.text = source
    return name


def _urn(source: str, name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ledger:{source}/{name}").urn


async def get_atom(request: Request) -> Response:
    query = parse_query(request, FeedQuery)
    reader = DisclosureReader(ledger_of(request))
    found = await run_in_threadpool(reader.page, query.kind, None, FEED_SIZE)
    base = str(request.base_url).rstrip("/")
    source = request.app.state.settings.source
    return Response(atom(found, base, source, query), media_type=ATOM)


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            "GET",
            "/disclosure",
            get_disclosure_page,
            "get_disclosure_page",
            "The public disclosure page (行政执法公示, HTML)",
            "public",
            None,
            response_media_type="text/html",
        ),
        ApiRoute(
            "GET",
            f"{API}/disclosures",
            get_disclosures,
            "get_disclosures",
            "Published double-random results and penalty decisions (行政执法公示)",
            "public",
            None,
            query_model=DisclosureQuery,
            response_model=DisclosurePage,
            description="No token needed. Newest first; individuals appear only as a masked "
            "name (张某), never with an id number, phone or address.",
        ),
        ApiRoute(
            "GET",
            f"{API}/disclosures.atom",
            get_atom,
            "get_disclosures_atom",
            "The disclosure feed in Atom 1.0",
            "public",
            None,
            query_model=FeedQuery,
            response_media_type="application/atom+xml",
            description="No token needed. The latest 50 items.",
        ),
    ]
