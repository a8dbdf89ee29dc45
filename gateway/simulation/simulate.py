"""A year's simulation from end to end: plan it, check the ledger can take it, write it."""

from __future__ import annotations

from typing import Any

from domain.application import SupervisionLedger
from domain.registry.exemption_list import ExemptionList
from domain.values import EnforcementDomain
from gateway.simulation.engine import BATCH, Phase, Progress, Tally, run
from gateway.simulation.plan_extras import EXEMPTION_DOMAINS
from gateway.simulation.script_cases import case_phases
from gateway.simulation.script_extras import extra_phases
from gateway.simulation.script_oversight import oversight_phases
from gateway.simulation.script_planning import planning_phases
from gateway.simulation.script_registry import registry_phases, revocation_phases
from gateway.simulation.year import SimulatedYear


class AlreadySimulated(RuntimeError):
    """The ledger already holds this year's simulated district."""


def published_exemption_lists(ledger: SupervisionLedger) -> set[EnforcementDomain]:
    """Fields whose first penalty-exemption list the ledger already holds (the demo's market
    list, an earlier year's simulation): the district publishes each once."""
    return {d for d in EXEMPTION_DOMAINS if ExemptionList.create_id(d, 1) in ledger.repository}


def phases(year: SimulatedYear, published: set[EnforcementDomain]) -> list[Phase[Any]]:
    """Every phase of the year, in the order they are written."""
    return [
        *registry_phases(year, published),
        *planning_phases(year),
        *case_phases(year),
        *oversight_phases(year),
        *extra_phases(year),
        *revocation_phases(year),
    ]


def check_fresh(ledger: SupervisionLedger, year: SimulatedYear) -> None:
    first = year.world.agencies[0]
    if first.id in ledger.repository:
        raise AlreadySimulated(
            f"this ledger already holds a simulated {year.profile.year} (agency {first.code}); "
            "simulate into a fresh database"
        )


def simulate(
    ledger: SupervisionLedger,
    year: SimulatedYear,
    *,
    batch_size: int = BATCH,
    progress: Progress | None = None,
) -> Tally:
    check_fresh(ledger, year)
    return run(
        ledger,
        phases(year, published_exemption_lists(ledger)),
        correlation=f"sim{year.profile.year}-seed{year.seed}",
        batch_size=batch_size,
        progress=progress,
    )
