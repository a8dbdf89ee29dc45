"""Small value types shared by several areas of the domain."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from domain.errors import RuleViolation

DISTRICT_ZONE = timezone(timedelta(hours=8), "Asia/Shanghai")
"""The district counts days in its own time zone: an act at 23:30 UTC is on the next day.

China has kept UTC+8 without daylight saving since 1991, and the ledger holds no act before
2000, so a fixed offset is exact here — and several times faster than a zoneinfo lookup on
the projections' hot path."""


def require_aware(what: str, moment: datetime) -> datetime:
    """A moment of the ledger is timezone-aware: a naive one would be read in the host's zone,
    so the same act could fall on another day on another machine."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation(
            "timezone-aware-moments",
            f"{what} ({moment.isoformat()}) has no time zone; give the moment with its offset, "
            "e.g. +08:00",
        )
    return moment


def local_date(moment: datetime) -> date:
    """The district's calendar date of an aware moment (a naive one is refused, never read in
    the host's zone)."""
    return require_aware("the moment", moment).astimezone(DISTRICT_ZONE).date()


class EnforcementDomain(StrEnum):
    """Fields of administrative law enforcement (执法领域) an agency may hold."""

    MARKET = "market"  # 市场监管
    ECOLOGY = "ecology"  # 生态环境
    URBAN = "urban"  # 城市管理 / 综合执法
    TRANSPORT = "transport"  # 交通运输
    CULTURE_TOURISM = "culture_tourism"  # 文化旅游
    EMERGENCY = "emergency"  # 应急管理
    AGRICULTURE = "agriculture"  # 农业农村
    HEALTH = "health"  # 卫生健康
    HOUSING = "housing"  # 住房建设
    PLANNING = "planning"  # 规划资源
    WATER = "water"  # 水务
    LABOUR = "labour"  # 人力社保
    EDUCATION = "education"  # 教育
    FIRE = "fire"  # 消防
    TAX = "tax"  # 税务
    OTHER = "other"


class CreditRating(StrEnum):
    """An entity's credit rating (信用评价), A best."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class RevocationReason(StrEnum):
    """Why an enforcement certificate was revoked (注销原因)."""

    RETIREMENT = "retirement"
    REASSIGNMENT = "reassignment"
    REORGANISATION = "reorganisation"
    OTHER = "other"


class PartyKind(StrEnum):
    """Who a penalty or complaint concerns: the legal caps differ (Penalty Law art. 51)."""

    CITIZEN = "citizen"
    ORGANISATION = "organisation"
