"""The district before its year begins: agencies, officers and their certificates, market
entities, the patrol grid and the inspection list — planned in memory, with the natural ids the
ledger will give them (so later acts can name them before anything is written).

Officers come in three groups, so that the year ends with the profile's figures:

- *stable*: certified before the year and all through it (``certified_officers - issued``);
- *revoked*: certified before the year, revoked during it (``certificates_revoked``);
- *new*: registered and certified during the year (``certificates_issued``).

Each officer knows the days of the year on which they hold a certificate, which is all the
team rules ask about.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import accumulate
from typing import Literal
from uuid import UUID

from domain.actors import Actor, Role
from domain.registry.agency import Agency, MajorDecisionItem
from domain.registry.entity import Entity
from domain.registry.officer import Officer
from domain.registry.uscc import check_character
from domain.values import CreditRating, EnforcementDomain, RevocationReason
from gateway.simulation import names
from gateway.simulation.calendar import DAY, Calendar, between
from gateway.simulation.profile import Profile

OFFICE = Actor(principal="sim-supervision-office", role=Role.SUPERVISOR)
"""The district's supervision office: keeps the registries, reviews case files, handles 12345."""


@dataclass(eq=False)
class SimOfficer:
    no: str
    name: str
    agency: SimAgency
    certificate_no: str
    issued_on: date
    group: Literal["stable", "revoked", "new"] = "stable"
    frontline: bool = False
    revoked_on: date | None = None
    reason: RevocationReason | None = None
    first_day: date = date.min
    """First day of the year on which the officer holds a certificate."""
    last_day: date = date.max
    """Last day of the year on which the officer holds a certificate."""

    @cached_property
    def id(self) -> UUID:
        return Officer.create_id(self.no)

    @property
    def stable(self) -> bool:
        """Certified before the year and all through it."""
        return self.group == "stable"

    def covers(self, first: date, last: date) -> bool:
        """Certified on every day from ``first`` to ``last``."""
        return self.first_day <= first and last <= self.last_day

    @property
    def actor(self) -> Actor:
        return Actor(principal=self.no, role=Role.AGENCY_OFFICER, agency_id=self.agency.id)


@dataclass(eq=False)
class SimAgency:
    index: int
    code: str
    kind: names.AgencyKind
    major_items: list[MajorDecisionItem]
    officers: list[SimOfficer] = field(default_factory=list)

    @cached_property
    def id(self) -> UUID:
        return Agency.create_id(self.code)

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def domains(self) -> tuple[EnforcementDomain, ...]:
        return self.kind.domains

    @property
    def stable(self) -> list[SimOfficer]:
        return [o for o in self.officers if o.stable]


@dataclass(eq=False)
class SimEntity:
    seq: int
    uscc: str
    name: str
    address: str
    grid_cell: str | None
    rating: CreditRating | None = None
    rated_on: date | None = None

    @cached_property
    def id(self) -> UUID:
        return Entity.create_id(self.uscc)


@dataclass(frozen=True)
class GridCellSpec:
    code: str
    name: str
    street: str


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    domain: EnforcementDomain
    legal_basis: str


@dataclass
class World:
    calendar: Calendar
    agencies: list[SimAgency]
    grid: list[GridCellSpec]
    items: dict[EnforcementDomain, list[ItemSpec]]
    entities: list[SimEntity]

    @property
    def officers(self) -> list[SimOfficer]:
        return [o for a in self.agencies for o in a.officers]

    @cached_property
    def _cumulative_weights(self) -> list[int]:
        return list(accumulate(a.kind.weight for a in self.agencies))

    def weighted_agency(self, rng: random.Random) -> SimAgency:
        """An agency, the larger ones more often."""
        return rng.choices(self.agencies, cum_weights=self._cumulative_weights)[0]


def share(total: int, weights: Sequence[int], minimum: int = 0) -> list[int]:
    """``total`` shared out by ``weights`` (largest remainders), each at least ``minimum``."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest <= 0:
        return base
    whole = sum(weights)
    exact = [rest * w / whole for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [b + p for b, p in zip(base, parts, strict=True)]


def uscc_code(prefix: str, seq: int) -> str:
    """A valid unified social credit code: ``prefix`` (8 characters) and a 9-digit number."""
    first17 = f"{prefix}{seq:09d}"
    return first17 + check_character(first17)


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(names.GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(names.SURNAMES) + given


def _major_items(rng: random.Random) -> list[MajorDecisionItem]:
    threshold_yuan = rng.choice((50_000, 100_000, 100_000, 200_000))
    return [
        MajorDecisionItem(code="licence_revocation", description="吊销许可证件"),
        MajorDecisionItem(code="suspend_business", description="责令停产停业"),
        MajorDecisionItem(code="order_closure", description="责令关闭"),
        MajorDecisionItem(
            code="large_fine",
            description=f"{threshold_yuan // 10_000}万元以上罚款",
            fine_threshold_fen=threshold_yuan * 100,
        ),
    ]


def build_world(profile: Profile, rng: random.Random, entity_count: int) -> World:
    calendar = Calendar(profile.year)
    agencies = [
        SimAgency(
            index=n, code=f"S{profile.year}-{n:03d}", kind=kind, major_items=_major_items(rng)
        )
        for n, kind in enumerate(names.agency_kinds(profile.agencies), start=1)
    ]
    _officers(profile, rng, calendar, agencies)
    grid = _grid(profile, calendar)
    items = _items(calendar, agencies)
    entities = [_entity(rng, profile.year, n, grid) for n in range(1, entity_count + 1)]
    return World(calendar, agencies, grid, items, entities)


def _officers(
    profile: Profile, rng: random.Random, calendar: Calendar, agencies: list[SimAgency]
) -> None:
    weights = [a.kind.weight for a in agencies]
    stable_count = profile.certified_officers - profile.certificates_issued
    minimum = min(3, stable_count // len(agencies))
    per_agency = share(stable_count, weights, minimum)
    seq = 0

    def officer(agency: SimAgency, issued_on: date) -> SimOfficer:
        nonlocal seq
        seq += 1
        made = SimOfficer(
            no=f"{agency.code}-{len(agency.officers) + 1:04d}",
            name=person_name(rng),
            agency=agency,
            certificate_no=f"JZ{calendar.year}-{seq:06d}",
            issued_on=issued_on,
            first_day=calendar.first,
            last_day=calendar.last,
        )
        agency.officers.append(made)
        return made

    def before_the_year() -> date:
        return between(rng, date(calendar.year - 12, 1, 1), date(calendar.year - 1, 12, 20))

    year_end: list[SimOfficer] = []
    for agency, count in zip(agencies, per_agency, strict=True):
        year_end += [officer(agency, before_the_year()) for _ in range(count)]
    reasons = list(RevocationReason)
    for agency in rng.choices(agencies, weights=weights, k=profile.certificates_revoked):
        leaving = officer(agency, before_the_year())
        leaving.group = "revoked"
        leaving.revoked_on = between(rng, calendar.day(2, 1), calendar.last)
        leaving.last_day = leaving.revoked_on - DAY
        leaving.reason = rng.choices(reasons, weights=(45, 35, 15, 5))[0]
    for agency in rng.choices(agencies, weights=weights, k=profile.certificates_issued):
        joining = officer(agency, between(rng, calendar.day(1, 15), calendar.day(11, 30)))
        joining.group = "new"
        joining.first_day = joining.issued_on
        year_end.append(joining)
    # Frontline is counted among those certified at the year's end; those who leave are not.
    for chosen in rng.sample(year_end, profile.frontline_officers):
        chosen.frontline = True


def _grid(profile: Profile, calendar: Calendar) -> list[GridCellSpec]:
    count = max(1, min(600, profile.patrols // 40 if profile.patrols else 10))
    cells = []
    for n in range(count):
        street = names.STREETS[n % len(names.STREETS)]
        number = n // len(names.STREETS) + 1
        cells.append(
            GridCellSpec(
                code=f"S{calendar.year}-G{n + 1:03d}", name=f"{street}第{number}网格", street=street
            )
        )
    return cells


def _items(
    calendar: Calendar, agencies: list[SimAgency]
) -> dict[EnforcementDomain, list[ItemSpec]]:
    domains = dict.fromkeys(d for a in agencies for d in a.domains)
    return {
        domain: [
            ItemSpec(
                code=f"S{calendar.year}-{domain.value.replace('_', '-').upper()}-{k:02d}",
                name=name,
                domain=domain,
                legal_basis=f"{names.LAWS[domain]}第{10 + 7 * k}条",
            )
            for k, name in enumerate(names.ITEMS[domain], start=1)
        ]
        for domain in domains
    }


def _entity(rng: random.Random, year: int, seq: int, grid: list[GridCellSpec]) -> SimEntity:
    # 91: enterprise registered with market supervision; 92: individual business (个体工商户).
    kind = "92" if rng.random() < 0.3 else "91"
    uscc = uscc_code(f"{kind}120116", (year % 100) * 10_000_000 + seq)
    firm = rng.choice(names.FIRM_PLACES) + rng.choice(names.FIRM_WORDS)
    trade = rng.choice(names.FIRM_TRADES)
    name = f"天津{firm}{trade}有限公司" if kind == "91" else f"滨海新区{firm}{trade}店"
    cell = grid[seq % len(grid)]
    address = f"天津市滨海新区{cell.street}{rng.choice(names.ROADS)}{rng.randint(1, 999)}号"
    return SimEntity(seq=seq, uscc=uscc, name=name, address=address, grid_cell=cell.code)
