"""Rules shared by several areas of the domain, as pure functions.

Each is named for what it requires and raises a ``RuleViolation`` whose message says, in plain
words, which rule was broken and by whom. Area-specific rules live in ``domain/<area>/rules.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.errors import RuleViolation
from domain.registry.officer import Officer

MIN_TEAM = 2
"""Enforcement is done by at least two certified officers (Administrative Penalty Law art. 42)."""


def require_team(officer_ids: Sequence[UUID], *, act: str) -> None:
    """At least two different officers take part in an enforcement act."""
    if len(set(officer_ids)) < MIN_TEAM:
        raise RuleViolation(
            "two-officers",
            f"{act} needs at least {MIN_TEAM} different officers, {len(set(officer_ids))} named",
        )


def require_certified(officers: Sequence[Officer], day: date) -> None:
    """Everyone named in a new act holds an enforcement certificate active on its day, and
    holds one still as the act is recorded.

    The second half is "a revoked officer can be named in nothing new": once a revocation is
    on file (and no later certificate), the officer is named in nothing recorded from then on,
    whatever day the act is dated — an act dated before the revocation but recorded after it
    is a back-dated act by someone who no longer enforces.
    """
    for officer in officers:
        if officer.certificate_on(day) is None:
            raise RuleViolation(
                "certified-officers-only",
                f"officer {officer.officer_no} ({officer.name}) holds no enforcement certificate "
                f"active on {day}",
            )
        require_not_revoked(officer)


def require_not_revoked(officer: Officer) -> None:
    """An officer whose certificate revocation is on file, with no later certificate, can be
    named in nothing new."""
    if officer.current_certificate is None:
        last = officer.certificates[-1] if officer.certificates else None
        when = f" on {last.revoked_on}" if last is not None and last.revoked_on else ""
        raise RuleViolation(
            "revoked-officer-in-nothing-new",
            f"officer {officer.officer_no} ({officer.name}) had their enforcement certificate "
            f"revoked{when}, and holds none since; they can be named in nothing recorded now",
        )


def require_enforcement_team(
    officers: Sequence[Officer], agency_id: UUID, day: date, *, act: str
) -> None:
    """An enforcement act: two officers at least, of the acting agency, certified that day."""
    require_team([o.id for o in officers], act=act)
    require_same_agency(officers, agency_id)
    require_certified(officers, day)


def require_same_agency(officers: Sequence[Officer], agency_id: UUID) -> None:
    """Officers act for the agency they belong to."""
    for officer in officers:
        if officer.agency_id != agency_id:
            raise RuleViolation(
                "officers-of-the-acting-agency",
                f"officer {officer.officer_no} does not belong to the acting agency",
            )
