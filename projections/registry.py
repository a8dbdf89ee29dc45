"""Every projection the ledger maintains, by name."""

from __future__ import annotations

from projections.case_reviews import CaseReviews
from projections.collaboration import Collaboration
from projections.coordination import Coordination
from projections.equipment import Equipment
from projections.hotline_tickets import HotlineTickets
from projections.inspections import Inspections
from projections.matching import Matching
from projections.model import Projection
from projections.officers import Officers
from projections.patrols import Patrols
from projections.penalty_cases import PenaltyCases
from projections.plans import Plans
from projections.registers import Registers
from projections.supervision_counters import SupervisionCounters


def all_projections() -> list[Projection]:
    return [
        SupervisionCounters(),
        Registers(),
        Officers(),
        Plans(),
        Matching(),
        Inspections(),
        Patrols(),
        PenaltyCases(),
        CaseReviews(),
        HotlineTickets(),
        Coordination(),
        Equipment(),
        Collaboration(),
    ]


def by_names(names: list[str]) -> list[Projection]:
    projections = {p.NAME: p for p in all_projections()}
    unknown = [n for n in names if n not in projections]
    if unknown:
        raise KeyError(
            f"unknown projection {unknown[0]!r}; known: {', '.join(sorted(projections))}"
        )
    return [projections[n] for n in names]
