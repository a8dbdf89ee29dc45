"""Serving the gateway: in this process, or in several worker processes sharing one port.

One gateway process is bound by one core: under load it spends about a millisecond of CPU per
command (HTTP, validation, rules, the group commit's Python side) while PostgreSQL waits on it.
``ledger serve --workers N`` runs N of them on the same port (uvicorn's supervisor forks none:
it spawns fresh interpreters, each calling :func:`worker_app`). Each worker is a whole gateway
with its own connection pool, aggregate cache and committer; they stay consistent through the
event store, as any several writers do:

- each worker's aggregate cache asks the log what others wrote before every batch
  (:mod:`domain.cache`), and the event store's version check refuses a write built on an
  outdated aggregate (409);
- idempotency keys are kept in the event store's database, so a retry may reach any worker;
- live-stream tickets are signed with one key, drawn here and handed to every worker
  (``LEDGER_TICKET_KEY``), so a ticket issued by one worker opens a stream on another;
- the Prometheus counters and histograms of every worker are written to files in one folder
  (prometheus-client's multiprocess mode) and summed at each scrape, whichever worker answers;
  the live gauges of a worker killed outright are dropped when uvicorn starts its replacement.

What must run once — the embedded projections' follower and the checkpointer — stays in the
supervising process (``ledger serve`` itself), never in a worker; and the workers stop when it
dies, even by SIGKILL (``die_with_the_supervisor``).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette

from infra.collector import fewer_collector_pauses
from infra.postgres import Database
from infra.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def shared_with_workers(settings: Settings, database: Database) -> Iterator[None]:
    """What the workers about to be spawned must share, put in the environment they inherit:
    the database this process opened (the embedded one included), one ticket key, and one
    folder for the metrics (emptied: files of earlier workers would be summed too)."""
    folder = tempfile.mkdtemp(prefix="ledger-metrics-")
    shared = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_TICKET_KEY": settings.ticket_key or secrets.token_hex(32),
        "PROMETHEUS_MULTIPROC_DIR": folder,
    }
    before = {name: os.environ.get(name) for name in shared}
    os.environ.update(shared)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(folder, ignore_errors=True)


def die_with_the_supervisor() -> None:
    """Have the kernel stop this worker (SIGTERM) when its supervisor dies, however it dies.

    uvicorn's workers outlive a supervisor killed with SIGKILL, and keep its listening socket:
    a restarted ``ledger serve`` could then not bind the port, and the follower and the
    checkpointer (which lived in the supervisor) would be gone. Linux only (``prctl``)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os.kill(os.getpid(), signal.SIGTERM)  # the supervisor died before the line above


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def worker_app() -> Starlette:
    """The app of one worker process (uvicorn's factory): a gateway on the shared database."""
    from gateway.app import create_app
    from gateway.auth import TokenStore
    from gateway.metrics import forget_dead_workers
    from infra.settings import load_settings
    from infra.wiring import open_from_settings, when_ready

    die_with_the_supervisor()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for pid in forget_dead_workers():
        logging.getLogger(__name__).warning("worker %d died; its live gauges are dropped", pid)
    settings = load_settings()
    _, ledger = when_ready(lambda: open_from_settings(settings))
    tokens = TokenStore.watching(settings.tokens, settings.resolved_tokens_file)
    app = create_app(ledger, tokens, settings)
    fewer_collector_pauses()
    return app
