"""Demo records of the collaboration area (see gateway/demo.py)."""

from __future__ import annotations

from domain.application import SupervisionLedger


def load(ledger: SupervisionLedger) -> None:
    """Add this area's demo records (nothing yet)."""
