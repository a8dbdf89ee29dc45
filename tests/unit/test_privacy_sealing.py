"""Sealing personal data: what is stored holds no personal data, opens again only with the
subject's key, and any change to it is detected."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.personal import PersonalData
from infra.integrity.content import content_hash, redact
from infra.privacy import subjects
from infra.privacy.sealing import (
    DataKey,
    SealTampered,
    is_sealed,
    map_persons,
    persons_in,
    seal,
    sealed_key_id,
    unseal,
)

SECRET = b"s" * 32
persons = st.builds(
    PersonalData,
    name=st.text(min_size=1, max_size=40).filter(str.strip),
    id_number=st.none() | st.from_regex(r"^[0-9A-Z]{6,20}$", fullmatch=True),
    # Digits at both ends: the model strips whitespace before its pattern, so a generated
    # "0000 " would become the too-short "0000" and fail to build.
    phone=st.none() | st.from_regex(r"^\+?[0-9][0-9 -]{3,18}[0-9]$", fullmatch=True),
)


def sealed_of(person: PersonalData, key: DataKey | None = None) -> dict[str, str]:
    data = person.model_dump(mode="json")
    subject = subjects.subject_id(SECRET, subjects.identifying_material(data))
    return seal(data, subject, key or DataKey.generate())


@given(persons)
def test_a_sealed_person_opens_with_its_key_and_holds_nothing_readable(
    person: PersonalData,
) -> None:
    key = DataKey.generate()
    sealed = sealed_of(person, key)
    assert set(sealed) == {"subject", "sealed", "digest"}
    assert unseal(sealed, key) == person.model_dump(mode="json")
    blob = base64.b64decode(sealed["sealed"])
    assert sealed["digest"] == hashlib.sha256(blob).hexdigest()
    assert sealed_key_id(sealed) == key.key_id
    stored = orjson.dumps(sealed)
    for value in (person.name, person.id_number, person.phone):
        if value and len(value) >= 4:
            assert value.encode() not in stored
            assert orjson.dumps(value)[1:-1] not in stored


def test_sealing_twice_gives_different_ciphertexts_of_the_same_subject() -> None:
    person = PersonalData(name="张三", id_number="12010119900101123X")
    key = DataKey.generate()
    first, second = sealed_of(person, key), sealed_of(person, key)
    assert first["subject"] == second["subject"]
    assert first["sealed"] != second["sealed"]  # a fresh nonce each time


def _flip(sealed: dict[str, str], at: int, *, keep_digest: bool) -> dict[str, str]:
    blob = bytearray(base64.b64decode(sealed["sealed"]))
    blob[at] ^= 0x01
    changed = {**sealed, "sealed": base64.b64encode(bytes(blob)).decode()}
    if not keep_digest:
        changed["digest"] = hashlib.sha256(bytes(blob)).hexdigest()
    return changed


@pytest.mark.parametrize("keep_digest", [True, False])
@pytest.mark.parametrize("at", [20, 40, -1])
def test_a_changed_ciphertext_does_not_open(at: int, keep_digest: bool) -> None:
    key = DataKey.generate()
    sealed = sealed_of(PersonalData(name="李四", phone="13800000000"), key)
    with pytest.raises(SealTampered):
        unseal(_flip(sealed, at, keep_digest=keep_digest), key)


def test_a_sealed_value_moved_to_another_subject_does_not_open() -> None:
    key = DataKey.generate()
    sealed = sealed_of(PersonalData(name="王五"), key)
    with pytest.raises(SealTampered, match="altered, or moved"):
        unseal({**sealed, "subject": "0" * 32}, key)


def test_another_key_does_not_open_it_even_under_the_same_key_id() -> None:
    key = DataKey.generate()
    sealed = sealed_of(PersonalData(name="王五"), key)
    with pytest.raises(SealTampered):
        unseal(sealed, DataKey.generate())
    with pytest.raises(SealTampered):
        unseal(sealed, DataKey(key.key_id, DataKey.generate().secret))


def test_a_data_key_never_prints_its_secret() -> None:
    key = DataKey.generate()
    assert key.secret.hex() not in repr(key)


def test_every_person_is_found_and_changed_at_any_depth_and_nothing_else() -> None:
    state: dict[str, Any] = {
        "person": {"name": "a"},
        "parties": [{"person": {"name": "b"}}, {"person": None}],
        "meta": {"principal": "person", "note": {"person": "text, not an object"}},
    }
    assert [p["name"] for p in persons_in(state)] == ["a", "b"]
    changed = map_persons(state, lambda p: {"was": p["name"]})
    assert changed["person"] == {"was": "a"}
    assert changed["parties"] == [{"person": {"was": "b"}}, {"person": None}]
    assert changed["meta"] == state["meta"]


def test_the_content_hash_covers_the_digest_but_not_the_ciphertext() -> None:
    sealed = sealed_of(PersonalData(name="赵六", id_number="110101199003077777"))
    state = orjson.dumps({"a": 1, "person": sealed}, option=orjson.OPT_SORT_KEYS)
    redacted = orjson.loads(redact(state))
    assert redacted["person"] == {"subject": sealed["subject"], "digest": sealed["digest"]}
    assert not is_sealed(redacted["person"])
    # Erasure leaves the ciphertext in place, but a partner (no ciphertext) hashes the same.
    assert content_hash(state) == hashlib.sha256(redact(state)).digest()
    assert content_hash(redact(state)) == content_hash(state)
    other = orjson.dumps(
        {"a": 1, "person": {**sealed, "digest": "0" * 64}}, option=orjson.OPT_SORT_KEYS
    )
    assert content_hash(other) != content_hash(state)


# Subject ids ---------------------------------------------------------------------------------


def subject_of(**person: Any) -> str:
    return subjects.subject_id(SECRET, subjects.identifying_material(person))


def test_the_id_number_names_the_subject_whatever_the_name_or_its_spelling() -> None:
    one = subject_of(name="张三", id_number="12010119900101123X")
    assert subject_of(name="张 三", id_number="12010119900101123x") == one
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "12010119900101123X")
    assert subject_of(name="张三", id_number=full_width) == one
    assert subject_of(name="张三丰", id_number="12010119900101123X", phone="1") == one
    assert subject_of(name="张三", id_number="12010119900101124X") != one


def test_without_an_id_number_the_name_and_phone_name_the_subject() -> None:
    with_phone = subject_of(name="张三", phone="138-0000-0000")
    assert subject_of(name=" 张三 ", phone="138 0000 0000") == with_phone
    assert subject_of(name="张三") != with_phone
    assert subject_of(name="张三", phone="13800000001") != with_phone


def test_the_subject_id_is_keyed() -> None:
    material = subjects.identifying_material({"name": "x", "id_number": "12010119900101123X"})
    assert subjects.subject_id(SECRET, material) != subjects.subject_id(b"t" * 32, material)
    assert len(subjects.subject_id(SECRET, material)) == 32


def test_the_candidates_of_a_person_cover_every_way_it_may_have_been_recorded() -> None:
    found = subjects.candidate_materials(id_number="12010119900101123X", name="张三", phone="1")
    assert found == ["id:12010119900101123X", "name:张三|phone:1", "name:张三"]
    assert subjects.candidate_materials(name="张三") == ["name:张三"]
