"""The supervision office's own year: case-file reviews, 12345 tickets and coordination meetings.

Reviews go back two years before the simulated one (most files predate the ledger and stand
alone); a part of them are files of the year's own closed cases, which the ledger links.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from domain.cases.review_standard import STANDARD_2023
from domain.oversight.values import (
    MeetingKind,
    Satisfaction,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.personal import PersonalData
from gateway.simulation import names
from gateway.simulation.acts import Handling, Meeting, OrdinaryCase, Review, SimpleCase, Ticket
from gateway.simulation.calendar import DAY, at, between, minutes
from gateway.simulation.profile import Profile
from gateway.simulation.world import SimAgency, World, person_name

RESULTS = {
    TicketFinding.SUBSTANTIATED: "情况属实，已责令整改并复查到位",
    TicketFinding.PARTLY_SUBSTANTIATED: "部分属实，已督促整改",
    TicketFinding.UNSUBSTANTIATED: "经现场核查，反映情况不属实，已向诉求人解释说明",
    TicketFinding.NOT_IN_REMIT: "非本单位职责，已说明并建议转办",
}


def plan_reviews(
    world: World,
    profile: Profile,
    cases: Sequence[SimpleCase | OrdinaryCase],
    rng: random.Random,
) -> list[Review]:
    cal = world.calendar
    closed = [c for c in cases if c.closed_on < cal.last]
    linked = rng.sample(closed, min(profile.case_files_reviewed // 5, len(closed)))
    reviews = []
    for case in linked:
        reviewed = between(rng, case.closed_on + DAY, min(cal.last, case.closed_on + timedelta(60)))
        reviews.append(_scored(rng, case.agency, case.case_no, cal.year, reviewed))
    counters: dict[tuple[int, int], int] = defaultdict(int)
    for _ in range(profile.case_files_reviewed - len(linked)):
        agency = world.weighted_agency(rng)
        file_year = cal.year - rng.choice((1, 1, 2))
        counters[(agency.index, file_year)] += 1
        n = counters[(agency.index, file_year)]
        file_no = f"{agency.kind.short}罚〔{file_year}〕{n:04d}号"
        reviewed = between(rng, cal.day(3, 1), cal.last)
        reviews.append(_scored(rng, agency, file_no, file_year, reviewed))
    reviews.sort(key=lambda r: r.reviewed_on)
    return reviews


def _scored(
    rng: random.Random, agency: SimAgency, file_no: str, file_year: int, reviewed_on: date
) -> Review:
    standard = STANDARD_2023
    veto: tuple[str, ...] = ()
    if rng.random() < 0.01:
        veto = (rng.choice(standard.veto_items).code,)
    items = rng.sample(standard.deduction_items, rng.choice((0, 0, 1, 1, 2, 3)))
    deductions = tuple((i.code, rng.randint(1, min(5, i.max_points))) for i in items)
    return Review(
        agency=agency,
        file_no=file_no,
        file_year=file_year,
        reviewed_on=reviewed_on,
        veto=veto,
        form_points=rng.randint(18, standard.form_max),
        content_points=rng.randint(40, standard.content_max),
        deductions=deductions,
    )


def plan_tickets(world: World, profile: Profile, rng: random.Random) -> list[Ticket]:
    cal = world.calendar
    categories = list(names.TICKET_WEIGHTS)
    weights = list(names.TICKET_WEIGHTS.values())
    channels = list(TicketChannel)
    tickets = []
    for n in range(1, profile.hotline_tickets + 1):
        category = rng.choices(categories, weights=weights)[0]
        day = between(rng, cal.first, cal.day(12, 10))
        received = at(day, rng.randint(8, 21), rng.randint(0, 59))
        street = rng.choice(names.STREETS)
        person = None
        if rng.random() < 0.6:
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            person = PersonalData(name=person_name(rng), phone=phone)
        deadline = day + timedelta(days=rng.randint(5, 15))
        screened = received + minutes(rng, 10, 720)
        handling = (
            _handling(world, category, screened, deadline, rng) if rng.random() < 0.75 else None
        )
        done = handling.handled_at if handling is not None else screened
        tickets.append(
            Ticket(
                no=f"S{cal.year}-12345-{n:06d}",
                received_at=received,
                channel=rng.choices(channels, weights=(60, 10, 15, 12, 2, 1))[0],
                category=category,
                summary=f"{names.TICKET_TOPICS[category]}（{street}{rng.choice(names.ROADS)}附近）",
                person=person,
                deadline=deadline,
                screened_at=screened,
                closed_at=done + minutes(rng, 30, 1_440 if handling else 600),
                handling=handling,
            )
        )
    return tickets


def _handling(
    world: World,
    category: TicketCategory,
    screened: datetime,
    deadline: date,
    rng: random.Random,
) -> Handling:
    """Routed to an agency of the complaint's field, handled in time (a few late)."""
    domain = names.TICKET_DOMAINS[category]
    able = [a for a in world.agencies if domain in a.domains]
    agency = rng.choice(able) if able else world.weighted_agency(rng)
    routed = screened + minutes(rng, 10, 300)
    if rng.random() < 0.03:
        day = deadline + timedelta(days=rng.randint(1, 5))  # handled late: overdue on file
    else:
        day = between(rng, routed.date() + DAY, max(routed.date() + DAY, deadline))
    finding = rng.choices(list(RESULTS), weights=(45, 25, 25, 5))[0]
    return Handling(
        agency=agency,
        routed_at=routed,
        handled_at=max(at(day, rng.randint(9, 17), rng.randint(0, 59)), routed),
        handlers=tuple(rng.sample(agency.stable, rng.choice((1, 2)))),
        finding=finding,
        result=RESULTS[finding],
        satisfaction=rng.choices(list(Satisfaction), weights=(70, 22, 8))[0],
    )


def plan_meetings(world: World, profile: Profile, rng: random.Random) -> list[Meeting]:
    cal = world.calendar
    meetings = []
    kinds = [(MeetingKind.WHISTLE, "CS", profile.whistle_meetings)]
    kinds.append((MeetingKind.DIFFICULT_CASE, "YN", profile.difficult_case_meetings))
    for kind, code, count in kinds:
        for n in range(1, count + 1):
            held = between(rng, cal.day(1, 5), cal.day(12, 25))
            attending = tuple(
                rng.sample(world.agencies, min(len(world.agencies), rng.randint(2, 5)))
            )
            host = (
                f"{rng.choice(names.STREETS)}办事处"
                if kind is MeetingKind.WHISTLE
                else "滨海新区司法局行政执法监督科"
            )
            topic = rng.choice(names.MEETING_TOPICS)
            opinions = tuple(
                (
                    held + timedelta(days=rng.randint(0, 3)),
                    f"关于{topic}的工作意见建议（第{k}条）",
                    rng.choice((None, *attending)),
                )
                for k in range(1, rng.randint(1, 2) + 1)
            )
            meetings.append(
                Meeting(
                    reference=f"S{cal.year}-{code}-{n:03d}",
                    kind=kind,
                    held_on=held,
                    host=host,
                    topic=topic,
                    agencies=attending,
                    opinions=opinions,
                )
            )
    return meetings
