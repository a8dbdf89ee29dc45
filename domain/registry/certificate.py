"""An enforcement certificate (执法证) as held by an officer: a number and its validity."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.values import RevocationReason


class Certificate(BaseModel):
    # Frozen: a revocation replaces the certificate (``Officer``), so copies of a cached
    # officer share its certificates instead of copying each (``Aggregate.__deepcopy__``).
    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str
    issued_on: date
    revoked_on: date | None = None
    revocation_reason: RevocationReason | None = None

    def active_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.revoked_on is None or day < self.revoked_on)
