"""The aggregate cache: recent aggregates kept in memory, kept honest by the event log.

Loading an aggregate costs a database round trip; a command loads several (the agency, the
officers, the entity …), so at a few hundred commands a second the round trips are the whole
cost. The cache keeps aggregates after they are loaded or saved. Before each batch of commands
one query asks the event log which aggregates changed since the cache last looked (any process
may have written them) and evicts those that are behind. So a batch reads aggregates as of its
own start — exactly what it would read by loading them then — and writes are still protected
by the event store's optimistic concurrency check.

Bounded (least recently used out first); entries are copied on the way out, so a command that
changes an aggregate and is then refused leaves the cached one as it was.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from domain.base import Aggregate

FORGETTING = frozenset({"PersonalDataErasure.Recorded"})
"""Events after which no cached aggregate may be trusted to have forgotten what it must."""


class ChangeFeed(Protocol):
    def last_position(self) -> int: ...

    def changed_since(self, position: int, limit: int) -> list[tuple[int, UUID, int, str]]:
        """(position, aggregate id, version, topic) of events after ``position``, in order."""
        ...


class AggregateCache:
    def __init__(self, feed: ChangeFeed, *, size: int = 50_000, scan_limit: int = 20_000) -> None:
        self._feed = feed
        self._size = size
        self._scan_limit = scan_limit
        self._entries: OrderedDict[UUID, Aggregate] = OrderedDict()
        # Ids known not to exist (as of the last refresh): records about to be created are
        # looked up first ("is there an entity-year yet?"), and each lookup would otherwise be
        # a round trip. The change feed lists every creation, so these are kept honest too.
        self._absent: OrderedDict[UUID, None] = OrderedDict()
        self._lock = threading.Lock()
        self._position = feed.last_position()

    def refresh(self) -> None:
        """Evict what other writers changed since the last refresh (one query)."""
        changes = self._feed.changed_since(self._position, self._scan_limit)
        with self._lock:
            if len(changes) >= self._scan_limit:
                # Far behind (a bulk load elsewhere): starting afresh is cheaper than catching up.
                self._entries.clear()
                self._absent.clear()
                self._position = self._feed.last_position()
                return
            for position, ident, version, topic in changes:
                self._absent.pop(ident, None)
                if topic in FORGETTING:
                    # Personal data was erased somewhere: cached records may hold it opened.
                    self._entries.clear()
                cached = self._entries.get(ident)
                if cached is not None and cached.version < version:
                    del self._entries[ident]
                self._position = max(self._position, position)

    def get(self, ident: UUID) -> Aggregate | None:
        with self._lock:
            found = self._entries.get(ident)
            if found is None:
                return None
            self._entries.move_to_end(ident)
        return copy.deepcopy(found)

    def has(self, ident: UUID) -> bool:
        """Whether ``ident`` is cached (without the copy ``get`` makes)."""
        with self._lock:
            return ident in self._entries

    def is_absent(self, ident: UUID) -> bool:
        with self._lock:
            return ident in self._absent

    def mark_absent(self, ident: UUID) -> None:
        with self._lock:
            self._absent[ident] = None
            while len(self._absent) > self._size:
                self._absent.popitem(last=False)

    def put(self, aggregates: Iterable[Aggregate]) -> None:
        """Remember aggregates as loaded or just saved (none may hold pending events)."""
        with self._lock:
            for aggregate in aggregates:
                if aggregate.pending_events:
                    continue  # not written yet: never cache a state the store may not hold
                current = self._entries.get(aggregate.id)
                self._absent.pop(aggregate.id, None)
                if current is None or current.version <= aggregate.version:
                    self._entries[aggregate.id] = copy.deepcopy(aggregate)
                    self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
