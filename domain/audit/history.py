"""Case-history replay: every event of one record, in order, with who, when, what, and the
state after each step.

The record is rebuilt version by version from its stored events (the same fold the repository
runs, ``event.mutate``), so "the state after step n" is exactly what ``repository.get(id,
version=n)`` would return, in one pass. Time is mapped to a version by the database's
``recorded_at``: the state *as of* a moment is the state after the last event recorded at or
before it (the library has no as-of-time read; the database clock, not the writer's, is the
one that orders the log).

Each step carries the event's hashes, and the chain of this one record is recomputed on the
way (``chain_intact``), so a case file shows on its face whether its events are the ones that
were sealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Annotated, Any, Protocol
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from pydantic import BaseModel, Field, InstanceOf
from pydantic_core import to_jsonable_python

from domain.base import Aggregate

Chain = Callable[["StoredRow", bytes], bytes | None]
"""Recomputes a row's event hash given the previous one (``None`` if it has no hash)."""


class StoredRow(Protocol):
    """What the event store keeps of one event (``infra.eventstore.ChainedEvent``)."""

    @property
    def position(self) -> int: ...
    @property
    def originator_id(self) -> UUID: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def leaf_index(self) -> int | None: ...
    @property
    def content_hash(self) -> bytes | None: ...
    @property
    def prev_hash(self) -> bytes | None: ...
    @property
    def event_hash(self) -> bytes | None: ...


JsonObject = Annotated[dict[str, Any], InstanceOf()]
"""A payload or a state: JSON the replay made itself (from the stored JSON, or by pydantic from
the aggregate), taken as it is once it is a dict. Validating it as ``dict[str, Any]`` copied
every field of every step; its schema is an object's all the same. (``SkipValidation`` would
skip the copy too, but serialises through a Python function: the JSON took three times as long.)"""


class Who(BaseModel):
    principal: str
    role: str
    agency_id: UUID | None = None
    correlation_id: str


class Hashes(BaseModel):
    leaf_index: int | None
    content_hash: str | None
    prev_hash: str | None
    event_hash: str | None


class Step(BaseModel):
    """One event of the record: who, when (both clocks), what, and the state after it."""

    version: int
    position: int = Field(description="The event's position in the ledger's log.")
    event: str = Field(description="The event's topic (``PenaltyCase.Decided``).")
    recorded_at: datetime = Field(description="When the database wrote it (its clock).")
    timestamp: datetime = Field(description="When the writer created it (the writer's clock).")
    who: Who
    payload: JsonObject
    changed: list[str] = Field(description="State fields this event changed.")
    state_after: JsonObject
    hashes: Hashes


class CaseHistory(BaseModel):
    """A record's history up to a version, and its state at that version."""

    kind: str
    id: UUID
    version: int = Field(description="The version shown (the last step).")
    latest_version: int
    as_of: datetime | None = None
    state: JsonObject
    chain_intact: bool = Field(
        description="Every event's hash recomputes from its fields and links to the one before."
    )
    steps: list[Step]


class NothingAsOf(LookupError):
    """The record did not exist yet at the moment (or version) asked for."""


class UnreadableEvent(Exception):
    """A stored event of the record does not load (a sealed personal value altered, a payload
    that no longer fits its class): which event, and why (the cause is ``__cause__``)."""

    def __init__(self, position: int, version: int, cause: Exception) -> None:
        super().__init__(f"the event at position {position} (version {version}): {cause}")
        self.position = position
        self.version = version
        self.cause = cause


def version_as_of(rows: Sequence[StoredRow], moment: datetime) -> int:
    """The version after the last event recorded at or before ``moment``."""
    version = 0
    for row in rows:
        if row.recorded_at <= moment:
            version = row.originator_version
        else:
            break
    if version == 0:
        raise NothingAsOf(f"the record did not exist yet at {moment.isoformat()}")
    return version


PersonFilter = Callable[[Any], Any]
_NOT_PAYLOAD = {"originator_id", "originator_version", "meta", "timestamp", "originator_topic"}
_PERSON_OBJECT = b'"person":{'


def replay(
    rows: Sequence[StoredRow],
    to_domain_event: Callable[[StoredEvent], Any],
    *,
    chain: Chain,
    version: int | None = None,
    as_of: datetime | None = None,
    withhold: PersonFilter | None = None,
) -> Replayed:
    """Fold ``rows`` (one aggregate's, in version order) into its history.

    ``version`` or ``as_of`` stop the history there (the aggregate returned beside it is the
    latest, which decides who may read it); ``withhold`` (for readers who may not see
    individuals' data) rewrites the payloads and states before they are shown. A row that
    does not load raises :class:`UnreadableEvent` naming its position.
    """
    if not rows:
        raise NothingAsOf("the record has no events")
    latest = rows[-1].originator_version
    upto = latest
    if as_of is not None:
        upto = version_as_of(rows, as_of)
    if version is not None:
        if not 1 <= version <= latest:
            raise NothingAsOf(f"the record has versions 1 to {latest}, not {version}")
        upto = min(upto, version)
    # In three passes over the rows (the chain, the events, the fold), each a tight loop: on a
    # small machine one loop doing all of it per row ran a quarter slower.
    previous_hash = bytes(32)
    intact = True
    for row in rows:
        recomputed = chain(row, previous_hash)
        intact = intact and recomputed is not None and recomputed == row.event_hash
        previous_hash = row.event_hash or b""
    events = [_event_of(row, to_domain_event) for row in rows]
    aggregate: Aggregate | None = None
    states = _StateAfter()
    previous_state: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    subjects: dict[bytes, str | None] = {}
    for row, event in zip(rows, events, strict=True):
        aggregate = event.mutate(aggregate)
        if aggregate is None:  # pragma: no cover - only a discarding event returns None
            raise NothingAsOf("the record was discarded")
        if row.originator_version > upto:
            continue
        current, renewed = states.after(aggregate)
        meta = event.meta
        if withhold is None:
            if _PERSON_OBJECT in row.state:  # sealed in the store: the event holds it opened
                payload = event.model_dump(mode="json", exclude=_NOT_PAYLOAD)
            else:  # the stored JSON is the event's own JSON: no need to serialise it again
                stored_payload = orjson.loads(row.state)
                payload = {k: v for k, v in stored_payload.items() if k not in _NOT_PAYLOAD}
        else:
            # From the stored (sealed) state: an individual shows as the pseudonymous subject.
            stored_payload = orjson.loads(row.state)
            if _PERSON_OBJECT in row.state:
                opened = event.model_dump(mode="json", exclude=_NOT_PAYLOAD)
                _learn_subjects(opened, stored_payload, subjects)
            payload = withhold({k: v for k, v in stored_payload.items() if k not in _NOT_PAYLOAD})
            # The state holds people opened (it is the aggregate's): shown under the same
            # subjects as the payloads that brought them. The filter rewrites every value, so
            # every field is compared for "changed".
            current = withhold(_as_subjects(current, subjects))
            renewed = current
        steps.append(
            {
                "version": row.originator_version,
                "position": row.position,
                "event": row.topic,
                "recorded_at": row.recorded_at,
                "timestamp": event.timestamp,
                "who": {
                    "principal": meta.principal,
                    "role": meta.role.value,
                    "agency_id": meta.agency_id,
                    "correlation_id": meta.correlation_id,
                },
                "payload": payload,
                "changed": _changed(previous_state, current, renewed),
                "state_after": current,
                "hashes": {
                    "leaf_index": row.leaf_index,
                    "content_hash": _hex(row.content_hash),
                    "prev_hash": _hex(row.prev_hash),
                    "event_hash": _hex(row.event_hash),
                },
            }
        )
        previous_state = current
    if aggregate is None:  # pragma: no cover - rows is not empty
        raise NothingAsOf("the record has no events")
    history = {
        "kind": aggregate.KIND,
        "id": aggregate.id,
        "version": upto,
        "latest_version": latest,
        "as_of": as_of,
        "state": previous_state,
        "chain_intact": intact,
        "steps": steps,
    }
    return Replayed(history, aggregate)


def _event_of(row: StoredRow, to_domain_event: Callable[[StoredEvent], Any]) -> Any:
    stored = StoredEvent(
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic,
        state=row.state,
    )
    try:
        return to_domain_event(stored)
    except ValueError as error:  # what a mapper raises for a row it cannot read
        raise UnreadableEvent(row.position, row.originator_version, error) from error


@dataclass(frozen=True)
class Replayed:
    data: dict[str, Any]
    """The history as plain data, in :class:`CaseHistory`'s shape and field order: what the
    case file's JSON is written from (``domain.audit.case_file.ExportedCase``) without a model
    built for it."""
    aggregate: Aggregate
    """The record at its latest version."""

    @cached_property
    def history(self) -> CaseHistory:
        """The history as its model (built on first use: the JSON export does not need it).
        ``model_validate`` of the plain data: pydantic-core builds the nested models in C,
        faster than calling the constructors, or ``model_construct`` (Python)."""
        return CaseHistory.model_validate(self.data)


def aggregate_kinds() -> dict[str, type[Aggregate]]:
    """Every aggregate class by its ``KIND`` (``penalty-case`` -> ``PenaltyCase``)."""
    found: dict[str, type[Aggregate]] = {}
    pending = list(Aggregate.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.KIND:
            found.setdefault(cls.KIND, cls)
    return found


Path = tuple[str | int, ...]


def _persons_by_path(value: Any, path: Path = ()) -> dict[Path, Any]:
    """Every non-null ``person`` in ``value`` by where it is."""
    found: dict[Path, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "person" and isinstance(item, dict):
                found[(*path, key)] = item
            else:
                found |= _persons_by_path(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found |= _persons_by_path(item, (*path, n))
    return found


def _learn_subjects(opened: Any, stored: Any, subjects: dict[bytes, str | None]) -> None:
    """Remember each person of an event (as opened) under the subject it is stored under. A
    person known under two subjects (two erased people both read ``[erased]``) is ambiguous,
    shown with no subject rather than a wrong one."""
    sealed = _persons_by_path(stored)
    for where, person in _persons_by_path(opened).items():
        subject = sealed.get(where, {}).get("subject")
        key = orjson.dumps(person, option=orjson.OPT_SORT_KEYS)
        if key in subjects and subjects[key] != subject:
            subjects[key] = None
        else:
            subjects[key] = subject


def _as_subjects(state: Any, subjects: dict[bytes, str | None]) -> Any:
    """``state`` with each opened person replaced by ``{"subject": …}`` (what ``withhold``
    reads) when an event of the record stored it under one."""
    if isinstance(state, dict):
        shown: dict[str, Any] = {}
        for key, item in state.items():
            if key == "person" and isinstance(item, dict):
                subject = subjects.get(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))
                shown[key] = {"subject": subject} if subject else item
            else:
                shown[key] = _as_subjects(item, subjects)
        return shown
    if isinstance(state, list):
        return [_as_subjects(item, subjects) for item in state]
    return state


def kind_of_topic(topic: str) -> str | None:
    """The ``KIND`` of the aggregate whose event has ``topic`` (``PenaltyCase.Decided`` ->
    ``penalty-case``), or ``None`` for a topic of no known aggregate."""
    prefix = topic.split(".", 1)[0]
    for kind, cls in aggregate_kinds().items():
        if getattr(cls, "TOPIC", cls.__qualname__) == prefix:
            return kind
    return None


def _state_of(aggregate: Aggregate) -> dict[str, Any]:
    """What ``Aggregate.state()`` calls the record's state (its public attributes, as JSON)."""
    state: dict[str, Any] = to_jsonable_python(
        {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
    )
    return state


# Values whose JSON cannot change while the value is the same object (float is left out: NaN
# is unequal to itself, so "changed" must compare it every time, as it always did).
_IMMUTABLE = (str, int, bool, type(None), UUID, date, datetime, time, timedelta, Decimal, Enum)


_UNSEEN = object()
"""The value "before" the first step: the same as no value, so every field is converted."""


class _StateAfter:
    """The aggregate's state as JSON (:func:`_state_of`) after each step of one replay,
    converting again only the attributes the step may have changed.

    A step changes an attribute or two of some thirty, and converting every attribute at every
    step was a quarter of the replay. An attribute keeps the step before's JSON when it still
    holds the very same object and that object cannot change: a scalar, an enum, or a frozen
    pydantic model (immutable by the rule the aggregates' copies already rely on:
    ``domain.base._copied`` shares them). Lists and dicts are changed in place, so they are
    converted at every step. Lives for one replay: nothing is kept across calls.

    The step before's values are a copy of the attribute dictionary (one C call); one loop
    compares against it, and the new state is the step before's JSON copied and updated, so it
    keeps the aggregate's attribute order, which the JSON shows. (Comparing tuples column-wise
    with ``map`` and rebuilding the state from them took 1.7 times as long.)
    """

    def __init__(self) -> None:
        self._layout: tuple[str, ...] = ()  # every attribute name, in order, at the step before
        self._names: tuple[str, ...] = ()  # the public ones (the state's fields)
        self._values: dict[str, Any] = {}  # every attribute at the step before
        self._json: dict[str, Any] = {}  # the state at the step before
        self._immutable: dict[type, bool] = {}

    def after(self, aggregate: Aggregate) -> tuple[dict[str, Any], dict[str, Any]]:
        """The state, and the part of it converted anew (every other field is the very same
        JSON object as at the step before)."""
        attributes = vars(aggregate)
        layout = tuple(attributes)
        if layout != self._layout:  # the first step, or an attribute came or went
            self._layout = layout
            self._names = tuple(name for name in layout if not name.startswith("_"))
            self._values = {}
        before = self._values
        immutable = self._immutable
        fresh: dict[str, Any] = {}
        for name in self._names:
            value = attributes[name]
            if before.get(name, _UNSEEN) is value:
                kept = immutable.get(type(value))
                if kept is None:
                    kept = self._learn(type(value))
                if kept:
                    continue
            fresh[name] = value
        renewed: dict[str, Any] = to_jsonable_python(fresh)
        if before:
            state = self._json.copy()
            state.update(renewed)
        else:
            state = renewed
        self._values = attributes.copy()
        self._json = state
        return state, renewed

    def _learn(self, kind: type) -> bool:
        known = self._immutable.get(kind)
        if known is None:
            known = self._immutable[kind] = _is_immutable(kind)
        return known


def _is_immutable(kind: type) -> bool:
    return issubclass(kind, _IMMUTABLE) or (
        issubclass(kind, BaseModel) and bool(kind.model_config.get("frozen"))
    )


def _changed(
    previous: dict[str, Any], current: dict[str, Any], renewed: Iterable[str]
) -> list[str]:
    """The fields whose JSON differs from the step before (a field not there reads ``None``).
    Of the fields in ``current``, only the ``renewed`` ones can: the others are the very same
    JSON objects as the step before's."""
    changed = [k for k in renewed if previous.get(k) != current[k]]
    changed += [k for k, v in previous.items() if k not in current and v is not None]
    return sorted(changed)


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def withhold_personal(value: Any) -> Any:
    """``value`` with every individual's data replaced by its pseudonymous subject, if any."""
    if isinstance(value, dict):
        shown: dict[str, Any] = {}
        for key, item in value.items():
            if key == "person" and item is not None:
                subject = item.get("subject") if isinstance(item, dict) else None
                shown[key] = {"subject": subject, "withheld": True}
            else:
                shown[key] = withhold_personal(item)
        return shown
    if isinstance(value, list):
        return [withhold_personal(item) for item in value]
    return value
