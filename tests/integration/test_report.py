"""The annual report on real PostgreSQL, from a small hand-made year whose figures are counted
by hand below — with acts on both sides of the year's edges, so that the year is the act's own
(the district's calendar day), not the day it was recorded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import orjson
import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from domain.cases.penalties import Penalties
from domain.collaboration import commands as co
from domain.collaboration.values import PartnerRegion
from domain.commands import Command
from domain.field.commands import RecordAreaPatrol
from domain.inspection import commands as insp
from domain.inspection.values import Outcome
from domain.oversight import commands as ov
from domain.oversight.values import EquipmentKind, MeetingKind, ScreeningResult
from domain.planning import commands as plan
from domain.planning.values import PlanKind
from domain.registry import commands as reg
from domain.values import (
    DISTRICT_ZONE,
    CreditRating,
    EnforcementDomain,
    PartyKind,
    RevocationReason,
)
from gateway.cli import app
from infra.postgres import Database
from infra.wiring import follower_for, open_ledger
from projections.report import EXTRA_KEYS, REPORT_KEYS, compute_report
from tests.builders import given_agency, given_entity, given_officer
from tests.builders_cases import (
    given_decided_case,
    given_exemption_list,
    given_filed_case,
    given_grid_cell,
)
from tests.builders_oversight import (
    at,
    given_checked_site,
    given_cross_case,
    given_joint_action,
    given_meeting,
    given_problem,
    given_routed_ticket,
    given_ticket,
    given_transfer,
)


def run(ledger: SupervisionLedger, command: Command) -> UUID:
    return ledger.execute(command, SYSTEM).id


def moment(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=DISTRICT_ZONE)


@dataclass(frozen=True)
class SmallYear:
    database: Database
    ledger: SupervisionLedger
    msa: UUID
    eco: UUID
    urb: UUID
    overdue_case: UUID
    officers: dict[str, UUID]


EXPECTED_2023: dict[str, int | float] = {
    # Certified on 31 Dec: MSA-1, MSA-2, ECO-1, ECO-2, URB-2 (URB-1 revoked that very day,
    # ECO-3 in June, MSA-3 certified only in 2024); frontline: MSA-1, MSA-2, ECO-1.
    "agencies": 3,
    "certified_officers": 5,
    "frontline_officers": 3,
    "certificates_issued": 1,  # URB-2
    "certificates_revoked": 2,  # ECO-3, URB-1
    # The joint inspection (MSA+ECO) once, and entity 2's second attempt; not the refusal.
    "inspections": 2,
    "penalties": 2,
    "penalties_simple": 1,
    "penalties_ordinary": 1,  # ECO's; MSA's ordinary case is decided in January 2024
    "patrols": 2,  # the third one starts at 00:30 on 1 January 2024 in the district
    "on_site_corrections": 1,
    "education_corrections": 1,
    "per_capita_actions": 1.6,  # (2 + 2 + 2 + 1 + 1) / 5
    "participation_rate": 80.0,  # all but URB-2
    "performance_rate": 66.7,  # MSA and ECO, not URB
    "plans": 4,  # special, routine, double random, joint random; not the 2024 plan
    "plans_double_random": 1,
    "plans_special": 1,
    "joint_random_tasks": 1,
    "case_files_reviewed": 2,  # not the one reviewed in December 2022
    "honesty_exemptions": 1,
    "joint_inspections_merged": 1,
    "inspections_avoided": 1,
    "hotline_tickets": 2,  # screened; the third ticket never was
    "whistle_meetings": 1,
    "difficult_case_meetings": 1,
    "collaboration_actions": 1,  # not the action of November 2022
    "collaboration_enterprises_checked": 2,
    "collaboration_problems_found": 1,
    "collaboration_problems_rectified": 1,
    "collaboration_meetings": 1,
    "equipment_issued": 30,
    "exemption_list_domains": 1,  # the ecology list is in force from 2024 only
    "exemption_list_items": 2,
    "patrol_coverage": 50.0,  # G-001 of G-001, G-002
    "cross_regional_cases": 1,
    "cross_regional_goods_value_fen": 1_474_610_000,
    "cross_regional_fines_fen": 75_000_000,
    "case_transfers": 1,
}


def given_a_small_year(ledger: SupervisionLedger, database: Database) -> SmallYear:
    msa, eco = given_agency(ledger, "MSA"), given_agency(ledger, "ECO")
    urb = given_agency(ledger, "URB", (EnforcementDomain.URBAN,))
    o = {
        "MSA-1": given_officer(ledger, msa, "MSA-1"),
        "MSA-2": given_officer(ledger, msa, "MSA-2"),
        "MSA-3": given_officer(ledger, msa, "MSA-3", certified_on=date(2024, 1, 1)),
        "ECO-1": given_officer(ledger, eco, "ECO-1"),
        "ECO-2": given_officer(ledger, eco, "ECO-2", frontline=False),
        "ECO-3": given_officer(ledger, eco, "ECO-3"),
        "URB-1": given_officer(ledger, urb, "URB-1"),
        "URB-2": given_officer(
            ledger, urb, "URB-2", certified_on=date(2023, 3, 1), frontline=False
        ),
    }
    for name, day, reason in (
        ("ECO-3", date(2023, 6, 30), RevocationReason.REASSIGNMENT),
        ("URB-1", date(2023, 12, 31), RevocationReason.RETIREMENT),
    ):
        run(ledger, reg.RevokeCertificate(officer_id=o[name], revoked_on=day, reason=reason))
    entities = [given_entity(ledger, n, CreditRating.A if n == 3 else None) for n in (1, 2, 3, 4)]
    run(
        ledger,
        reg.ListInspectionItem(
            code="MKT-001", name="产品质量", domain=EnforcementDomain.MARKET, legal_basis="法"
        ),
    )

    # Plans: MSA's and ECO's tasks on entity 1 merge into one joint inspection.
    drawn_up = moment(2023, 1, 9, 9)

    def a_plan(no: str, kind: PlanKind, *agencies: UUID, year: int = 2023) -> UUID:
        return run(
            ledger,
            plan.DrawUpInspectionPlan(
                plan_no=no,
                kind=kind,
                agency_id=agencies[0],
                partner_agency_ids=list(agencies[1:]),
                year=year,
                title=no,
                item_codes=["MKT-001"],
                drawn_up_at=drawn_up if year == 2023 else moment(2024, 1, 5, 9),
            ),
        )

    def tasks(plan_id: UUID, *entity_ids: UUID) -> None:
        specs = [
            plan.TaskSpec(entity_id=e, period_from=date(2023, 4, 1), period_to=date(2023, 6, 30))
            for e in entity_ids
        ]
        run(ledger, plan.AddPlanTasks(plan_id=plan_id, tasks=specs, added_at=drawn_up))

    def draw(plan_id: UUID, entity_id: UUID, officers: list[UUID]) -> None:
        run(
            ledger,
            plan.DrawDoubleRandomSeeded(
                plan_id=plan_id,
                candidate_entity_ids=[entity_id],
                candidate_officer_ids=officers,
                entities_to_draw=1,
                officers_per_entity=2,
                seed=7,
                period_from=date(2023, 5, 1),
                period_to=date(2023, 9, 30),
                drawn_at=moment(2023, 4, 20, 10),
            ),
        )

    special = a_plan("ZX-1", PlanKind.SPECIAL, msa)
    tasks(special, entities[0], entities[1])
    tasks(a_plan("RC-1", PlanKind.ROUTINE, eco), entities[0])
    draw(a_plan("SJ-1", PlanKind.DOUBLE_RANDOM, msa), entities[2], [o["MSA-1"], o["MSA-2"]])
    draw(a_plan("LH-1", PlanKind.JOINT_RANDOM, msa, eco), entities[3], [o["MSA-1"], o["ECO-1"]])
    a_plan("RC-2024", PlanKind.ROUTINE, urb, year=2024)

    # Inspections: the joint one (corrected on site); entity 2 refused, then inspected.
    def inspect(
        no: str, task_no: int, entity: UUID, team: list[UUID], day: int, out: Outcome
    ) -> None:
        run(
            ledger,
            plan.IssueECertificate(
                number=no,
                plan_id=special,
                task_no=task_no,
                officer_ids=team,
                valid_from=moment(2023, 4, day, 8),
                valid_until=moment(2023, 4, day, 18),
                issued_at=moment(2023, 4, day - 1, 16),
            ),
        )
        inspection = run(
            ledger,
            insp.StartInspection(
                plan_id=special,
                task_no=task_no,
                entity_id=entity,
                officer_ids=team,
                e_certificate_number=no,
                started_at=moment(2023, 4, day, 9),
            ),
        )
        run(
            ledger,
            insp.ConcludeInspection(
                inspection_id=inspection,
                outcome=out,
                findings="" if out is Outcome.COMPLIANT else "见笔录",
                concluded_at=moment(2023, 4, day, 11),
            ),
        )

    inspect("EC-1", 1, entities[0], [o["MSA-1"], o["ECO-1"]], 10, Outcome.CORRECTED_ON_SITE)
    inspect("EC-2", 2, entities[1], [o["MSA-1"], o["MSA-2"]], 12, Outcome.REFUSED_BY_ENTITY)
    inspect("EC-3", 2, entities[1], [o["MSA-2"], o["MSA-1"]], 14, Outcome.COMPLIANT)

    # Cases.
    msa_team, eco_team = [o["MSA-1"], o["MSA-2"]], [o["ECO-1"], o["ECO-2"]]
    run(
        ledger,
        cc.DecideOnTheSpot(
            agency_id=msa,
            case_no="简罚1",
            officer_ids=msa_team,
            party_kind=PartyKind.ORGANISATION,
            entity_id=entities[1],
            violation="未明码标价",
            violation_date=date(2023, 5, 2),
            legal_basis="价格法",
            decided_on=date(2023, 5, 2),
            penalties=Penalties(fine_fen=5_000),
        ),
    )
    given_decided_case(ledger, eco, eco_team, case_no="罚1")
    educated = given_filed_case(ledger, eco, eco_team, case_no="罚2")
    run(
        ledger,
        cc.CloseWithEducation(case_id=educated, decided_on=date(2023, 5, 10), correction="改正"),
    )
    next_year = given_filed_case(ledger, msa, msa_team, case_no="罚3", filed_on=date(2023, 11, 1))
    run(
        ledger,
        cc.DecideCase(
            case_id=next_year, decided_on=date(2024, 1, 15), penalties=Penalties(fine_fen=1)
        ),
    )
    overdue = given_filed_case(ledger, msa, msa_team, case_no="罚4", filed_on=date(2023, 8, 1))
    run(ledger, cc.RequestLegalReview(case_id=overdue, requested_on=date(2023, 8, 10)))

    # Patrols, on the district's days: 23:30 on 31 December is 2023, 00:30 on 1 January is not.
    for code in ("G-001", "G-002"):
        given_grid_cell(ledger, code)
    for agency, cell, team, start, end in (
        (eco, "G-001", eco_team, moment(2023, 5, 3, 9), moment(2023, 5, 3, 11)),
        (msa, "G-001", msa_team, moment(2023, 12, 31, 22), moment(2023, 12, 31, 23, 30)),
        (msa, "G-002", msa_team, datetime(2023, 12, 31, 16, 30, tzinfo=UTC), moment(2024, 1, 1, 2)),
    ):
        run(
            ledger,
            RecordAreaPatrol(
                agency_id=agency, grid_cell=cell, officer_ids=team, started_at=start, ended_at=end
            ),
        )

    # Reviews.
    for agency, file_no, file_year, day in (
        (msa, "罚〔2021〕1号", 2021, date(2023, 4, 1)),
        (eco, "罚〔2022〕1号", 2022, date(2023, 9, 1)),
        (urb, "罚〔2021〕2号", 2021, date(2022, 12, 1)),
    ):
        run(
            ledger,
            cc.ReviewCaseFile(
                agency_id=agency,
                file_no=file_no,
                file_year=file_year,
                standard_version="2023",
                reviewed_on=day,
                form_points=25,
                content_points=60,
            ),
        )

    # Oversight.
    given_routed_ticket(ledger, urb, "T-1")
    screened_out = given_ticket(ledger, "T-2")
    run(
        ledger,
        ov.ScreenTicket(
            ticket_id=screened_out, screened_at=at(3, 2), result=ScreeningResult.NOT_RELEVANT
        ),
    )
    given_ticket(ledger, "T-3")
    given_meeting(ledger, [urb, eco], "CS-1")
    for ref, kind, day in (
        ("CS-2", MeetingKind.DIFFICULT_CASE, date(2023, 6, 1)),
        ("CS-0", MeetingKind.WHISTLE, date(2022, 11, 11)),
    ):
        run(
            ledger,
            ov.RecordCoordinationMeeting(
                reference=ref, kind=kind, held_on=day, host="区司法局", topic="x", agency_ids=[eco]
            ),
        )
    for voucher, day, quantity in (("V-1", date(2023, 3, 1), 30), ("V-0", date(2022, 12, 1), 5)):
        run(
            ledger,
            ov.IssueEquipment(
                agency_id=eco,
                voucher_no=voucher,
                kind=EquipmentKind.BODY_CAMERA,
                quantity=quantity,
                issued_on=day,
            ),
        )
    given_exemption_list(ledger, codes=("MKT-E-01", "MKT-E-02"))
    given_exemption_list(
        ledger, domain=EnforcementDomain.ECOLOGY, in_force_from=date(2024, 1, 1), codes=("E",)
    )

    # Collaboration.
    action = given_joint_action(ledger, eco)
    given_checked_site(ledger, action, eco_team, 1)
    given_checked_site(ledger, action, eco_team, 2)
    given_problem(ledger, action)
    run(
        ledger,
        co.RecordRectification(action_id=action, problem_no=1, rectified_on=date(2023, 5, 9)),
    )
    run(ledger, co.RecordJointMeeting(action_id=action, held_on=date(2023, 5, 12), topic="座谈"))
    old = run(
        ledger,
        co.LaunchJointAction(
            reference="JA-0",
            title="x",
            field=EnforcementDomain.ECOLOGY,
            regions=[PartnerRegion.LANGFANG],
            agency_id=eco,
            starts_on=date(2022, 11, 1),
            ends_on=date(2022, 11, 5),
        ),
    )
    run(
        ledger,
        co.RecordSiteCheck(
            action_id=old, name="x", checked_on=date(2022, 11, 2), officer_ids=eco_team
        ),
    )
    case = given_cross_case(ledger, msa, msa_team)
    run(
        ledger,
        co.DecideCrossRegionalCase(
            case_id=case,
            decided_on=date(2023, 6, 1),
            goods_value_fen=1_474_610_000,
            goods_confiscated=True,
            fine_fen=75_000_000,
            officer_ids=msa_team,
        ),
    )
    given_transfer(ledger, msa)
    return SmallYear(
        database=database,
        ledger=ledger,
        msa=msa,
        eco=eco,
        urb=urb,
        overdue_case=overdue,
        officers=o,
    )


@contextmanager
def small_year_in(pg_server: Database) -> Iterator[SmallYear]:
    """The small year in a database of its own, projected."""
    name = "t_small_year_" + uuid4().hex[:12]
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database = Database.from_url(psycopg.conninfo.make_conninfo(pg_server.url, dbname=name))
    ledger = open_ledger(database, pool_size=2)
    try:
        year = given_a_small_year(ledger, database)
        follower = follower_for(ledger, database)
        follower.catch_up()
        follower.close()
        yield year
    finally:
        ledger.close()
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def small_year(pg_server: Database) -> Iterator[SmallYear]:
    """Shared by this module's tests: they only read."""
    with small_year_in(pg_server) as year:
        yield year


STEEL_CASE = {
    "case_no": "罚〔2023〕1号",
    "regions": ["langfang", "tangshan"],
    "opened_on": "2023-03-20",
    "decided_on": "2023-06-01",
    "goods": [{"description": "钢材", "quantity": 3215, "unit": "吨"}],
    "goods_value_fen": 1_474_610_000,
    "goods_confiscated": True,
    "fine_fen": 75_000_000,
}


def test_the_report_equals_the_figures_counted_by_hand(small_year: SmallYear) -> None:
    report = compute_report(small_year.database.url, 2023)
    assert set(report) == {*REPORT_KEYS, *EXTRA_KEYS}
    assert report == EXPECTED_2023


def test_the_next_year_counts_what_crossed_the_edge(small_year: SmallYear) -> None:
    report = compute_report(small_year.database.url, 2024)
    assert {
        k: report[k]
        for k in (
            "certified_officers",
            "certificates_issued",
            "penalties",
            "penalties_ordinary",
            "patrols",
            "plans",
            "exemption_list_domains",
        )
    } == {
        "certified_officers": 6,  # MSA-3 joins
        "certificates_issued": 1,
        "penalties": 1,
        "penalties_ordinary": 1,
        "patrols": 1,
        "plans": 1,
        "exemption_list_domains": 2,
    }
    assert report["inspections"] == report["case_files_reviewed"] == 0


def test_an_empty_ledger_reports_zeros(database: Database) -> None:
    report = compute_report(database.url, 2023)
    assert set(report) == {*REPORT_KEYS, *EXTRA_KEYS}
    assert all(value == 0 for value in report.values())


def test_the_command_line_prints_the_report_in_json_and_markdown(small_year: SmallYear) -> None:
    runner = CliRunner()
    env = {"LEDGER_DATABASE_URL": small_year.database.url, "LEDGER_KAFKA_BOOTSTRAP": ""}
    as_json = runner.invoke(app, ["report", "--year", "2023", "--format", "json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    printed = orjson.loads(as_json.stdout)
    # The figures, and the one cross-regional case decided in 2023 named on its own.
    assert printed == {**EXPECTED_2023, "cross_regional_case_list": [STEEL_CASE]}
    both = runner.invoke(app, ["report", "--year", "2023"], env=env)
    assert both.exit_code == 0, both.output
    assert "| 持证执法人员（年末） | 5名 |" in both.stdout
    assert "| Certified officers (year end) | 5 |" in both.stdout
    assert (
        "- 罚〔2023〕1号（与廊坊市、唐山市协作）：查获钢材3215吨，涉案货值14,746,100元，"
        "没收涉案产品并罚款750,000元"
    ) in both.stdout
    assert (
        "- 罚〔2023〕1号 (with Langfang, Tangshan): seized 3215 t of 钢材; goods value "
        "14,746,100 yuan; goods confiscated; fine 750,000 yuan"
    ) in both.stdout
    english = runner.invoke(app, ["report", "--year", "2023", "--lang", "en"], env=env)
    assert "| Participation rate | 80.0% |" in english.stdout
    assert "行政" not in english.stdout
    wrong = runner.invoke(app, ["report", "--year", "1999"], env=env)
    assert wrong.exit_code == 2


def test_a_closed_year_s_report_is_not_moved_by_later_unrelated_events(
    pg_server: Database,
) -> None:
    with small_year_in(pg_server) as year:
        before = compute_report(year.database.url, 2023)
        next_year = compute_report(year.database.url, 2024)
        # Given, years later: a new agency, an officer leaving the front line, another joining
        # it, and one whose change took effect back in 2023 — all recorded today.
        run(year.ledger, reg.RegisterAgency(code="NEW", name="新设局", domains=["market"]))
        run(year.ledger, reg.SetFrontline(officer_id=year.officers["MSA-1"], frontline=False))
        run(year.ledger, reg.SetFrontline(officer_id=year.officers["ECO-2"], frontline=True))
        run(
            year.ledger,
            reg.SetFrontline(
                officer_id=year.officers["URB-2"], frontline=True, effective_on=date(2024, 1, 1)
            ),
        )
        follower = follower_for(year.ledger, year.database)
        follower.catch_up()
        follower.close()

        # Then 2023 reads as it did, and the changes count from the day they took effect.
        assert compute_report(year.database.url, 2023) == before
        today = datetime.now(UTC).astimezone(DISTRICT_ZONE).year
        now = compute_report(year.database.url, today)
        assert now["agencies"] == before["agencies"] + 1
        # URB-2's change took effect on 1 January 2024: that year has one frontline more.
        later = compute_report(year.database.url, 2024)
        assert later["frontline_officers"] == next_year["frontline_officers"] + 1
        assert later["agencies"] == next_year["agencies"]
        # A year before any agency was registered has none, and no performance to rate.
        empty = compute_report(year.database.url, 2001)
        assert (empty["agencies"], empty["performance_rate"]) == (0, 0.0)
