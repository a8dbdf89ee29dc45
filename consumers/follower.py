"""The embedded feed: projections follow the event store directly (no Kafka).

Each batch read from the log is applied to every projection in one transaction together with
the position reached (see ``projections.store``), so a crash between reading and writing
replays the batch and changes nothing twice. ``rebuild`` empties a projection and replays the
whole log into it with the same code.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Sequence

import psycopg
from eventsourcing.persistence import PersistenceError

from consumers.log import EventLog
from projections.model import Folded, Projection
from projections.store import STORE, Delivery, ProjectionStore

log = logging.getLogger(__name__)

BATCH = 5000
REBUILD_BATCH = 20_000


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


def rebuild(events: EventLog, store: ProjectionStore, projections: Sequence[Projection]) -> int:
    """Empty ``projections`` and replay the whole log into them; the number of events replayed.

    One transaction: readers see the old view until the new one is complete, and live feeds
    wait (the projections' advisory locks) instead of interleaving with the replay. The log is
    folded in memory and each table written once with COPY: a live feed upserts the same
    counter rows batch after batch, which a replay from zero need not do.
    """
    target = ProjectionStore(store.url, projections)
    # The replay makes millions of short-lived objects and no reference cycles worth collecting:
    # the cyclic garbage collector would only slow it down (it runs again afterwards).
    gc.freeze()
    gc.disable()
    try:
        with target.conn.transaction():
            target.lock(projections)
            for projection in projections:
                target.reset(projection)
            folded = Folded()
            count = reached = 0
            while batch := events.read(reached, REBUILD_BATCH):
                for projection in projections:
                    folded.apply(projection.changes(batch))
                count += len(batch)
                reached = batch[-1].position
            for projection in projections:
                for table in projection.TABLES:
                    target.fill(table, folded.tables.get(table.name, {}))
                target.set_position(projection, STORE, reached)
                # Behind Kafka, whatever arrives at or below this position is already counted.
                target.set_floor(projection, reached)
        log.info("rebuilt %s from %d events", [p.NAME for p in projections], count)
        return count
    finally:
        gc.enable()
        gc.unfreeze()
        target.close()
