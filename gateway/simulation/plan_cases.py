"""Penalty cases of both procedures, and cases closed with education and correction.

Simple procedure (简易程序): a warning or a fine within the art. 51 caps, decided on the spot.
Ordinary procedure (普通程序): filed, investigated, legally reviewed where the agency's list of
major decisions says so, decided within 90 days of filing (a few with an approved extension),
served, executed (paid, or partly paid and the rest waived) and closed — every step inside the
year. About a quarter of the ordinary cases follow an inspection that found problems.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from domain.cases.penalties import ConfiscatedGoods, Measure, Penalties, PenaltyKind
from domain.cases.rules import DECISION_PERIOD, major_decision_items
from domain.cases.values import ServiceMethod
from domain.inspection.values import Outcome
from domain.personal import PersonalData
from domain.values import PartyKind
from gateway.simulation import names
from gateway.simulation.acts import Execution, OrdinaryCase, Party, SimpleCase, Visit
from gateway.simulation.calendar import between, leaning
from gateway.simulation.profile import Profile
from gateway.simulation.world import SimAgency, World, person_name

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random) -> str:
    """A well-formed resident identity number (GB 11643) of someone born in the district."""
    born = between(rng, date(1955, 1, 1), date(2004, 12, 31))
    first17 = f"120116{born:%Y%m%d}{rng.randint(0, 999):03d}"
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def citizen(rng: random.Random) -> Party:
    phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
    person = PersonalData(name=person_name(rng), id_number=resident_id(rng), phone=phone)
    return Party(PartyKind.CITIZEN, person=person)


def organisation(world: World, rng: random.Random) -> Party:
    return Party(PartyKind.ORGANISATION, entity=rng.choice(world.entities))


def _violation(agency: SimAgency, rng: random.Random) -> tuple[str, str]:
    domain = rng.choice(agency.domains)
    article = rng.randint(20, 90)
    return rng.choice(names.VIOLATIONS[domain]), f"{names.LAWS[domain]}第{article}条"


def plan_cases(
    world: World, profile: Profile, visits: Sequence[Visit], rng: random.Random
) -> tuple[list[SimpleCase], list[OrdinaryCase]]:
    simple = [_simple(world, rng) for _ in range(profile.penalties_simple)]
    leads = [v for v in visits if v.outcome is Outcome.PROBLEMS_FOUND]
    rng.shuffle(leads)
    linked = leads[: profile.penalties_ordinary // 4]
    ordinary = [
        _ordinary(world, rng, linked.pop() if linked else None)
        for _ in range(profile.penalties_ordinary)
    ]
    ordinary += [_education(world, rng) for _ in range(profile.education_corrections)]
    return simple, ordinary


def number_cases(simple: Sequence[SimpleCase], ordinary: Sequence[OrdinaryCase], year: int) -> None:
    """Case numbers per agency, in the order the cases were opened (津滨市监罚〔2023〕0001号)."""
    counters: dict[tuple[int, str], int] = defaultdict(int)
    opened: list[SimpleCase | OrdinaryCase] = sorted(
        [*simple, *ordinary], key=lambda c: (c.first, c.agency.index)
    )
    for case in opened:
        kind = "简罚" if isinstance(case, SimpleCase) else "罚"
        counters[(case.agency.index, kind)] += 1
        n = counters[(case.agency.index, kind)]
        case.case_no = f"{case.agency.kind.short}{kind}〔{year}〕{n:04d}号"


def _simple(world: World, rng: random.Random) -> SimpleCase:
    agency = world.weighted_agency(rng)
    day = between(rng, world.calendar.day(1, 2), world.calendar.last)
    violation, basis = _violation(agency, rng)
    if rng.random() < 0.55:
        party = citizen(rng)
        warning_only = rng.random() < 0.25
        fine = 0 if warning_only else rng.randint(2, 20) * 1_000
        penalties = Penalties(warning=warning_only or rng.random() < 0.3, fine_fen=fine)
    else:
        party = organisation(world, rng)
        penalties = Penalties(fine_fen=rng.randint(2, 30) * 10_000)
    paid = world.calendar.clamp(day + timedelta(days=rng.choice((0, 0, 0, 3, 7, 15))))
    closed = world.calendar.clamp(paid + timedelta(days=rng.randint(0, 5)))
    return SimpleCase(
        agency=agency,
        first=day,
        last=day,
        party=party,
        violation=violation,
        legal_basis=basis,
        penalties=penalties,
        paid_on=paid if penalties.money_due_fen else None,
        closed_on=closed,
    )


def _fine_yuan(rng: random.Random) -> int:
    tier = rng.random()
    if tier < 0.55:
        return rng.randint(2, 20) * 500
    if tier < 0.85:
        return rng.randint(10, 50) * 1_000
    if tier < 0.97:
        return rng.randint(10, 40) * 5_000
    return rng.randint(20, 100) * 10_000


def _penalties(rng: random.Random, party: Party) -> tuple[Penalties, int]:
    """Penalties of an ordinary decision, and the value of the goods involved (fen)."""
    fine = _fine_yuan(rng) * 100
    if party.kind is PartyKind.CITIZEN:
        fine = min(fine, 5_000_000)
    gains = rng.randint(10, 1_000) * 10_000 if rng.random() < 0.12 else 0
    goods: list[ConfiscatedGoods] = []
    value = 0
    if rng.random() < 0.05:
        value = rng.randint(5, 500) * 100_000
        goods.append(
            ConfiscatedGoods(
                description="涉案商品",
                quantity=Decimal(rng.randint(10, 5_000)),
                unit="件",
                value_fen=value,
            )
        )
    measures = []
    roll = rng.random()
    if roll < 0.01:
        measures.append(Measure(kind=PenaltyKind.SUSPEND_BUSINESS, detail="责令停产停业整顿一个月"))
    elif roll < 0.04:
        measures.append(Measure(kind=PenaltyKind.LICENCE_SUSPENSION, detail="暂扣许可证件三个月"))
    penalties = Penalties(
        warning=rng.random() < 0.2,
        fine_fen=fine,
        confiscated_gains_fen=gains,
        confiscated_goods=goods,
        measures=measures,
    )
    return penalties, value


def _ordinary(world: World, rng: random.Random, lead: Visit | None) -> OrdinaryCase:
    cal = world.calendar
    step = rng.randint
    agency = lead.agency if lead is not None else world.weighted_agency(rng)
    if lead is not None:
        party = Party(PartyKind.ORGANISATION, entity=lead.entity)
    else:
        party = citizen(rng) if rng.random() < 0.25 else organisation(world, rng)
    penalties, goods_value = _penalties(rng, party)
    major = bool(major_decision_items(penalties, agency.major_items))
    # Offsets from filing, in days; the filing day is chosen last so the case fits the year.
    investigated = step(2, 25)
    last = investigated
    review = None
    if major:
        requested = last + step(1, 5)
        last = requested + step(1, 7)
        review = (requested, last)
    due = DECISION_PERIOD.days
    extension = None
    if rng.random() < 0.02:
        approved = max(last, due - step(1, 10))
        extension = (approved, due + step(20, 30))
        decided = approved + step(1, 15)
    else:
        decided = min(due, last + step(1, 20))
    served = decided + step(0, 7)
    paid = served + step(1, 15)
    waived = None
    fine_paid = penalties.fine_fen
    gains_paid = penalties.confiscated_gains_fen
    last = paid
    if rng.random() < 0.06 and penalties.fine_fen >= 200:
        # Part paid, the rest waived (减免) on the agency head's approval.
        fine_paid, gains_paid = penalties.fine_fen // 2, 0
        waived = last = paid + step(5, 30)
    closed = last + step(1, 10)
    latest_filing = cal.last - timedelta(days=closed)
    after_lead = lead.first + timedelta(days=1) if lead is not None else cal.last
    if lead is not None and after_lead <= latest_filing:
        filed = between(rng, after_lead, min(latest_filing, lead.first + timedelta(days=10)))
        violated = lead.first
    else:
        if lead is not None:  # too late in the year to follow this inspection up in it
            party = organisation(world, rng)
            lead = None
        filed = leaning(rng, cal.day(1, 3), latest_filing, cal.day(4, 1))
        violated = filed - timedelta(days=step(0, 20))
    violation, basis = _violation(agency, rng)

    def on(offset: int) -> date:
        return filed + timedelta(days=offset)

    return OrdinaryCase(
        agency=agency,
        first=filed,
        last=on(decided),
        party=party,
        violation=violation,
        violation_date=violated,
        legal_basis=basis,
        inspection=lead,
        goods_value_fen=goods_value,
        investigated_on=on(investigated),
        findings=f"经调查，当事人{violation}的违法事实清楚，证据确凿",
        review=(on(review[0]), on(review[1])) if review else None,
        extension=(on(extension[0]), on(extension[1])) if extension else None,
        decided_on=on(decided),
        penalties=penalties,
        execution=Execution(
            served_on=on(served),
            method=rng.choices(list(ServiceMethod), weights=(0, 50, 5, 15, 25, 1, 4))[0],
            paid_on=on(paid),
            fine_fen=fine_paid,
            gains_fen=gains_paid,
            waived_on=on(waived) if waived is not None else None,
        ),
        closed_on=on(closed),
    )


def _education(world: World, rng: random.Random) -> OrdinaryCase:
    cal = world.calendar
    agency = world.weighted_agency(rng)
    investigated = rng.randint(2, 20)
    decided = investigated + rng.randint(1, 10)
    filed = between(rng, cal.day(1, 3), cal.last - timedelta(days=decided))
    violation, basis = _violation(agency, rng)
    party = citizen(rng) if rng.random() < 0.4 else organisation(world, rng)
    return OrdinaryCase(
        agency=agency,
        first=filed,
        last=filed + timedelta(days=decided),
        party=party,
        violation=violation,
        violation_date=filed - timedelta(days=rng.randint(0, 10)),
        legal_basis=basis,
        investigated_on=filed + timedelta(days=investigated),
        findings=f"当事人{violation}，系初次违法且危害后果轻微，已主动改正",
        decided_on=filed + timedelta(days=decided),
        closed_on=filed + timedelta(days=decided),
    )
