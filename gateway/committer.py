"""Group commit for the gateway: concurrent commands share one transaction.

The event store serialises inserts (one table lock per transaction), so a transaction per
command caps the ledger at a few hundred commands a second. Here every request hands its
command to one committer thread and awaits its own answer; the committer takes whatever has
queued up (at most ``max_batch``) and runs it as one batch (``execute_batch``): when idle a
batch is one command and answers at once; under load batches grow by themselves and the cost
of the transaction is shared. A refused command never fails the others, and a clash with a
writer outside the batch makes each command run on its own (see ``execute_batch``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass

from domain.application import Outcome, Request, SupervisionLedger
from gateway.metrics import COMMIT_BATCH

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    request: Request
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome]


class Committer:
    def __init__(self, ledger: SupervisionLedger, *, max_batch: int = 256) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="committer", daemon=True)
        self._thread.start()
        self.batches = 0
        self.commands = 0

    async def submit(self, request: Request) -> Outcome:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._queue.put(_Pending(request, loop, future))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            self._commit(batch)

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            outcomes = self.ledger.execute_batch([p.request for p in batch])
        except Exception as error:  # a thread boundary: handed to every waiting request
            log.exception("batch of %d commands failed", len(batch))
            for pending in batch:
                pending.loop.call_soon_threadsafe(_fail, pending.future, error)
            return
        self.batches += 1
        self.commands += len(batch)
        COMMIT_BATCH.observe(len(batch))
        for pending, outcome in zip(batch, outcomes, strict=True):
            pending.loop.call_soon_threadsafe(_resolve, pending.future, outcome)


def _resolve(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


def _fail(future: asyncio.Future[Outcome], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
