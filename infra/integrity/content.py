"""The content hash of a stored event: what a partner, an auditor and the ledger all compute alike.

The *redacted form* of a stored state is the state with the key ``sealed`` removed from every
``person`` object, anywhere in the JSON: the ciphertext of an individual's personal data is
what erasure makes unreadable, so the hash must not depend on whether a reader received it.
The *content hash* is ``sha256(canonical(redacted form))`` with ``canonical`` = orjson with
sorted keys (the event store's own serialisation), so for a state without a non-null
``person`` it is simply ``sha256(state bytes)`` and costs one hash.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

# In canonical JSON (no whitespace) a non-null person object always starts with these bytes;
# inside a JSON string the quotes would be escaped, so this never matches string content.
_PERSON_OBJECT = b'"person":{'
SEALED = "sealed"


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
    if _PERSON_OBJECT not in state:
        return state
    return canonical(_without_sealed(orjson.loads(state)))


def content_hash(state: bytes) -> bytes:
    """SHA-256 of the redacted form of a stored state (32 bytes)."""
    return hashlib.sha256(redact(state)).digest()
