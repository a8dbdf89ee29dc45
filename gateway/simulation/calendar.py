"""The simulated year's calendar: days and moments in the district's time zone, drawn at random
from a seeded ``random.Random`` (never the global one), so a seed gives the same year."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.values import DISTRICT_ZONE

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    year: int

    @property
    def first(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, 12, 31)

    def day(self, month: int, day: int) -> date:
        return date(self.year, month, day)

    def clamp(self, day: date) -> date:
        """``day`` within the year."""
        return min(max(day, self.first), self.last)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the district's day ``day``."""
    return datetime.combine(day, time(hour, minute), DISTRICT_ZONE)


def between(rng: random.Random, first: date, last: date) -> date:
    """A day from ``first`` to ``last`` (both included), uniformly."""
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def leaning(rng: random.Random, first: date, last: date, mode: date) -> date:
    """A day from ``first`` to ``last``, most often near ``mode`` (a triangular draw)."""
    span = (last - first).days
    peak = min(max((mode - first).days, 0), span)
    offset = rng.triangular(0, span, peak)
    return first + timedelta(days=min(span, int(offset)))


def minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randint(low, high))
