"""An upgraded ledger whose projection changed its tables follows that projection again from
zero, on tables of the new shape; the projections that did not change keep their views."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import psycopg
import pytest

from consumers.envelope import Envelope
from infra.postgres import Database
from projections.model import Add, Change, Projection, Table
from projections.store import ProjectionStore

COUNTS = Table("shape_counts", {"kind": "text"}, {"n": "bigint"})
COUNTS_BY_DAY = Table("shape_counts", {"kind": "text", "day": "date"}, {"n": "bigint"})
OTHER = Table("shape_other", {"kind": "text"}, {"n": "bigint"})


class Counts(Projection):
    NAME = "shape_counts"
    TABLES: ClassVar[list[Table]] = [COUNTS]

    def apply(self, envelope: Envelope) -> list[Change]:  # pragma: no cover - not fed here
        return [Add(COUNTS, (envelope.topic,), {"n": 1})]


class CountsByDay(Counts):
    TABLES: ClassVar[list[Table]] = [COUNTS_BY_DAY]  # the upgrade: a key column more


class Other(Projection):
    NAME = "shape_other"
    TABLES: ClassVar[list[Table]] = [OTHER]

    def apply(self, envelope: Envelope) -> list[Change]:  # pragma: no cover - not fed here
        return [Add(OTHER, (envelope.topic,), {"n": 1})]


@pytest.fixture
def conn(database: Database) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(database.url, autocommit=True) as connection:
        yield connection


def create_schema(url: str, *projections: Projection) -> None:
    store = ProjectionStore(url, projections)
    store.create_schema()
    store.close()


def given_views_with_rows(url: str, conn: psycopg.Connection[tuple[object, ...]]) -> None:
    store = ProjectionStore(url, [Counts(), Other()])
    store.create_schema()
    store.set_position(Counts(), "store", 41)
    store.set_position(Other(), "store", 42)
    store.close()
    conn.execute("INSERT INTO views.shape_counts VALUES ('a', 3)")
    conn.execute("INSERT INTO views.shape_other VALUES ('a', 5)")


def positions(conn: psycopg.Connection[tuple[object, ...]]) -> dict[object, object]:
    rows = conn.execute("SELECT projection, position FROM views.positions").fetchall()
    return {projection: position for projection, position in rows}


def test_a_projection_that_changed_shape_starts_again_on_its_new_tables(
    database: Database, conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    given_views_with_rows(database.url, conn)

    create_schema(database.url, CountsByDay(), Other())

    columns = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'views' AND table_name = 'shape_counts' ORDER BY ordinal_position"
    ).fetchall()
    assert [c for (c,) in columns] == ["kind", "day", "n"]
    assert conn.execute("SELECT count(*) FROM views.shape_counts").fetchone() == (0,)
    assert positions(conn) == {"shape_other": 42}  # followed again from zero
    assert conn.execute("SELECT n FROM views.shape_other").fetchone() == (5,)


def test_the_same_shape_keeps_views_and_positions(
    database: Database, conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    given_views_with_rows(database.url, conn)

    create_schema(database.url, Counts(), Other())

    assert conn.execute("SELECT n FROM views.shape_counts").fetchone() == (3,)
    assert positions(conn) == {"shape_counts": 41, "shape_other": 42}


def test_views_made_before_shapes_were_recorded_are_rebuilt_once(
    database: Database, conn: psycopg.Connection[tuple[object, ...]]
) -> None:
    given_views_with_rows(database.url, conn)
    conn.execute("DROP TABLE views.shapes")  # as a ledger of an earlier version left them

    create_schema(database.url, Counts(), Other())
    assert positions(conn) == {}
    conn.execute("INSERT INTO views.shape_counts VALUES ('b', 1)")
    create_schema(database.url, Counts(), Other())
    assert conn.execute("SELECT kind FROM views.shape_counts").fetchall() == [("b",)]
