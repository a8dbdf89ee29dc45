"""Subject ids: stable pseudonyms of individuals.

A subject id is ``HMAC-SHA256(secret, what identifies the person)`` cut to 128 bits, in hex.
What identifies the person is the normalised id number when one is known, else the normalised
name with the phone's digits, else the name alone. Keyed, because an unkeyed hash of an
18-character resident id number (birth date, region code, a 3-digit sequence) is reversible by
enumeration; with the key kept out of the log, a reader of the log or of a partner topic can
link a subject's records but not name the subject.

The same person given once with and once without an id number gets two subject ids: an
erasure request names the person by what the ledger recorded, and ``ledger privacy subject``
computes every candidate (see :func:`candidate_materials`).
"""

from __future__ import annotations

import hashlib
import hmac
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
    digest = hmac.new(secret, material.encode(), hashlib.sha256).digest()
    return digest[:SUBJECT_BYTES].hex()
