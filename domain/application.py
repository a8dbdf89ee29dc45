"""The application service: one command in, its events written atomically, one answer out.

``execute`` checks the caller's role, replays an idempotent retry, runs the command's handler
inside a unit of work (load aggregates, check the rules, call their verb methods) and saves
every touched aggregate in one transaction together with the idempotency record. A clash with
a concurrent writer raises ``ConcurrencyConflict`` and writes nothing.

Handlers are plain functions registered with ``@handles(CommandClass)``; each area of the
domain keeps its own in ``domain/<area>/handlers.py``.
"""

from __future__ import annotations

import copy
import hashlib
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError

from domain.actors import Actor, Role
from domain.base import Aggregate, EventMeta, recording_as
from domain.cache import AggregateCache, ChangeFeed
from domain.commands import Accepted, Command
from domain.errors import (
    ConcurrencyConflict,
    DomainError,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    RuleViolation,
)

A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", bound=Command)

Handler = Callable[["UnitOfWork", Any], Aggregate]
HANDLERS: dict[type[Command], Handler] = {}


def handles(
    command_type: type[C],
) -> Callable[[Callable[[UnitOfWork, C], A]], Callable[[UnitOfWork, C], A]]:
    """Register the function that carries out ``command_type``."""

    def register(func: Callable[[UnitOfWork, C], A]) -> Callable[[UnitOfWork, C], A]:
        if command_type in HANDLERS:
            raise RuntimeError(f"{command_type.__name__} already has a handler")
        HANDLERS[command_type] = func
        return func

    return register


class Rejection(Exception):
    """A refusal that is itself recorded: the rule was broken, and the law wants that on file.

    The handler raises it with the aggregates that hold the refusal; they are saved, and the
    caller still gets the violation.
    """

    def __init__(self, violation: RuleViolation, *record: Aggregate) -> None:
        super().__init__(violation.message)
        self.violation = violation
        self.record = record


class StaleVersion(ConcurrencyConflict):
    """The caller named the version of the record it decided on (``If-Match``), and the record
    has changed since: nothing of the command was written."""

    title = "Record changed since the version you read"
    rule = "expected-version-current"

    def __init__(self, kind: str, ident: UUID, expected: int, current: int) -> None:
        super().__init__(
            f"the {kind} {ident} is at version {current}, not {expected} as expected; "
            "nothing was written — read it again and decide again"
        )
        self.expected = expected
        self.current = current


class RecordedRefusal(RuleViolation):
    """A rule violation whose refusal was written as an event (``refusal_id``)."""

    def __init__(self, rule: str, message: str, refusal_id: UUID) -> None:
        super().__init__(rule, message)
        self.refusal_id = refusal_id


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first answer to a command sent with an ``Idempotency-Key``."""

    principal: str
    key: str
    request_hash: str
    outcome: dict[str, Any]


class IdempotencyStore(Protocol):
    def find_idempotency(self, principal: str, key: str) -> IdempotencyRecord | None: ...


class UnitOfWork:
    """The aggregates one command reads and changes, loaded once each.

    In a batch, ``staged`` holds the aggregates earlier commands of the batch changed (not yet
    written): this command sees them, through copies, so that if it is refused they are as
    they were.
    """

    def __init__(
        self,
        ledger: SupervisionLedger,
        actor: Actor,
        staged: dict[UUID, Aggregate] | None = None,
        *,
        careful: bool = True,
    ) -> None:
        self._ledger = ledger
        self._staged = staged if staged is not None else {}
        self.careful = careful
        self.actor = actor
        self._loaded: dict[UUID, Aggregate] = {}
        self._pending_before: dict[UUID, int] = {}
        self.created: set[UUID] = set()

    def get(self, cls: type[A], ident: UUID) -> A:
        """The aggregate ``ident`` of type ``cls``, or ``NotFound``."""
        found = self.find(cls, ident)
        if found is None:
            raise NotFound(cls.KIND, ident)
        return found

    def find(self, cls: type[A], ident: UUID) -> A | None:
        aggregate = self._loaded.get(ident)
        if aggregate is None:
            aggregate = self._load(ident)
            if aggregate is None:
                return None
            self._loaded[ident] = aggregate
            self._pending_before[ident] = len(aggregate.pending_events)
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def _load(self, ident: UUID) -> Aggregate | None:
        staged = self._staged.get(ident)
        if staged is not None:
            return copy.deepcopy(staged)
        return self._ledger.load(ident)

    def version_before(self, aggregate: Aggregate) -> int:
        """The version ``aggregate`` had before this command (0 if this command created it)."""
        if aggregate.id in self.created:
            return 0
        triggered = len(aggregate.pending_events) - self._pending_before[aggregate.id]
        return int(aggregate.version) - triggered

    def get_each(self, cls: type[A], idents: Iterable[UUID]) -> list[A]:
        """The aggregates named, each once, in the order named (``NotFound`` for an unknown one)."""
        return [self.get(cls, ident) for ident in dict.fromkeys(idents)]

    def exists(self, ident: UUID) -> bool:
        """Whether ``ident`` exists. Not careful (a batch's first attempt), only what is known
        without asking the store: a duplicate then fails on the store's version constraint, and
        the command is carried out again, carefully, to say "already exists"."""
        if ident in self._loaded or ident in self._staged:
            return True
        return self._ledger.exists(ident, careful=self.careful)

    def add(self, aggregate: A) -> A:
        """A newly created aggregate, to be saved with the rest."""
        self._loaded[aggregate.id] = aggregate
        self._pending_before[aggregate.id] = 0
        self.created.add(aggregate.id)
        return aggregate

    @property
    def changed(self) -> list[Aggregate]:
        """The aggregates this command changed (each holding the batch's pending events)."""
        return [
            agg
            for ident, agg in self._loaded.items()
            if len(agg.pending_events) > self._pending_before[ident]
        ]

    def new_events(self) -> list[str]:
        """Topics of the events this command triggered, per aggregate in the order touched."""
        return [
            event.TOPIC  # type: ignore[attr-defined]
            for ident, agg in self._loaded.items()
            for event in agg.pending_events[self._pending_before[ident] :]
        ]


def request_hash(command: Command) -> str:
    body = orjson.dumps(
        {"command": type(command).__name__, "body": command.model_dump(mode="json")},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(body).hexdigest()


def new_correlation_id() -> str:
    """A random id tying one command's events together. Not a secret, so not from the OS's
    entropy source: that call lets go of the interpreter lock, and under load the committer
    thread then waits for it behind the HTTP thread."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


@dataclass(frozen=True)
class Request:
    """A command to carry out for an actor (one item of a batch)."""

    command: Command
    actor: Actor
    idempotency_key: str | None = None
    correlation_id: str | None = None
    expected_version: int | None = None
    """The version of the command's record the caller decided on (HTTP ``If-Match``): the
    command is refused (``StaleVersion``) unless the record is still at that version. Without
    it a command that lost a race is decided again on the current state."""

    @property
    def digest(self) -> str:
        return request_hash(self.command) if self.idempotency_key else ""


Outcome = Accepted | DomainError


class SupervisionLedger(Application[UUID]):
    """The write side of the supervision ledger."""

    name = "SupervisionLedger"
    env: ClassVar[dict[str, str]] = {}
    cache: AggregateCache | None = None
    """Set by the wiring (``use_cache``); without it every load reads the event store."""

    def use_cache(self, feed: ChangeFeed, *, size: int = 50_000) -> None:
        self.cache = AggregateCache(feed, size=size)

    def load(self, ident: UUID) -> Aggregate | None:
        """The aggregate ``ident`` as stored (from the cache when it is there), or ``None``."""
        if self.cache is not None:
            cached = self.cache.get(ident)
            if cached is not None:
                return cached
            if self.cache.is_absent(ident):
                return None
        try:
            loaded: Aggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            if self.cache is not None:
                self.cache.mark_absent(ident)
            return None
        if self.cache is not None:
            self.cache.put([loaded])
        return loaded

    def exists(self, ident: UUID, *, careful: bool = True) -> bool:
        if self.cache is not None and self.cache.has(ident):
            return True
        if not careful:
            return False
        return any(True for _ in self.events.get(ident, limit=1))

    def execute(
        self,
        command: Command,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> Accepted:
        """Carry out ``command`` for ``actor``; return what was written or raise why not."""
        (outcome,) = self.execute_batch([Request(command, actor, idempotency_key, correlation_id)])
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    def execute_batch(self, requests: Sequence[Request], *, careful: bool = False) -> list[Outcome]:
        """Carry out several commands and write all their events in one transaction.

        Each command sees what the commands before it in the batch did; a refused command
        writes nothing and changes nothing for the others. The first attempt is optimistic: it
        asks the store nothing it does not need (natural keys are checked by the store's
        version constraint on writing). If the transaction clashes — a duplicate, or a writer
        outside the batch — every command is carried out again on its own, carefully, on the
        current state: one conflict never fails another command (group commit), and a command
        that lost a race is decided again — refused if the rules now forbid it.
        """
        if self.cache is not None:
            self.cache.refresh()
        staged: dict[UUID, Aggregate] = {}
        records: list[IdempotencyRecord] = []
        answered: dict[tuple[str, str], IdempotencyRecord] = {}
        outcomes = [self._stage(r, staged, records, answered, careful) for r in requests]
        if not staged and not records:
            return outcomes
        try:
            self._save_aggregates(staged.values(), idempotency=records)
        except IntegrityError:
            if not careful:
                return [self.execute_batch([r], careful=True)[0] for r in requests]
            return [self._after_conflict(r) for r in requests]
        if self.cache is not None:
            self.cache.put(staged.values())  # saved: their pending events are now collected
        return outcomes

    def _save_aggregates(self, aggregates: Iterable[Aggregate], **kwargs: Any) -> None:
        """The library's ``save`` for aggregates only. Its own asks of every object whether it
        is an event or an aggregate with two ``isinstance`` checks against ``typing``
        protocols, slow in Python 3.11: 8% of a command's CPU in a large group commit."""
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)

    def _after_conflict(self, request: Request) -> Outcome:
        if request.idempotency_key:
            # A concurrent retry of the same request may have won the race: answer as it did.
            earlier = self._idempotency().find_idempotency(
                request.actor.principal, request.idempotency_key
            )
            if earlier is not None:
                return _replay(earlier, request.digest)
        return ConcurrencyConflict(
            "another command changed the same record at the same moment, or it already "
            "exists; nothing was written — reload and retry"
        )

    def _stage(
        self,
        request: Request,
        staged: dict[UUID, Aggregate],
        records: list[IdempotencyRecord],
        answered: dict[tuple[str, str], IdempotencyRecord],
        careful: bool,
    ) -> Outcome:
        """Run one command against the batch so far; keep its changes only if it succeeds."""
        command, actor = request.command, request.actor
        if actor.role is not Role.SYSTEM and actor.role not in type(command).ROLES:
            return Forbidden(f"the role {actor.role.value} may not {type(command).__name__}")
        handler = HANDLERS.get(type(command))
        if handler is None:
            raise RuntimeError(f"no handler for {type(command).__name__}")

        key = request.idempotency_key
        if key:
            earlier = answered.get((actor.principal, key)) or self._idempotency().find_idempotency(
                actor.principal, key
            )
            if earlier is not None:
                return _replay(earlier, request.digest)

        meta = EventMeta(
            principal=actor.principal,
            role=actor.role,
            agency_id=actor.agency_id,
            correlation_id=request.correlation_id or new_correlation_id(),
        )
        uow = UnitOfWork(self, actor, staged, careful=careful)
        outcome: Outcome
        with recording_as(meta):
            try:
                primary = handler(uow, command)
            except Rejection as rejection:
                # The refusal is written (the law wants it on file); nothing else of the command.
                refusal = rejection.record[0]
                for aggregate in rejection.record:
                    staged[aggregate.id] = aggregate
                violation = rejection.violation
                outcome = RecordedRefusal(violation.rule, violation.message, refusal.id)
            except DomainError as error:
                return error
            else:
                expected = request.expected_version
                if expected is not None and uow.version_before(primary) != expected:
                    # Checked on the state the command was decided on: in a batch, after the
                    # commands before it; after a clash, on the store's current state.
                    return StaleVersion(
                        primary.KIND, primary.id, expected, uow.version_before(primary)
                    )
                outcome = Accepted(
                    id=primary.id,
                    kind=primary.KIND,
                    version=primary.version,
                    created=primary.id in uow.created,
                    events=uow.new_events(),
                    correlation_id=meta.correlation_id,
                )
                for aggregate in uow.changed:
                    staged[aggregate.id] = aggregate
        if key:
            record = IdempotencyRecord(actor.principal, key, request.digest, _answer(outcome))
            records.append(record)
            answered[(actor.principal, key)] = record
        return outcome

    def _idempotency(self) -> IdempotencyStore:
        recorder: Any = self.recorder
        if not hasattr(recorder, "find_idempotency"):
            raise RuntimeError("this event store keeps no idempotency records")
        store: IdempotencyStore = recorder
        return store

    def get_aggregate(self, ident: UUID) -> Aggregate:
        """The current state of any aggregate, or ``NotFound``."""
        if self.cache is not None:
            self.cache.refresh()
        aggregate = self.load(ident)
        if aggregate is None:
            raise NotFound("record", ident)
        return aggregate


def _answer(outcome: Accepted | RecordedRefusal) -> dict[str, Any]:
    """What an idempotency record keeps of a command's first answer (``_replay`` reads it)."""
    if isinstance(outcome, RecordedRefusal):
        return {
            "refused": {
                "rule": outcome.rule,
                "message": outcome.message,
                "refusal_id": str(outcome.refusal_id),
            }
        }
    return {"accepted": outcome.model_dump(mode="json")}


def _replay(earlier: IdempotencyRecord, digest: str) -> Outcome:
    """The first answer to a request sent again with the same key."""
    if earlier.request_hash != digest:
        return IdempotencyKeyReused()
    if "refused" in earlier.outcome:
        refused = earlier.outcome["refused"]
        return RecordedRefusal(refused["rule"], refused["message"], UUID(refused["refusal_id"]))
    return Accepted.model_validate(earlier.outcome["accepted"])


__all__ = [
    "HANDLERS",
    "DomainError",
    "IdempotencyRecord",
    "Outcome",
    "RecordedRefusal",
    "Rejection",
    "Request",
    "StaleVersion",
    "SupervisionLedger",
    "UnitOfWork",
    "handles",
]
