"""Bearer tokens: configured, never hard-coded, stored only as SHA-256 hashes.

The token file (``LEDGER_TOKENS_FILE``, default ``DATA_DIR/tokens.json``) or the inline
``LEDGER_TOKENS`` holds a JSON list of grants::

    [{"sha256": "<hex of the token's hash>", "principal": "msa-officer-1",
      "role": "agency_officer", "agency_id": "<uuid>", "region": null, "label": "demo"}]

``ledger tokens add`` creates a random token, stores its hash and prints the token once.
With ``LEDGER_TOKENS`` set the gateway reads only it, never the file; ``ledger tokens add`` and
``ledger serve --demo``, which write to the file, then refuse rather than print a token that
would never authenticate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from functools import cached_property
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, ConfigDict, TypeAdapter, model_validator

from domain.actors import Actor, Role


class Grant(BaseModel):
    """One token's hash and whom it authenticates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str
    principal: str
    role: Role
    agency_id: UUID | None = None
    region: str | None = None
    label: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Grant:
        if self.role is Role.SYSTEM:
            raise ValueError("the system role is never granted to a token")
        if self.role is Role.AGENCY_OFFICER and self.agency_id is None:
            raise ValueError("an agency officer's token names its agency_id")
        if self.role is Role.PARTNER and not self.region:
            raise ValueError("a partner token names its region")
        if len(self.sha256) != 64:
            raise ValueError("sha256 must be 64 hex characters")
        return self

    @cached_property
    def actor(self) -> Actor:
        """Whom the token authenticates: built once (an ``Actor`` is immutable), as every
        request with the token asks."""
        return Actor(
            principal=self.principal, role=self.role, agency_id=self.agency_id, region=self.region
        )


_grants = TypeAdapter(list[Grant])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


RECHECK_S = 1.0
"""How often, at most, a watching token store looks at its file again."""


class TokenStore:
    """Authenticates bearer tokens against a set of grants."""

    def __init__(self, grants: list[Grant]) -> None:
        self._by_hash = {g.sha256: g for g in grants}
        self._watch: Path | None = None
        self._mtime = 0.0
        self._checked = 0.0

    @classmethod
    def from_json(cls, text: str) -> TokenStore:
        return cls(_grants.validate_json(text))

    @classmethod
    def load(cls, inline: str | None, path: Path) -> TokenStore:
        if inline:
            return cls.from_json(inline)
        if path.exists():
            return cls.from_json(path.read_text(encoding="utf-8"))
        return cls([])

    @classmethod
    def watching(cls, inline: str | None, path: Path) -> TokenStore:
        """A store that re-reads ``path`` when it changes (tokens added while serving)."""
        store = cls.load(inline, path)
        if not inline:
            store._watch = path
            store._mtime = path.stat().st_mtime if path.exists() else 0.0
            store._checked = time.monotonic()
        return store

    def _refresh(self, *, now: bool = False) -> None:
        """Re-read the watched file if it changed: looked at most every ``RECHECK_S`` seconds
        (a stat per request costs the gateway under load), at once for an unknown token (one
        just added works at once; a removed one stops working within ``RECHECK_S``)."""
        path = self._watch
        if path is None:
            return
        checked = time.monotonic()
        if not now and checked - self._checked < RECHECK_S:
            return
        self._checked = checked
        mtime = path.stat().st_mtime if path.exists() else 0.0
        if mtime != self._mtime:
            self._mtime = mtime
            self._by_hash = {g.sha256: g for g in TokenStore.load(None, path).grants}

    def add(self, grant: Grant) -> None:
        self._by_hash[grant.sha256] = grant

    def authenticate(self, token: str) -> Actor | None:
        self._refresh()
        digest = hash_token(token)
        grant = self._by_hash.get(digest)
        if grant is None and self._watch is not None:
            self._refresh(now=True)
            grant = self._by_hash.get(digest)
        # compare_digest: the dict lookup found it; this keeps the final check constant-time.
        if grant is None or not hmac.compare_digest(grant.sha256, digest):
            return None
        return grant.actor

    @property
    def grants(self) -> list[Grant]:
        return list(self._by_hash.values())


def save_grants(path: Path, grants: list[Grant], *, replace_label: str | None = None) -> None:
    """Add ``grants`` to the token file, dropping earlier grants labelled ``replace_label``."""
    existing = _grants.validate_json(path.read_text(encoding="utf-8")) if path.exists() else []
    kept = [g for g in existing if replace_label is None or g.label != replace_label]
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = [g.model_dump(mode="json") for g in [*kept, *grants]]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def grant_token(
    *,
    principal: str,
    role: Role,
    agency_id: UUID | None = None,
    region: str | None = None,
    label: str = "",
) -> tuple[str, Grant]:
    """A new random token and the grant that stores only its hash."""
    token = new_token()
    grant = Grant(
        sha256=hash_token(token),
        principal=principal,
        role=role,
        agency_id=agency_id,
        region=region,
        label=label,
    )
    return token, grant
