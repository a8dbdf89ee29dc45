"""Value types of cross-regional collaboration: the partner regions and the vocabularies of
joint actions, case transfers and cross-regional cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class PartnerRegion(StrEnum):
    """A region the district collaborates with under the Beijing-Tianjin-Hebei agreement.

    An enum rather than a registry: the partners are fixed by the collaboration agreement, and
    each code becomes a Kafka topic (``partner.<code>.collaboration.v1``) and a partner token's
    region, so adding one is a deliberate change to code and infrastructure, not a form entry.
    Codes are lower-case ASCII for that reason.
    """

    TANGSHAN = "tangshan"  # 唐山
    CANGZHOU = "cangzhou"  # 沧州
    LANGFANG = "langfang"  # 廊坊
    QINHUANGDAO = "qinhuangdao"  # 秦皇岛
    CHENGDE = "chengde"  # 承德
    BAODING = "baoding"  # 保定
    BEIJING = "beijing"  # 北京


def _distinct_sorted(regions: list[PartnerRegion]) -> list[PartnerRegion]:
    if len(set(regions)) != len(regions):
        raise ValueError("names a region twice")
    return sorted(regions)


Regions = Annotated[
    list[PartnerRegion], Field(min_length=1, max_length=16), AfterValidator(_distinct_sorted)
]
"""The partner regions a record concerns: at least one, each once (kept in sorted order)."""

Quantity = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=3)]
"""A quantity of goods in its unit (3215 t, 497 pipes); tonnes may have a fraction."""


class TransferDirection(StrEnum):
    REFERRED = "referred"  # 移送: the district's agency sends the case to the partner
    RECEIVED = "received"  # 接收: the partner sends it to the district's agency


class TransferOutcome(StrEnum):
    """What became of a transferred case."""

    ACCEPTED = "accepted"  # 受理 / 立案
    DECLINED = "declined"  # 不予受理
    RETURNED = "returned"  # 退回
    PENALISED = "penalised"  # 作出处罚
    CLOSED_WITHOUT_PENALTY = "closed_without_penalty"  # 不予处罚结案


class CheckedSite(BaseModel):
    """An enterprise or site (企业/点位) checked in a joint action."""

    model_config = ConfigDict(extra="forbid")

    site_no: int
    name: str
    uscc: str | None
    region: PartnerRegion | None
    """Where it lies: a partner region, or ``None`` for the district itself."""
    checked_on: date


class Problem(BaseModel):
    """A problem found at a checked site, and its rectification (立行立改)."""

    model_config = ConfigDict(extra="forbid")

    problem_no: int
    site_no: int
    description: str
    found_on: date
    rectified_on: date | None = None
    on_the_spot: bool | None = None


class JointMeeting(BaseModel):
    """A joint meeting (座谈) with the partners."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    held_on: date
    topic: str


class SeizedLot(BaseModel):
    """A lot of goods seized in a cross-regional case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lot_no: int
    description: str
    quantity: Decimal
    unit: str
    seized_on: date
