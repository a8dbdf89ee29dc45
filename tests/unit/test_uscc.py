"""The unified social credit code's check character (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.registry import uscc

ALPHABET = st.sampled_from(list(uscc.ALPHABET))


def test_a_published_code_is_valid() -> None:
    # The code printed on a real business licence (GB 32100's own worked example shape).
    assert uscc.is_valid("91350100M000100Y43")


def test_a_wrong_check_character_is_named() -> None:
    assert (
        uscc.problem_with("91350100M000100Y44") == "check character is '4' but GB 32100 gives '3'"
    )


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("9135010", "a unified social credit code has 18 characters, not 7"),
        ("91350100M000100YI3", "a unified social credit code cannot contain 'I'"),
        ("91350100M00010OY43", "a unified social credit code cannot contain 'O'"),
    ],
)
def test_malformed_codes_say_why(code: str, problem: str) -> None:
    assert uscc.problem_with(code) == problem


def test_lower_case_is_accepted_and_normalised() -> None:
    assert uscc.validate("91350100m000100y43") == "91350100M000100Y43"


@given(st.lists(ALPHABET, min_size=17, max_size=17).map("".join))
def test_every_body_has_exactly_one_check_character(body: str) -> None:
    valid = [c for c in uscc.ALPHABET if uscc.is_valid(body + c)]
    assert valid == [uscc.check_character(body)]


@given(st.lists(ALPHABET, min_size=18, max_size=18).map("".join), st.integers(0, 16), ALPHABET)
def test_changing_one_character_of_a_valid_code_is_caught(code: str, pos: int, char: str) -> None:
    valid = code[:17] + uscc.check_character(code[:17])
    changed = valid[:pos] + char + valid[pos + 1 :]
    assert uscc.is_valid(changed) == (changed == valid)
