"""The plan of a simulated year, before anything is written: it adds up to the profile, every
team is legal, every officer and agency acts, the draws are the domain's own, and a seed always
gives the same year."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain.inspection.values import Outcome
from domain.planning import draw
from domain.planning.values import PlanKind
from domain.rules import MIN_TEAM
from domain.values import CreditRating
from gateway.simulation.acts import MAX_TEAM
from gateway.simulation.profile import Profile, first_tasks_needed, inconsistencies, load_profile
from gateway.simulation.year import SimulatedYear, plan_year

PROFILES = Path(__file__).resolve().parents[2] / "gateway" / "simulation" / "profiles"


@st.composite
def profiles(draw_: st.DrawFn) -> Profile:
    """Small consistent profiles, every figure free within what the rules allow."""
    n = st.integers
    agencies = draw_(n(1, 4))
    issued, revoked = draw_(n(0, 4)), draw_(n(0, 4))
    certified = 2 * agencies + issued + draw_(n(0, 12))
    dr, special = draw_(n(0, 4)), draw_(n(0, 4))
    joint_random = draw_(n(0, 2)) if agencies > 1 else 0
    routine = draw_(n(0, 3))
    plans = dr + special + joint_random + routine
    hand = special + routine
    merged = draw_(n(0, 3)) if hand >= 2 else 0
    avoided = merged + (draw_(n(0, merged)) if merged else 0)
    exemptions = draw_(n(0, 2)) if dr + joint_random else 0
    found = draw_(n(0, 3))
    data: dict[str, Any] = {
        "year": 2023,
        "agencies": agencies,
        "certified_officers": certified,
        "frontline_officers": draw_(n(0, certified)),
        "certificates_issued": issued,
        "certificates_revoked": revoked,
        "penalties_simple": draw_(n(0, 6)),
        "penalties_ordinary": draw_(n(0, 8)),
        "patrols": draw_(n(agencies, 30)),  # with the other acts, enough for every officer
        "education_corrections": draw_(n(0, 4)),
        "plans": plans,
        "plans_double_random": dr,
        "plans_special": special,
        "joint_random_tasks": joint_random,
        "case_files_reviewed": draw_(n(0, 10)),
        "honesty_exemptions": exemptions,
        "joint_inspections_merged": merged,
        "inspections_avoided": avoided,
        "hotline_tickets": draw_(n(0, 8)),
        "whistle_meetings": draw_(n(0, 2)),
        "difficult_case_meetings": draw_(n(0, 2)),
        "collaboration_actions": draw_(n(1, 2)),
        "collaboration_enterprises_checked": draw_(n(1, 4)),
        "collaboration_problems_found": found,
        "collaboration_problems_rectified": draw_(n(0, found)),
        "collaboration_meetings": draw_(n(0, 2)),
    }
    data["penalties"] = data["penalties_simple"] + data["penalties_ordinary"]
    probe = Profile.model_construct(**data, inspections=0, on_site_corrections=0)
    needed = max(first_tasks_needed(probe), merged)
    inspections = needed + draw_(n(0, 25))
    data["inspections"] = inspections
    data["on_site_corrections"] = draw_(n(0, inspections))
    candidate = Profile.model_construct(**data)
    assume(not inconsistencies(candidate))
    return Profile.model_validate(data)


def check_adds_up(year: SimulatedYear) -> None:
    p = year.profile
    kinds = Counter(plan.kind for plan in year.plans)
    assert len(year.plans) == p.plans
    assert kinds[PlanKind.DOUBLE_RANDOM] == p.plans_double_random
    assert kinds[PlanKind.SPECIAL] == p.plans_special
    assert kinds[PlanKind.JOINT_RANDOM] == p.joint_random_tasks
    assert all(plan.slots for plan in year.plans), "every plan has a task"
    assert len(year.visits) == p.inspections
    joint = [v for v in year.visits if v.joint]
    assert len(joint) == p.joint_inspections_merged
    assert sum(len(v.slots) - 1 for v in joint) == p.inspections_avoided
    exempt = [s for plan in year.plans for s in plan.slots if s.exempt]
    assert len(exempt) == p.honesty_exemptions
    outcomes = Counter(v.outcome for v in year.visits)
    assert outcomes[Outcome.CORRECTED_ON_SITE] == p.on_site_corrections
    assert len(year.simple) == p.penalties_simple
    assert sum(1 for c in year.ordinary if c.penalties is not None) == p.penalties_ordinary
    assert sum(1 for c in year.ordinary if c.penalties is None) == p.education_corrections
    assert len(year.patrols) == p.patrols
    assert len(year.reviews) == p.case_files_reviewed
    assert len(year.tickets) == p.hotline_tickets
    assert len(year.meetings) == p.whistle_meetings + p.difficult_case_meetings
    assert len(year.actions) == p.collaboration_actions
    assert sum(len(a.sites) for a in year.actions) == p.collaboration_enterprises_checked
    problems = [pr for a in year.actions for pr in a.problems]
    assert len(problems) == p.collaboration_problems_found
    assert sum(1 for pr in problems if pr.rectified_on) == p.collaboration_problems_rectified
    assert sum(len(a.meetings) for a in year.actions) == p.collaboration_meetings


def check_officers(year: SimulatedYear) -> None:
    p, cal = year.profile, year.world.calendar
    officers = year.world.officers
    at_year_end = [o for o in officers if o.revoked_on is None]
    assert len(year.world.agencies) == p.agencies
    assert len(at_year_end) == p.certified_officers
    assert sum(1 for o in at_year_end if o.frontline) == p.frontline_officers
    assert sum(1 for o in officers if o.issued_on.year == p.year) == p.certificates_issued
    revoked = [o for o in officers if o.revoked_on is not None]
    assert len(revoked) == p.certificates_revoked
    assert all(o.revoked_on is not None and o.revoked_on.year == p.year for o in revoked)
    assert all(o.first_day >= cal.first and o.last_day <= cal.last for o in officers)


def check_teams(year: SimulatedYear) -> None:
    acting: set[int] = set()
    for act in year.team_acts:
        assert MAX_TEAM >= len(set(map(id, act.team))) == len(act.team) >= MIN_TEAM
        assert {a.index for a in act.agencies} == {o.agency.index for o in act.team}
        assert all(o.covers(act.first, act.last) for o in act.team)
        acting.add(act.agency.index)
    on_a_team = {id(o) for act in year.team_acts for o in act.team}
    assert all(id(o) in on_a_team for o in year.world.officers), "participation 100 %"
    assert acting == {a.index for a in year.world.agencies}, "performance 100 %"


def check_draws(year: SimulatedYear) -> None:
    """Each draw is what the domain's draw gives; exactly the entities to exempt are rated A
    among those drawn; joint inspections merge tasks of different plans on one entity."""
    for plan in year.plans:
        for done in plan.draws:
            again = draw.draw(
                done.seed,
                [e.id for e in done.candidates],
                [o.id for o in done.officers],
                len(done.drawn),
                2,
            )
            assert again == done.drawn
        for slot in plan.slots:
            assert slot.entity is not None
            rated_a = slot.entity.rating is CreditRating.A
            if plan.random:
                assert rated_a == slot.exempt
    for visit in year.visits:
        assert len({id(s.plan) for s in visit.slots}) == len(visit.slots)
        assert len({id(s.entity) for s in visit.slots}) == 1
        assert all(s.plan.period_first <= visit.first for s in visit.slots)
        assert visit.first <= max(s.plan.period_last for s in visit.slots)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles(), seed=st.integers(0, 2**32))
def test_any_consistent_profile_plans_a_year_that_adds_up(profile: Profile, seed: int) -> None:
    year = plan_year(profile, seed)

    check_adds_up(year)
    check_officers(year)
    check_teams(year)
    check_draws(year)


def test_the_reduced_profile_plans_a_legal_year() -> None:
    year = plan_year(load_profile(PROFILES / "binhai-2023-reduced.json"), 7)

    check_adds_up(year)
    check_officers(year)
    check_teams(year)
    check_draws(year)


def fingerprint(year: SimulatedYear) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(v.number, v.entity.uscc, tuple(o.no for o in v.team)) for v in year.visits]


def test_a_seed_gives_the_same_year_and_another_seed_another() -> None:
    profile = load_profile(PROFILES / "binhai-2023-reduced.json")

    first, again, other = plan_year(profile, 11), plan_year(profile, 11), plan_year(profile, 12)

    assert fingerprint(first) == fingerprint(again)
    assert [t.received_at for t in first.tickets] == [t.received_at for t in again.tickets]
    assert fingerprint(first) != fingerprint(other)
