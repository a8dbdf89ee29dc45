"""The embedded feed: projections follow the event store directly (no Kafka).

Each batch read from the log is applied to every projection in one transaction together with
the position reached (see ``projections.store``), so a crash between reading and writing
replays the batch and changes nothing twice. Rebuilding from zero is ``consumers.rebuild``.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from eventsourcing.persistence import PersistenceError

from consumers.log import EventLog
from projections.store import STORE, Delivery, ProjectionStore

log = logging.getLogger(__name__)

BATCH = 5000


class Follower:
    def __init__(self, events: EventLog, store: ProjectionStore) -> None:
        self.events = events
        self.store = store

    def position(self) -> int:
        """The lowest position any projection has reached (where reading resumes)."""
        every = self.store.all_positions()
        reached = [every.get(p.NAME, {}).get(STORE) for p in self.store.projections]
        return min((r.position if r else 0) for r in reached) if reached else 0

    def catch_up(self, batch: int = BATCH) -> int:
        """Apply everything the log holds now; the number of events read."""
        after = self.position()
        total = 0
        while True:
            events = self.events.read(after, batch)
            if not events:
                return total
            self.store.apply([Delivery(STORE, None, e) for e in events])
            after = events[-1].position
            total += len(events)
            if len(events) < batch:
                return total  # the end of the log for now: no need to ask again

    def run(self, stop: threading.Event, idle_wait: float = 1.0) -> None:
        """Follow the log until ``stop`` is set (riding out PostgreSQL restarts)."""
        while not stop.is_set():
            try:
                if self.catch_up() == 0:
                    self.events.wait(idle_wait)
            except (psycopg.OperationalError, psycopg.InterfaceError, PersistenceError) as error:
                log.warning("PostgreSQL unavailable (%s); retrying", error)
                self.store.close()
                self.events.close()
                stop.wait(1.0)

    def close(self) -> None:
        self.store.close()
        self.events.close()
