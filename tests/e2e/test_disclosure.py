"""Public disclosure (行政执法公示) over HTTP: double-random draws with their results and
penalty decisions, from the events alone, newest first, as JSON and as Atom — and nothing of an
individual but a masked name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from domain.cases.penalties import Penalties
from domain.inspection import commands as insp
from domain.inspection.inspection import Inspection
from domain.inspection.values import Outcome
from domain.personal import PersonalData
from domain.planning import commands as plans
from domain.planning.entity_year import EntityYear
from domain.planning.plan import InspectionPlan
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE, PartyKind
from gateway.demo import load_demo
from gateway.demo_cases import MSA, TEAM
from gateway.disclosure import masked_name, scrub
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

API = "/api/v1/public/disclosures"
ATOM = "{http://www.w3.org/2005/Atom}"
NAME, ID_NUMBER, PHONE = "张三丰", "110105198809091234", "13812345678"
DRAWN_PLAN = "DEMO-2023-MSA-SJ-01"


@pytest.fixture
def demo(ledger: SupervisionLedger) -> Iterator[SupervisionLedger]:
    load_demo(ledger)
    yield ledger


def decide_against_a_citizen(ledger: SupervisionLedger) -> None:
    ledger.execute(
        cc.DecideOnTheSpot(
            agency_id=MSA,
            case_no="津滨市监简罚〔2023〕0999号",
            officer_ids=TEAM,
            party_kind=PartyKind.CITIZEN,
            person=PersonalData(name=NAME, id_number=ID_NUMBER, phone=PHONE),
            violation=f"{NAME}（身份证{ID_NUMBER}，电话{PHONE}）占道销售未明码标价",
            violation_date=date(2023, 8, 1),
            legal_basis="《明码标价和禁止价格欺诈规定》第二十一条",
            decided_on=date(2023, 8, 1),
            penalties=Penalties(warning=True, fine_fen=5_000),
        ),
        SYSTEM,
    )


def inspect_the_pending_draw(ledger: SupervisionLedger) -> str:
    """Inspect the entity of the demo draw still scheduled; the inspection's outcome."""
    plan: InspectionPlan = ledger.repository.get(InspectionPlan.create_id(DRAWN_PLAN))
    task = next(t for t in plan.tasks.values() if not t.status.settled)
    # Its entity was drawn by the joint MSA+URB plan too: one joint inspection does both,
    # by the officers drawn for either task.
    year: EntityYear = ledger.repository.get(EntityYear.create_id(task.entity_id, plan.year))
    drawn: list[UUID] = []
    for ref in year.visit_of(plan.ref(task.task_no)).tasks:
        merged: InspectionPlan = ledger.repository.get(ref.plan_id)
        drawn += merged.task(ref.task_no).officer_ids
    team = list(dict.fromkeys([*drawn, Officer.create_id("URB-001")]))
    at = datetime(2023, 6, 1, 9, 0, tzinfo=DISTRICT_ZONE)
    ledger.execute(
        plans.IssueECertificate(
            number="T-EC-DRAW-1",
            plan_id=plan.id,
            task_no=task.task_no,
            officer_ids=team,
            valid_from=at.replace(hour=8),
            valid_until=at.replace(hour=18),
            issued_at=at.replace(hour=7),
        ),
        SYSTEM,
    )
    ledger.execute(
        insp.StartInspection(
            plan_id=plan.id,
            task_no=task.task_no,
            entity_id=task.entity_id,
            officer_ids=team,
            e_certificate_number="T-EC-DRAW-1",
            started_at=at,
        ),
        SYSTEM,
    )
    ledger.execute(
        insp.ConcludeInspection(
            inspection_id=Inspection.create_id("T-EC-DRAW-1"),
            outcome=Outcome.PROBLEMS_FOUND,
            findings="进货查验记录不全",
            concluded_at=at.replace(hour=11),
        ),
        SYSTEM,
    )
    return Outcome.PROBLEMS_FOUND.value


def items(clients: Clients, **query: Any) -> list[dict[str, Any]]:
    answer = clients.anonymous.get(API, params=query)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


def test_draws_and_decisions_newest_first_for_anyone(clients: Clients, demo: object) -> None:
    found = items(clients)
    assert [i["type"] for i in found] == [
        "penalty_decision",
        "penalty_decision",
        "double_random_draw",
        "double_random_draw",
    ]
    positions = [i["position"] for i in found]
    assert positions == sorted(positions, reverse=True)
    food = next(i for i in found if i["party_kind"] == "organisation")
    assert food["party"] == "泰达餐饮管理有限公司" and food["uscc"] == "91120116000000004A"
    assert food["penalties"]["fine_fen"] == 15_000_000
    assert food["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert food["agency"] == "滨海新区市场监督管理局"
    draw = next(i for i in found if i.get("plan_no") == DRAWN_PLAN)
    assert draw["seed"] == 20230420 and draw["entities_to_draw"] == 2
    assert [r["result"] for r in draw["results"]] == ["exempted"]
    assert draw["pending"] == 1  # drawn, not yet inspected: not named yet
    assert [i["type"] for i in items(clients, kind="draw")] == ["double_random_draw"] * 2
    assert [i["type"] for i in items(clients, kind="penalty")] == ["penalty_decision"] * 2


def test_an_individual_is_a_masked_name_and_nothing_else(
    clients: Clients, demo: SupervisionLedger
) -> None:
    decide_against_a_citizen(demo)
    [latest] = items(clients, limit=1)
    assert latest["party"] == "张某" and latest["party_kind"] == "individual"
    assert latest["uscc"] is None
    assert latest["violation"] == "张某（身份证***，电话***）占道销售未明码标价"
    for answer in (
        clients.anonymous.get(API),
        clients.anonymous.get(API + ".atom"),
        clients.anonymous.get(API + ".atom", params={"lang": "en"}),
    ):
        assert answer.status_code == 200
        for secret in (NAME, "三丰", ID_NUMBER, PHONE):
            assert secret not in answer.text


def test_a_drawn_entity_is_published_with_its_inspection_outcome(
    clients: Clients, demo: SupervisionLedger
) -> None:
    outcome = inspect_the_pending_draw(demo)
    draw = next(i for i in items(clients, kind="draw") if i["plan_no"] == DRAWN_PLAN)
    assert draw["pending"] == 0
    inspected = next(r for r in draw["results"] if r["result"] == "inspected")
    assert inspected["outcome"] == outcome and inspected["on"] == "2023-06-01"
    assert inspected["officers"] == 2 and len(inspected["uscc"]) == 18
    assert draw["updated_at"] > draw["published_at"]


def test_pages_follow_each_other_without_gaps_or_repeats(clients: Clients, demo: object) -> None:
    everything = [i["id"] for i in items(clients)]
    seen: list[str] = []
    before: int | None = None
    while True:
        query: dict[str, Any] = {"limit": 1} | ({"before": before} if before else {})
        page = clients.anonymous.get(API, params=query).json()
        seen += [i["id"] for i in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == everything


@pytest.mark.parametrize(
    "query", [{"kind": "cases"}, {"limit": 0}, {"limit": 101}, {"before": 0}, {"page": 2}]
)
def test_a_bad_query_is_a_422(clients: Clients, query: dict[str, Any]) -> None:
    assert_problem(clients.anonymous.get(API, params=query), 422, "invalid-request")


def test_the_atom_feed_carries_the_same_items(clients: Clients, demo: object) -> None:
    answer = clients.anonymous.get(API + ".atom", params={"kind": "penalty"})
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(answer.content)  # noqa: S314 - our own server's answer
    assert feed.tag == ATOM + "feed"
    assert feed.findtext(ATOM + "title") == "行政执法公示"
    entries = feed.findall(ATOM + "entry")
    json_items = items(clients, kind="penalty")
    assert len(entries) == len(json_items) == 2
    for entry, item in zip(entries, json_items, strict=True):
        assert item["case_no"] in (entry.findtext(ATOM + "title") or "")
        link = entry.find(ATOM + "link")
        assert link is not None and link.get("href", "").endswith("/disclosure#" + item["id"])
        assert (entry.findtext(ATOM + "id") or "").startswith("urn:uuid:")
        content = entry.findtext(ATOM + "content") or ""
        assert item["party"] in content and item["legal_basis"] in content
    again = ET.fromstring(clients.anonymous.get(API + ".atom", params={"kind": "penalty"}).content)  # noqa: S314
    assert [e.findtext(ATOM + "id") for e in again.findall(ATOM + "entry")] == [
        e.findtext(ATOM + "id") for e in entries
    ]
    english = clients.anonymous.get(API + ".atom", params={"lang": "en"}).text
    assert "Penalty decision" in english and "Double-random draw" in english


def test_an_empty_ledger_publishes_nothing(clients: Clients) -> None:
    assert clients.anonymous.get(API).json() == {"items": [], "next_before": None}
    feed = ET.fromstring(clients.anonymous.get(API + ".atom").content)  # noqa: S314
    assert feed.findall(ATOM + "entry") == []


# The masking itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张某"),
        ("欧阳修", "欧某"),
        ("Li Wei", "L."),
        ("[erased]", "某"),
        ("", "某"),
        (None, "某"),
    ],
)
def test_a_name_is_masked_to_its_first_letter(name: str | None, masked: str) -> None:
    assert masked_name(name) == masked


id_cards = st.builds(
    lambda area, year, month, day, seq, check: f"{area}{year}{month:02d}{day:02d}{seq:03d}{check}",
    st.integers(110000, 659999).map(str),
    st.integers(1930, 2020).map(str),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 999),
    st.sampled_from("0123456789X"),
)
mobiles = st.builds(
    lambda p, n: f"1{p}{n:09d}"[:11], st.sampled_from("3456789"), st.integers(0, 10**9 - 1)
)
filler = st.text(alphabet=st.sampled_from("违法经营摊点，。、：ab "), max_size=12)


@given(before=filler, card=id_cards, middle=filler, mobile=mobiles, after=filler)
def test_id_card_and_mobile_numbers_never_survive_in_published_text(
    before: str, card: str, middle: str, mobile: str, after: str
) -> None:
    published = scrub(f"{before}{card}{middle}{mobile}{after}", None)
    assert card not in published and mobile not in published


def test_the_persons_own_data_is_cleared_from_free_text() -> None:
    person = {"name": "王小明", "id_number": "E12345678", "phone": "022-5555 1234"}
    text = "当事人王小明（护照E12345678，电话022-5555 1234）经营无照"
    assert scrub(text, person) == "当事人王某（护照***，电话***）经营无照"
    assert json.dumps(scrub("无个人信息的文字", person), ensure_ascii=False) == '"无个人信息的文字"'
