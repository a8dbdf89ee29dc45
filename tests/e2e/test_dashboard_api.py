"""The dashboard over HTTP: the page and its static files (nothing loaded from elsewhere, every
label in both languages), the figures the views API lacks (acts by agency and kind, years),
and the tickets that open the live stream."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from domain.actors import Actor, Role
from domain.application import SupervisionLedger
from domain.registry.agency import Agency
from gateway.dashboard_api import FILES, STATIC
from gateway.demo import load_demo
from gateway.live import TicketError, TicketSigner, hub_of
from infra.postgres import Database
from infra.wiring import follower_for
from tests.conftest import Clients
from tests.e2e.test_registry_api import assert_problem

MSA, ECO, URB = (Agency.create_id(code) for code in ("MSA", "ECO", "URB"))
PAGES = ("dashboard.html", "disclosure.html")


@pytest.fixture
def demo(ledger: SupervisionLedger, database: Database) -> Iterator[Database]:
    load_demo(ledger)
    follower = follower_for(ledger, database)
    follower.catch_up()
    follower.close()
    yield database


# The page and its files -----------------------------------------------------------------------


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.keys: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)
            if name.startswith("data-i18n") and value:
                self.keys.add(value)


def references(name: str) -> References:
    parser = References()
    parser.feed((STATIC / name).read_text(encoding="utf-8"))
    return parser


def test_the_pages_are_public_html_with_a_strict_policy(clients: Clients) -> None:
    for path in ("/", "/disclosure"):
        answer = clients.anonymous.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        policy = answer.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert "/static/dashboard.js" in clients.anonymous.get("/").text


@pytest.mark.parametrize("name", PAGES)
def test_a_page_loads_nothing_from_elsewhere_and_every_file_it_names_is_served(
    clients: Clients, name: str
) -> None:
    found = references(name)
    assert found.urls
    for url in found.urls:
        assert url.startswith(("/", "#", "data:")), f"{name} loads {url} from elsewhere"
        if url.startswith("/static/"):
            answer = clients.anonymous.get(url)
            assert answer.status_code == 200, url
            assert answer.content


def test_static_files_by_name_only(clients: Clients) -> None:
    chart = clients.anonymous.get("/static/chart.umd.min.js")
    assert chart.headers["content-type"] == "text/javascript; charset=utf-8"
    assert chart.text.startswith("/*!\n * Chart.js v4.")
    assert "MIT License" in clients.anonymous.get("/static/chart.js.LICENSE.md").text
    assert (
        clients.anonymous.get("/static/ledger.css").headers["content-type"].startswith("text/css")
    )
    for missing in ("/static/app.py", "/static/..%2Fapp.py", "/static/nothing.js"):
        assert clients.anonymous.get(missing).status_code == 404
    assert all(path.is_relative_to(STATIC) for path in FILES.values())


def dictionary(lang: str) -> set[str]:
    source = (STATIC / "i18n.js").read_text(encoding="utf-8")
    block = re.search(rf"\n    {lang}: {{\n(.*?)\n    }},", source, re.S)
    assert block is not None
    return set(re.findall(r"^      (\w+):", block.group(1), re.M))


def test_every_label_exists_in_chinese_and_in_english() -> None:
    chinese, english = dictionary("zh"), dictionary("en")
    assert chinese == english
    used: set[str] = set()
    for name in PAGES:
        used |= references(name).keys
    for script in ("dashboard.js", "disclosure.js"):
        source = (STATIC / script).read_text(encoding="utf-8")
        used |= set(re.findall(r'I18N\.t\("(\w+)"', source))
        used |= set(re.findall(r'\["(d_\w+)", ', source))
    assert used - chinese == set()


# Acts by agency and kind; years ----------------------------------------------------------------


def test_acts_by_agency_and_kind_for_the_office(clients: Clients, demo: Database) -> None:
    answer = clients.office.get("/api/v1/dashboard/agencies", params={"year": 2023})
    assert answer.status_code == 200, answer.text
    agencies = answer.json()["agencies"]
    assert [a["code"] for a in agencies] == ["MSA", "URB", "ECO"]  # most enforcement first
    msa = agencies[0]
    assert msa["name"] == "滨海新区市场监督管理局"
    assert msa["acts"]["inspection"] == 1 and msa["acts"]["penalty"] == 2
    assert msa["enforcement"] == 7
    views = clients.office.get(
        "/api/v1/views/acts", params={"first": "2023-01-01", "last": "2023-12-31"}
    ).json()
    for kind, total in views["totals"].items():
        assert sum(a["acts"].get(kind, 0) for a in agencies) == total


def test_an_agency_officer_reads_its_own_agency_only(clients: Clients, demo: Database) -> None:
    officer = clients.officer_of(MSA)
    own = officer.get("/api/v1/dashboard/agencies", params={"year": 2023}).json()
    assert [a["agency_id"] for a in own["agencies"]] == [str(MSA)]
    other = officer.get("/api/v1/dashboard/agencies", params={"year": 2023, "agency_id": str(ECO)})
    assert_problem(other, 403, "forbidden")
    query = {"year": 2023}
    partner = clients.partner("tangshan").get("/api/v1/dashboard/agencies", params=query)
    assert_problem(partner, 403, "forbidden")
    anonymous = clients.anonymous.get("/api/v1/dashboard/agencies", params=query)
    assert_problem(anonymous, 401, "unauthenticated")
    bad = clients.office.get("/api/v1/dashboard/agencies", params={"year": "x"})
    assert_problem(bad, 422, "invalid-request")


def test_the_years_with_acts(clients: Clients, demo: Database) -> None:
    years = clients.auditor.get("/api/v1/dashboard/years").json()
    assert years["latest_with_acts"] == 2023
    assert 2023 in years["years"] and years["current"] in years["years"]


# Tickets ---------------------------------------------------------------------------------------


def test_a_ticket_names_its_holder_and_expires() -> None:
    signer = TicketSigner(ttl=60)
    actor = Actor(principal="msa-1", role=Role.AGENCY_OFFICER, agency_id=MSA)
    ticket, expires = signer.issue(actor, now=1000.0)
    assert expires == 1060
    assert signer.check(ticket, now=1059.0) == actor
    with pytest.raises(TicketError, match="expired"):
        signer.check(ticket, now=1061.0)
    body, _, signature = ticket.partition(".")
    forged_body = TicketSigner(ttl=60).issue(actor.model_copy(update={"role": Role.SUPERVISOR}))
    for forged in (
        body + "." + signature[:-2] + "AA",
        forged_body[0],  # signed under another process's key
        forged_body[0].split(".")[0] + "." + signature,
        "nonsense",
        "",
    ):
        with pytest.raises(TicketError):
            signer.check(forged, now=1001.0)


def test_the_live_stream_needs_a_valid_ticket(clients: Clients) -> None:
    answer = clients.office.post("/api/v1/live/tickets")
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["url"] == "/api/v1/live?ticket=" + ticket["ticket"]
    assert ticket["expires_at"] > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    tampered = ticket["ticket"][:-3] + ("AAA" if not ticket["ticket"].endswith("AAA") else "BBB")
    for query in ({}, {"ticket": tampered}, {"ticket": "x.y"}):
        assert_problem(clients.anonymous.get("/api/v1/live", params=query), 401, "unauthenticated")
    hub = hub_of(clients.app.state, clients.ledger)
    hub.signer.ttl = -1
    expired = clients.office.post("/api/v1/live/tickets").json()["ticket"]
    answer = clients.anonymous.get("/api/v1/live", params={"ticket": expired})
    body = assert_problem(answer, 401, "unauthenticated")
    assert "expired" in str(body["detail"])


def test_only_readers_get_a_ticket(clients: Clients) -> None:
    assert_problem(clients.anonymous.post("/api/v1/live/tickets"), 401, "unauthenticated")
    assert_problem(clients.partner("tangshan").post("/api/v1/live/tickets"), 403, "forbidden")
    for client in (clients.auditor, clients.officer_of(URB)):
        assert client.post("/api/v1/live/tickets").status_code == 201


def test_the_openapi_document_lists_the_dashboard_routes(clients: Clients) -> None:
    paths = clients.anonymous.get("/openapi.json").json()["paths"]
    assert paths["/api/v1/live"]["get"]["responses"]["200"]["content"] == {
        "text/event-stream": {"schema": {"type": "string"}}
    }
    assert paths["/api/v1/live/tickets"]["post"]["x-roles"] == [
        "agency_officer",
        "auditor",
        "supervisor",
    ]
