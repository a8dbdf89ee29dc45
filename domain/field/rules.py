"""Rules of work in the field (area patrols), as pure functions.

Each is named for what it requires and raises a ``RuleViolation`` naming itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import RuleViolation
from domain.registry.officer import Officer
from domain.rules import require_certified, require_same_agency, require_team
from domain.values import local_date

MAX_PATROL = timedelta(hours=24)
"""Longer than a day is not one patrol but several, or a typing error."""


def require_patrol_window(started_at: datetime, ended_at: datetime) -> None:
    """A patrol ends after it starts, and lasts at most 24 hours."""
    if ended_at <= started_at:
        raise RuleViolation(
            "patrol-ends-after-start",
            f"a patrol cannot end at {ended_at.isoformat()}, "
            f"not after its start at {started_at.isoformat()}",
        )
    if ended_at - started_at > MAX_PATROL:
        hours = (ended_at - started_at) / timedelta(hours=1)
        raise RuleViolation(
            "patrol-at-most-24-hours",
            f"a patrol lasts at most 24 hours; this one would last {hours:.1f} hours — "
            "record each day's patrol separately",
        )


def require_patrol_team(
    officers: Sequence[Officer], agency_id: UUID, started_at: datetime, ended_at: datetime
) -> None:
    """Two or more certified officers of the patrolling agency, certified on every day it spans."""
    require_team([o.id for o in officers], act="an area patrol")
    require_same_agency(officers, agency_id)
    for day in sorted({local_date(started_at), local_date(ended_at)}):
        require_certified(officers, day)
