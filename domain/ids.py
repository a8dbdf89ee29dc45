"""Deterministic identities from natural keys.

A duplicate registration (the same credit code, certificate number, plan number …) maps to
the same aggregate id, so it fails on the event store's version constraint instead of
creating a twin.
"""

from __future__ import annotations

from uuid import UUID, uuid5

LEDGER_NAMESPACE = UUID("6f1c3a0e-8b7d-5c52-9a4e-1d2b3c4d5e6f")


def natural_id(kind: str, key: str) -> UUID:
    """The aggregate id for ``kind`` identified by the natural key ``key``."""
    return uuid5(LEDGER_NAMESPACE, f"{kind}:{key}")
