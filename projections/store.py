"""Writing projections exactly once: view changes and feed positions in one transaction.

Positions live in ``views.positions``, one row per (projection, source): the source is
``store`` for the embedded feed (the event store's log) or ``<topic>:<partition>`` behind Kafka.
A row holds the highest log position applied and, behind Kafka, the next offset to read.

A batch is applied in one transaction, under each projection's advisory lock (so a rebuild
and live feeds never interleave): the position rows are read, records below a source's stored
offset and events at or below its stored position are skipped (duplicates from the relay or a
second consumer change nothing), the changes are written, and the positions advance. A Kafka
batch that starts *past* the stored offset means the consumer skipped records (a failed batch):
``StaleOffsets`` tells it to seek back to the stored offsets, and nothing is kept.

The ``*`` source is a floor: what a rebuild from the event store reached. Whatever a feed
delivers at or below it is already in the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from consumers.envelope import Envelope
from projections.model import Change, Key, Projection, Table, merge

SCHEMA = "views"
STORE = "store"
FLOOR = "*"
SCHEMA_LOCK = 0x4C45444745520002
POSITIONS = sql.SQL("{}.positions").format(sql.Identifier(SCHEMA))

Cursor = psycopg.Cursor[tuple[Any, ...]]


class StaleOffsets(Exception):
    """The consumer's batch does not continue from the stored offset; seek and read again."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event as a feed delivered it: from which source, at which offset (Kafka only)."""

    source: str
    offset: int | None
    event: Envelope


@dataclass(frozen=True)
class SourcePosition:
    position: int
    next_offset: int | None


class ProjectionStore:
    """The views of a set of projections in one PostgreSQL database."""

    def __init__(self, url: str, projections: Sequence[Projection]) -> None:
        self.url = url
        self.projections = list(projections)
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    # Connection and schema ------------------------------------------------------------------

    @property
    def conn(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def create_schema(self) -> None:
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            self.conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA))
            )
            self.conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    "projection text NOT NULL, source text NOT NULL, "
                    "position bigint NOT NULL DEFAULT 0, next_offset bigint, "
                    "updated_at timestamptz NOT NULL DEFAULT now(), "
                    "PRIMARY KEY (projection, source))"
                ).format(POSITIONS)
            )
            for projection in self.projections:
                for table in projection.TABLES:
                    for statement in table.ddl(SCHEMA):
                        self.conn.execute(sql.SQL(statement))

    def lock(self, projections: Sequence[Projection]) -> None:
        """Hold each projection's advisory lock until the current transaction ends."""
        for projection in sorted(projections, key=lambda p: p.NAME):
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (projection.NAME,))

    def reset(self, projection: Projection) -> None:
        """Empty a projection's tables and positions (the first step of a rebuild)."""
        with self.conn.transaction():
            for table in projection.TABLES:
                self.conn.execute(
                    sql.SQL("TRUNCATE {}.{}").format(
                        sql.Identifier(SCHEMA), sql.Identifier(table.name)
                    )
                )
            self.conn.execute(
                sql.SQL("DELETE FROM {} WHERE projection = %s").format(POSITIONS),
                (projection.NAME,),
            )

    # Positions ---------------------------------------------------------------------------------

    def positions(self, projection: Projection) -> dict[str, SourcePosition]:
        return _positions(self.conn.cursor(), projection)

    def next_offsets(self, sources: Iterable[str]) -> dict[str, int | None]:
        """Where a consumer of all these projections starts reading each source: the lowest
        stored offset among them (each projection skips what it already has)."""
        wanted = list(sources)
        result: dict[str, int | None] = {}
        for projection in self.projections:
            known = self.positions(projection)
            for source in wanted:
                offset = known[source].next_offset if source in known else None
                if source in result:
                    current = result[source]
                    offset = None if current is None or offset is None else min(current, offset)
                result[source] = offset
        return result

    def set_floor(self, projection: Projection, position: int) -> None:
        self.set_position(projection, FLOOR, position)

    def set_position(self, projection: Projection, source: str, position: int) -> None:
        self.conn.execute(
            sql.SQL(
                "INSERT INTO {} (projection, source, position) VALUES (%s, %s, %s) "
                "ON CONFLICT (projection, source) DO UPDATE SET position = EXCLUDED.position"
            ).format(POSITIONS),
            (projection.NAME, source, position),
        )

    def fill(self, table: Table, rows: Mapping[Key, Mapping[str, Any]]) -> None:
        """Write folded rows into an emptied table with one COPY (see ``model.Folded``)."""
        counters, fields = list(table.counters), list(table.fields)
        columns = {**table.keys, **table.counters, **table.fields}
        statement = sql.SQL("COPY {}.{} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(SCHEMA),
            sql.Identifier(table.name),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
        )
        with self.conn.cursor().copy(statement) as copy:
            # Binary: values go out in their wire form, not formatted as text and parsed again.
            copy.set_types(list(columns.values()))
            for key, row in rows.items():
                copy.write_row(
                    (*key, *[row.get(c, 0) for c in counters], *[row.get(f) for f in fields])
                )

    # Applying ----------------------------------------------------------------------------------

    def apply(self, deliveries: Sequence[Delivery]) -> int:
        """Apply a batch to every projection in one transaction; the number of changes made."""
        if not deliveries:
            return 0
        written = 0
        sources = {d.source for d in deliveries}
        with self.conn.transaction():
            self.lock(self.projections)
            cur = self.conn.cursor()
            # Projections at the same positions (the usual case) share one pass of the filter.
            selected: dict[tuple[tuple[str, int, int | None], ...], Selection] = {}
            for projection in self.projections:
                known = _positions(cur, projection, sources, lock=True)
                state = tuple(sorted((s, p.position, p.next_offset) for s, p in known.items()))
                if state not in selected:
                    selected[state] = _select(projection.NAME, known, deliveries)
                selection = selected[state]
                changes = projection.changes(selection.fresh)
                write_changes(cur, changes)
                _advance(cur, projection, sources, selection)
                written += len(changes)
        return written


def _positions(
    cur: Cursor, projection: Projection, sources: set[str] | None = None, *, lock: bool = False
) -> dict[str, SourcePosition]:
    query = sql.SQL("SELECT source, position, next_offset FROM {} WHERE projection = %s").format(
        POSITIONS
    )
    params: list[Any] = [projection.NAME]
    if sources is not None:
        query += sql.SQL(" AND source = ANY(%s)")
        params.append(sorted(sources | {FLOOR}))
    if lock:
        query += sql.SQL(" ORDER BY source FOR UPDATE")
    rows = cur.execute(query, params).fetchall()
    return {source: SourcePosition(position, offset) for source, position, offset in rows}


@dataclass(frozen=True)
class Selection:
    """What a batch brings a projection: the new events and the positions they lead to."""

    fresh: list[Envelope]
    reached: dict[str, int]
    next_offset: dict[str, int | None]


def _select(
    name: str, known: dict[str, SourcePosition], deliveries: Sequence[Delivery]
) -> Selection:
    floor = known[FLOOR].position if FLOOR in known else 0
    reached = {source: p.position for source, p in known.items()}
    next_offset = {source: p.next_offset for source, p in known.items()}

    first: dict[str, int] = {}
    for d in deliveries:
        if d.offset is not None:
            first.setdefault(d.source, d.offset)
    for source, offset in first.items():
        stored = next_offset.get(source)
        # Offsets are contiguous: a batch that starts past the stored one skipped records.
        if stored is not None and offset > stored:
            raise StaleOffsets(f"{name}: {source} stored at {stored}, batch at {offset}")

    fresh: list[Envelope] = []
    for d in deliveries:
        if d.offset is not None:
            stored = next_offset.get(d.source)
            if stored is not None and d.offset < stored:
                continue  # this projection already has it
            next_offset[d.source] = d.offset + 1
        if d.event.position > max(reached.get(d.source, 0), floor):
            fresh.append(d.event)
            reached[d.source] = d.event.position
    return Selection(fresh, reached, next_offset)


def _advance(cur: Cursor, projection: Projection, sources: set[str], selection: Selection) -> None:
    cur.executemany(
        sql.SQL(
            "INSERT INTO {} (projection, source, position, next_offset) "
            "VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (projection, source) DO UPDATE SET position = EXCLUDED.position, "
            "next_offset = EXCLUDED.next_offset, updated_at = now()"
        ).format(POSITIONS),
        [
            (
                projection.NAME,
                source,
                selection.reached.get(source, 0),
                selection.next_offset.get(source),
            )
            for source in sorted(sources)
        ],
    )


def write_changes(cur: Cursor, changes: Sequence[Change]) -> None:
    """Write a batch of changes, merged per row, one ``executemany`` upsert per column set."""
    tables = {c.table.name: c.table for c in changes}
    adds, puts = merge(changes)
    for (name, columns), rows in _by_columns(puts).items():
        _upsert(cur, tables[name], columns, rows, add=False)
    for (name, columns), rows in _by_columns(adds).items():
        _upsert(cur, tables[name], columns, rows, add=True)


Rows = list[tuple[Key, Mapping[str, Any]]]


def _by_columns(
    merged: Mapping[tuple[str, Key], Mapping[str, Any]],
) -> dict[tuple[str, tuple[str, ...]], Rows]:
    grouped: dict[tuple[str, tuple[str, ...]], Rows] = {}
    for (name, key), values in merged.items():
        grouped.setdefault((name, tuple(sorted(values))), []).append((key, values))
    return grouped


# Below this many rows an ``executemany`` of upserts is cheapest; above it, COPY the rows into a
# staging table and upsert them with one statement (a rebuild writes tens of thousands of rows).
COPY_THRESHOLD = 200


def _upsert(cur: Cursor, table: Table, columns: tuple[str, ...], rows: Rows, *, add: bool) -> None:
    keys = list(table.keys)
    assign = "{c} = t.{c} + EXCLUDED.{c}" if add else "{c} = EXCLUDED.{c}"
    parts = {
        "schema": sql.Identifier(SCHEMA),
        "table": sql.Identifier(table.name),
        "cols": sql.SQL(", ").join(map(sql.Identifier, [*keys, *columns])),
        "keys": sql.SQL(", ").join(map(sql.Identifier, keys)),
        "updates": sql.SQL(", ").join(sql.SQL(assign).format(c=sql.Identifier(c)) for c in columns),
    }
    values = [(*key, *(row[c] for c in columns)) for key, row in rows]
    if len(values) < COPY_THRESHOLD:
        statement = sql.SQL(
            "INSERT INTO {schema}.{table} AS t ({cols}) VALUES ({vals}) "
            "ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        ).format(vals=sql.SQL(", ").join(sql.Placeholder() * (len(keys) + len(columns))), **parts)
        cur.executemany(statement, values)
        return
    # Every column, so that any column set of this table can be staged in the same table.
    stage = sql.Identifier(f"stage_{table.name}")
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT * FROM {schema}.{table} WITH NO DATA"
        ).format(stage=stage, **parts)
    )
    cur.execute(sql.SQL("TRUNCATE {stage}").format(stage=stage))
    with cur.copy(sql.SQL("COPY {stage} ({cols}) FROM STDIN").format(stage=stage, **parts)) as copy:
        for value in values:
            copy.write_row(value)
    cur.execute(
        sql.SQL(
            "INSERT INTO {schema}.{table} AS t ({cols}) SELECT {cols} FROM {stage} "
            "ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        ).format(stage=stage, **parts)
    )
