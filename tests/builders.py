"""Givens shared by tests of every area: an agency, certified officers, an entity.

Each builder issues real commands through the ledger, so every rule applies to the givens too.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.registry import commands as reg
from domain.registry.uscc import check_character
from domain.values import CreditRating, EnforcementDomain

CERTIFIED_ON = date(2022, 1, 1)
REGISTERED_ON = date(2020, 1, 1)
"""Agencies enforce from this day: before every year the tests report on."""


def uscc(seq: int, division: str = "120116") -> str:
    """A valid unified social credit code (Binhai's division code by default)."""
    first17 = f"91{division}{seq:09d}"
    return first17 + check_character(first17)


def given_agency(
    ledger: SupervisionLedger,
    code: str = "MSA",
    domains: tuple[EnforcementDomain, ...] = (EnforcementDomain.MARKET,),
) -> UUID:
    return ledger.execute(
        reg.RegisterAgency(
            code=code, name=f"{code} bureau", domains=list(domains), registered_on=REGISTERED_ON
        ),
        SYSTEM,
    ).id


def given_officer(
    ledger: SupervisionLedger,
    agency_id: UUID,
    officer_no: str,
    *,
    certified_on: date | None = CERTIFIED_ON,
    frontline: bool = True,
) -> UUID:
    officer_id = ledger.execute(
        reg.RegisterOfficer(
            officer_no=officer_no,
            name=f"officer {officer_no}",
            agency_id=agency_id,
            frontline=frontline,
        ),
        SYSTEM,
    ).id
    if certified_on is not None:
        ledger.execute(
            reg.IssueCertificate(
                officer_id=officer_id, number=f"C-{officer_no}", issued_on=certified_on
            ),
            SYSTEM,
        )
    return officer_id


def given_officers(ledger: SupervisionLedger, agency_id: UUID, *numbers: str) -> list[UUID]:
    return [given_officer(ledger, agency_id, n) for n in numbers]


def given_entity(
    ledger: SupervisionLedger,
    seq: int = 1,
    rating: CreditRating | None = None,
    grid_cell: str | None = None,
) -> UUID:
    entity_id = ledger.execute(
        reg.RegisterEntity(uscc=uscc(seq), name=f"entity {seq}", grid_cell=grid_cell), SYSTEM
    ).id
    if rating is not None:
        ledger.execute(
            reg.RateEntityCredit(entity_id=entity_id, rating=rating, rated_on=date(2022, 12, 1)),
            SYSTEM,
        )
    return entity_id
