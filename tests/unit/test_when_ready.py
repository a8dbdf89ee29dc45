"""``when_ready``: a start tried again while a server is unavailable, and only then."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.persistence import OperationalError as StoreUnavailable

from infra.wiring import when_ready


class FlakyStart:
    """A start that raises ``error`` on its first ``failures`` calls, then returns a value."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "started"


@pytest.mark.parametrize(
    "error", [psycopg.OperationalError("server closed"), StoreUnavailable("no connection")]
)
def test_a_server_briefly_down_is_waited_for(error: Exception) -> None:
    start = FlakyStart(2, error)

    assert when_ready(start, pause=0) == "started"
    assert start.calls == 3


def test_an_error_other_than_unavailability_is_raised_at_once() -> None:
    start = FlakyStart(1, ValueError("misconfigured"))

    with pytest.raises(ValueError, match="misconfigured"):
        when_ready(start, pause=0)
    assert start.calls == 1


def test_a_server_down_for_longer_than_the_patience_is_an_error() -> None:
    start = FlakyStart(1_000_000, psycopg.OperationalError("still down"))

    with pytest.raises(psycopg.OperationalError, match="still down"):
        when_ready(start, patience=0.01, pause=0.001)
    assert start.calls > 1
