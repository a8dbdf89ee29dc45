"""Reading the event store's log in order, and waiting for it to grow without busy polling.

Notification ids increase in commit order (the library's table lock) but have gaps (a failed
insert burns ids), so readers ask for "everything after N" and never wait for a given id.
Waiting uses PostgreSQL LISTEN on the channel the library NOTIFYs on every insert; a timeout
bounds the wait, so a missed notification (a reconnect) costs at most one timeout.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from consumers.envelope import Envelope
from infra.eventstore import LedgerRecorder

END = 2**63 - 1
"""A position past any the log will reach (``bigint``'s largest)."""


def read_query(table: str) -> sql.Composed:
    return sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state, recorded_at "
        "FROM {} WHERE notification_id > %s AND notification_id <= %s "
        "ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(table))


def read_events(
    conn: psycopg.Connection[Any], query: sql.Composed, after: int, limit: int, upto: int = END
) -> list[Envelope]:
    """Up to ``limit`` events after position ``after`` (and at most ``upto``), in log order."""
    # Straight from tuples to envelopes: on a rebuild this runs hundreds of thousands of
    # times, and the library's dict rows and notification objects would double the cost.
    # Binary results: the stored state arrives as raw bytes, not hex to be decoded.
    cursor = conn.cursor(row_factory=tuple_row, binary=True)
    rows = cursor.execute(query, (after, upto, limit), prepare=True).fetchall()
    return [Envelope(p, a, v, t, r, bytes(s)) for p, a, v, t, s, r in rows]


class EventLog:
    def __init__(self, recorder: LedgerRecorder, url: str) -> None:
        self.recorder = recorder
        self.url = url
        self.table = recorder.events_table_name
        self._read = read_query(self.table)
        self._listener: psycopg.Connection[tuple[object, ...]] | None = None

    def read(self, after: int, limit: int, upto: int = END) -> list[Envelope]:
        """Up to ``limit`` events after position ``after`` (and at most ``upto``), in log order."""
        with self.recorder.datastore.get_connection() as conn:
            return read_events(conn, self._read, after, limit, upto)

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def wait(self, timeout: float) -> bool:
        """Block until new events are announced or ``timeout`` passes; whether any was."""
        conn = self._listen()
        notified = False
        for _ in conn.notifies(timeout=timeout, stop_after=1):
            notified = True
        return notified

    def _listen(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(self.url, autocommit=True)
            self._listener.execute(
                sql.SQL("LISTEN {}").format(sql.Identifier(self.recorder.channel_name))
            )
        return self._listener

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
