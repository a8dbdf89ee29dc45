"""The engine sizes its transactions by the events its commands write (see EVENT_BUDGET): a
phase's measured events per command, or the phase's own estimate per unit."""

from __future__ import annotations

from typing import Any, cast

from domain.application import Request, SupervisionLedger
from gateway.simulation.engine import BATCH, EVENT_BUDGET, FIRST_GUESS, Batch, Phase, Rate, Tally


def batch() -> Batch:
    phase: Phase[Any] = Phase("test", [], lambda unit: [])
    return Batch(cast(SupervisionLedger, None), phase, Tally(), None, 1)


REQUEST = cast(Request, object())


def test_a_phase_starts_with_a_guess_then_follows_what_it_measured() -> None:
    rate = Rate()
    assert rate.per_command == FIRST_GUESS

    rate.add(commands=100, events=1000)
    assert rate.per_command == 10

    rate.add(commands=900, events=1000)
    assert rate.per_command == 2


def test_a_batch_takes_units_until_the_next_would_pass_the_event_budget() -> None:
    pending = batch()
    assert not pending.full_with(1, 10 * EVENT_BUDGET, BATCH), "a first unit always fits"

    pending.add([REQUEST], EVENT_BUDGET - 10)

    assert not pending.full_with(1, 10, BATCH)
    assert pending.full_with(1, 11, BATCH)


def test_a_batch_takes_no_more_commands_than_asked() -> None:
    pending = batch()
    pending.add([REQUEST] * 9, 9)

    assert not pending.full_with(1, 1, most=10)
    assert pending.full_with(2, 1, most=10)
