"""Plan a whole year in memory from a profile and a seed: the same seed, the same year.

Each area draws from its own ``random.Random`` derived from the seed (never the global one),
so changing how one area is planned does not reshuffle the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gateway.simulation.acts import (
    CrossRegionalCasePlan,
    EquipmentIssue,
    ExemptionListPlan,
    JointActionPlan,
    Meeting,
    OrdinaryCase,
    Patrol,
    Review,
    SimPlan,
    SimpleCase,
    TeamAct,
    Ticket,
    TransferPlan,
    Visit,
)
from gateway.simulation.plan_cases import number_cases, plan_cases
from gateway.simulation.plan_collaboration import plan_joint_actions
from gateway.simulation.plan_extras import (
    plan_cross_regional_cases,
    plan_equipment,
    plan_exemption_lists,
    plan_transfers,
)
from gateway.simulation.plan_field import plan_patrols
from gateway.simulation.plan_inspections import entities_needed, plan_inspections
from gateway.simulation.plan_oversight import plan_meetings, plan_reviews, plan_tickets
from gateway.simulation.profile import Profile
from gateway.simulation.teams import assign_teams, ensure_every_agency_acts
from gateway.simulation.world import World, build_world


@dataclass
class SimulatedYear:
    profile: Profile
    seed: int
    world: World
    plans: list[SimPlan]
    visits: list[Visit]
    simple: list[SimpleCase]
    ordinary: list[OrdinaryCase]
    patrols: list[Patrol]
    reviews: list[Review]
    tickets: list[Ticket]
    meetings: list[Meeting]
    actions: list[JointActionPlan]
    exemption_lists: list[ExemptionListPlan]
    equipment: list[EquipmentIssue]
    cross_regional_cases: list[CrossRegionalCasePlan]
    transfers: list[TransferPlan]

    @property
    def team_acts(self) -> list[TeamAct]:
        return [*self.visits, *self.simple, *self.ordinary, *self.patrols]


def rng_for(seed: int, area: str) -> random.Random:
    # A string seed is hashed with SHA-512 by ``random.seed``: stable across runs and versions.
    return random.Random(f"{seed}:{area}")  # noqa: S311 - a simulation, not a secret


def plan_year(profile: Profile, seed: int) -> SimulatedYear:
    world = build_world(profile, rng_for(seed, "world"), entities_needed(profile))
    plans, visits = plan_inspections(world, profile, rng_for(seed, "inspections"))
    simple, ordinary = plan_cases(world, profile, visits, rng_for(seed, "cases"))
    patrols = plan_patrols(world, profile, rng_for(seed, "patrols"))
    acts: list[TeamAct] = [*visits, *simple, *ordinary, *patrols]
    ensure_every_agency_acts(world, acts, rng_for(seed, "performance"))
    number_cases(simple, ordinary, profile.year)
    assign_teams(world, acts, rng_for(seed, "teams"))
    return SimulatedYear(
        profile=profile,
        seed=seed,
        world=world,
        plans=plans,
        visits=visits,
        simple=simple,
        ordinary=ordinary,
        patrols=patrols,
        reviews=plan_reviews(world, profile, [*simple, *ordinary], rng_for(seed, "reviews")),
        tickets=plan_tickets(world, profile, rng_for(seed, "tickets")),
        meetings=plan_meetings(world, profile, rng_for(seed, "meetings")),
        actions=plan_joint_actions(world, profile, rng_for(seed, "collaboration")),
        exemption_lists=plan_exemption_lists(profile),
        equipment=plan_equipment(world, profile, rng_for(seed, "equipment")),
        cross_regional_cases=plan_cross_regional_cases(world, profile, rng_for(seed, "cross")),
        transfers=plan_transfers(world, profile, rng_for(seed, "transfers")),
    )
