"""The event log as a change feed for the aggregate cache (``domain/cache.py``)."""

from __future__ import annotations

from uuid import UUID

from psycopg import sql
from psycopg.rows import tuple_row

from infra.eventstore import LedgerRecorder


class LogChangeFeed:
    def __init__(self, recorder: LedgerRecorder) -> None:
        self._recorder = recorder
        self._query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic FROM {} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(sql.Identifier(recorder.events_table_name))

    def last_position(self) -> int:
        return self._recorder.max_notification_id() or 0

    def changed_since(self, position: int, limit: int) -> list[tuple[int, UUID, int, str]]:
        with self._recorder.datastore.get_connection() as conn:
            cursor = conn.cursor(row_factory=tuple_row)
            rows = cursor.execute(self._query, (position, limit), prepare=True).fetchall()
        return [(int(p), ident, int(v), topic) for p, ident, v, topic in rows]
