"""What a projection is made of: tables, and the two kinds of change an event may cause.

A projection's ``apply(envelope)`` is a pure function from one event to a list of changes:

- ``Add(table, key, {column: delta})`` — add to counter columns (commutative, so events of
  different aggregates may arrive in any order, as they do across Kafka partitions);
- ``Put(table, key, {column: value})`` — set field columns of a row (used for a record's own
  state: its events arrive in order, being one aggregate's).

Because the changes are data, one generic writer applies them to PostgreSQL (batched, in the
same transaction as the feed position) and one generic fold applies them in memory for unit
tests — the projection module itself holds no SQL but its table declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from consumers.envelope import Envelope

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """A view table: key columns, counter columns (added to) and field columns (set)."""

    name: str
    keys: Mapping[str, str]
    counters: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    indexes: Sequence[str] = ()
    """Extra index definitions, e.g. ``"(agency_id, day)"``."""

    def ddl(self, schema: str) -> list[str]:
        columns = [f"{c} {t} NOT NULL" for c, t in self.keys.items()]
        columns += [f"{c} {t} NOT NULL DEFAULT 0" for c, t in self.counters.items()]
        columns += [f"{c} {t}" for c, t in self.fields.items()]
        statements = [
            f"CREATE TABLE IF NOT EXISTS {schema}.{self.name} ("
            + ", ".join(columns)
            + f", PRIMARY KEY ({', '.join(self.keys)}))"
        ]
        for n, definition in enumerate(self.indexes):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {self.name}_i{n} ON {schema}.{self.name} {definition}"
            )
        return statements


# Named tuples rather than dataclasses: a district year makes half a million of them in a
# rebuild, and a named tuple is built several times faster than a frozen dataclass.
class Add(NamedTuple):
    table: Table
    key: Key
    deltas: Mapping[str, int]


class Put(NamedTuple):
    table: Table
    key: Key
    values: Mapping[str, Any]


Change = Add | Put


class Projection:
    """Base of every read model. Subclasses declare ``NAME``, ``TABLES`` and ``apply``."""

    NAME: ClassVar[str] = ""
    TABLES: ClassVar[Sequence[Table]] = ()
    TOPICS: ClassVar[frozenset[str] | None] = None
    """Event topics this projection reads (``None``: all). Others are skipped cheaply."""

    def apply(self, event: Envelope) -> Iterable[Change]:  # pragma: no cover - abstract
        raise NotImplementedError

    def changes(self, events: Iterable[Envelope]) -> list[Change]:
        wanted = self.TOPICS
        out: list[Change] = []
        for event in events:
            if wanted is None or event.topic in wanted:
                out.extend(self.apply(event))
        return out


Tables = dict[str, dict[Key, dict[str, Any]]]


class Folded:
    """Changes applied in memory, in order: ``tables[name][key][column]`` is what the view
    tables would hold (a column no change touched is absent: a counter's default 0, a field's
    NULL). A live batch is folded before it is written (one upsert per row), a rebuild folds the
    whole log and writes each table once, and unit tests fold instead of writing."""

    def __init__(self) -> None:
        self.tables: Tables = {}

    def apply(self, changes: Iterable[Change]) -> None:
        tables = self.tables
        for change in changes:
            table, key, data = change
            rows = tables.get(table.name)
            if rows is None:
                rows = tables[table.name] = {}
            row = rows.get(key)
            if row is None:
                # A row's first change, whichever kind: a counter added to 0 is its delta.
                rows[key] = dict(data)
            elif type(change) is Add:
                for column, delta in data.items():
                    row[column] = row.get(column, 0) + delta
            else:
                row.update(data)

    def merge_later(self, later: Tables, counters: Mapping[str, frozenset[str]]) -> None:
        """Take in the tables folded from the events that follow this fold's: counters add
        up, a later field value replaces an earlier one (``counters``: each table's counter
        columns). Any split of a log, folded part by part and merged, gives its fold."""
        for name, rows in later.items():
            mine = self.tables.setdefault(name, {})
            adding = counters.get(name, frozenset())
            for key, row in rows.items():
                current = mine.get(key)
                if current is None:
                    mine[key] = row
                    continue
                for column, value in row.items():
                    current[column] = current.get(column, 0) + value if column in adding else value


def counter_columns(projections: Sequence[Projection]) -> dict[str, frozenset[str]]:
    return {t.name: frozenset(t.counters) for p in projections for t in p.TABLES}


def fold(projections: Sequence[Projection], events: Iterable[Envelope]) -> Tables:
    """Apply events in memory: ``{table: {key: {column: value}}}`` — what the tables would hold."""
    folded = Folded()
    events = list(events)
    for projection in projections:
        folded.apply(projection.changes(events))
    return folded.tables
