"""Domain events <-> stored events, as canonical JSON.

The stored state is the pydantic event without its aggregate id and version (columns of their
own), serialised by orjson with sorted keys and no whitespace: canonical bytes, so that a hash of
them is reproducible by any program that reads the same JSON (Kafka consumers, auditors), and no
library type wrappers (``{"_type_": ...}``) that other programs would have to understand.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel


class PydanticMapper(Mapper[UUID]):
    """Domain events <-> stored events as plain JSON (no library type wrappers)."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event = cast(BaseModel, domain_event)
        state = event.model_dump(mode="json", exclude={"originator_id", "originator_version"})
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=orjson.dumps(state, option=orjson.OPT_SORT_KEYS),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        state = orjson.loads(stored_event.state)
        event: DomainEventProtocol[UUID] = cls(
            originator_id=stored_event.originator_id,
            originator_version=stored_event.originator_version,
            **state,
        )
        return event
