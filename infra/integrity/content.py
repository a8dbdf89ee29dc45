"""The content hash of a stored event: what a partner, an auditor and the ledger all compute alike.

The *redacted form* of a stored state is the state with the key ``sealed`` removed from every
``person`` object, anywhere in the JSON: the ciphertext of an individual's personal data is
what erasure makes unreadable, so the hash must not depend on whether a reader received it.
The *content hash* is ``sha256(canonical(redacted form))`` with ``canonical`` = orjson with
sorted keys (the event store's own serialisation), so for a state without a non-null
``person`` it is simply ``sha256(state bytes)`` and costs one hash.

The fast way. A stored state is canonical JSON, and in canonical JSON a sealed person reads
``"person":{"digest":"<64 hex>","sealed":"<base64>","subject":…}`` (keys sorted): cutting the
``"sealed":"…",`` member out of the bytes gives exactly the canonical redacted form, without
parsing the state (a JSON parse and re-serialisation cost the verifier more than half its
time per personal-data event). Only when some ``person`` object does not look like that is
the state parsed. Both ways agree on every canonical state, which is all the ledger writes.

The ciphertext is not in the hash, so the verifier checks it on its own: a person's
``digest`` must be the SHA-256 of its decoded ``sealed`` value (:func:`redact_checked`). An
erased subject keeps its ciphertext (only its key is destroyed), a partner's copy never had it:
a person without ``sealed`` has nothing to check.
"""

from __future__ import annotations

import binascii
import hashlib
from typing import Any

import orjson

# In canonical JSON (no whitespace) a non-null person object always starts with these bytes;
# inside a JSON string the quotes would be escaped, so this never matches string content.
_PERSON_OBJECT = b'"person":{'
SEALED = "sealed"
DIGEST = "digest"
# How a sealed person begins in canonical JSON (keys sorted), and where its digest and its
# ciphertext start, counted from the person mark.
_DIGEST_AT = len(_PERSON_OBJECT + b'{"digest":"') - 1
_SEALED_MEMBER = b'","sealed":"'
_SEALED_AT = _DIGEST_AT + 64 + len(_SEALED_MEMBER)


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of ``value`` (sorted keys, no whitespace)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _without_sealed(value: Any) -> Any:
    if isinstance(value, dict):
        redacted: dict[str, Any] = {}
        for key, item in value.items():
            if key == "person" and isinstance(item, dict):
                item = {k: v for k, v in item.items() if k != SEALED}
            redacted[key] = _without_sealed(item)
        return redacted
    if isinstance(value, list):
        return [_without_sealed(item) for item in value]
    return value


def redact_value(state: Any) -> Any:
    """The redacted form of a decoded state (``sealed`` dropped from every ``person``)."""
    return _without_sealed(state)


def redact(state: bytes) -> bytes:
    """The canonical bytes of the redacted form of a stored state."""
    return redact_checked(state)[0]


def redact_checked(state: bytes) -> tuple[bytes, bool]:
    """The redacted form of a stored state, and whether every ciphertext in it matches its
    digest (``orjson.JSONDecodeError`` if the state is not JSON)."""
    mark = _PERSON_OBJECT
    at = state.find(mark)
    if at < 0:
        return state, True
    kept: list[bytes] = []
    sound = True
    start = 0
    while at >= 0:
        # "person":{"digest":"<64>","sealed":"<base64>",  — else parse the state instead.
        digest_at = at + _DIGEST_AT
        sealed_at = at + _SEALED_AT
        end = state.find(b'"', sealed_at)
        if (
            state[at + len(mark) : digest_at] != b'"digest":"'
            or state[digest_at + 64 : sealed_at] != _SEALED_MEMBER
            or end < 0
            or state[end + 1 : end + 2] != b","
        ):
            return _redact_parsed(state)
        digest = state[digest_at : digest_at + 64]
        sealed = state[sealed_at:end]
        if b"\\" in sealed or b"\\" in digest:  # an escape: let the parser read the strings
            return _redact_parsed(state)
        sound = sound and _matches(sealed, digest)
        # Keep '"digest":"…"', drop ',"sealed":"…"', go on at the comma before the next key.
        kept.append(state[start : digest_at + 65])
        start = end + 1
        at = state.find(mark, start)
    kept.append(state[start:])
    return b"".join(kept), sound


def content_checked(state: bytes) -> tuple[bytes, bool]:
    """:func:`content_hash` and the ciphertext check of :func:`redact_checked` in one, for the
    verifier's hot path: a state with exactly one sealed person (the usual case) is hashed in
    two pieces around its ciphertext, without building the redacted bytes."""
    at = state.find(_PERSON_OBJECT)
    if at < 0:
        return hashlib.sha256(state).digest(), True
    digest_at = at + _DIGEST_AT
    sealed_at = at + _SEALED_AT
    end = state.find(b'"', sealed_at)
    if (
        end > 0
        and state.startswith(b'"digest":"', at + len(_PERSON_OBJECT))
        and state.startswith(_SEALED_MEMBER, digest_at + 64)
        and state.startswith(b'",', end)
        and state.find(b"\\", digest_at, end) < 0
        and state.find(_PERSON_OBJECT, end) < 0
    ):
        hashed = hashlib.sha256(state[: digest_at + 65])
        hashed.update(state[end + 1 :])
        try:
            blob = binascii.a2b_base64(state[sealed_at:end], strict_mode=True)
        except (binascii.Error, ValueError):
            return hashed.digest(), False
        return hashed.digest(), state.startswith(
            hashlib.sha256(blob).hexdigest().encode(), digest_at
        )
    redacted, sound = redact_checked(state)
    return hashlib.sha256(redacted).digest(), sound


def _redact_parsed(state: bytes) -> tuple[bytes, bool]:
    value = orjson.loads(state)
    return canonical(_without_sealed(value)), _digests_match(value)


def _matches(sealed: bytes | str, digest: bytes | str) -> bool:
    """Whether ``sealed`` is base64 of bytes whose SHA-256 is the hex ``digest``."""
    try:
        blob = binascii.a2b_base64(sealed, strict_mode=True)
    except (binascii.Error, ValueError):
        return False
    expected = digest if isinstance(digest, bytes) else digest.encode()
    return hashlib.sha256(blob).hexdigest().encode() == expected


def _digests_match(value: Any) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if (
                key == "person"
                and isinstance(item, dict)
                and SEALED in item
                and not (
                    isinstance(item[SEALED], str)
                    and isinstance(item.get(DIGEST), str)
                    and _matches(item[SEALED], item[DIGEST])
                )
            ):
                return False
            if not _digests_match(item):
                return False
        return True
    if isinstance(value, list):
        return all(_digests_match(item) for item in value)
    return True


def content_hash(state: bytes) -> bytes:
    """SHA-256 of the redacted form of a stored state (32 bytes)."""
    return hashlib.sha256(redact(state)).digest()
