"""A record folded from its stored events without opening anyone's personal data.

When a sealed value of a record no longer opens (tampered with), the record cannot be loaded,
yet the gateway must still answer "not yours" to a caller who may not read it, as it would
for an intact record, rather than tell a stranger the record exists and was tampered with.
Whose record it is (its agency, the regions it concerns) never lies in a person's data, so
the record folded with every sealed person read as erased answers that, and nothing is
decrypted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.utils import resolve_topic

from domain.actors import Actor
from domain.base import Aggregate
from infra.integrity.wiring import recorder_of
from infra.privacy.sealing import ERASED, is_sealed, map_persons

if TYPE_CHECKING:
    from domain.application import SupervisionLedger


def unopened_record(ledger: SupervisionLedger, ident: UUID) -> Aggregate | None:
    """The record ``ident`` with every sealed person read as erased (``None`` if none)."""
    aggregate: Any = None
    for row in recorder_of(ledger).select_history(ident):
        state = map_persons(orjson.loads(row.state), _erased_if_sealed)
        event = resolve_topic(row.topic)(
            originator_id=row.originator_id, originator_version=row.originator_version, **state
        )
        aggregate = event.mutate(aggregate)
    return aggregate if isinstance(aggregate, Aggregate) else None


def not_readable_by(ledger: SupervisionLedger, ident: UUID, actor: Actor) -> bool:
    """Whether the record ``ident`` exists and is not ``actor``'s to read, decided without
    opening anyone's personal data (what a reader of a record that will not load is told)."""
    record = unopened_record(ledger, ident)
    return record is not None and not record.readable_by(actor)


def _erased_if_sealed(person: dict[str, Any]) -> dict[str, Any]:
    return dict(ERASED) if is_sealed(person) else person
