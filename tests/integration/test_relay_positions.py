"""The publishers' positions table is created once, however many relays start at the same moment."""

from __future__ import annotations

import threading

import psycopg

from consumers.relay import ensure_positions_table
from infra.postgres import Database
from tests.pipeline import query


def test_publishers_starting_together_all_find_the_positions_table(database: Database) -> None:
    # Plain CREATE TABLE IF NOT EXISTS fails here in all but one of them (checked: every time).
    starters = 8
    conns = [psycopg.connect(database.url, autocommit=True) for _ in range(starters)]
    together = threading.Barrier(starters)
    errors: list[Exception] = []

    def start(conn: psycopg.Connection[tuple[object, ...]]) -> None:
        together.wait()
        try:
            ensure_positions_table(conn)
        except psycopg.Error as error:
            errors.append(error)

    threads = [threading.Thread(target=start, args=(conn,)) for conn in conns]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        for conn in conns:
            conn.close()
    assert errors == []
    assert query(database, "SELECT count(*) FROM ledger_relay_positions") == [(0,)]
