"""How the demo steps (``gateway/demo*.py``) write their records: through the real commands,
as the system, a record already there being no error (an area's step may run again)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.commands import Command
from domain.errors import AlreadyExists


def create(ledger: SupervisionLedger, command: Command) -> UUID | None:
    """The new record's id, or ``None`` when it is already there (the step ran before)."""
    try:
        return ledger.execute(command, SYSTEM).id
    except AlreadyExists:
        return None


def then(ledger: SupervisionLedger, commands: Sequence[Command]) -> None:
    """Carry out ``commands`` in order, as the system (what follows a record's creation)."""
    for command in commands:
        ledger.execute(command, SYSTEM)
