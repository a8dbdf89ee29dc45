"""The content hash: a partner holding the redacted form computes what the ledger computed."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from infra.integrity.content import (
    canonical,
    content_hash,
    redact,
    redact_checked,
    redact_value,
)

SEALED = {"subject": "ab" * 16, "sealed": "Y2lwaGVydGV4dA==", "digest": "cd" * 32}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "person", "sealed", "c"]), inner, max_size=4)
    ),
    max_leaves=20,
)


def test_a_state_without_a_person_hashes_as_its_bytes() -> None:
    state = canonical({"code": "MSA", "person": None, "sealed": "not a person's"})
    assert redact(state) is state
    assert content_hash(state) == hashlib.sha256(state).digest()


def test_the_ciphertext_of_every_person_is_left_out_wherever_it_is() -> None:
    state = canonical({"person": SEALED, "parties": [{"person": SEALED, "role": "x"}]})
    redacted = redact_value({"person": SEALED, "parties": [{"person": SEALED, "role": "x"}]})
    assert redacted == {
        "person": {"subject": "ab" * 16, "digest": "cd" * 32},
        "parties": [{"person": {"subject": "ab" * 16, "digest": "cd" * 32}, "role": "x"}],
    }
    assert redact(state) == canonical(redacted)
    assert content_hash(state) == hashlib.sha256(canonical(redacted)).digest()


def test_erasure_changes_nothing_a_hash_covers() -> None:
    """The ciphertext of an erased subject stays in the log; the redacted copy a partner holds
    never had it: both hash alike."""
    held_by_ledger = canonical({"person": SEALED, "fine_fen": 500})
    held_by_partner = canonical({**redact_value({"person": SEALED}), "fine_fen": 500})
    assert b"sealed" not in held_by_partner
    assert content_hash(held_by_ledger) == content_hash(held_by_partner)


@given(json_values)
def test_a_partner_recomputes_the_content_hash_from_the_redacted_form(value: Any) -> None:
    state = canonical(value)
    partner_copy = canonical(redact_value(value))
    assert content_hash(partner_copy) == content_hash(state)
    assert redact(partner_copy) == partner_copy


# A sealed person's ciphertext, checked against its digest --------------------------------------


def sealed_person(blob: bytes, subject: str = "ab" * 16) -> dict[str, str]:
    return {
        "subject": subject,
        "sealed": base64.b64encode(blob).decode(),
        "digest": hashlib.sha256(blob).hexdigest(),
    }


blobs = st.binary(min_size=1, max_size=200)
plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "digest", "subject", "c"]), inner, max_size=4)
    ),
    max_leaves=20,
)
"""JSON without other ``person`` objects (their ciphertexts would be checked too)."""


@given(plain_values, st.lists(blobs, min_size=1, max_size=3))
def test_cutting_the_ciphertext_out_of_the_bytes_is_the_redacted_form(
    value: Any, ciphertexts: list[bytes]
) -> None:
    """The fast way (no JSON parse) and the definition agree on every canonical state."""
    state = canonical(
        {"x": value, "person": sealed_person(ciphertexts[0])}
        | {"parties": [{"person": sealed_person(b), "role": "r"} for b in ciphertexts[1:]]}
    )
    redacted, sound = redact_checked(state)
    assert sound
    assert redacted == canonical(redact_value(orjson.loads(state)))
    assert b'"sealed":' not in redacted


@given(blobs, st.integers(min_value=0), st.sampled_from(["fast", "parsed"]))
def test_a_replaced_ciphertext_no_longer_matches_its_digest(
    blob: bytes, where: int, form: str
) -> None:
    person = sealed_person(blob)
    data = bytearray(base64.b64decode(person["sealed"]))
    data[where % len(data)] ^= 0x01
    person["sealed"] = base64.b64encode(bytes(data)).decode()
    # "parsed": an extra key before "digest" leaves the fast way to the JSON parser.
    extra = {"age": 1} if form == "parsed" else {}
    state = canonical({"person": extra | person, "fine_fen": 500})
    redacted, sound = redact_checked(state)
    assert not sound
    assert redacted == canonical(redact_value(orjson.loads(state)))


def test_an_erased_or_redacted_person_has_nothing_to_check() -> None:
    person = sealed_person(b"ciphertext")
    partner_copy = canonical({"person": redact_value({"person": person})["person"]})
    assert redact_checked(partner_copy) == (partner_copy, True)


def test_a_ciphertext_that_is_not_base64_does_not_match() -> None:
    person = sealed_person(b"ciphertext") | {"sealed": "not base64!"}
    assert redact_checked(canonical({"person": person}))[1] is False
