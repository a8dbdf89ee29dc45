"""Any valid history, followed live in batches of any size, gives the views a rebuild from zero
gives — and those the in-memory fold gives.

Hypothesis draws a sequence of steps (plans, draws, inspections, cases, patrols, certificates,
frontline changes, reviews, tickets closed and reopened, meetings, suggestions, joint actions,
case transfers, cross-regional cases, equipment) carried out through the real commands, so
every rule applies: a step the rules refuse writes nothing (or, for an inspection attempt
without dual certificates, its refusal), which is a valid history too. The embedded follower
catches up at random points with random batch sizes; at the end every view table is compared
with a rebuild from zero and with ``fold`` over the log.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from consumers.follower import Follower
from consumers.rebuild import rebuild
from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.cases import commands as cc
from domain.cases.penalties import Penalties
from domain.cases.penalty_case import PenaltyCase
from domain.collaboration import commands as co
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.commands import Command
from domain.errors import DomainError
from domain.field.commands import RecordAreaPatrol
from domain.inspection import commands as insp
from domain.inspection.values import Outcome
from domain.oversight import commands as ov
from domain.oversight.values import (
    EquipmentKind,
    MeetingKind,
    ScreeningResult,
    SuggestionKind,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.planning import commands as plan
from domain.planning.entity_year import EntityYear
from domain.planning.plan import InspectionPlan
from domain.planning.values import PlanKind, TaskStatus
from domain.registry import commands as reg
from domain.values import (
    DISTRICT_ZONE,
    CreditRating,
    EnforcementDomain,
    PartyKind,
    RevocationReason,
)
from infra.postgres import Database
from infra.wiring import event_log, follower_for, open_ledger
from projections.model import fold
from projections.registry import all_projections
from tests.builders import given_agency, given_entity, given_officer
from tests.builders_cases import given_exemption_list, given_grid_cell
from tests.pipeline import as_folded, without_empty

STEPS = (
    "plan",
    "draw",
    "inspect",
    "simple_penalty",
    "file_case",
    "decide_case",
    "patrol",
    "certificate",
    "review",
    "ticket",
    "meeting",
    "joint_action",
    "equipment",
    "suggestion",
    "transfer",
    "cross_case",
    "frontline",
)
DRAWN_UP = datetime(2023, 1, 9, 9, tzinfo=DISTRICT_ZONE)


def moment(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=DISTRICT_ZONE)


@dataclass
class World:
    """What the steps act on, and how they pick their targets from a step's random number."""

    ledger: SupervisionLedger
    agencies: list[UUID]
    officers: dict[UUID, list[UUID]]
    entities: list[UUID]
    cells: list[str]
    tasks: list[tuple[UUID, int, UUID]] = field(default_factory=list)
    cases: list[UUID] = field(default_factory=list)
    serial: int = 0

    def run(self, command: Command) -> UUID | None:
        try:
            return self.ledger.execute(command, SYSTEM).id
        except DomainError:
            return None

    def next_no(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def step(self, name: str, rng: random.Random) -> None:
        getattr(self, f"_{name}")(rng)

    def _day(self, rng: random.Random) -> date:
        return date(2023, 3, 1) + timedelta(days=rng.randrange(270))

    def _team(self, agency: UUID, rng: random.Random) -> list[UUID]:
        return rng.sample(self.officers[agency], 2)

    def _plan(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        kind = rng.choice([PlanKind.SPECIAL, PlanKind.ROUTINE])
        plan_id = self.run(
            plan.DrawUpInspectionPlan(
                plan_no=self.next_no("P"),
                kind=kind,
                agency_id=agency,
                year=2023,
                title="x",
                item_codes=["MKT-001"],
                drawn_up_at=DRAWN_UP,
            )
        )
        if plan_id is None:
            return
        entities = rng.sample(self.entities, rng.randint(1, 3))
        specs = [
            plan.TaskSpec(entity_id=e, period_from=date(2023, 3, 1), period_to=date(2023, 11, 30))
            for e in entities
        ]
        if self.run(plan.AddPlanTasks(plan_id=plan_id, tasks=specs, added_at=DRAWN_UP)):
            self.tasks += [(plan_id, n, e) for n, e in enumerate(entities, start=1)]

    def _draw(self, rng: random.Random) -> None:
        joint = rng.random() < 0.5
        agencies = rng.sample(self.agencies, 2 if joint else 1)
        plan_id = self.run(
            plan.DrawUpInspectionPlan(
                plan_no=self.next_no("R"),
                kind=PlanKind.JOINT_RANDOM if joint else PlanKind.DOUBLE_RANDOM,
                agency_id=agencies[0],
                partner_agency_ids=agencies[1:],
                year=2023,
                title="x",
                item_codes=["MKT-001"],
                drawn_up_at=DRAWN_UP,
            )
        )
        if plan_id is None:
            return
        pool = [o for a in agencies for o in self.officers[a]]
        self.run(
            plan.DrawDoubleRandomSeeded(
                plan_id=plan_id,
                candidate_entity_ids=self.entities,
                candidate_officer_ids=pool,
                entities_to_draw=rng.randint(1, 3),
                officers_per_entity=2,
                seed=rng.randrange(10**6),
                period_from=date(2023, 3, 1),
                period_to=date(2023, 11, 30),
                drawn_at=moment(date(2023, 2, 1), 10),
            )
        )
        drawn = self.ledger.get_aggregate(plan_id)
        assert isinstance(drawn, InspectionPlan)
        self.tasks += [(plan_id, n, t.entity_id) for n, t in drawn.tasks.items()]

    def _inspect(self, rng: random.Random) -> None:
        if not self.tasks:
            return
        plan_id, task_no, entity_id = rng.choice(self.tasks)
        found = self.ledger.get_aggregate(plan_id)
        assert isinstance(found, InspectionPlan)
        if found.task(task_no).status not in (TaskStatus.SCHEDULED, TaskStatus.MERGED):
            return
        year = self.ledger.get_aggregate(EntityYear.create_id(entity_id, 2023))
        assert isinstance(year, EntityYear)
        visit = year.visit_of(found.ref(task_no))
        team = [self.officers[a][rng.randrange(2)] for a in visit.agency_ids]
        if len(team) == 1:
            team = self._team(visit.agency_ids[0], rng)
        day = visit.period.first + timedelta(days=rng.randrange(30))
        number = self.next_no("EC")
        self.run(
            plan.IssueECertificate(
                number=number,
                plan_id=plan_id,
                task_no=task_no,
                officer_ids=team,
                valid_from=moment(day, 8),
                valid_until=moment(day, 18),
                issued_at=moment(day, 7),
            )
        )
        inspection = self.run(
            insp.StartInspection(
                plan_id=plan_id,
                task_no=task_no,
                entity_id=entity_id,
                officer_ids=team,
                e_certificate_number=number if rng.random() < 0.9 else None,
                started_at=moment(day, 9),
            )
        )
        if inspection is not None:
            outcome = rng.choice(list(Outcome))
            self.run(
                insp.ConcludeInspection(
                    inspection_id=inspection,
                    outcome=outcome,
                    findings="见笔录",
                    concluded_at=moment(day, 11),
                )
            )

    def _intake(self, agency: UUID, team: list[UUID], rng: random.Random) -> dict[str, Any]:
        return {
            "agency_id": agency,
            "case_no": self.next_no("罚"),
            "officer_ids": team,
            "party_kind": PartyKind.ORGANISATION,
            "entity_id": rng.choice(self.entities),
            "violation": "违法行为",
            "violation_date": date(2023, 3, 1),
            "legal_basis": "法",
        }

    def _simple_penalty(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        self.run(
            cc.DecideOnTheSpot(
                **self._intake(agency, self._team(agency, rng), rng),
                decided_on=self._day(rng),
                penalties=Penalties(fine_fen=rng.randint(1, 300_000)),
            )
        )

    def _file_case(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        filed_on = self._day(rng)
        case = self.run(
            cc.FileCase(**self._intake(agency, self._team(agency, rng), rng), filed_on=filed_on)
        )
        if case is not None:
            self.cases.append(case)
            self.run(cc.RecordInvestigation(case_id=case, investigated_on=filed_on))

    def _decide_case(self, rng: random.Random) -> None:
        if not self.cases:
            return
        case = rng.choice(self.cases)
        found = self.ledger.get_aggregate(case)
        assert isinstance(found, PenaltyCase)
        day = found.opened_on + timedelta(days=rng.randrange(100))
        choice = rng.randrange(4)
        if choice == 0:
            self.run(cc.DecideCase(case_id=case, decided_on=day, penalties=Penalties(warning=True)))
        elif choice == 1:
            self.run(cc.CloseWithEducation(case_id=case, decided_on=day, correction="改正"))
        elif choice == 2:
            self.run(cc.RequestLegalReview(case_id=case, requested_on=day))
        else:
            self.run(
                cc.ApproveExtension(
                    case_id=case,
                    approved_on=day,
                    new_deadline=day + timedelta(days=30),
                    approver="局长",
                    reason="复杂",
                )
            )

    def _patrol(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        start = moment(self._day(rng), rng.choice([9, 22, 23]))
        self.run(
            RecordAreaPatrol(
                agency_id=agency,
                grid_cell=rng.choice(self.cells),
                officer_ids=self._team(agency, rng),
                started_at=start,
                ended_at=start + timedelta(hours=2),
                problems_found=rng.randrange(3),
            )
        )

    def _certificate(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        if rng.random() < 0.5:
            officer = rng.choice(self.officers[agency])
            self.run(
                reg.RevokeCertificate(
                    officer_id=officer,
                    revoked_on=self._day(rng),
                    reason=rng.choice(list(RevocationReason)),
                )
            )
        else:
            no = self.next_no("N")
            self.officers[agency].append(
                given_officer(self.ledger, agency, no, certified_on=self._day(rng))
            )

    def _review(self, rng: random.Random) -> None:
        self.run(
            cc.ReviewCaseFile(
                agency_id=rng.choice(self.agencies),
                file_no=self.next_no("F"),
                file_year=2022,
                standard_version="2023",
                reviewed_on=self._day(rng),
                form_points=rng.randint(0, 30),
                content_points=rng.randint(0, 70),
            )
        )

    def _ticket(self, rng: random.Random) -> None:
        day = self._day(rng)
        ticket = self.run(
            ov.ReceiveTicket(
                ticket_no=self.next_no("T"),
                received_at=moment(day, 9),
                channel=TicketChannel.PHONE,
                category=rng.choice(list(TicketCategory)),
                summary="投诉",
                deadline=day + timedelta(days=rng.randrange(20)),
            )
        )
        if ticket is None or rng.random() < 0.2:
            return
        relevant = rng.random() < 0.8
        result = ScreeningResult.RELEVANT if relevant else ScreeningResult.NOT_RELEVANT
        self.run(ov.ScreenTicket(ticket_id=ticket, screened_at=moment(day, 10), result=result))
        later = day + timedelta(days=rng.randrange(1, 30))
        if relevant:
            agency = rng.choice(self.agencies)
            self.run(ov.RouteTicket(ticket_id=ticket, agency_id=agency, routed_at=moment(day, 11)))
            self.run(
                ov.HandleTicket(
                    ticket_id=ticket,
                    handled_at=moment(later, 9),
                    finding=TicketFinding.SUBSTANTIATED,
                    result="整改",
                )
            )
        if rng.random() < 0.7:
            closed = self.run(ov.CloseTicket(ticket_id=ticket, closed_at=moment(later, 15)))
            if closed is not None and rng.random() < 0.4:
                self.run(
                    ov.ReopenTicket(
                        ticket_id=ticket, reopened_at=moment(later, 17), reason="市民不满意"
                    )
                )

    def _meeting(self, rng: random.Random) -> None:
        self.run(
            ov.RecordCoordinationMeeting(
                reference=self.next_no("CS"),
                kind=rng.choice(list(MeetingKind)),
                held_on=self._day(rng),
                host="街道",
                topic="x",
                agency_ids=rng.sample(self.agencies, 2),
            )
        )

    def _joint_action(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        starts = self._day(rng)
        action = self.run(
            co.LaunchJointAction(
                reference=self.next_no("JA"),
                title="联动",
                field=EnforcementDomain.ECOLOGY,
                regions=rng.sample([PartnerRegion.TANGSHAN, PartnerRegion.CANGZHOU], 2),
                agency_id=agency,
                starts_on=starts,
                ends_on=starts + timedelta(days=5),
            )
        )
        if action is None:
            return
        for _ in range(rng.randrange(3)):
            self.run(
                co.RecordSiteCheck(
                    action_id=action,
                    name="企业",
                    region=rng.choice([None, PartnerRegion.TANGSHAN]),
                    checked_on=starts + timedelta(days=1),
                    officer_ids=self._team(agency, rng),
                )
            )
            self.run(
                co.RecordActionProblem(
                    action_id=action,
                    site_no=1,
                    description="问题",
                    found_on=starts + timedelta(days=1),
                )
            )

    def _suggestion(self, rng: random.Random) -> None:
        day = self._day(rng)
        suggestion = self.run(
            ov.ReceiveSuggestion(
                reference=self.next_no("津检建"),
                kind=rng.choice(list(SuggestionKind)),
                issuer="滨海新区人民检察院",
                agency_id=rng.choice([None, *self.agencies]),
                subject="规范执法",
                received_on=day,
                deadline=day + timedelta(days=60),
            )
        )
        if suggestion is not None and rng.random() < 0.6:
            self.run(
                ov.AnswerSuggestion(
                    suggestion_id=suggestion,
                    answered_on=day + timedelta(days=rng.randrange(90)),
                    answer="已整改",
                )
            )

    def _transfer(self, rng: random.Random) -> None:
        day = self._day(rng)
        transfer = self.run(
            co.RecordCaseTransfer(
                direction=rng.choice(list(TransferDirection)),
                region=rng.choice([PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN]),
                case_reference=self.next_no("移"),
                agency_id=rng.choice(self.agencies),
                transferred_on=day,
                summary="线索移送",
            )
        )
        if transfer is not None and rng.random() < 0.7:
            self.run(
                co.RecordTransferOutcome(
                    transfer_id=transfer,
                    outcome=rng.choice(list(TransferOutcome)),
                    decided_on=day + timedelta(days=rng.randrange(20)),
                )
            )

    def _cross_case(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        opened = self._day(rng)
        case = self.run(
            co.OpenCrossRegionalCase(
                case_no=self.next_no("协"),
                regions=rng.sample([PartnerRegion.LANGFANG, PartnerRegion.TANGSHAN], 2),
                agency_id=agency,
                opened_on=opened,
                cause="销售冒用厂名、厂址的产品",
                party_kind=PartyKind.ORGANISATION,
                entity_name="某钢材公司",
            )
        )
        if case is None:
            return
        team = self._team(agency, rng)
        for _ in range(rng.randrange(3)):
            self.run(
                co.RecordSeizure(
                    case_id=case,
                    description="钢材",
                    quantity=Decimal(rng.randint(1, 5000)),
                    unit="吨",
                    seized_on=opened,
                    officer_ids=team,
                )
            )
        if rng.random() < 0.5:
            self.run(co.RequestCrossRegionalLegalReview(case_id=case, requested_on=opened))
            self.run(
                co.RecordCrossRegionalLegalReview(
                    case_id=case, reviewed_on=opened, passed=True, reviewer="法制科"
                )
            )
        self.run(
            co.DecideCrossRegionalCase(
                case_id=case,
                decided_on=opened + timedelta(days=rng.randrange(120)),
                goods_value_fen=rng.randint(0, 10**9),
                goods_confiscated=rng.random() < 0.5,
                fine_fen=rng.randint(0, 10**8),
                officer_ids=team,
            )
        )

    def _frontline(self, rng: random.Random) -> None:
        agency = rng.choice(self.agencies)
        self.run(
            reg.SetFrontline(
                officer_id=rng.choice(self.officers[agency]),
                frontline=rng.random() < 0.5,
                effective_on=rng.choice([None, self._day(rng)]),
            )
        )

    def _equipment(self, rng: random.Random) -> None:
        self.run(
            ov.IssueEquipment(
                agency_id=rng.choice(self.agencies),
                voucher_no=self.next_no("V"),
                kind=rng.choice(list(EquipmentKind)),
                quantity=rng.randint(1, 50),
                issued_on=self._day(rng),
            )
        )


def a_world(ledger: SupervisionLedger) -> World:
    agencies = [given_agency(ledger, code) for code in ("MSA", "ECO", "URB")]
    officers = {
        a: [given_officer(ledger, a, f"{code}-{n}") for n in range(3)]
        for a, code in zip(agencies, ("MSA", "ECO", "URB"), strict=True)
    }
    entities = [given_entity(ledger, n, CreditRating.A if n % 3 == 0 else None) for n in range(6)]
    cells = [f"G-00{n}" for n in range(3)]
    for code in cells:
        given_grid_cell(ledger, code)
    ledger.execute(
        reg.ListInspectionItem(
            code="MKT-001", name="x", domain=EnforcementDomain.MARKET, legal_basis="法"
        ),
        SYSTEM,
    )
    given_exemption_list(ledger)
    return World(ledger, agencies, officers, entities, cells)


@contextmanager
def fresh_database(pg_server: Database) -> Iterator[Database]:
    name = f"t_prop_{uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Database.from_url(psycopg.conninfo.make_conninfo(pg_server.url, dbname=name))
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(database: Database) -> Snapshot:
    with psycopg.connect(database.url) as conn:
        return {
            table.name: conn.execute(
                sql.SQL("SELECT * FROM views.{} ORDER BY {}").format(
                    sql.Identifier(table.name),
                    sql.SQL(", ").join(map(sql.Identifier, table.keys)),
                )
            ).fetchall()
            for projection in all_projections()
            for table in projection.TABLES
        }


steps = st.lists(
    st.tuples(
        st.sampled_from(STEPS),
        st.integers(min_value=0, max_value=2**32),
        st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    ),
    min_size=8,
    max_size=35,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.slow
@given(history=steps)
def test_a_history_followed_live_in_any_batches_equals_a_rebuild_from_zero(
    pg_server: Database, history: list[tuple[str, int, int | None]]
) -> None:
    with fresh_database(pg_server) as database:
        ledger = open_ledger(database, pool_size=2)
        follower: Follower = follower_for(ledger, database)
        try:
            world = a_world(ledger)
            for name, seed, batch in history:
                world.step(name, random.Random(seed))
                if batch is not None:
                    follower.catch_up(batch=batch)
            follower.catch_up(batch=7)
            live = snapshot(database)
            log = event_log(ledger, database)
            everything = log.read(0, 1_000_000)
            replayed = rebuild(log, follower.store, all_projections())
            assert replayed == len(everything)
            assert snapshot(database) == live
            assert as_folded(database) == without_empty(fold(all_projections(), everything))
            # The same, the log folded in two parts by two processes (as a long log is).
            assert rebuild(log, follower.store, all_projections(), split_above=0) == replayed
            log.close()
            assert snapshot(database) == live
        finally:
            follower.close()
            ledger.close()
