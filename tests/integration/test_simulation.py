"""A year's simulation against a real PostgreSQL: the reduced profile written through the real
commands, none refused, and the report computed afterwards equal to the profile.

Two checks of "equal to the profile": one counts the stored events themselves with SQL (what the
domain wrote), the other asks the read side (``projections.report.compute_report``) after the
embedded projections caught up — the issue's acceptance test at a size CI runs in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from domain.application import SupervisionLedger
from gateway.simulation.engine import Tally, open_simulation_ledger
from gateway.simulation.profile import COUNT_KEYS, EXTRA_KEYS, Profile, load_profile
from gateway.simulation.simulate import AlreadySimulated, simulate
from gateway.simulation.year import SimulatedYear, plan_year
from infra.postgres import Database
from infra.wiring import follower_for

PROFILES = Path(__file__).resolve().parents[2] / "gateway" / "simulation" / "profiles"

EVENT_COUNTS = """
WITH e AS (
    SELECT originator_id, topic, convert_from(state, 'UTF8')::jsonb AS s
    FROM supervisionledger_events
),
certified AS (
    SELECT i.originator_id FROM e i
    WHERE i.topic = 'Officer.CertificateIssued' AND (i.s->>'issued_on')::date <= %(last)s
      AND NOT EXISTS (
        SELECT 1 FROM e r WHERE r.topic = 'Officer.CertificateRevoked'
          AND r.originator_id = i.originator_id AND (r.s->>'revoked_on')::date <= %(last)s)
)
SELECT
  (SELECT count(*) FROM e WHERE topic = 'Agency.Registered') AS agencies,
  (SELECT count(DISTINCT originator_id) FROM certified) AS certified_officers,
  (SELECT count(*) FROM e WHERE topic = 'Officer.Registered' AND (s->>'frontline')::boolean
     AND originator_id IN (SELECT originator_id FROM certified)) AS frontline_officers,
  (SELECT count(*) FROM e WHERE topic = 'Officer.CertificateIssued'
     AND extract(year FROM (s->>'issued_on')::date) = %(year)s) AS certificates_issued,
  (SELECT count(*) FROM e WHERE topic = 'Officer.CertificateRevoked'
     AND extract(year FROM (s->>'revoked_on')::date) = %(year)s) AS certificates_revoked,
  (SELECT count(*) FROM e WHERE topic = 'Inspection.Concluded'
     AND s->>'outcome' <> 'refused_by_entity') AS inspections,
  (SELECT count(*) FROM e WHERE topic = 'PenaltyCase.Decided') AS penalties,
  (SELECT count(*) FROM e WHERE topic = 'PenaltyCase.Decided'
     AND s->>'procedure' = 'simple') AS penalties_simple,
  (SELECT count(*) FROM e WHERE topic = 'PenaltyCase.Decided'
     AND s->>'procedure' = 'ordinary') AS penalties_ordinary,
  (SELECT count(*) FROM e WHERE topic = 'AreaPatrol.Recorded') AS patrols,
  (SELECT count(*) FROM e WHERE topic = 'Inspection.Concluded'
     AND s->>'outcome' = 'corrected_on_site') AS on_site_corrections,
  (SELECT count(*) FROM e WHERE topic = 'PenaltyCase.EducationCorrected')
     AS education_corrections,
  (SELECT count(*) FROM e WHERE topic = 'InspectionPlan.DrawnUp') AS plans,
  (SELECT count(*) FROM e WHERE topic = 'InspectionPlan.DrawnUp'
     AND s->>'kind' = 'double_random') AS plans_double_random,
  (SELECT count(*) FROM e WHERE topic = 'InspectionPlan.DrawnUp'
     AND s->>'kind' = 'special') AS plans_special,
  (SELECT count(*) FROM e WHERE topic = 'InspectionPlan.DrawnUp'
     AND s->>'kind' = 'joint_random') AS joint_random_tasks,
  (SELECT count(*) FROM e WHERE topic = 'CaseFileReview.Scored') AS case_files_reviewed,
  (SELECT count(*) FROM e WHERE topic = 'InspectionPlan.HonestyExemptionGranted')
     AS honesty_exemptions,
  (SELECT count(*) FROM e WHERE topic = 'EntityYear.TasksMerged') AS joint_inspections_merged,
  (SELECT coalesce(sum((s->>'inspections_avoided')::int), 0) FROM e
     WHERE topic IN ('EntityYear.TasksMerged', 'EntityYear.JointInspectionJoined'))
     AS inspections_avoided,
  (SELECT count(*) FROM e WHERE topic = 'HotlineTicket.Screened') AS hotline_tickets,
  (SELECT count(*) FROM e WHERE topic = 'CoordinationMeeting.Held'
     AND s->>'kind' = 'whistle') AS whistle_meetings,
  (SELECT count(*) FROM e WHERE topic = 'CoordinationMeeting.Held'
     AND s->>'kind' = 'difficult_case') AS difficult_case_meetings,
  (SELECT count(*) FROM e WHERE topic = 'JointAction.Launched') AS collaboration_actions,
  (SELECT count(*) FROM e WHERE topic = 'JointAction.SiteChecked')
     AS collaboration_enterprises_checked,
  (SELECT count(*) FROM e WHERE topic = 'JointAction.ProblemFound')
     AS collaboration_problems_found,
  (SELECT count(*) FROM e WHERE topic = 'JointAction.ProblemRectified')
     AS collaboration_problems_rectified,
  (SELECT count(*) FROM e WHERE topic = 'JointAction.MeetingHeld') AS collaboration_meetings
"""


def counted_from_events(database: Database, profile: Profile) -> dict[str, int]:
    """The report's counts, straight from the stored events (independent of the read side)."""
    params = {"year": profile.year, "last": f"{profile.year}-12-31"}
    with psycopg.connect(database.url) as conn, conn.cursor() as cur:
        cur.execute(EVENT_COUNTS, params)
        row = cur.fetchone()
        assert row is not None and cur.description is not None
        return {col.name: int(value) for col, value in zip(cur.description, row, strict=True)}


def stored_events(database: Database) -> int:
    with psycopg.connect(database.url) as conn:
        row = conn.execute("SELECT count(*) FROM supervisionledger_events").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def sim_ledger(database: Database) -> Iterator[SupervisionLedger]:
    ledger = open_simulation_ledger(database, pool_size=2)
    yield ledger
    ledger.close()


@pytest.fixture(scope="module")
def reduced_year() -> SimulatedYear:
    return plan_year(load_profile(PROFILES / "binhai-2023-reduced.json"), seed=2023)


def simulated(ledger: SupervisionLedger, year: SimulatedYear) -> Tally:
    tally = simulate(ledger, year, batch_size=120)
    assert [str(r) for r in tally.refusals] == []
    return tally


def test_the_reduced_year_is_written_through_the_commands_and_the_report_equals_it(
    sim_ledger: SupervisionLedger, database: Database, reduced_year: SimulatedYear
) -> None:
    profile = reduced_year.profile

    tally = simulated(sim_ledger, reduced_year)

    # What the domain wrote, counted from the stored events themselves.
    assert tally.events == stored_events(database)
    assert tally.commands > tally.units >= profile.inspections
    assert counted_from_events(database, profile) == profile.counts()

    # What the read side reports once the embedded projections caught up.
    from projections.report import compute_report  # issue 4, part 2

    follower = follower_for(sim_ledger, database)
    try:
        follower.catch_up()
    finally:
        follower.close()
    report = compute_report(database.url, profile.year)

    assert {key: report[key] for key in COUNT_KEYS} == profile.counts()
    # Rates and per-capita volume follow from the counts: every officer and agency acted.
    assert report["per_capita_actions"] == profile.per_capita_rounded
    assert report["participation_rate"] == report["performance_rate"] == 100.0
    # And the report's further figures: exemption lists, equipment, partner cases, coverage.
    assert {key: report[key] for key in EXTRA_KEYS} == profile.extras()
    assert report["patrol_coverage"] == 100.0
    # Each cross-regional case of the profile, one by one: goods, quantity, unit, partners,
    # value and fine, as the report names it (not only their sums).
    assert profile.cross_regional_case_list
    assert sorted(cases_reported(database, profile.year)) == sorted(cases_of(profile))


def cases_of(profile: Profile) -> list[tuple[object, ...]]:
    return [
        (c.goods, str(c.quantity), c.unit, tuple(sorted(c.regions)), c.goods_value_fen, c.fine_fen)
        for c in profile.cross_regional_case_list
    ]


def cases_reported(database: Database, year: int) -> list[tuple[object, ...]]:
    from projections.report import compute_annual_report

    found: list[tuple[object, ...]] = []
    for case in compute_annual_report(database.url, year).as_json()["cross_regional_case_list"]:
        (goods,) = case["goods"]
        assert case["goods_confiscated"] is True
        found.append(
            (
                goods["description"],
                str(goods["quantity"]),
                goods["unit"],
                tuple(sorted(case["regions"])),
                case["goods_value_fen"],
                case["fine_fen"],
            )
        )
    return found


TINY = {
    **{key: 0 for key in COUNT_KEYS},
    "year": 2022,
    "agencies": 1,
    "certified_officers": 2,
    "penalties": 1,
    "penalties_simple": 1,
    "patrols": 1,
}


def test_a_year_is_simulated_once_per_ledger(
    sim_ledger: SupervisionLedger, database: Database
) -> None:
    tiny = plan_year(Profile.model_validate(TINY), seed=1)
    simulated(sim_ledger, tiny)
    written = stored_events(database)

    with pytest.raises(AlreadySimulated, match="already holds a simulated 2022"):
        simulate(sim_ledger, tiny)

    assert stored_events(database) == written


def test_the_reduced_year_uses_the_upkeep_commands_and_leaves_tickets_open(
    sim_ledger: SupervisionLedger, database: Database, reduced_year: SimulatedYear
) -> None:
    simulated(sim_ledger, reduced_year)
    with psycopg.connect(database.url) as conn:
        rows = conn.execute(
            "SELECT topic, count(*) FROM supervisionledger_events GROUP BY 1"
        ).fetchall()
    topics: dict[str, int] = {str(topic): int(n) for topic, n in rows}
    for topic in (
        "Officer.TrainingRecorded",
        "Officer.FrontlineChanged",
        "Agency.DomainsChanged",
        "EquipmentLedger.Returned",
        "Suggestion.Received",
        "Suggestion.Answered",
        "HotlineTicket.Reopened",
    ):
        assert topics.get(topic, 0) >= 1, topic
    # One suggestion is still to be answered at the year's end.
    assert topics["Suggestion.Answered"] == topics["Suggestion.Received"] - 1
    # Closed once more each time reopened, yet fewer closes than tickets: some still open.
    closes = topics["HotlineTicket.Closed"] - topics["HotlineTicket.Reopened"]
    assert 0 < closes < topics["HotlineTicket.Received"]
