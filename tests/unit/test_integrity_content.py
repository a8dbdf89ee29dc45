"""The content hash: a partner holding the redacted form computes what the ledger computed."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from infra.integrity.content import canonical, content_hash, redact, redact_value

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
