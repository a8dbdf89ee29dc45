"""Who acts: the authenticated principal behind every command and every event."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.errors import Forbidden


class Role(StrEnum):
    AGENCY_OFFICER = "agency_officer"
    """Records the acts of its own agency, and only of its own agency."""
    SUPERVISOR = "supervisor"
    """The district's supervision office: keeps the registries, reviews case files, reads all."""
    AUDITOR = "auditor"
    """Reads everything, writes nothing."""
    PARTNER = "partner"
    """A partner region: reads the collaboration data that concerns it."""
    PUBLIC = "public"
    """Anyone: verifies e-inspection certificates."""
    SYSTEM = "system"
    """The ledger's own command line (demo data, simulation); never granted to a token."""


class Actor(BaseModel):
    """An authenticated caller."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    role: Role
    agency_id: UUID | None = None
    region: str | None = None

    def require_agency(self, agency_id: UUID) -> None:
        """An agency officer acts for its own agency only; the office and the system for any."""
        if self.role is Role.AGENCY_OFFICER and self.agency_id != agency_id:
            raise Forbidden(f"{self.principal} may act only for its own agency")


SYSTEM = Actor(principal="ledger-cli", role=Role.SYSTEM)
