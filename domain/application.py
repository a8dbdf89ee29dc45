"""The application service: one command in, its events written atomically, one answer out.

``execute`` checks the caller's role, replays an idempotent retry, runs the command's handler
inside a unit of work (load aggregates, check the rules, call their verb methods) and saves
every touched aggregate in one transaction together with the idempotency record. A clash with
a concurrent writer raises ``ConcurrencyConflict`` and writes nothing.

Handlers are plain functions registered with ``@handles(CommandClass)``; each area of the
domain keeps its own in ``domain/<area>/handlers.py``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from domain.actors import Actor, Role
from domain.base import Aggregate, EventMeta, recording_as
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
    """The aggregates one command reads and changes, loaded once each."""

    def __init__(self, ledger: SupervisionLedger, actor: Actor) -> None:
        self._ledger = ledger
        self.actor = actor
        self._loaded: dict[UUID, Aggregate] = {}
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
            try:
                aggregate = self._ledger.repository.get(ident)
            except AggregateNotFoundError:
                return None
            self._loaded[ident] = aggregate
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def get_each(self, cls: type[A], idents: Iterable[UUID]) -> list[A]:
        """The aggregates named, each once, in the order named (``NotFound`` for an unknown one)."""
        return [self.get(cls, ident) for ident in dict.fromkeys(idents)]

    def exists(self, ident: UUID) -> bool:
        return ident in self._loaded or ident in self._ledger.repository

    def add(self, aggregate: A) -> A:
        """A newly created aggregate, to be saved with the rest."""
        self._loaded[aggregate.id] = aggregate
        self.created.add(aggregate.id)
        return aggregate

    @property
    def aggregates(self) -> Sequence[Aggregate]:
        return list(self._loaded.values())


def request_hash(command: Command) -> str:
    body = orjson.dumps(
        {"command": type(command).__name__, "body": command.model_dump(mode="json")},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(body).hexdigest()


class SupervisionLedger(Application[UUID]):
    """The write side of the supervision ledger."""

    name = "SupervisionLedger"
    env: ClassVar[dict[str, str]] = {}

    def execute(
        self,
        command: Command,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> Accepted:
        """Carry out ``command`` for ``actor``; return what was written or raise why not."""
        if actor.role is not Role.SYSTEM and actor.role not in type(command).ROLES:
            raise Forbidden(f"the role {actor.role.value} may not {type(command).__name__}")
        handler = HANDLERS.get(type(command))
        if handler is None:
            raise RuntimeError(f"no handler for {type(command).__name__}")

        digest = request_hash(command) if idempotency_key else ""
        if idempotency_key:
            earlier = self._idempotency().find_idempotency(actor.principal, idempotency_key)
            if earlier is not None:
                return self._replay(earlier, digest)

        meta = EventMeta(
            principal=actor.principal,
            role=actor.role,
            agency_id=actor.agency_id,
            correlation_id=correlation_id or str(uuid.uuid4()),
        )
        with recording_as(meta):
            uow = UnitOfWork(self, actor)
            try:
                primary = handler(uow, command)
            except Rejection as rejection:
                self._save_refusal(rejection, actor, idempotency_key, digest)
                raise AssertionError("unreachable") from None  # _save_refusal always raises

        pending = [agg for agg in uow.aggregates if agg.pending_events]
        accepted = Accepted(
            id=primary.id,
            kind=primary.KIND,
            version=primary.version,
            created=primary.id in uow.created,
            events=[e.TOPIC for agg in pending for e in agg.pending_events],  # type: ignore[attr-defined]
            correlation_id=meta.correlation_id,
        )
        record = (
            IdempotencyRecord(
                principal=actor.principal,
                key=idempotency_key,
                request_hash=digest,
                outcome={"accepted": accepted.model_dump(mode="json")},
            )
            if idempotency_key
            else None
        )
        self._commit(pending, record, actor, idempotency_key, digest)
        return accepted

    def _commit(
        self,
        aggregates: Sequence[Aggregate],
        record: IdempotencyRecord | None,
        actor: Actor,
        idempotency_key: str | None,
        digest: str,
    ) -> None:
        try:
            self.save(*aggregates, idempotency=record)
        except IntegrityError:
            if idempotency_key:
                # A concurrent retry of the same request may have won the race: answer as it did.
                earlier = self._idempotency().find_idempotency(actor.principal, idempotency_key)
                if earlier is not None:
                    self._replay(earlier, digest)
                    return
            raise ConcurrencyConflict(
                "another command changed the same record at the same moment, or it already "
                "exists; nothing was written — reload and retry"
            ) from None

    def _save_refusal(
        self, rejection: Rejection, actor: Actor, idempotency_key: str | None, digest: str
    ) -> None:
        violation = rejection.violation
        refusal_id = rejection.record[0].id
        record = (
            IdempotencyRecord(
                principal=actor.principal,
                key=idempotency_key,
                request_hash=digest,
                outcome={
                    "refused": {
                        "rule": violation.rule,
                        "message": violation.message,
                        "refusal_id": str(refusal_id),
                    }
                },
            )
            if idempotency_key
            else None
        )
        self._commit(list(rejection.record), record, actor, idempotency_key, digest)
        raise RecordedRefusal(violation.rule, violation.message, refusal_id)

    def _replay(self, earlier: IdempotencyRecord, digest: str) -> Accepted:
        if earlier.request_hash != digest:
            raise IdempotencyKeyReused
        if "refused" in earlier.outcome:
            refused = earlier.outcome["refused"]
            raise RecordedRefusal(refused["rule"], refused["message"], UUID(refused["refusal_id"]))
        return Accepted.model_validate(earlier.outcome["accepted"])

    def _idempotency(self) -> IdempotencyStore:
        recorder: Any = self.recorder
        if not hasattr(recorder, "find_idempotency"):
            raise RuntimeError("this event store keeps no idempotency records")
        store: IdempotencyStore = recorder
        return store

    def get_aggregate(self, ident: UUID) -> Aggregate:
        """The current state of any aggregate, or ``NotFound``."""
        try:
            aggregate: Aggregate = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFound("record", ident) from None
        return aggregate


__all__ = [
    "HANDLERS",
    "DomainError",
    "IdempotencyRecord",
    "RecordedRefusal",
    "Rejection",
    "SupervisionLedger",
    "UnitOfWork",
    "handles",
]
