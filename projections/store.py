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

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import psycopg
from psycopg import sql

from consumers.envelope import Envelope
from projections.model import Change, Folded, Key, Projection, Table

SCHEMA = "views"
STORE = "store"
FLOOR = "*"
SCHEMA_LOCK = 0x4C45444745520002
POSITIONS = sql.SQL("{}.positions").format(sql.Identifier(SCHEMA))
# Each projection's table definitions as last created, by fingerprint (see create_schema).
SHAPES = sql.SQL("{}.shapes").format(sql.Identifier(SCHEMA))

Cursor = psycopg.Cursor[tuple[Any, ...]]


class StaleOffsets(Exception):
    """The consumer's batch does not continue from the stored offset; seek and read again."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event as a feed delivered it: from which source, at which offset (Kafka only).

    No event: a record at that offset that is not a ledger event (passed over, but its offset
    is stored like the others, so it is not read again)."""

    source: str
    offset: int | None
    event: Envelope | None


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
            # Views are derived data, written with their feed positions in one transaction: a
            # crash may lose the last commits, but whole (positions and all), so the feed
            # replays them — exactly once still holds, and no commit waits for a disk flush.
            self._conn.execute("SET synchronous_commit = off")
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
            self.conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (projection text PRIMARY KEY, "
                    "fingerprint text NOT NULL)"
                ).format(SHAPES)
            )
            shapes = dict(self.conn.execute(sql.SQL("SELECT * FROM {}").format(SHAPES)).fetchall())
            for projection in self.projections:
                statements = [s for table in projection.TABLES for s in table.ddl(SCHEMA)]
                fingerprint = hashlib.sha256("\n".join(statements).encode()).hexdigest()
                if shapes.get(projection.NAME) != fingerprint:
                    self._reshape(projection, fingerprint)
                for statement in statements:
                    self.conn.execute(sql.SQL(statement))

    def _reshape(self, projection: Projection, fingerprint: str) -> None:
        """A projection whose tables are new or changed shape (a column, a key, an index) is
        dropped with its positions and followed again from zero: views are derived, and
        ``CREATE TABLE IF NOT EXISTS`` alone would leave an upgraded ledger writing to tables of
        the old shape. Views from before shapes were recorded are rebuilt once, to be sure."""
        for table in projection.TABLES:
            self.conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {}.{}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(table.name)
                )
            )
        self.conn.execute(
            sql.SQL("DELETE FROM {} WHERE projection = %s").format(POSITIONS), (projection.NAME,)
        )
        self.conn.execute(
            sql.SQL(
                "INSERT INTO {} VALUES (%s, %s) "
                "ON CONFLICT (projection) DO UPDATE SET fingerprint = EXCLUDED.fingerprint"
            ).format(SHAPES),
            (projection.NAME, fingerprint),
        )

    def lock(self, projections: Sequence[Projection]) -> None:
        """Hold each projection's advisory lock until the current transaction ends."""
        # One statement, the locks taken in name order (as every holder takes them: no deadlock).
        self.conn.execute(
            "SELECT count(pg_advisory_xact_lock(hashtext(name))) FROM unnest(%s::text[]) AS name",
            (sorted(p.NAME for p in projections),),
        )

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
        return _positions(self.conn.cursor(), [projection.NAME]).get(projection.NAME, {})

    def all_positions(self) -> dict[str, dict[str, SourcePosition]]:
        """Every projection's positions by source, read at once."""
        return _positions(self.conn.cursor(), [p.NAME for p in self.projections])

    def next_offsets(self, sources: Iterable[str]) -> dict[str, int | None]:
        """Where a consumer of all these projections starts reading each source: the lowest
        stored offset among them (each projection skips what it already has)."""
        wanted = list(sources)
        result: dict[str, int | None] = {}
        every = self.all_positions()
        for projection in self.projections:
            known = every.get(projection.NAME, {})
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
        """A position of a source without offsets (the event store, or the floor)."""
        self.conn.execute(ADVANCE, (projection.NAME, source, position, None))

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
        return self.write(self.prepare(deliveries))

    def prepare(self, deliveries: Sequence[Delivery]) -> Prepared:
        """The batch's changes, worked out before any lock is taken or row read, as if every
        event of it were new to every projection (the usual case; a projection's changes
        depend on the events alone). Pure work on the events: a feed prepares the next batch
        while PostgreSQL writes this one, and consumers of one group sharing the partitions
        wait for each other only while they write."""
        events = [d.event for d in deliveries if d.event is not None]
        expected = {p.NAME: p.changes(events) for p in self.projections}
        writes = Writes.of([c for p in self.projections for c in expected[p.NAME]])
        return Prepared(list(deliveries), events, expected, writes)

    def write(self, batch: Prepared) -> int:
        """Write a prepared batch in one transaction; the number of changes made.

        A few round trips whatever the number of projections (locks and positions in one, the
        writes and new positions in another): a live feed applies many small batches, and each
        round trip is time a command waits to be seen in the views. Where the stored positions
        say a projection has seen some of the events (duplicates, a replayed batch), its
        changes are worked out again from the events it has not seen.
        """
        deliveries, events, expected = batch.deliveries, batch.events, batch.expected
        if not deliveries:
            return 0
        sources = {d.source for d in deliveries}
        names = [p.NAME for p in self.projections]
        with self.conn.transaction():
            cur = self.conn.cursor()
            with self.conn.pipeline():
                self.lock(self.projections)
                every = _positions(cur, names, sources, lock=True)
            # Projections at the same positions (the usual case) share one pass of the filter.
            selected: dict[tuple[tuple[str, int, int | None], ...], Selection] = {}
            changes: list[Change] = []
            as_expected = True
            advances: list[tuple[str, str, int, int | None]] = []
            for projection in self.projections:
                known = every.get(projection.NAME, {})
                state = tuple(sorted((s, p.position, p.next_offset) for s, p in known.items()))
                if state not in selected:
                    selected[state] = _select(projection.NAME, known, deliveries)
                selection = selected[state]
                if len(selection.fresh) == len(events):  # all of them (fresh is a subsequence)
                    changes.extend(expected[projection.NAME])
                else:
                    as_expected = False
                    changes.extend(projection.changes(selection.fresh))
                advances += [
                    (
                        projection.NAME,
                        source,
                        selection.reached.get(source, 0),
                        selection.next_offset.get(source),
                    )
                    for source in sorted(sources)
                ]
            writes = batch.writes if as_expected else Writes.of(changes)
            writes.copy(cur)
            with self.conn.pipeline():
                writes.upsert(cur)
                cur.executemany(ADVANCE, advances)
        return len(changes)


@dataclass(frozen=True)
class Prepared:
    """A batch with its changes worked out (``ProjectionStore.prepare``), ready to write."""

    deliveries: list[Delivery]
    events: list[Envelope]
    expected: dict[str, list[Change]]
    """Each projection's changes if every event is new to it."""
    writes: Writes
    """Those changes merged into the statements that write them."""


def _positions(
    cur: Cursor, names: Sequence[str], sources: set[str] | None = None, *, lock: bool = False
) -> dict[str, dict[str, SourcePosition]]:
    """``{projection: {source: position}}`` of the named projections (locked: FOR UPDATE)."""
    query = sql.SQL(
        "SELECT projection, source, position, next_offset FROM {} WHERE projection = ANY(%s)"
    ).format(POSITIONS)
    params: list[Any] = [list(names)]
    if sources is not None:
        query += sql.SQL(" AND source = ANY(%s)")
        params.append(sorted(sources | {FLOOR}))
    if lock:
        query += sql.SQL(" ORDER BY projection, source FOR UPDATE")
    found: dict[str, dict[str, SourcePosition]] = {}
    for name, source, position, offset in cur.execute(query, params).fetchall():
        found.setdefault(name, {})[source] = SourcePosition(position, offset)
    return found


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
        if d.event is None:
            continue
        if d.event.position > max(reached.get(d.source, 0), floor):
            fresh.append(d.event)
            reached[d.source] = d.event.position
    return Selection(fresh, reached, next_offset)


ADVANCE = sql.SQL(
    "INSERT INTO {} (projection, source, position, next_offset) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (projection, source) DO UPDATE SET position = EXCLUDED.position, "
    "next_offset = EXCLUDED.next_offset, updated_at = now()"
).format(POSITIONS)


Rows = list[tuple[Key, Mapping[str, Any]]]


class Group(NamedTuple):
    """Rows of one table that set (or add to) the same columns."""

    table: Table
    columns: tuple[str, ...]
    rows: Rows
    add: bool


class Writes(NamedTuple):
    """A batch of changes merged per row and grouped by table and column set: the large groups
    go by COPY (which a pipeline cannot carry), the small ones by upserts that share one round
    trip. The order of groups does not matter: puts set fields and adds add to counters."""

    large: list[Group]
    small: list[Group]

    @classmethod
    def of(cls, changes: Sequence[Change]) -> Writes:
        tables = {c.table.name: c.table for c in changes}
        folded = Folded()
        folded.apply(changes)
        groups = [
            group
            for name, rows in folded.tables.items()
            for group in _by_columns(tables[name], rows)
        ]
        return cls(
            [g for g in groups if len(g.rows) >= COPY_THRESHOLD],
            [g for g in groups if len(g.rows) < COPY_THRESHOLD],
        )

    def copy(self, cur: Cursor) -> None:
        for group in self.large:
            _copy_upsert(cur, group)

    def upsert(self, cur: Cursor) -> None:
        """The small groups (in a pipeline, if the caller opened one)."""
        for group in self.small:
            _upsert(cur, group)


def _by_columns(table: Table, rows: Mapping[Key, Mapping[str, Any]]) -> list[Group]:
    """A folded table's rows split into its fields (set) and counters (added to), grouped by the
    columns they touch: one statement per group."""
    grouped: dict[tuple[tuple[str, ...], bool], Rows] = {}
    # Rows of a table come in few shapes (the columns a projection writes together): each
    # shape is split once, and a row of one kind only (the usual case) is taken as it is.
    splits: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for key, row in rows.items():
        shape = tuple(row)
        split = splits.get(shape)
        if split is None:
            split = splits[shape] = (
                tuple(sorted(c for c in shape if c in table.fields)),
                tuple(sorted(c for c in shape if c in table.counters)),
            )
        fields, counters = split
        if fields:
            values = row if not counters else {c: row[c] for c in fields}
            grouped.setdefault((fields, False), []).append((key, values))
        if counters:
            values = row if not fields else {c: row[c] for c in counters}
            grouped.setdefault((counters, True), []).append((key, values))
    return [Group(table, columns, found, add) for (columns, add), found in grouped.items()]


# Below this many rows an ``executemany`` of upserts is cheapest; above it, COPY the rows into a
# staging table and upsert them with one statement (a feed catching up writes thousands).
COPY_THRESHOLD = 200


def _parts(group: Group) -> dict[str, sql.Composable]:
    table, columns = group.table, group.columns
    keys = list(table.keys)
    assign = "{c} = t.{c} + EXCLUDED.{c}" if group.add else "{c} = EXCLUDED.{c}"
    return {
        "schema": sql.Identifier(SCHEMA),
        "table": sql.Identifier(table.name),
        "cols": sql.SQL(", ").join(map(sql.Identifier, [*keys, *columns])),
        "keys": sql.SQL(", ").join(map(sql.Identifier, keys)),
        "updates": sql.SQL(", ").join(sql.SQL(assign).format(c=sql.Identifier(c)) for c in columns),
        "vals": sql.SQL(", ").join(sql.Placeholder() * (len(keys) + len(columns))),
    }


def _values(group: Group) -> list[tuple[Any, ...]]:
    columns = group.columns
    return [(*key, *(row[c] for c in columns)) for key, row in group.rows]


def _upsert(cur: Cursor, group: Group) -> None:
    statement = sql.SQL(
        "INSERT INTO {schema}.{table} AS t ({cols}) VALUES ({vals}) "
        "ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    ).format(**_parts(group))
    cur.executemany(statement, _values(group))


def _copy_upsert(cur: Cursor, group: Group) -> None:
    parts = _parts(group)
    # Every column, so that any column set of this table can be staged in the same table.
    stage = sql.Identifier(f"stage_{group.table.name}")
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT * FROM {schema}.{table} WITH NO DATA"
        ).format(stage=stage, **parts)
    )
    cur.execute(sql.SQL("TRUNCATE {stage}").format(stage=stage))
    with cur.copy(sql.SQL("COPY {stage} ({cols}) FROM STDIN").format(stage=stage, **parts)) as copy:
        for value in _values(group):
            copy.write_row(value)
    cur.execute(
        sql.SQL(
            "INSERT INTO {schema}.{table} AS t ({cols}) SELECT {cols} FROM {stage} "
            "ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        ).format(stage=stage, **parts)
    )
