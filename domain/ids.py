"""Deterministic identities from natural keys.

A duplicate registration (the same credit code, certificate number, plan number …) maps to
the same aggregate id, so it fails on the event store's version constraint instead of
creating a twin.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

LEDGER_NAMESPACE = UUID("6f1c3a0e-8b7d-5c52-9a4e-1d2b3c4d5e6f")


@lru_cache(maxsize=1 << 16)
def natural_id(kind: str, key: str) -> UUID:
    """The aggregate id for ``kind`` identified by the natural key ``key``.

    Remembered: commands name the same agencies, grid cells and officers by their keys over
    and over, and each id is a SHA-1 (a few microseconds of a command's time)."""
    return uuid5(LEDGER_NAMESPACE, f"{kind}:{key}")
