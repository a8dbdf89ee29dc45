"""Behind Kafka, events of different aggregates arrive in any order (each aggregate's own in
order): every projection must come to the same views whatever the interleaving."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.envelope import Envelope
from domain.base import recording_as
from domain.cases.penalties import Penalties
from domain.cases.penalty_case import PenaltyCase
from domain.collaboration.joint_action import JointAction
from domain.collaboration.values import PartnerRegion
from domain.field.patrol import AreaPatrol
from domain.inspection.inspection import Inspection
from domain.inspection.values import Outcome
from domain.oversight.hotline_ticket import HotlineTicket
from domain.oversight.values import (
    ScreeningResult,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.planning.entity_year import EntityYear
from domain.planning.plan import InspectionPlan
from domain.planning.values import Period, PlanKind
from domain.registry.agency import Agency
from domain.registry.grid_cell import GridCell
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE, EnforcementDomain, RevocationReason
from projections.model import Folded, counter_columns
from projections.registry import all_projections
from tests.builders_cases import an_intake, an_investigated_case
from tests.builders_oversight import at
from tests.conftest import TEST_META
from tests.unit.test_projection_envelopes import EventLog, fold_all

AT = datetime(2023, 2, 1, 9, tzinfo=DISTRICT_ZONE)
SPRING = Period(first=date(2023, 3, 1), last=date(2023, 5, 31))


def a_history() -> list[Envelope]:
    """A small district: agencies, officers, plans merged on an entity, a joint inspection,
    cases, a patrol, a ticket and a joint action — most views get rows."""
    log = EventLog()
    with recording_as(TEST_META):
        msa = Agency(code="MSA", name="市场监管局", domains=[EnforcementDomain.MARKET])
        eco = Agency(code="ECO", name="生态环境局", domains=[EnforcementDomain.ECOLOGY])
        officers = []
        for n, agency in enumerate([msa, msa, eco, eco]):
            officer = Officer(officer_no=f"O-{n}", name="x", agency_id=agency.id, frontline=n < 3)
            officer.issue_certificate(number=f"C-{n}", issued_on=date(2022, 1, 1))
            officers.append(officer)
        cell = GridCell(code="G-001", name="一网格", street="新港街道")
        entity = uuid4()
        plans = [
            InspectionPlan.draw_up(f"P-{a.code}", PlanKind.SPECIAL, [a.id], 2023, "x", ["I"], AT)
            for a in (msa, eco)
        ]
        year = EntityYear(entity_id=entity, year=2023)
        for plan in plans:
            plan.add_tasks([(entity, SPRING)], AT)
            year.schedule(plan.ref(1), plan.kind, [plan.agency_id], SPRING, AT)
        for plan in plans:
            plan.mark_merged(1, year.id, 1, AT)
        inspection = Inspection(
            e_certificate_number="EC-1",
            entity_id=entity,
            tasks=[p.ref(1) for p in plans],
            entity_year_id=year.id,
            visit_no=1,
            agency_id=msa.id,
            agency_ids=[msa.id, eco.id],
            officer_ids=[officers[0].id, officers[2].id],
            started_at=datetime(2023, 4, 10, 9, tzinfo=DISTRICT_ZONE),
        )
        done = datetime(2023, 4, 10, 11, tzinfo=DISTRICT_ZONE)
        year.start(1, inspection.id, done)
        inspection.conclude(Outcome.CORRECTED_ON_SITE, "现场整改", done)
        year.end(1, inspection.id, True, done)
        for plan in plans:
            plan.mark_inspected(1, inspection.id, done)
            plan.complete(done)
        case, team = an_investigated_case(msa.id)
        case.decide(team, date(2023, 5, 1), Penalties(fine_fen=100_000), [])
        simple = PenaltyCase.decide_on_the_spot(
            an_intake(eco.id, case_no="简1"),
            officers[2:],
            date(2023, 5, 2),
            Penalties(warning=True),
            [],
        )
        patrol = AreaPatrol.record(
            agency_id=eco.id,
            grid_cell=cell,
            officers=officers[2:],
            started_at=datetime(2023, 5, 3, 9, tzinfo=DISTRICT_ZONE),
            ended_at=datetime(2023, 5, 3, 11, tzinfo=DISTRICT_ZONE),
            route="",
            notes="",
            problems_found=1,
        )
        ticket = HotlineTicket(
            ticket_no="T-1",
            received_at=at(3, 1),
            channel=TicketChannel.WEB,
            category=TicketCategory.NOISE,
            summary="噪声",
            person=None,
            deadline=date(2023, 3, 20),
        )
        ticket.screen(at(3, 1, 10), ScreeningResult.RELEVANT, "")
        ticket.route(eco.id, at(3, 1, 11), None)
        ticket.handle(at(3, 5), [], TicketFinding.SUBSTANTIATED, "整改")
        action = JointAction(
            reference="JA-1",
            title="联动",
            field=EnforcementDomain.ECOLOGY,
            regions=[PartnerRegion.TANGSHAN],
            agency_id=eco.id,
            starts_on=date(2023, 5, 8),
            ends_on=date(2023, 5, 12),
        )
        site = action.check_site("某公司", None, None, date(2023, 5, 9), [o.id for o in officers])
        action.rectify(action.find_problem(site, "x", date(2023, 5, 9)), date(2023, 5, 9), True, "")
        # Recorded after the acts naming the officer: a revocation on file bars new acts.
        officers[3].revoke_certificate(date(2023, 6, 1), RevocationReason.RETIREMENT, "")
        log.add(msa, eco, *officers, cell, *plans, year, inspection, case, simple, patrol, ticket)
        log.add(action)
    return log.envelopes


HISTORY = a_history()


def interleavings(events: list[Envelope]) -> st.SearchStrategy[list[Envelope]]:
    """Every order of ``events`` that keeps each aggregate's events in their order."""
    streams: dict[UUID, list[Envelope]] = defaultdict(list)
    for event in events:
        streams[event.aggregate_id].append(event)
    turns = [event.aggregate_id for event in events]

    def play(order: list[UUID]) -> list[Envelope]:
        taken: dict[UUID, int] = defaultdict(int)
        out = []
        for aggregate in order:
            out.append(streams[aggregate][taken[aggregate]])
            taken[aggregate] += 1
        return out

    return st.permutations(turns).map(play)


def test_the_history_writes_rows_of_most_views() -> None:
    tables = fold_all(HISTORY)
    assert len(tables) >= 15
    assert len({e.aggregate_id for e in HISTORY}) > 15


@settings(max_examples=60, deadline=None)
@given(shuffled=interleavings(HISTORY))
def test_any_interleaving_of_aggregates_gives_the_same_views(shuffled: list[Envelope]) -> None:
    assert fold_all(shuffled) == fold_all(HISTORY)


@given(split=st.integers(min_value=0, max_value=len(HISTORY)))
def test_a_log_folded_in_two_parts_and_merged_is_the_fold_of_the_whole(split: int) -> None:
    # What a rebuild in two processes relies on: counters add up, a later field value wins.
    projections = all_projections()
    first, later = Folded(), Folded()
    for projection in projections:
        first.apply(projection.changes(HISTORY[:split]))
        later.apply(projection.changes(HISTORY[split:]))
    first.merge_later(later.tables, counter_columns(projections))
    assert first.tables == fold_all(HISTORY)


@pytest.mark.usefixtures("as_system")
def test_a_late_registration_still_meets_its_officers() -> None:
    # An officer's certificate may be projected before its agency's registration arrives.
    agency = Agency(code="LATE", name="x", domains=[EnforcementDomain.URBAN])
    officer = Officer(officer_no="L-1", name="x", agency_id=agency.id, frontline=True)
    officer.issue_certificate(number="L-C", issued_on=date(2023, 1, 1) - timedelta(days=1))
    log = EventLog()
    log.add(officer, agency)
    tables = fold_all(log.envelopes)
    assert tables["certificates"][(officer.id, "L-C")]["agency_id"] == agency.id
    assert (agency.id,) in tables["agencies"]
