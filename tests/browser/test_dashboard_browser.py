"""The dashboard and the disclosure page in a real headless Chromium, against a real
``ledger serve``: the page loads, shows the figures, and a command posted over HTTP during the
test shows up on the page without a reload (server-sent events)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE
from gateway.demo import load_demo
from infra.postgres import Database
from tests.browser.served import Served, served_ledger

pytestmark = pytest.mark.slow

MSA = Agency.create_id("MSA")


@pytest.fixture
def served(ledger: SupervisionLedger, database: Database, tmp_path: Path) -> Iterator[Served]:
    load_demo(ledger)
    principals = {"office": (Role.SUPERVISOR, None), "msa": (Role.AGENCY_OFFICER, MSA)}
    with served_ledger(database, tmp_path / "serve", principals) as server:
        yield server


def patrol(day: int) -> dict[str, Any]:
    started = datetime(2023, 6, day, 9, 0, tzinfo=DISTRICT_ZONE)
    return {
        "agency_id": str(MSA),
        "grid_cell": "G-002",
        "officer_ids": [str(Officer.create_id("MSA-001")), str(Officer.create_id("MSA-002"))],
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(hours=2)).isoformat(),
        "route": "新港二号路沿街商户",
    }


def test_the_dashboard_shows_the_figures_and_a_new_patrol_appears_without_a_reload(
    served: Served, page: Page
) -> None:
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    # Given the dashboard, first with a wrong token, then with the office's
    page.goto(served.url + "/")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#token", "not-a-token")
    page.click("#login-form button")
    expect(page.locator("#login-error")).to_have_text("令牌无效或已撤销，请重新输入。")
    page.fill("#token", served.tokens["office"])
    page.click("#login-form button")

    # Then it shows the demo year's figures, and listens live
    expect(page.locator("#figure-inspection")).to_have_text("1")
    expect(page.locator("#figure-penalty")).to_have_text("2")
    expect(page.locator("#figure-patrol")).to_have_text("5")
    expect(page.locator("#figure-performance")).to_have_text("100.0%")
    expect(page.locator("#year")).to_have_value("2023")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    assert page.locator("#chart-days").is_visible()
    loaded = len(loads)

    # When an agency officer records a patrol over HTTP
    status, answer = served.request("POST", "/api/v1/area-patrols", served.tokens["msa"], patrol(1))
    assert status == 201, answer

    # Then the page shows it, without a reload
    expect(page.locator("#figure-patrol")).to_have_text("6")
    expect(page.locator("#feed")).to_contain_text("区域巡查")
    assert len(loads) == loaded

    # And every label switches to English
    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Law enforcement supervision dashboard")
    expect(page.locator("[data-kind=patrol]")).to_have_text("Area patrols")
    expect(page.locator("#feed")).to_contain_text("Area patrol")
    expect(page.locator("#figure-patrol")).to_have_text("6")


def test_an_agency_officer_sees_its_slice_and_the_public_sees_the_disclosure(
    served: Served, page: Page
) -> None:
    # Given an agency officer's token passed once in the address
    page.goto(served.url + "/?token=" + served.tokens["msa"])
    # Then the token leaves the address bar, and the figures are the agency's own
    expect(page.locator("#figure-patrol")).to_have_text("2")
    assert "token" not in page.url
    expect(page.locator("#scope")).to_contain_text("本执法主体")

    # And the disclosure page, for anyone, names the organisation and masks the individual
    page.goto(served.url + "/disclosure")
    items = page.locator("#items")
    expect(items).to_contain_text("泰达餐饮管理有限公司")
    expect(items).to_contain_text("李某")
    expect(items).to_contain_text("911201160000000011")
    assert "120116199001011234" not in page.content()
    page.click("[data-tab=draw]")
    expect(items).not_to_contain_text("行政处罚决定")
    expect(items).to_contain_text("诚信免查")
