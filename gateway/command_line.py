"""What every ``ledger`` command shares: one-line errors, the settings, the opened ledger, and
the stop signal of the long-running ones.

Not a ``cli_*`` module (those contribute commands); every one of them uses these. Importing it
is cheap: the ledger's parts are imported when a command opens them.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError

if TYPE_CHECKING:
    from domain.application import SupervisionLedger
    from infra.postgres import Database
    from infra.settings import Settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    typer.echo(f"ledger: {message}", err=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """The settings, or a one-line error naming the invalid ``LEDGER_`` variable (exit 2)."""
    from infra.settings import load_settings

    try:
        return load_settings()
    except ValidationError as error:
        first = error.errors()[0]
        where = "LEDGER_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise fail(f"invalid setting {where}: {first['msg']}", 2) from None


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so loops finish their batch and exit cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def open_or_exit(*, wait: bool = False) -> tuple[Settings, Database, SupervisionLedger]:
    """The settings, the database and the ledger on it, or a one-line error.

    With ``wait`` (long-running processes) a PostgreSQL that is down, restarting or failing
    over is waited for (``infra.wiring.when_ready``) rather than fatal; one-shot commands fail
    at once.
    """
    from infra.postgres import DatabaseUnavailableError
    from infra.wiring import UNAVAILABLE, open_from_settings, when_ready

    settings = settings_or_exit()
    try:
        if wait:
            database, ledger = when_ready(lambda: open_from_settings(settings))
        else:
            database, ledger = open_from_settings(settings)
    except DatabaseUnavailableError as error:
        raise fail(str(error)) from None
    except UNAVAILABLE as error:
        raise fail(f"PostgreSQL is unavailable: {error}") from None
    return settings, database, ledger
