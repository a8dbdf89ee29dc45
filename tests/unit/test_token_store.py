"""The gateway's token store re-reads its file: new tokens work at once, removed ones stop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain.actors import Role
from gateway import auth
from gateway.auth import TokenStore, grant_token, save_grants


def _touch_later(path: Path) -> None:
    """Move the file's mtime on (a rewrite within the same clock tick keeps it)."""
    stat = path.stat()
    os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))


def test_a_token_added_to_the_file_works_at_once(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first, grant = grant_token(principal="office-1", role=Role.SUPERVISOR)
    save_grants(path, [grant])
    store = TokenStore.watching(None, path)
    assert store.authenticate(first) is not None

    second, added = grant_token(principal="office-2", role=Role.SUPERVISOR)
    save_grants(path, [added])
    _touch_later(path)
    actor = store.authenticate(second)  # within the recheck interval, yet known at once
    assert actor is not None and actor.principal == "office-2"


def test_a_removed_token_stops_working_after_the_recheck_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "RECHECK_S", 3600.0)
    path = tmp_path / "tokens.json"
    token, grant = grant_token(principal="office-1", role=Role.SUPERVISOR, label="old")
    save_grants(path, [grant])
    store = TokenStore.watching(None, path)
    assert store.authenticate(token) is not None

    _, other = grant_token(principal="office-2", role=Role.SUPERVISOR)
    save_grants(path, [other], replace_label="old")
    _touch_later(path)
    assert store.authenticate(token) is not None  # not looked at again yet
    monkeypatch.setattr(auth, "RECHECK_S", 0.0)
    assert store.authenticate(token) is None


def test_an_inline_store_ignores_files(tmp_path: Path) -> None:
    token, grant = grant_token(principal="office-1", role=Role.SUPERVISOR)
    inline = f"[{grant.model_dump_json()}]"
    store = TokenStore.watching(inline, tmp_path / "absent.json")
    assert store.authenticate(token) is not None
    assert store.authenticate("not-a-token") is None
