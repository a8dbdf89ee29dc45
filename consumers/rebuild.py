"""Rebuilding projections from zero: the whole log folded in memory, each table written once.

One transaction: readers see the old views until the new ones are complete, and live feeds
wait (the projections' advisory locks) instead of interleaving with the replay. A live feed
upserts the same counter rows batch after batch; a replay from zero folds the log in memory
(``projections.model.Folded``) and writes each table once, by binary COPY.

A long log is folded in two parts at once, this process folding the first and a second
process the rest: a projection's changes depend on the event alone, so the parts' folds,
merged (counters added, a later field value winning), are the fold of the whole log. Python
folds on one core; the machine has more. (The helper is started with "spawn": a script that
calls ``rebuild`` must guard its top level with ``if __name__ == "__main__"``.)
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import psycopg

from consumers.envelope import Envelope
from consumers.log import EventLog, read_events, read_query
from projections.model import Folded, Projection, Tables, counter_columns
from projections.store import STORE, ProjectionStore

log = logging.getLogger(__name__)

BATCH = 20_000
SPLIT_ABOVE = 100_000
"""Log positions above which the fold is shared with a second process (below, starting one
costs more than it saves)."""

Read = Callable[[int, int, int], list[Envelope]]


def rebuild(
    events: EventLog,
    store: ProjectionStore,
    projections: Sequence[Projection],
    *,
    split_above: int = SPLIT_ABOVE,
) -> int:
    """Empty ``projections`` and replay the whole log into them; the number of events replayed."""
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
            # Ids are assigned in commit order: everything up to the last one is there now.
            last = events.last_position()
            if last > split_above:
                folded, count = _fold_in_two(events, projections, last)
            else:
                folded, count = fold_range(events.read, projections, 0, last)
            for projection in projections:
                for table in projection.TABLES:
                    target.fill(table, folded.tables.get(table.name, {}))
                target.set_position(projection, STORE, last)
                # Behind Kafka, whatever arrives at or below this position is already counted.
                target.set_floor(projection, last)
        log.info("rebuilt %s from %d events", [p.NAME for p in projections], count)
        return count
    finally:
        gc.enable()
        gc.unfreeze()
        target.close()


def fold_range(
    read: Read, projections: Sequence[Projection], after: int, upto: int
) -> tuple[Folded, int]:
    """The fold of the events after ``after`` up to ``upto``, and how many there were."""
    folded = Folded()
    count = 0
    while batch := read(after, BATCH, upto):
        for projection in projections:
            folded.apply(projection.changes(batch))
        count += len(batch)
        after = batch[-1].position
    return folded, count


def _fold_in_two(
    events: EventLog, projections: Sequence[Projection], last: int
) -> tuple[Folded, int]:
    # The helper starts later (a fresh interpreter importing the projections) and hands its
    # tables back pickled: it takes the last third, and both finish at about the same time.
    middle = last * 2 // 3
    # "spawn": a fresh interpreter, not a copy of this one with its open connections.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as helper:
        second = helper.submit(fold_part, events.url, events.table, projections, middle, last)
        folded, count = fold_range(events.read, projections, 0, middle)
        later, later_count = second.result()
    folded.merge_later(later, counter_columns(projections))
    return folded, count + later_count


def fold_part(
    url: str, table: str, projections: Sequence[Projection], after: int, upto: int
) -> tuple[Tables, int]:
    """In the helper process: fold a range of the log read over a connection of its own."""
    gc.disable()
    query = read_query(table)
    with psycopg.connect(url) as conn:
        folded, count = fold_range(
            lambda a, n, u: read_events(conn, query, a, n, u), projections, after, upto
        )
    return folded.tables, count
