"""Run a planned year through the ledger: group-committed batches of real commands.

Each record's life (a visit's certificate, start and conclusion; a case from filing to
closing; a ticket from receipt to closing) is a *unit*: its commands share a correlation id and
run in order, usually in the same batch, where each command sees what the ones before it did
(``SupervisionLedger.execute_batch``). Nothing is written around the domain: every rule and
every permission applies, and every refusal is counted — in a simulation a refusal is a bug.

The simulation's ledger keeps a larger aggregate cache than the gateway's (``domain/cache.py``:
kept honest by one query of the event log per batch): a year's working set — its officers,
agencies, plans, entity years and the records of the last few thousand acts — is read from
memory, which is what makes a district's year take minutes rather than hours.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from domain.actors import Actor
from domain.application import Request, SupervisionLedger
from domain.commands import Accepted, Command
from domain.errors import DomainError
from infra.change_feed import LogChangeFeed
from infra.eventstore import LedgerRecorder
from infra.postgres import Database
from infra.wiring import open_ledger

T = TypeVar("T")
Step = tuple[Command, Actor]
"""A command and the actor who issues it."""

CACHE_SIZE = 60_000
"""Aggregates kept in memory: a year's working set (officers, agencies, plans, entity years and
the records of the last few thousand acts)."""
BATCH = 300
"""Commands per transaction at most."""
EVENT_BUDGET = 200
"""Events per transaction to aim for. A transaction's events are sent to PostgreSQL as one
psycopg pipeline (the eventsourcing recorder's ``executemany``); one much larger than the
socket's buffers (a few hundred KB) can deadlock in psycopg 3.3.9 (client waiting for results
while the tail of the pipeline sits unsent in libpq's buffer, server waiting for it). Batches
are therefore sized by the events their commands write, measured as the phase goes."""
FIRST_GUESS = 4.0
"""Events per command assumed before a phase's first batch is measured."""
MAX_REFUSALS = 50
"""Stop after this many refusals: the plan is wrong, and the rest would only repeat it."""


@dataclass(frozen=True)
class Phase(Generic[T]):
    """A kind of unit (a plan, a visit, a case …), and the steps of each unit."""

    name: str
    units: Sequence[T]
    steps: Callable[[T], list[Step]]
    events: Callable[[T], int] | None = None
    """About how many events a unit writes, where units differ a lot (a plan of 3 tasks or
    of 90); otherwise the phase's measured events per command are used."""


@dataclass(frozen=True)
class Refusal:
    phase: str
    command: str
    principal: str
    error: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.phase}: {self.command} by {self.principal} refused ({self.error}): "
            f"{self.message}"
        )


@dataclass
class Tally:
    """What a run did."""

    commands: int = 0
    events: int = 0
    units: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0

    @property
    def commands_per_second(self) -> float:
        return self.commands / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class TooManyRefusals(RuntimeError):
    def __init__(self, tally: Tally) -> None:
        super().__init__(f"stopped after {len(tally.refusals)} refused commands")
        self.tally = tally


Progress = Callable[[str, int], None]
"""Told the phase and how many units were just written."""


def open_simulation_ledger(
    database: Database, *, pool_size: int = 4, cache_size: int = CACHE_SIZE
) -> SupervisionLedger:
    """The ledger on ``database``, as the wiring opens it, with a cache for a year's working set."""
    ledger = open_ledger(database, pool_size=pool_size)
    recorder = ledger.recorder
    if isinstance(recorder, LedgerRecorder):
        ledger.use_cache(LogChangeFeed(recorder), size=cache_size)
    return ledger


def total_units(phases: Sequence[Phase[Any]]) -> int:
    return sum(len(p.units) for p in phases)


def run(
    ledger: SupervisionLedger,
    phases: Sequence[Phase[Any]],
    *,
    correlation: str,
    batch_size: int = BATCH,
    progress: Progress | None = None,
    max_refusals: int = MAX_REFUSALS,
) -> Tally:
    """Carry out every phase's units in order; ``correlation`` prefixes their correlation ids."""
    tally = Tally()
    for phase in phases:
        batch = Batch(ledger, phase, tally, progress, max_refusals)
        for n, unit in enumerate(phase.units):
            cid = f"{correlation}:{phase.name}:{n}"
            requests = [Request(c, a, correlation_id=cid) for c, a in phase.steps(unit)]
            expected = (
                phase.events(unit)
                if phase.events is not None
                else len(requests) * batch.rate.per_command
            )
            if batch.full_with(len(requests), expected, batch_size):
                batch.flush()
            batch.add(requests, expected)
        batch.flush()
    tally.seconds = time.perf_counter() - tally.started
    return tally


class Batch:
    """The units of a phase waiting for the next transaction."""

    def __init__(
        self,
        ledger: SupervisionLedger,
        phase: Phase[Any],
        tally: Tally,
        progress: Progress | None,
        max_refusals: int,
    ) -> None:
        self.ledger, self.phase, self.tally = ledger, phase, tally
        self.progress, self.max_refusals = progress, max_refusals
        self.rate = Rate()
        self.pending: list[Request] = []
        self.units = 0
        self.expected = 0.0

    def full_with(self, commands: int, events: float, most: int) -> bool:
        """Whether adding a unit would take the transaction past its size."""
        if not self.pending:
            return False
        return len(self.pending) + commands > most or self.expected + events > EVENT_BUDGET

    def add(self, requests: list[Request], events: float) -> None:
        self.pending += requests
        self.units += 1
        self.expected += events

    def flush(self) -> None:
        if not self.units:
            return
        written = _flush(self.ledger, self.phase.name, self.pending, self.tally, self.max_refusals)
        self.rate.add(len(self.pending), written)
        self.tally.units += self.units
        if self.progress is not None:
            self.progress(self.phase.name, self.units)
        self.pending, self.units, self.expected = [], 0, 0.0


@dataclass
class Rate:
    """Events written per command so far in a phase, and the batch that fits the budget."""

    commands: int = 0
    events: int = 0

    def add(self, commands: int, events: int) -> None:
        self.commands += commands
        self.events += events

    @property
    def per_command(self) -> float:
        return self.events / self.commands if self.commands else FIRST_GUESS


def _flush(
    ledger: SupervisionLedger,
    phase: str,
    pending: list[Request],
    tally: Tally,
    max_refusals: int,
) -> int:
    """Carry out ``pending`` in one transaction; the number of events written."""
    if not pending:
        return 0
    outcomes = ledger.execute_batch(pending)
    tally.commands += len(pending)
    events = 0
    for request, outcome in zip(pending, outcomes, strict=True):
        if isinstance(outcome, Accepted):
            events += len(outcome.events)
        elif isinstance(outcome, DomainError):
            tally.refusals.append(
                Refusal(
                    phase=phase,
                    command=type(request.command).__name__,
                    principal=request.actor.principal,
                    error=type(outcome).__name__,
                    message=outcome.message,
                )
            )
    tally.events += events
    if len(tally.refusals) >= max_refusals:
        tally.seconds = time.perf_counter() - tally.started
        raise TooManyRefusals(tally)
    return events
