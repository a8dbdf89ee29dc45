"""Subject ids: pseudonyms of individuals, and the lookup keys that find them.

A subject id is 128 random bits, in hex, given to an individual the first time the ledger
seals their data (``infra.privacy.vault``). It is random, not derived from the person, so that
once the vault forgets it nothing can lead from the person back to it: the vault finds a
person's subject through a *lookup key*, ``HMAC-SHA256(secret, "lookup|" + what identifies
the person)``, kept only in the vault (never in the log), and an erasure deletes the lookup
row with the data key. After an erasure the log still shows a subject's events as one
subject's, but no one — not even the office with the vault's secret — can compute from an id
number which subject that was.

What identifies the person is the normalised id number when one is known, else the normalised
name with the phone's digits, else the name alone. The lookup is keyed, because an unkeyed
hash of an 18-character resident id number (birth date, region code, a 3-digit sequence) is
reversible by enumeration.

Before random subjects, the subject id *was* ``HMAC-SHA256(secret, material)`` cut to 128 bits
(:func:`subject_id`): events sealed then carry it, and the vault still finds such a subject by
it while the subject has a live key (so it can be erased); after its erasure the link from the
id number to those older events can still be computed by whoever holds the secret — a limit of
data sealed before the change, documented in docs/partners-and-personal-data.md.

The same person given once with and once without an id number gets two subject ids: an
erasure request names the person by what the ledger recorded, and ``ledger privacy subject``
computes every candidate (see :func:`candidate_materials`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from collections.abc import Mapping
from typing import Any

SUBJECT_BYTES = 16


def normalise_name(name: str) -> str:
    """Full-width and half-width forms folded (NFKC), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


def normalise_id_number(id_number: str) -> str:
    return "".join(unicodedata.normalize("NFKC", id_number).split()).upper()


def normalise_phone(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def identifying_material(person: Mapping[str, Any]) -> str:
    """The normalised identifier of a ``PersonalData`` (as JSON-ready data) the HMAC covers."""
    id_number = person.get("id_number")
    if id_number:
        return "id:" + normalise_id_number(str(id_number))
    name = normalise_name(str(person["name"]))
    phone = person.get("phone")
    if phone and normalise_phone(str(phone)):
        return f"name:{name}|phone:{normalise_phone(str(phone))}"
    return f"name:{name}"


def candidate_materials(
    *, id_number: str | None = None, name: str | None = None, phone: str | None = None
) -> list[str]:
    """Every identifier under which a person known by these details may have been recorded."""
    found: list[str] = []
    if id_number:
        found.append(identifying_material({"id_number": id_number, "name": name or "?"}))
    if name:
        if phone:
            found.append(identifying_material({"name": name, "phone": phone}))
        found.append(identifying_material({"name": name}))
    return list(dict.fromkeys(found))


def subject_id(secret: bytes, material: str) -> str:
    """The subject id of data sealed before random subjects (see the module's notes)."""
    digest = hmac.new(secret, material.encode(), hashlib.sha256).digest()
    return digest[:SUBJECT_BYTES].hex()


def lookup_key(secret: bytes, material: str) -> bytes:
    """The vault's key for finding a person's subject (never written to the log)."""
    return hmac.new(secret, b"lookup|" + material.encode(), hashlib.sha256).digest()


def new_subject_id() -> str:
    return os.urandom(SUBJECT_BYTES).hex()
