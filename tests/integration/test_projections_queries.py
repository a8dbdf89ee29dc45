"""The dashboard's questions of the views, on real PostgreSQL, over the small hand-made year of
``test_report``: what is overdue on a given day, the indicators per month and agency, patrol
coverage, collaboration per partner region."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import uuid4

import psycopg
import pytest

from domain.actors import SYSTEM
from domain.oversight import commands as ov
from domain.oversight.hotline_ticket import HotlineTicket
from infra.postgres import Database
from infra.wiring import follower_for
from projections import queries
from projections.registry import all_projections
from projections.store import ProjectionStore
from tests.builders_oversight import at
from tests.integration.test_report import SmallYear, small_year_in

YEAR = queries.year_period(2023)


@pytest.fixture(scope="module")
def year(pg_server: Database) -> Iterator[SmallYear]:
    with small_year_in(pg_server) as given:
        yield given


@pytest.fixture
def conn(year: SmallYear) -> Iterator[queries.Connection]:
    with psycopg.connect(year.database.url, autocommit=True) as connection:
        yield connection


def test_an_ordinary_case_is_overdue_the_day_after_its_deadline(
    year: SmallYear, conn: queries.Connection
) -> None:
    # Filed on 1 August 2023: 90 days run to 30 October; not decided since.
    assert queries.overdue_cases(conn, date(2023, 10, 30)) == []
    [late] = queries.overdue_cases(conn, date(2023, 10, 31))
    assert (late.case_id, late.case_no, late.decision_due_on) == (
        year.overdue_case,
        "罚4",
        date(2023, 10, 30),
    )
    # The case filed on 1 November was decided in time, on 15 January 2024.
    assert [c.case_no for c in queries.overdue_cases(conn, date(2024, 2, 1))] == ["罚4"]
    assert queries.overdue_cases(conn, date(2023, 12, 31), year.eco) == []
    assert [c.case_no for c in queries.awaiting_legal_review(conn)] == ["罚4"]
    assert queries.awaiting_legal_review(conn, year.eco) == []


def test_tickets_not_closed_are_overdue_after_their_deadline(
    year: SmallYear, conn: queries.Connection
) -> None:
    assert queries.overdue_tickets(conn, date(2023, 3, 20)) == []
    late = queries.overdue_tickets(conn, date(2023, 3, 21))
    assert [(t.ticket_no, t.status) for t in late] == [
        ("T-1", "routed"),
        ("T-2", "screened_out"),
        ("T-3", "received"),
    ]
    assert [t.ticket_no for t in queries.overdue_tickets(conn, date(2023, 3, 21), year.urb)] == [
        "T-1"
    ]
    assert queries.tickets(conn, *YEAR) == {
        "screened": 2,
        "relevant": 1,
        "closed": 0,
        "closed_late": 0,
    }


def test_indicators_per_month_add_up_to_the_year(year: SmallYear, conn: queries.Connection) -> None:
    months = queries.indicators_by_month(conn, 2023)
    assert sum(m.acts for m in months) == queries.indicators(conn, *YEAR).acts == 8
    april = months[3]
    # Certified on 30 April: all but MSA-3 (2024). Two inspections, one corrected on site (MSA
    # with ECO-1), and ECO's ordinary penalty of 1 April (ECO-1, ECO-2).
    assert (april.acts, april.certified_officers, april.participating_officers) == (4, 7, 4)
    assert (april.performing_agencies, april.agencies) == (2, 3)
    assert (april.participation_rate, april.performance_rate) == (57.1, 66.7)
    assert months[0].acts == 0 and months[0].participation_rate == 0.0


def test_indicators_per_agency(year: SmallYear, conn: queries.Connection) -> None:
    by_agency = queries.indicators_by_agency(conn, *YEAR)
    msa, eco, urb = by_agency[year.msa], by_agency[year.eco], by_agency[year.urb]
    # MSA leads the joint inspection: its acts; ECO took part (performance), not an act of its.
    assert (msa.acts, msa.certified_officers, msa.participating_officers) == (5, 2, 2)
    assert msa.per_capita_actions == 2.5
    assert (eco.acts, eco.certified_officers, eco.performance_rate) == (3, 2, 100.0)
    assert (urb.acts, urb.certified_officers, urb.participation_rate) == (0, 1, 0.0)
    assert urb.performance_rate == 0.0
    assert queries.indicators(conn, *YEAR, agency_id=year.msa) == msa


def test_officers_certificates_and_outcomes(year: SmallYear, conn: queries.Connection) -> None:
    assert queries.certified_officers(conn, date(2023, 12, 30)) == (6, 4)  # URB-1 still
    assert queries.certified_officers(conn, date(2023, 12, 31), year.urb) == (1, 0)
    changes = queries.certificate_changes(conn, *YEAR)
    assert (changes.issued, changes.revoked) == (1, 2)
    assert changes.revoked_by_reason == {"retirement": 1, "reassignment": 1}
    april = queries.month_period(2023, 4)
    assert queries.inspection_outcomes(conn, *april) == {
        "corrected_on_site": 1,
        "refused_by_entity": 1,
        "compliant": 1,
        "joint": 1,
        "refused_for_missing_certificates": 0,
    }
    assert queries.inspection_outcomes(conn, *april, year.eco)["corrected_on_site"] == 1


def test_plans_by_kind_with_their_tasks(year: SmallYear, conn: queries.Connection) -> None:
    plans = queries.plans_by_kind(conn, 2023)
    assert {kind: p.plans for kind, p in plans.items()} == {
        "special": 1,
        "routine": 1,
        "double_random": 1,
        "joint_random": 1,
    }
    special = plans["special"]
    assert (special.tasks, special.tasks_merged, special.tasks_inspected) == (2, 1, 2)
    assert plans["double_random"].tasks_exempted == 1
    assert set(queries.plans_by_kind(conn, 2023, year.eco)) == {"routine", "joint_random"}
    assert queries.matching(conn, *YEAR)["tasks_scheduled"] == 4  # the exempted task is not


def test_patrol_coverage_and_collaboration_per_partner(
    year: SmallYear, conn: queries.Connection
) -> None:
    coverage = queries.patrol_coverage(conn, *YEAR)
    assert (coverage.cells_defined, coverage.cells_patrolled, coverage.patrols) == (2, 1, 2)
    assert queries.patrol_coverage(conn, *queries.year_period(2024), year.msa).percent == 50.0
    regions = queries.collaboration_by_region(conn, *YEAR)
    assert regions["tangshan"] == {
        "actions": 1,
        "sites_checked": 2,
        "problems_found": 1,
        "problems_rectified": 1,
        "rectified_on_the_spot": 1,
        "meetings": 1,
        "transfers_referred": 0,
        "transfers_received": 0,
        "cross_regional_cases": 1,
    }
    # Both sites of the Tangshan-and-Cangzhou action lie in Tangshan: Cangzhou took part in
    # the action and its meeting, but none of its sites or problems is Cangzhou's.
    assert {k: regions["cangzhou"][k] for k in ("actions", "meetings")} == {
        "actions": 1,
        "meetings": 1,
    }
    assert {k: regions["cangzhou"][k] for k in ("sites_checked", "problems_found")} == {
        "sites_checked": 0,
        "problems_found": 0,
    }
    total = queries.joint_actions(conn, *YEAR)
    for counter in ("sites_checked", "problems_found", "problems_rectified"):
        assert sum(r[counter] for r in regions.values()) <= total[counter], counter
    assert regions["langfang"]["actions"] == 0  # its action started in 2022
    assert regions["langfang"]["transfers_referred"] == 1
    assert queries.collaboration_by_region(conn, *YEAR, year.urb) == {}


def test_a_ticket_closed_late_stays_overdue_on_the_days_before_its_closing(
    pg_server: Database,
) -> None:
    with small_year_in(pg_server) as fresh:
        # Given T-2 (deadline 20 March) closed on 25 March, five days late.
        t2 = HotlineTicket.create_id("T-2")
        fresh.ledger.execute(ov.CloseTicket(ticket_id=t2, closed_at=at(3, 25, 9)), SYSTEM)
        follower = follower_for(fresh.ledger, fresh.database)
        follower.catch_up()
        follower.close()
        with psycopg.connect(fresh.database.url, autocommit=True) as conn:
            on = [t.ticket_no for t in queries.overdue_tickets(conn, date(2023, 3, 24))]
            after = [t.ticket_no for t in queries.overdue_tickets(conn, date(2023, 3, 26))]
    assert on == ["T-1", "T-2", "T-3"]
    assert after == ["T-1", "T-3"]


def test_a_case_ended_after_a_day_was_still_open_on_that_day(database: Database) -> None:
    # Given a case stored before the 90-day rule was enforced: due 30 October, decided
    # 20 November (the domain refuses this now; the views must still read it right).
    store = ProjectionStore(database.url, all_projections())
    store.create_schema()
    store.close()
    case_id = uuid4()
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO views.penalty_cases (case_id, case_no, agency_id, procedure, stage,"
            " opened_on, decision_due_on, decided_on) VALUES (%s, '罚9', %s, 'ordinary',"
            " 'closed', '2023-08-01', '2023-10-30', '2023-11-20')",
            (case_id, uuid4()),
        )
        assert [c.case_no for c in queries.overdue_cases(conn, date(2023, 11, 1))] == ["罚9"]
        assert queries.overdue_cases(conn, date(2023, 11, 20)) == []
        assert queries.overdue_cases(conn, date(2023, 10, 30)) == []
