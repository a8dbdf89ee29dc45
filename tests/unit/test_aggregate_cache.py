"""The aggregate cache: copies out, never a pending state, evicts what others changed."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from domain.cache import AggregateCache
from domain.registry.officer import Officer
from domain.values import RevocationReason

pytestmark = pytest.mark.usefixtures("as_system")


class FakeFeed:
    """The event log's change feed, as a list (a fake, not a mock)."""

    def __init__(self) -> None:
        self.log: list[tuple[int, UUID, int, str]] = []

    def write(self, ident: UUID, version: int, topic: str = "Officer.FrontlineChanged") -> None:
        self.log.append((len(self.log) + 1, ident, version, topic))

    def last_position(self) -> int:
        return len(self.log)

    def changed_since(self, position: int, limit: int) -> list[tuple[int, UUID, int, str]]:
        return self.log[position : position + limit]


def saved_officer(number: str = "O1") -> Officer:
    officer = Officer(officer_no=number, name="x", agency_id=uuid4(), frontline=True)
    officer.collect_events()  # as after a save
    return officer


def test_what_comes_out_is_a_copy() -> None:
    cache = AggregateCache(FakeFeed())
    officer = saved_officer()
    cache.put([officer])
    first = cache.get(officer.id)
    assert isinstance(first, Officer) and first is not officer
    first.set_frontline(False)  # a command changing it, then refused
    again = cache.get(officer.id)
    assert isinstance(again, Officer) and again.frontline is True


def test_an_aggregate_with_pending_events_is_never_cached() -> None:
    cache = AggregateCache(FakeFeed())
    officer = Officer(officer_no="O2", name="x", agency_id=uuid4(), frontline=True)
    cache.put([officer])
    assert cache.get(officer.id) is None


def test_has_answers_what_get_would_find() -> None:
    feed = FakeFeed()
    cache = AggregateCache(feed)
    officer = saved_officer()
    assert not cache.has(officer.id)
    cache.put([officer])
    assert cache.has(officer.id)
    feed.write(officer.id, officer.version + 1)
    cache.refresh()
    assert not cache.has(officer.id) and cache.get(officer.id) is None


def test_a_change_by_another_writer_evicts_the_stale_copy() -> None:
    feed = FakeFeed()
    cache = AggregateCache(feed)
    officer = saved_officer()
    other = saved_officer("O3")
    cache.put([officer, other])
    feed.write(officer.id, officer.version + 1)  # someone else wrote it
    feed.write(other.id, other.version)  # our own write, already cached
    cache.refresh()
    assert cache.get(officer.id) is None
    assert cache.get(other.id) is not None


def test_far_behind_it_starts_afresh() -> None:
    feed = FakeFeed()
    cache = AggregateCache(feed, scan_limit=3)
    officer = saved_officer()
    cache.put([officer])
    for _ in range(3):
        feed.write(uuid4(), 1)
    cache.refresh()
    assert cache.get(officer.id) is None


def test_the_least_recently_used_leave_first() -> None:
    cache = AggregateCache(FakeFeed(), size=2)
    a, b, c = saved_officer("A"), saved_officer("B"), saved_officer("C")
    cache.put([a, b])
    cache.get(a.id)
    cache.put([c])
    assert cache.get(b.id) is None
    assert cache.get(a.id) is not None and cache.get(c.id) is not None


def test_an_erasure_anywhere_empties_the_cache() -> None:
    feed = FakeFeed()
    cache = AggregateCache(feed)
    officer = saved_officer()
    cache.put([officer])
    feed.write(uuid4(), 1, "PersonalDataErasure.Recorded")
    cache.refresh()
    assert cache.get(officer.id) is None


def test_a_copy_shares_nothing_that_can_change() -> None:
    import copy

    officer = saved_officer()
    officer.issue_certificate(number="C-1", issued_on=date(2023, 1, 1))
    clone = copy.deepcopy(officer)
    assert clone == officer and clone is not officer
    with pytest.raises(ValidationError):  # a certificate is frozen: shared, never changed
        clone.certificates[0].revoked_on = date(2023, 6, 1)  # type: ignore[misc]
    clone.revoke_certificate(revoked_on=date(2023, 6, 1), reason=RevocationReason.OTHER, note="")
    clone.certificates.append(clone.certificates[0])
    assert clone.certificates[0].revoked_on == date(2023, 6, 1)
    assert officer.certificates[0].revoked_on is None
    assert len(officer.certificates) == 1
    assert clone.id == officer.id and clone.pending_events is not officer.pending_events


def test_an_id_known_absent_is_forgotten_when_the_log_shows_it_created() -> None:
    feed = FakeFeed()
    cache = AggregateCache(feed)
    ident = uuid4()
    cache.mark_absent(ident)
    assert cache.is_absent(ident)
    feed.write(ident, 1, "Entity.Registered")  # created by another process
    cache.refresh()
    assert not cache.is_absent(ident)
