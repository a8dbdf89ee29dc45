"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), entity category (1), administrative division (6),
organisation code (9), check character (1). The alphabet is the digits and the capital
letters without I, O, S, V, Z; the check character is
``31 - (sum of value(c_i) * w_i for the first 17) mod 31``, with ``31 -> 0``.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {char: value for value, char in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError("a credit code's first 17 characters use digits and A-Y (no I O S V Z)")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem_with(code: str) -> str | None:
    """Why ``code`` is not a valid credit code, or ``None`` when it is."""
    if len(code) != 18:
        return f"a unified social credit code has 18 characters, not {len(code)}"
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"a unified social credit code cannot contain {bad[0]!r}"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r} but GB 32100 gives {expected!r}"
    return None


def is_valid(code: str) -> bool:
    return problem_with(code) is None


def validate(code: str) -> str:
    """``code`` upper-cased if valid; ``ValueError`` saying what is wrong otherwise."""
    normalised = code.strip().upper()
    problem = problem_with(normalised)
    if problem:
        raise ValueError(problem)
    return normalised
