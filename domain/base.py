"""The building blocks every aggregate shares.

Events are frozen pydantic models (they are the Kafka contract and the AsyncAPI schemas);
aggregates are the eventsourcing library's mutable aggregates. Each event's topic is pinned
to its qualified class name (``Officer.CertificateIssued``), not to its module path, so code
can move without breaking stored history.

Every event carries ``meta``: who caused it and under which correlation id. The application
service sets it once per command (a context variable), so aggregate methods never pass it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Self, get_args
from uuid import UUID, uuid4

from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import to_jsonable_python

from domain.actors import Actor, Role
from domain.values import require_aware


class EventMeta(BaseModel):
    """Audit data travelling with every event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    principal: str
    role: Role
    agency_id: UUID | None = None
    correlation_id: str


_meta: ContextVar[EventMeta | None] = ContextVar("ledger_event_meta", default=None)


@contextmanager
def recording_as(meta: EventMeta) -> Iterator[None]:
    """Within this block, new events are stamped with ``meta``."""
    token = _meta.set(meta)
    try:
        yield
    finally:
        _meta.reset(token)


def current_meta() -> EventMeta:
    meta = _meta.get()
    if meta is None:
        # An event created outside a command would have no author: refuse it loudly.
        raise RuntimeError("events can only be created inside a command (recording_as)")
    return meta


def utc_now() -> datetime:
    return datetime.now(UTC)


class DomainEvent(BaseModel):
    """Base of all events: frozen, strict about unknown fields, with a pinned topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TOPIC: ClassVar[str] = ""

    MOMENTS: ClassVar[tuple[str, ...]] = ()
    """The event's datetime fields, each required timezone-aware (``require_aware``)."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime = Field(default_factory=utc_now)
    meta: EventMeta = Field(default_factory=current_meta)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TOPIC" not in cls.__dict__:
            cls.TOPIC = cls.__qualname__

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Worked out once per class: the check below then costs a few attribute reads.
        cls.MOMENTS = tuple(
            name for name, field in cls.model_fields.items() if _holds_datetime(field.annotation)
        )

    @model_validator(mode="after")
    def _moments_aware(self) -> Self:
        # A rule, not a parse error: a naive moment reaching an event is a bug of the caller
        # that would shift acts across days by the host's zone; it is refused by name.
        for name in self.MOMENTS:
            value = getattr(self, name)
            if isinstance(value, datetime):
                require_aware(f"{self.TOPIC}.{name}", value)
        return self


def _holds_datetime(annotation: Any) -> bool:
    """``datetime`` or ``datetime | None``."""
    if annotation is datetime:
        return True
    return any(arg is datetime for arg in get_args(annotation))


def plural(kind: str) -> str:
    """``penalty-case`` -> ``penalty-cases``, ``agency`` -> ``agencies``."""
    if kind.endswith("y") and kind[-2:-1] not in "aeiou":
        return kind[:-1] + "ies"
    if kind.endswith(("s", "x", "ch", "sh")):
        return kind + "es"
    return kind + "s"


_IMMUTABLE = (
    str,
    int,
    float,
    bool,
    bytes,
    type(None),
    UUID,
    date,
    datetime,
    time,
    timedelta,
    Decimal,
    Enum,
    frozenset,
)


_SHARED: set[type] = set()
"""Types found immutable so far: one set lookup instead of the ``isinstance`` checks below."""


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    """A deep copy that shares what cannot change (see ``Aggregate.__deepcopy__``)."""
    kind = type(value)
    if kind in _SHARED:
        return value
    if isinstance(value, _IMMUTABLE) or (
        isinstance(value, BaseModel) and value.model_config.get("frozen")
    ):
        _SHARED.add(kind)
        return value
    if isinstance(value, list):
        return [_copied(v, memo) for v in value]
    if isinstance(value, dict):
        return {k: _copied(v, memo) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_copied(v, memo) for v in value)
    return copy.deepcopy(value, memo)


class Aggregate(BaseAggregate[UUID]):
    """Base of all aggregates. ``KIND`` names it in URLs and audit trails."""

    KIND: ClassVar[str] = ""
    COLLECTION: ClassVar[str] = ""
    """The URL path segment of this kind's records (``/api/v1/<COLLECTION>/{id}``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.KIND and "COLLECTION" not in cls.__dict__:
            cls.COLLECTION = plural(cls.KIND)

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        return uuid4()

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        pass

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str

    def __deepcopy__(self, memo: dict[int, Any]) -> Aggregate:
        # Commands work on copies of cached aggregates (a refused command must leave them as
        # they were). The generic deepcopy walks every UUID, date and frozen value object
        # through __reduce_ex__; those are immutable, so they are shared, and only containers
        # and mutable models are copied. Several times faster on a plan with its tasks.
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        clone.__dict__.update({k: _copied(v, memo) for k, v in self.__dict__.items()})
        return clone

    def agency_scope(self) -> frozenset[UUID] | None:
        """The agencies whose record this is; ``None`` for shared registry data."""
        agency_ids = getattr(self, "agency_ids", None)
        if agency_ids is not None:
            return frozenset(agency_ids)
        agency_id = getattr(self, "agency_id", None)
        return frozenset({agency_id}) if isinstance(agency_id, UUID) else None

    def partner_regions(self) -> frozenset[str]:
        """Partner regions this record concerns (collaboration records override this)."""
        return frozenset()

    def readable_by(self, actor: Actor) -> bool:
        """Whether ``actor`` may read this record's state and history."""
        if actor.role in (Role.SYSTEM, Role.SUPERVISOR, Role.AUDITOR):
            return True
        if actor.role is Role.AGENCY_OFFICER:
            scope = self.agency_scope()
            return scope is None or actor.agency_id in scope
        if actor.role is Role.PARTNER:
            return actor.region is not None and actor.region in self.partner_regions()
        return False

    def state(self) -> dict[str, Any]:
        """The current state as plain JSON-ready data (what GET endpoints return)."""
        data: dict[str, Any] = {}
        for name, value in vars(self).items():
            if name.startswith("_"):
                continue
            data[name] = value
        return {
            "id": str(self.id),
            "kind": self.KIND,
            "version": self.version,
            "created_on": self.created_on.isoformat(),
            "modified_on": self.modified_on.isoformat(),
            "state": to_jsonable_python(data),
        }
