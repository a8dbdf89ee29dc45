"""The supervision counters over real events: acts per agency, kind and district day, and who
took part in them (the participation and performance rates' numerators)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

import domain.areas  # noqa: F401 - registers every aggregate and its events
from domain.base import DomainEvent
from domain.cases.penalties import Penalties
from domain.cases.penalty_case import PenaltyCase
from domain.field.patrol import AreaPatrol
from domain.inspection.inspection import Inspection
from domain.inspection.values import Outcome
from domain.planning.values import TaskRef
from domain.registry.agency import Agency
from domain.registry.grid_cell import GridCell
from domain.values import DISTRICT_ZONE, EnforcementDomain
from projections.registry import all_projections
from projections.supervision_counters import ACTS, ENFORCEMENT, SupervisionCounters
from tests.builders_cases import a_filed_case, a_team, an_intake
from tests.unit.test_projection_envelopes import EventLog, fold_all

pytestmark = pytest.mark.usefixtures("as_system")

LEAD, PARTNER = uuid4(), uuid4()
MARCH_10 = datetime(2023, 3, 10, 10, tzinfo=DISTRICT_ZONE)


def event_classes() -> dict[str, type[DomainEvent]]:
    found: dict[str, type[DomainEvent]] = {}
    pending: list[type[DomainEvent]] = [DomainEvent]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "." in cls.TOPIC:
            found[cls.TOPIC] = cls
    return found


def an_inspection(
    officers: list[UUID],
    agencies: tuple[UUID, ...] = (LEAD,),
    tasks: int = 1,
) -> Inspection:
    return Inspection(
        e_certificate_number=f"EC-{uuid4()}",
        entity_id=uuid4(),
        tasks=[TaskRef(plan_id=uuid4(), plan_no=f"P-{n}", task_no=1) for n in range(tasks)],
        entity_year_id=uuid4(),
        visit_no=1,
        agency_id=agencies[0],
        agency_ids=list(agencies),
        officer_ids=officers,
        started_at=MARCH_10,
    )


def counts(log: EventLog, table: str) -> dict[tuple[object, ...], int]:
    tables = fold_all(log.envelopes, [SupervisionCounters()])
    return {k: v["n"] for k, v in tables.get(table, {}).items()}


def test_every_topic_and_field_the_projections_read_exists_in_the_domain() -> None:
    known = event_classes()
    for projection in all_projections():
        assert projection.TOPICS is None or set(known) >= projection.TOPICS, projection.NAME
    for topic, acts in ACTS.items():
        fields = known[topic].model_fields
        for act in acts:
            named = [act.when, act.agency, act.officers, act.partners]
            assert {n for n in named if n} <= set(fields), (topic, act.kind)
            assert fields[act.agency].annotation is UUID, (topic, act.kind)  # one lead agency
    assert {a.kind for acts in ACTS.values() for a in acts} >= set(ENFORCEMENT)


def test_a_joint_inspection_is_one_act_of_its_lead_and_a_part_of_every_agency() -> None:
    officers = [uuid4(), uuid4(), uuid4()]
    joint = an_inspection(officers, (LEAD, PARTNER), tasks=2)
    joint.conclude(Outcome.CORRECTED_ON_SITE, "标签缺失，现场整改", MARCH_10 + timedelta(hours=1))
    log = EventLog()
    log.add(joint)
    march_10, march = date(2023, 3, 10), date(2023, 3, 1)
    assert counts(log, "acts_daily") == {
        (LEAD, "inspection", march_10): 1,
        (LEAD, "on_site_correction", march_10): 1,
    }
    assert counts(log, "agency_acts_monthly") == {(LEAD, march): 2, (PARTNER, march): 2}
    assert counts(log, "officer_acts_monthly") == {(o, march): 2 for o in officers}


def test_a_refused_inspection_is_no_enforcement_act() -> None:
    refused = an_inspection([uuid4(), uuid4()])
    refused.conclude(Outcome.REFUSED_BY_ENTITY, "拒绝检查", MARCH_10)
    log = EventLog()
    log.add(refused)
    assert counts(log, "acts_daily") == {(LEAD, "refused_by_entity", date(2023, 3, 10)): 1}
    assert counts(log, "officer_acts_monthly") == {}
    assert counts(log, "agency_acts_monthly") == {}


def test_acts_count_on_the_district_s_day_not_utc() -> None:
    # 16:30 UTC on 31 March is 00:30 on 1 April in the district.
    late = datetime(2023, 3, 31, 16, 30, tzinfo=UTC)
    inspection = an_inspection([uuid4(), uuid4()])
    inspection.conclude(Outcome.COMPLIANT, "", late)
    log = EventLog()
    log.add(inspection)
    assert counts(log, "acts_daily") == {(LEAD, "inspection", date(2023, 4, 1)): 1}
    assert set(counts(log, "agency_acts_monthly")) == {(LEAD, date(2023, 4, 1))}


def test_penalties_corrections_and_patrols_are_credited_to_their_agency_and_officers() -> None:
    agency = uuid4()
    team = a_team(agency, "A-1", "A-2")
    simple = PenaltyCase.decide_on_the_spot(
        an_intake(agency, case_no="简罚1"), team, date(2023, 5, 2), Penalties(fine_fen=5_000), []
    )
    educated, filing_team = a_filed_case(agency, case_no="罚2")
    educated.investigate(filing_team, date(2023, 3, 7), ["ab" * 32], "查明")
    educated.correct_with_education(filing_team, date(2023, 3, 8), "当场改正")
    patrol = AreaPatrol.record(
        agency_id=agency,
        grid_cell=GridCell(code="G-001", name="一网格", street="新港街道"),
        officers=team,
        started_at=datetime(2023, 5, 2, 9, tzinfo=DISTRICT_ZONE),
        ended_at=datetime(2023, 5, 2, 11, tzinfo=DISTRICT_ZONE),
        route="",
        notes="",
        problems_found=0,
    )
    registered = Agency(code="X", name="X", domains=[EnforcementDomain.MARKET])
    log = EventLog()
    log.add(simple, educated, patrol, registered)
    acts = counts(log, "acts_daily")
    assert acts == {
        (agency, "penalty", date(2023, 5, 2)): 1,
        (agency, "patrol", date(2023, 5, 2)): 1,
        (agency, "case_filed", date(2023, 3, 6)): 1,
        (agency, "education_correction", date(2023, 3, 8)): 1,
    }
    assert counts(log, "agency_acts_monthly") == {
        (agency, date(2023, 5, 1)): 2,
        (agency, date(2023, 3, 1)): 1,
    }
    by_officer = counts(log, "officer_acts_monthly")
    assert {o.id: by_officer[(o.id, date(2023, 5, 1))] for o in team} == {o.id: 2 for o in team}
    assert all(by_officer[(o.id, date(2023, 3, 1))] == 1 for o in filing_team)
    assert sum(counts(log, "events_daily").values()) == len(log.envelopes)
