"""Chaining, once, a log written before the hash chain existed (``ledger audit chain-legacy``).

The only code that ever writes a stored hash after the insert, so it is fenced in:

- it is an explicit command, never run at start-up or by ``ledger verify`` (a forged row
  would otherwise be chained as if the ledger had written it);
- it refuses once any checkpoint exists: a signed log's hashes are what auditors and partners
  hold, and rewriting them would launder whatever is in it;
- it refuses a log that has no row without hashes (nothing to do);
- the content hash is :func:`infra.integrity.content.content_hash` — the redacted form, as the
  recorder computes it for every insert — not a hash of the raw bytes;
- one transaction holds the event table's lock (no insert in between) and a share lock on the
  checkpoints (no checkpointer seals half of it); the append-only guard is lifted inside it
  and restored before it commits.

Every row is (re)chained from the first, in log order: events written by an upgraded ledger
before the command ran were chained by the trigger from leaf 0 too, and numbering the whole
log once keeps the leaves dense. Without a checkpoint no one holds those hashes yet.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from infra.integrity.content import content_hash
from infra.integrity.leaf import GENESIS, hash_leaf, leaf_bytes
from infra.integrity.store import LogTables


class ChainRefusedError(RuntimeError):
    """The log is not one to chain: it was sealed already, or nothing lacks hashes."""


def chain_legacy_log(conn: psycopg.Connection[Any], tables: LogTables) -> int:
    """Chain every row of the log in order; how many rows.

    ``ChainRefusedError`` if any checkpoint exists or no row lacks hashes.
    """
    events = tables.name(tables.events)
    # The append-only guard's trigger, as ``infra.eventstore`` names it.
    guard = f"{tables.events.removesuffix('_events')}_no_rewrite"
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events))
        cursor.execute(
            sql.SQL("LOCK TABLE {} IN SHARE MODE").format(tables.name(tables.checkpoints))
        )
        signed = cursor.execute(
            sql.SQL("SELECT count(*) FROM {}").format(tables.name(tables.checkpoints))
        ).fetchone()
        if signed is not None and signed[0]:
            raise ChainRefusedError(
                f"the log has {signed[0]} signed checkpoint(s): its hashes are sealed and are "
                "never recomputed; a row without hashes in it is a finding (`ledger verify`)"
            )
        unchained = cursor.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE event_hash IS NULL").format(events)
        ).fetchone()
        if unchained is None or not unchained[0]:
            raise ChainRefusedError("every event has its hashes: there is nothing to chain")
        rows = cursor.execute(
            sql.SQL(
                "SELECT notification_id, uuid_send(originator_id), originator_version, topic, "
                "(extract(epoch FROM recorded_at) * 1000000)::bigint, state FROM {} "
                "ORDER BY notification_id"
            ).format(events)
        ).fetchall()
        chains: dict[bytes, tuple[int, bytes]] = {}
        chained = []
        for leaf, (position, key, version, topic, us, state) in enumerate(rows):
            key = bytes(key)
            if version == 1:
                prev = GENESIS
            else:
                link = chains.get(key)
                if link is None or link[0] != version - 1:
                    raise ChainRefusedError(
                        f"position {position}: version {version} of {key.hex()} follows no "
                        "earlier version in the log; it cannot be chained (run `ledger verify`)"
                    )
                prev = link[1]
            chash = content_hash(bytes(state))
            ehash = hash_leaf(
                leaf_bytes(leaf, position, key, version, us, chash, prev, topic.encode())
            )
            chains[key] = (version, ehash)
            chained.append((position, leaf, chash, prev, ehash))
        cursor.execute(
            "CREATE TEMPORARY TABLE ledger_chain_legacy (notification_id bigint PRIMARY KEY, "
            "leaf_index bigint, content_hash bytea, prev_hash bytea, event_hash bytea) "
            "ON COMMIT DROP"
        )
        with cursor.copy(
            "COPY ledger_chain_legacy (notification_id, leaf_index, content_hash, prev_hash, "
            "event_hash) FROM STDIN"
        ) as copy:
            for item in chained:
                copy.write_row(item)
        cursor.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(events, sql.Identifier(guard))
        )
        # Leaf indexes are unique: move them out of the way first, then set them.
        cursor.execute(
            sql.SQL(
                "UPDATE {} SET leaf_index = NULL, event_hash = NULL WHERE leaf_index IS NOT NULL"
            ).format(events)
        )
        cursor.execute(
            sql.SQL(
                "UPDATE {} AS t SET leaf_index = c.leaf_index, content_hash = c.content_hash, "
                "prev_hash = c.prev_hash, event_hash = c.event_hash "
                "FROM ledger_chain_legacy AS c WHERE t.notification_id = c.notification_id"
            ).format(events)
        )
        cursor.execute(
            sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(events, sql.Identifier(guard))
        )
    return len(chained)
