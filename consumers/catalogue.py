"""The catalogue of the domain's events: every aggregate, its event classes, their Kafka topic.

Found by walking the aggregate classes (every area imported), so a new event is catalogued —
in the AsyncAPI document, in the partner feed's topic list — the moment it is declared.
"""

from __future__ import annotations

from functools import cache

import domain.areas  # noqa: F401 - every aggregate and its events
import infra.privacy.erasure  # noqa: F401 - the erasure records are events too
from consumers.topics import LEDGER_TOPICS, kafka_topic_for
from domain.base import Aggregate, DomainEvent


def aggregate_classes() -> list[type[Aggregate]]:
    found: dict[str, type[Aggregate]] = {}
    pending: list[type[Aggregate]] = list(Aggregate.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.KIND:
            found[cls.__qualname__] = cls
    return [found[name] for name in sorted(found)]


def event_classes() -> list[type[DomainEvent]]:
    """Every event class of every aggregate, by topic."""
    found: dict[str, type[DomainEvent]] = {}
    for aggregate in aggregate_classes():
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, DomainEvent):
                found[value.TOPIC] = value
    return [found[topic] for topic in sorted(found)]


def events_by_topic(prefix: str = "") -> dict[str, list[type[DomainEvent]]]:
    """Each ledger topic's event classes (topic names with ``prefix``)."""
    by_topic: dict[str, list[type[DomainEvent]]] = {prefix + t.name: [] for t in LEDGER_TOPICS}
    for cls in event_classes():
        by_topic[kafka_topic_for(cls.TOPIC, prefix)].append(cls)
    return by_topic


@cache
def event_topics_of(kafka_topic: str) -> list[str]:
    """The event topics (``JointAction.Launched`` …) of one ledger topic (no prefix)."""
    return [cls.TOPIC for cls in events_by_topic()[kafka_topic]]
