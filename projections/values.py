"""Reading payload values (plain JSON) into the column types of the views, cheaply.

Payloads hold ids, dates and moments as ISO text; the views store them typed, so queries can
compare dates and PostgreSQL can check them. Days are the district's calendar days.

A rebuild reads hundreds of thousands of events, and the same few thousand ids (agencies,
officers) and days recur on most of them: parsing ``UUID``\\s and dates is memoised, which
makes it several times cheaper than parsing each anew. A moment written with the district's
offset (``+08:00``, how the ledger's clients send most of them) has its district day in its
first ten characters: Asia/Shanghai has kept UTC+8 without daylight saving since 1991, and
the ledger refuses acts before 2000.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.values import local_date

DISTRICT_OFFSET = "+08:00"
ZERO = timedelta(0)
UTC_ZONES = frozenset({UTC, ZoneInfo("UTC"), ZoneInfo("Etc/UTC")})
"""Zones always at offset 0 (how PostgreSQL's timestamps come back), known without asking."""
ONE_DAY = timedelta(days=1)

_uuid = lru_cache(maxsize=1 << 16)(UUID)
_date = lru_cache(maxsize=1 << 14)(date.fromisoformat)


def uuid_of(value: Any) -> UUID:
    return value if isinstance(value, UUID) else _uuid(str(value))


def uuid_or_none(value: Any) -> UUID | None:
    return None if value is None else uuid_of(value)


def uuids_of(values: Iterable[Any]) -> list[UUID]:
    return [uuid_of(v) for v in values]


def district_day(moment: datetime) -> date:
    """``domain.values.local_date``, faster for moments in UTC (the database's clock): from
    16:00 UTC on it is the next day in the district (UTC+8)."""
    if (moment.tzinfo in UTC_ZONES or moment.utcoffset() == ZERO) and moment.year >= 2000:
        day = moment.date()
        return day + ONE_DAY if moment.hour >= 16 else day
    return local_date(moment)


def moment_of(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def day_of(value: Any) -> date:
    """The district's calendar day of a date, or of an aware moment, written in ISO."""
    text = str(value)
    if len(text) == 10:
        return _date(text)
    if text.endswith(DISTRICT_OFFSET):
        return _date(text[:10])
    return district_day(datetime.fromisoformat(text))


def day_or_none(value: Any) -> date | None:
    return None if value is None else day_of(value)
