"""Sealing one person's data, and finding every ``person`` in an event's JSON. Pure.

A sealed value is ``{"subject": s, "sealed": base64(blob), "digest": sha256hex(blob)}`` with

    blob = 0x01 | key id (16 bytes) | nonce (12 bytes) | AES-256-GCM(data key, nonce,
           plaintext = canonical JSON of the PersonalData, associated data = subject)

The key id names the data key in the vault without revealing anything; the subject is bound
as associated data, so a sealed value moved under another subject does not open. The digest
is what the content hash (and so the chain and the Merkle tree) covers in place of the
ciphertext: the redacted form keeps it, so anyone can check a ciphertext against the log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PERSON_FIELD = "person"
PERSON_MARK = b'"' + PERSON_FIELD.encode() + b'":{'
"""How a non-null person object begins in a stored state (canonical JSON has no spaces): a
state without it holds no individual, and need not be walked."""
FORMAT = 1
KEY_ID_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32
_HEADER = 1 + KEY_ID_BYTES + NONCE_BYTES

ERASED_NAME = "[erased]"
ERASED: dict[str, Any] = {"name": ERASED_NAME, "id_number": None, "phone": None}
"""What a person whose keys were destroyed reads as (a ``PersonalData``, so every event and
aggregate still loads, and a reader sees at once that the data was erased)."""


class SealTampered(ValueError):
    """A sealed value that does not match its digest or does not decrypt under its key."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """A subject's data key: a random AES-256 key and the random id it is known by."""

    key_id: bytes
    secret: bytes

    @classmethod
    def generate(cls) -> DataKey:
        return cls(os.urandom(KEY_ID_BYTES), AESGCM.generate_key(bit_length=8 * KEY_BYTES))

    def __repr__(self) -> str:  # never print the key itself
        return f"DataKey({self.key_id.hex()})"


def is_sealed(value: object) -> bool:
    return isinstance(value, Mapping) and "sealed" in value and "subject" in value


def seal(person: Mapping[str, Any], subject: str, key: DataKey) -> dict[str, str]:
    """The sealed form of ``person`` (the PersonalData as JSON-ready data)."""
    plaintext = orjson.dumps(person, option=orjson.OPT_SORT_KEYS)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key.secret).encrypt(nonce, plaintext, subject.encode())
    blob = bytes([FORMAT]) + key.key_id + nonce + ciphertext
    return {
        "subject": subject,
        "sealed": base64.b64encode(blob).decode("ascii"),
        "digest": hashlib.sha256(blob).hexdigest(),
    }


def _blob(value: Mapping[str, Any]) -> bytes:
    try:
        blob = base64.b64decode(str(value["sealed"]), validate=True)
    except (binascii.Error, KeyError, ValueError):
        raise SealTampered("the sealed value is not base64") from None
    if len(blob) <= _HEADER or blob[0] != FORMAT:
        raise SealTampered("the sealed value is not in a known format")
    if hashlib.sha256(blob).hexdigest() != value.get("digest"):
        raise SealTampered("the sealed value does not match its digest")
    return blob


def sealed_key_id(value: Mapping[str, Any]) -> bytes:
    """The id of the data key a sealed value needs (after checking it against its digest)."""
    return _blob(value)[1 : 1 + KEY_ID_BYTES]


def unseal(value: Mapping[str, Any], key: DataKey) -> dict[str, Any]:
    """The person sealed in ``value``; ``SealTampered`` if it was altered."""
    blob = _blob(value)
    if blob[1 : 1 + KEY_ID_BYTES] != key.key_id:
        raise SealTampered("the sealed value was sealed under another key")
    nonce = blob[1 + KEY_ID_BYTES : _HEADER]
    try:
        plaintext = AESGCM(key.secret).decrypt(
            nonce, blob[_HEADER:], str(value["subject"]).encode()
        )
    except InvalidTag:
        raise SealTampered("the sealed value does not decrypt (altered, or moved)") from None
    person: dict[str, Any] = orjson.loads(plaintext)
    return person


def map_persons(state: Any, change: Callable[[dict[str, Any]], Any]) -> Any:
    """``state`` with ``change`` applied to every non-null ``person`` object, at any depth."""
    if isinstance(state, dict):
        return {
            key: change(value)
            if key == PERSON_FIELD and isinstance(value, dict)
            else map_persons(value, change)
            for key, value in state.items()
        }
    if isinstance(state, list):
        return [map_persons(item, change) for item in state]
    return state


def persons_in(state: Any) -> list[dict[str, Any]]:
    """Every non-null ``person`` object in ``state``, at any depth."""
    found: list[dict[str, Any]] = []

    def collect(value: dict[str, Any]) -> dict[str, Any]:
        found.append(value)
        return value

    map_persons(state, collect)
    return found
