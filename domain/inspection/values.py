"""Value types of the inspection area: outcomes and evidence."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import Sha256Hex


class Outcome(StrEnum):
    """How an inspection ended."""

    COMPLIANT = "compliant"
    PROBLEMS_FOUND = "problems_found"
    CORRECTED_ON_SITE = "corrected_on_site"  # 现场规范: corrected on the spot, no penalty
    REFUSED_BY_ENTITY = "refused_by_entity"  # e.g. no valid e-inspection certificate shown

    @property
    def inspected(self) -> bool:
        """Whether the inspection took place (the report counts these, not refusals)."""
        return self is not Outcome.REFUSED_BY_ENTITY


class EvidenceKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"
    PHOTO = "photo"


class Evidence(BaseModel):
    """A recording of the inspection (全过程音视频记录), by its SHA-256 only: the file stays
    on the agency's device or storage; the ledger proves it has not changed since."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    sha256: Sha256Hex
    kind: EvidenceKind
    description: str = Field(min_length=1, max_length=500)
