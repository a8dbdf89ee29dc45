"""The base of every command: an imperative request, validated before it reaches the domain.

A command class names its HTTP route and the roles that may issue it; the gateway builds its
endpoints and the OpenAPI document from these declarations, and the application service
checks the roles, so the command line and HTTP enforce the same permissions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Role
from domain.values import local_date

# How far ahead of the ledger's clock an act may be dated: devices' clocks drift a little;
# an act dated further ahead is a typing error, not an act.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_ACT = datetime(2000, 1, 1, tzinfo=UTC)


def _plausible(moment: datetime) -> datetime:
    if moment < EARLIEST_ACT:
        raise ValueError("is before 2000-01-01; acts of the ledger are not that old")
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("is in the future")
    return moment


ActTime = Annotated[AwareDatetime, AfterValidator(_plausible)]
"""When an act happened: timezone-aware, not in the future, not absurdly old."""


def _past_or_today(day: date) -> date:
    if day < EARLIEST_ACT.date():
        raise ValueError("is before 2000-01-01; acts of the ledger are not that old")
    if day > local_date(datetime.now(UTC)):
        raise ValueError("is in the future")
    return day


ActDay = Annotated[date, AfterValidator(_past_or_today)]
"""The district's calendar day of an act: not in the future, not absurdly old."""

Summary = Annotated[str, Field(min_length=1, max_length=4000)]
"""Free text that must say something."""

Name = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Text = Annotated[str, Field(max_length=4000)]
Fen = Annotated[int, Field(ge=0, le=10**13, strict=True)]
"""Money in fen (0.01 yuan), exact; a trillion yuan is the ceiling of plausibility. Strict: a
JSON number with a fraction part (20000.0) or a string ("20000") is refused, not coerced."""
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Command(BaseModel):
    """Base of all commands."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    ROUTE: ClassVar[str] = ""
    """``METHOD /path/{param}`` under ``/api/v1``; path parameters are command fields."""
    ROLES: ClassVar[frozenset[Role]] = frozenset()
    """Roles that may issue the command (the ledger's own command line may issue any)."""


class Accepted(BaseModel):
    """What a command that was written answers."""

    id: UUID = Field(description="The aggregate the command acted on (or created).")
    kind: str
    version: int = Field(description="The aggregate's version after the command.")
    created: bool = Field(description="Whether the command created the aggregate.")
    events: list[str] = Field(description="Topics of the events written, in order.")
    correlation_id: str


OFFICE = frozenset({Role.SUPERVISOR})
AGENCY = frozenset({Role.AGENCY_OFFICER})
AGENCY_OR_OFFICE = frozenset({Role.AGENCY_OFFICER, Role.SUPERVISOR})
