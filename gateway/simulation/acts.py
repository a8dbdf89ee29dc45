"""The year's acts as planned in memory, before they become commands.

Every enforcement act is a ``TeamAct``: an acting agency, the days its officers must hold a
certificate, and the team (filled in by ``teams.py`` once every act is known, so that every
certified officer gets at least one act).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import TypeVar
from uuid import UUID

from domain.cases.penalties import Penalties
from domain.cases.values import ServiceMethod
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.inspection.values import Outcome
from domain.oversight.values import (
    EquipmentKind,
    MeetingKind,
    Satisfaction,
    TicketCategory,
    TicketChannel,
    TicketFinding,
)
from domain.personal import PersonalData
from domain.planning.draw import DrawnEntity
from domain.planning.plan import InspectionPlan
from domain.planning.values import PlanKind
from domain.values import EnforcementDomain, PartyKind
from gateway.simulation.world import GridCellSpec, SimAgency, SimEntity, SimOfficer

T = TypeVar("T")
MAX_TEAM = 20
"""Officers named in one act at most (the commands' limit)."""
UNSET = datetime(2000, 1, 1, tzinfo=UTC)
"""A moment not planned yet (every one is set before the plan is written)."""


def known(value: T | None, what: str) -> T:
    """``value``, which the plan of the year always sets (a bug otherwise)."""
    if value is None:
        raise ValueError(f"{what} was not planned")
    return value


@dataclass(eq=False, kw_only=True)
class TeamAct:
    agency: SimAgency
    """The agency acting (the lead of a joint inspection)."""
    first: date
    last: date
    """Its officers hold a certificate on every day from ``first`` to ``last``."""
    size: int = 2
    others: tuple[SimAgency, ...] = ()
    """Further agencies that must have an officer on the team (a joint inspection's)."""
    team: list[SimOfficer] = field(default_factory=list)

    @property
    def agencies(self) -> tuple[SimAgency, ...]:
        return (self.agency, *self.others)

    @property
    def cap(self) -> int:
        """The officers an act usually takes at most."""
        return max(4, len(self.agencies) + 2)

    @property
    def most(self) -> int:
        """The officers an act can take when an agency has more officers than acts: the
        commands' limit, less one place kept for each agency the act needs on its team."""
        return MAX_TEAM - len(self.agencies)

    @property
    def officer_ids(self) -> list[UUID]:
        return [o.id for o in self.team]


# Plans and inspections -------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Slot:
    """A task of a plan: the entity it inspects, and the visit it is inspected in (none when
    the entity is exempted in the draw)."""

    plan: SimPlan
    exempt: bool = False
    visit: Visit | None = None
    entity: SimEntity | None = None
    task_no: int = 0
    drawn_officers: list[SimOfficer] = field(default_factory=list)


@dataclass(frozen=True)
class Draw:
    seed: int
    candidates: list[SimEntity]
    officers: list[SimOfficer]
    drawn: list[DrawnEntity]


@dataclass(eq=False, kw_only=True)
class SimPlan:
    no: str
    kind: PlanKind
    agencies: list[SimAgency]
    title: str
    item_codes: list[str]
    drawn_up_at: datetime
    scheduled_at: datetime
    period_first: date
    period_last: date
    order: int = 0
    """Position in the order plans are written: the first task on an entity leads its visit."""
    slots: list[Slot] = field(default_factory=list)
    draws: list[Draw] = field(default_factory=list)
    completed_at: datetime = UNSET

    @cached_property
    def id(self) -> UUID:
        return InspectionPlan.create_id(self.no)

    @property
    def agency(self) -> SimAgency:
        return self.agencies[0]

    @property
    def random(self) -> bool:
        return self.kind.random


@dataclass(eq=False, kw_only=True)
class Visit(TeamAct):
    """One inspection of an entity: a lone task, or a joint inspection of merged tasks."""

    slots: list[Slot] = field(default_factory=list)
    number: str = ""
    """The e-inspection certificate's number (which is also the inspection's key)."""
    issued_at: datetime = UNSET
    started_at: datetime = UNSET
    concluded_at: datetime = UNSET
    outcome: Outcome = Outcome.COMPLIANT
    findings: str = ""
    evidence: int = 0

    @property
    def entity(self) -> SimEntity:
        return known(self.slots[0].entity, "a visit's entity")

    @property
    def lead(self) -> Slot:
        """The task scheduled first: its agency leads the joint inspection."""
        return min(self.slots, key=lambda s: s.plan.order)

    @property
    def joint(self) -> bool:
        return len(self.slots) > 1


# Cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    kind: PartyKind
    entity: SimEntity | None = None
    person: PersonalData | None = None


@dataclass(eq=False, kw_only=True)
class SimpleCase(TeamAct):
    party: Party
    violation: str
    legal_basis: str
    penalties: Penalties
    closed_on: date
    paid_on: date | None = None
    """The fine paid (on the spot, or at the bank within 15 days); none for a warning."""
    case_no: str = ""


@dataclass(frozen=True)
class Execution:
    """After the decision: served, paid (fine and gains, in fen), perhaps the rest waived."""

    served_on: date
    method: ServiceMethod
    paid_on: date
    fine_fen: int
    gains_fen: int
    waived_on: date | None = None


@dataclass(eq=False, kw_only=True)
class OrdinaryCase(TeamAct):
    """An ordinary-procedure case, ending in a penalty or in education and correction."""

    party: Party
    violation: str
    violation_date: date
    legal_basis: str
    investigated_on: date
    findings: str
    decided_on: date
    closed_on: date
    inspection: Visit | None = None
    goods_value_fen: int = 0
    review: tuple[date, date] | None = None
    """Legal review requested and passed on these days (major decisions)."""
    extension: tuple[date, date] | None = None
    """Extension approved on, and the new deadline."""
    penalties: Penalties | None = None
    """None: closed with education and correction instead (教育改正)."""
    execution: Execution | None = None
    case_no: str = ""

    @property
    def filed_on(self) -> date:
        return self.first


# Field ------------------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Patrol(TeamAct):
    cell: GridCellSpec
    started_at: datetime
    ended_at: datetime
    problems: int = 0


# Oversight and collaboration --------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    agency: SimAgency
    file_no: str
    file_year: int
    reviewed_on: date
    veto: tuple[str, ...]
    form_points: int
    content_points: int
    deductions: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Handling:
    """A ticket routed to an agency and handled there."""

    agency: SimAgency
    routed_at: datetime
    handled_at: datetime
    handlers: tuple[SimOfficer, ...]
    finding: TicketFinding
    result: str
    satisfaction: Satisfaction


@dataclass(frozen=True)
class Ticket:
    no: str
    received_at: datetime
    channel: TicketChannel
    category: TicketCategory
    summary: str
    person: PersonalData | None
    deadline: date
    screened_at: datetime
    closed_at: datetime
    handling: Handling | None
    """None: screened out (not an enforcement lead) and closed by the office."""


@dataclass(frozen=True)
class Meeting:
    reference: str
    kind: MeetingKind
    held_on: date
    host: str
    topic: str
    agencies: tuple[SimAgency, ...]
    opinions: tuple[tuple[date, str, SimAgency | None], ...]


@dataclass(frozen=True)
class SiteCheck:
    name: str
    uscc: str | None
    region: PartnerRegion | None
    checked_on: date
    officers: tuple[SimOfficer, ...]


@dataclass(frozen=True)
class ActionProblem:
    site_no: int
    description: str
    found_on: date
    rectified_on: date | None
    on_the_spot: bool


@dataclass(eq=False, kw_only=True)
class JointActionPlan:
    reference: str
    title: str
    regions: list[PartnerRegion]
    agency: SimAgency
    starts_on: date
    ends_on: date
    sites: list[SiteCheck] = field(default_factory=list)
    problems: list[ActionProblem] = field(default_factory=list)
    meetings: list[tuple[date, str]] = field(default_factory=list)


# The report's further figures -------------------------------------------------------------


@dataclass(frozen=True)
class ExemptionListPlan:
    domain: EnforcementDomain
    items: int


@dataclass(frozen=True)
class EquipmentIssue:
    agency: SimAgency
    voucher_no: str
    kind: EquipmentKind
    quantity: int
    issued_on: date


@dataclass(frozen=True)
class CrossRegionalCasePlan:
    case_no: str
    regions: tuple[PartnerRegion, ...]
    agency: SimAgency
    opened_on: date
    cause: str
    entity_name: str
    uscc: str
    goods: tuple[str, Decimal, str]
    """What was seized: description, quantity, unit."""
    decided_on: date
    goods_value_fen: int
    fine_fen: int
    officers: tuple[SimOfficer, ...]


@dataclass(frozen=True)
class TransferPlan:
    direction: TransferDirection
    region: PartnerRegion
    reference: str
    agency: SimAgency
    transferred_on: date
    summary: str
    outcome: TransferOutcome
    decided_on: date
