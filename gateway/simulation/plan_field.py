"""Area patrols (区域巡查): every grid cell patrolled at least once (full coverage), the rest
spread over the year, mostly by the agencies that keep the streets (urban management)."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import accumulate
from uuid import UUID

from domain.values import EnforcementDomain
from gateway.simulation.acts import Patrol
from gateway.simulation.calendar import at, between, minutes
from gateway.simulation.profile import Profile
from gateway.simulation.world import World


def plan_patrols(world: World, profile: Profile, rng: random.Random) -> list[Patrol]:
    weights = list(
        accumulate(
            a.kind.weight * (3 if EnforcementDomain.URBAN in a.domains else 1)
            for a in world.agencies
        )
    )
    cells = list(world.grid)
    rng.shuffle(cells)
    started: set[tuple[UUID, str, object]] = set()
    patrols = []
    for n in range(profile.patrols):
        agency = rng.choices(world.agencies, cum_weights=weights)[0]
        cell = cells[n] if n < len(cells) else rng.choice(world.grid)
        day = between(rng, world.calendar.first, world.calendar.last)
        start = at(day, rng.randint(8, 18), rng.randint(0, 59))
        while (agency.id, cell.code, start) in started:  # one patrol per agency, cell, start
            start += timedelta(minutes=1)
        started.add((agency.id, cell.code, start))
        problems = rng.randint(1, 3) if rng.random() < 0.15 else 0
        patrols.append(
            Patrol(
                agency=agency,
                first=day,
                last=day,
                size=rng.choice((2, 2, 3)),
                cell=cell,
                started_at=start,
                ended_at=start + minutes(rng, 60, 240),
                problems=problems,
            )
        )
    return patrols
