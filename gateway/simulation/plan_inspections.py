"""Plans, their tasks, the double-random draws and the visits (inspections) of the year.

How the report's matching figures come out exactly (see ``domain/planning/entity_year.py``):
every task lands on its entity's year, and a task landing while the entity has an open visit is
merged into it if their periods share days (each task added by hand takes its visit's window,
``visit_window``; a random plan's draw runs to the year's end, so it holds every window).
All plans are written before any inspection starts, so every task on an entity ends up in one
visit: the entity's tasks *are* its visit. The plan therefore gives each entity either one
visit's tasks or none:

- a lone visit: one task, on an entity of its own;
- a joint inspection of ``k`` tasks: ``k`` tasks of ``k`` plans on one entity — one
  ``TasksMerged`` (a merged inspection) and ``k - 1`` inspections avoided;
- an honesty exemption: a drawn entity rated A before the draw, which is never scheduled.

Draws are computed here with the domain's own ``draw.draw`` (a pure function of the published
inputs), so the plan knows which entities each draw will pick before it is written, and rates
A exactly the entities meant to be exempted (and no other entity that a draw picks).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

from domain.inspection.values import Outcome
from domain.planning import draw
from domain.planning.values import PlanKind
from domain.values import CreditRating
from gateway.simulation import names
from gateway.simulation.acts import Draw, SimPlan, Slot, Visit
from gateway.simulation.calendar import DAY, at, between, leaning, minutes
from gateway.simulation.profile import Profile, ProfileError
from gateway.simulation.world import SimEntity, World

KIND_CODES = {
    PlanKind.DOUBLE_RANDOM: ("SJ", "双随机抽查"),
    PlanKind.SPECIAL: ("ZX", "专项检查"),
    PlanKind.JOINT_RANDOM: ("LH", "联合随机抽查"),
    PlanKind.ROUTINE: ("RC", "日常检查"),
}
MAX_DRAW = 150
"""Entities drawn per draw (a large plan draws several times): each drawn entity writes two or
three events, and one command's events must fit one transaction (see ``engine.EVENT_BUDGET``)."""
MAX_ADD = 150
"""Tasks per AddPlanTasks command, for the same reason (the command allows 500)."""
MAX_POOL_OFFICERS = 30
"""Officers offered to a draw (per agency): the plan's inspection team, not the whole agency —
a draw loads every candidate officer to check their certificates."""


def entities_needed(profile: Profile) -> int:
    """Entities to register: one per visit and exemption, and spare candidates for draws."""
    used = profile.inspections + profile.honesty_exemptions
    return used + max(50, used // 10)


def plan_inspections(
    world: World, profile: Profile, rng: random.Random
) -> tuple[list[SimPlan], list[Visit]]:
    plans = _plans(world, profile, rng)
    visit_plans = _assign_tasks(profile, plans, rng)
    visits = _visits(world, plans, visit_plans, rng)
    _draw_and_choose_entities(world, plans, rng)
    _rate_entities(world, plans, rng)
    _date_visits(world, visits, rng)
    _outcomes(visits, profile, rng)
    _complete(world, plans, rng)
    return plans, visits


def _plans(world: World, profile: Profile, rng: random.Random) -> list[SimPlan]:
    cal = world.calendar
    kinds = (
        [PlanKind.DOUBLE_RANDOM] * profile.plans_double_random
        + [PlanKind.SPECIAL] * profile.plans_special
        + [PlanKind.JOINT_RANDOM] * profile.joint_random_tasks
        + [PlanKind.ROUTINE] * profile.routine_plans
    )
    rng.shuffle(kinds)
    # Every agency draws up a plan when there are enough; the rest go by the agencies' size.
    leads = rng.sample(world.agencies, min(len(kinds), len(world.agencies)))
    leads += [world.weighted_agency(rng) for _ in range(len(kinds) - len(leads))]
    numbers: dict[tuple[int, PlanKind], int] = {}
    plans = []
    for kind, lead in zip(kinds, leads, strict=True):
        agencies = [lead]
        if kind is PlanKind.JOINT_RANDOM:
            others = [a for a in world.agencies if a is not lead]
            agencies += rng.sample(others, min(len(others), rng.choice((1, 1, 2, 3))))
        n = numbers[(lead.index, kind)] = numbers.get((lead.index, kind), 0) + 1
        code, label = KIND_CODES[kind]
        domains = list(dict.fromkeys(d for a in agencies for d in a.domains))
        items = [i.code for d in domains for i in world.items[d]]
        drawn_up = leaning(rng, cal.day(1, 3), cal.day(11, 10), cal.day(2, 20))
        scheduled = drawn_up + timedelta(days=rng.randint(0, 3))
        first = scheduled + DAY
        plans.append(
            SimPlan(
                no=f"{lead.code}-{code}-{n:04d}",
                kind=kind,
                agencies=agencies,
                title=f"{cal.year}年{names.DOMAIN_LABELS[domains[0]]}{label}（第{n}批）",
                item_codes=rng.sample(items, min(len(items), rng.randint(1, 3))),
                drawn_up_at=at(drawn_up, 9, rng.randint(0, 59)),
                scheduled_at=at(scheduled, 14, rng.randint(0, 59)),
                period_first=first,
                period_last=min(cal.last, first + timedelta(days=rng.randint(30, 150))),
                order=0,
            )
        )
    plans.sort(key=lambda p: (p.scheduled_at, p.no))
    for order, plan in enumerate(plans):
        plan.order = order
    return plans


def _cycle(items: list[SimPlan]) -> Iterator[SimPlan]:
    while True:
        yield from items


def _assign_tasks(
    profile: Profile, plans: list[SimPlan], rng: random.Random
) -> list[list[SimPlan]]:
    """For each visit, the plans of its tasks (first the one given in this function's last
    step); honesty exemptions go straight onto random plans as slots of their own."""
    visits = profile.inspections
    joint = profile.joint_inspections_merged
    random_plans = [p for p in plans if p.random]
    hand_plans = [p for p in plans if not p.random]
    rng.shuffle(random_plans)
    rng.shuffle(hand_plans)
    exempt_to = _cycle(random_plans)
    for _ in range(profile.honesty_exemptions):
        plan = next(exempt_to)
        plan.slots.append(Slot(plan=plan, exempt=True))
    # Joint inspection j merges the tasks of `extra` hand plans into its first task's visit.
    per_visit: list[list[SimPlan]] = [[] for _ in range(visits)]
    if joint:
        base, rest = divmod(profile.inspections_avoided, joint)
        extra_to = _cycle(hand_plans)
        for j in range(joint):
            per_visit[j] = [next(extra_to) for _ in range(base + (1 if j < rest else 0))]
    tasked = {id(p) for p in random_plans[: profile.honesty_exemptions]}
    tasked |= {id(p) for extras in per_visit for p in extras}
    empty = [p for p in plans if id(p) not in tasked]
    rng.shuffle(empty)
    order = list(range(joint, visits)) + list(range(joint))
    sizes = list(accumulate(rng.lognormvariate(0, 0.8) * (1.2 if p.random else 1.0) for p in plans))
    firsts: list[SimPlan] = []
    for position, v in enumerate(order):
        extras = per_visit[v]
        if position < len(empty):
            first = empty[position]
        else:
            first = rng.choices(plans, cum_weights=sizes)[0]
        while first in extras:
            first = rng.choices(plans, cum_weights=sizes)[0]
        firsts.append(first)
    if len(empty) > len(order):
        raise ProfileError(f"{len(empty) - len(order)} plans would have no task")
    for v, first in zip(order, firsts, strict=True):
        per_visit[v] = [first, *per_visit[v]]
    return per_visit


def _visits(
    world: World, plans: list[SimPlan], visit_plans: list[list[SimPlan]], rng: random.Random
) -> list[Visit]:
    visits = []
    for members in visit_plans:
        visit = Visit(
            agency=members[0].agency, first=world.calendar.first, last=world.calendar.last
        )
        for plan in members:
            slot = Slot(plan=plan, visit=visit)
            plan.slots.append(slot)
            visit.slots.append(slot)
        lead = visit.lead.plan
        visit.agency = lead.agency
        agencies = dict.fromkeys(a for s in visit.slots for a in s.plan.agencies)
        visit.others = tuple(a for a in agencies if a is not lead.agency)
        visit.size = rng.choice((2, 2, 3))
        visits.append(visit)
    for plan in plans:
        rng.shuffle(plan.slots)
        for task_no, slot in enumerate(plan.slots, start=1):
            slot.task_no = task_no
    return visits


def _draw_and_choose_entities(world: World, plans: list[SimPlan], rng: random.Random) -> None:
    free = list(world.entities)
    rng.shuffle(free)
    for plan in plans:
        if plan.random:
            _draw(world, plan, free, rng)
    for plan in plans:
        for slot in plan.slots:
            if slot.entity is not None:
                continue
            if slot.visit is None or slot is not slot.visit.slots[0]:
                continue
            slot.entity = free.pop()
    for plan in plans:
        for slot in plan.slots:
            if slot.entity is None and slot.visit is not None:
                slot.entity = slot.visit.slots[0].entity


def _draw(world: World, plan: SimPlan, free: list[SimEntity], rng: random.Random) -> None:
    """The plan's draws: every slot of a random plan is filled by a draw (the first slot of
    each of its visits, or an exemption)."""
    pool_officers = []
    for agency in plan.agencies:
        stable = agency.stable
        pool_officers += rng.sample(stable, min(len(stable), MAX_POOL_OFFICERS))
    by_officer_id = {o.id: o for o in pool_officers}
    for start in range(0, len(plan.slots), MAX_DRAW):
        slots = plan.slots[start : start + MAX_DRAW]
        for slot in slots:
            if slot.visit is not None and slot is not slot.visit.slots[0]:
                raise AssertionError("a random plan's task is never merged in by hand")
        count = len(slots)
        spare = min(len(free) - count, count + rng.randint(5, 20))
        if spare < 0:
            raise ProfileError("too few entities for the draws (a bug: entities_needed)")
        candidates = [free.pop() for _ in range(count + spare)]
        seed = rng.getrandbits(62)
        drawn = draw.draw(seed, [e.id for e in candidates], list(by_officer_id), count, 2)
        plan.draws.append(Draw(seed, candidates, pool_officers, drawn))
        by_id = {e.id: e for e in candidates}
        for slot, picked in zip(slots, drawn, strict=True):
            slot.entity = by_id.pop(picked.entity_id)
            slot.drawn_officers = [by_officer_id[i] for i in picked.officer_ids]
        free[:0] = by_id.values()  # the candidates not drawn stay free


def _rate_entities(world: World, plans: list[SimPlan], rng: random.Random) -> None:
    """A for the entities to exempt and for some inspected by hand; never A for another drawn
    one (it would be exempted); B, C, D or no rating for the rest."""
    drawn: set[int] = set()
    exempt: set[int] = set()
    for plan in plans:
        for slot in plan.slots:
            if slot.entity is None or not plan.random:
                continue
            (exempt if slot.exempt else drawn).add(id(slot.entity))
    cal = world.calendar
    for entity in world.entities:
        if id(entity) in exempt:
            rating: CreditRating | None = CreditRating.A
        else:
            choices = [None, CreditRating.A, CreditRating.B, CreditRating.C, CreditRating.D]
            rating = rng.choices(choices, weights=(60, 6, 24, 8, 2))[0]
            if rating is CreditRating.A and id(entity) in drawn:
                rating = CreditRating.B
        if rating is not None:
            entity.rating = rating
            entity.rated_on = between(
                rng, cal.day(1, 1).replace(year=cal.year - 1), cal.first - DAY
            )


def visit_window(visit: Visit) -> tuple[date, date]:
    """The days a visit may be held: from the latest start of its plans' periods to the latest
    end. Each task added by hand to the visit takes this window as its period, so the merged
    tasks share it (a random plan's draw holds it: its period runs to the year's end)."""
    plans = [s.plan for s in visit.slots]
    return max(p.period_first for p in plans), max(p.period_last for p in plans)


def _date_visits(world: World, visits: list[Visit], rng: random.Random) -> None:
    for visit in visits:
        first, last = visit_window(visit)
        day = between(rng, first, last)
        visit.first = visit.last = day
        visit.issued_at = at(day, 7, rng.randint(0, 50))
        visit.started_at = at(day, rng.randint(8, 15), rng.randint(0, 59))
        visit.concluded_at = visit.started_at + minutes(rng, 30, 180)
        for slot in visit.slots:
            if slot.drawn_officers:
                visit.team = list(slot.drawn_officers)
                break
    visits.sort(key=lambda v: (v.started_at, v.entity.seq))
    for n, visit in enumerate(visits, start=1):
        visit.number = f"EC{world.calendar.year}-{n:06d}"


def _outcomes(visits: list[Visit], profile: Profile, rng: random.Random) -> None:
    """Corrected on the spot as the profile says; about one in eight finds problems (some of
    them lead to penalty cases); the rest are compliant."""
    shuffled = list(visits)
    rng.shuffle(shuffled)
    corrected = shuffled[: profile.on_site_corrections]
    rest = shuffled[profile.on_site_corrections :]
    problems = rest[: max(len(rest) // 8, min(len(rest), profile.penalties_ordinary // 4))]
    for visit in corrected:
        visit.outcome = Outcome.CORRECTED_ON_SITE
        visit.findings = f"发现{_violation(visit, rng)}，已当场责令改正（现场规范），不予处罚"
    for visit in problems:
        visit.outcome = Outcome.PROBLEMS_FOUND
        visit.findings = f"发现{_violation(visit, rng)}，责令限期整改，另案处理"
    for visit in visits:
        if rng.random() < 0.25:
            visit.evidence = rng.randint(1, 3)


def _violation(visit: Visit, rng: random.Random) -> str:
    return rng.choice(names.VIOLATIONS[visit.agency.domains[0]])


def _complete(world: World, plans: list[SimPlan], rng: random.Random) -> None:
    for plan in plans:
        days = [plan.scheduled_at.date()]
        days += [s.visit.first for s in plan.slots if s.visit is not None]
        done = world.calendar.clamp(max(days) + timedelta(days=rng.randint(0, 3)))
        plan.completed_at = at(done, 20, rng.randint(0, 59))
