"""Who does what: every agency acts, every certified officer takes part, every team is legal.

The report's rates are 100 %: every agency performed enforcement, and every certified officer
took part in at least one act. Teams are therefore filled in once all acts of the year are
known, in two passes:

1. each officer is placed on one act of their agency on days they hold a certificate (an
   officer revoked in spring on an act before it, one certified in autumn on an act after);
2. each act is then completed to its size with officers certified on its days, with at least
   one officer of every agency a joint inspection concerns (two at the least: the two-officer
   rule).

Only then are the acts' agencies final, so the planning of certificates can still move a
revocation later or an issue earlier when an officer's agency has no act in their window.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from domain.rules import MIN_TEAM
from gateway.simulation.acts import OrdinaryCase, TeamAct, Visit, known
from gateway.simulation.calendar import DAY
from gateway.simulation.profile import ProfileError
from gateway.simulation.world import SimAgency, SimOfficer, World

TRIES = 60


def ensure_every_agency_acts(world: World, acts: Sequence[TeamAct], rng: random.Random) -> None:
    """Give an agency without an act of its own one from an agency with several (never an
    inspection: those belong to their plans)."""
    own: dict[int, list[TeamAct]] = defaultdict(list)
    for act in acts:
        own[act.agency.index].append(act)
    movable = [
        a
        for a in acts
        if not isinstance(a, Visit) and not (isinstance(a, OrdinaryCase) and a.inspection)
    ]
    rng.shuffle(movable)
    for agency in world.agencies:
        if own[agency.index]:
            continue
        donor = next((a for a in movable if len(own[a.agency.index]) > 1), None)
        if donor is None:
            raise ProfileError(
                f"{agency.name} has no act of its own and no other agency has one to spare: "
                "the performance rate cannot be 100 %"
            )
        movable.remove(donor)
        own[donor.agency.index].remove(donor)
        donor.agency = agency
        own[agency.index].append(donor)


def assign_teams(world: World, acts: Sequence[TeamAct], rng: random.Random) -> None:
    by_agency: dict[int, list[TeamAct]] = defaultdict(list)
    for act in acts:
        for agency in act.agencies:
            by_agency[agency.index].append(act)
    placed = {id(o) for act in acts for o in act.team}
    officers = world.officers
    rng.shuffle(officers)
    for officer in officers:
        if id(officer) not in placed:
            _place(world, officer, by_agency[officer.agency.index], rng)
    for act in acts:
        _complete(act, rng)


def _fits(officer: SimOfficer, act: TeamAct, *, crowded: bool = False) -> bool:
    room = act.most if crowded else act.cap
    return len(act.team) < room and officer not in act.team and officer.covers(act.first, act.last)


def _place(world: World, officer: SimOfficer, acts: list[TeamAct], rng: random.Random) -> None:
    """On an act of the officer's agency: a usual-sized team if any has room, else a crowded
    one (an agency with more officers than acts), else by moving the officer's certificate."""
    if acts:
        for _ in range(TRIES):
            act = rng.choice(acts)
            if _fits(officer, act):
                act.team.append(officer)
                return
        for crowded in (False, True):
            fitting = [a for a in acts if _fits(officer, a, crowded=crowded)]
            if fitting:
                rng.choice(fitting).team.append(officer)
                return
    _place_by_moving_certificate(world, officer, acts, rng)


def _place_by_moving_certificate(
    world: World, officer: SimOfficer, acts: list[TeamAct], rng: random.Random
) -> None:
    """No act of the agency falls in the officer's window: revoke later, or certify earlier."""
    with_room = [a for a in acts if len(a.team) < a.most and officer not in a.team]
    if officer.group == "revoked":
        with_room = [a for a in with_room if a.last < world.calendar.last]
    if officer.group == "stable" or not with_room:
        raise ProfileError(
            f"{officer.agency.name} has {len(officer.agency.officers)} officers but too few "
            "acts to give each one (participation rate 100 %); raise the act counts or lower "
            "the officers"
        )
    act = rng.choice(with_room)
    if officer.group == "revoked":
        officer.revoked_on = max(known(officer.revoked_on, "a revocation"), act.last + DAY)
        officer.last_day = officer.revoked_on - DAY
    else:
        officer.issued_on = min(officer.issued_on, act.first)
        officer.first_day = officer.issued_on
    act.team.append(officer)


def _complete(act: TeamAct, rng: random.Random) -> None:
    for agency in act.agencies:
        if not any(o.agency is agency for o in act.team):
            act.team.append(_required(agency, act, rng))
    while len(act.team) < act.size:
        officer = _pick(act.agency, act, rng)
        if officer is None:
            if len(act.team) < MIN_TEAM:
                act.team.append(_required(act.agency, act, rng))
            break
        act.team.append(officer)


def _required(agency: SimAgency, act: TeamAct, rng: random.Random) -> SimOfficer:
    officer = _pick(agency, act, rng)
    if officer is None:
        # Cannot happen: every agency has two officers certified all year (profile rule).
        raise AssertionError(f"{agency.name} has no officer left for an act")
    return officer


def _pick(agency: SimAgency, act: TeamAct, rng: random.Random) -> SimOfficer | None:
    """An officer of ``agency`` certified on the act's days and not yet on its team."""
    for _ in range(20):
        officer = rng.choice(agency.officers)
        if officer not in act.team and officer.covers(act.first, act.last):
            return officer
    available = [o for o in agency.officers if o not in act.team and o.covers(act.first, act.last)]
    return rng.choice(available) if available else None
