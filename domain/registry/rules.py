"""Rules of the registries, as pure functions: each raises a ``RuleViolation`` naming itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.errors import RuleViolation
from domain.registry.certificate import Certificate


def require_no_held_certificate(officer_no: str, held: Certificate | None) -> None:
    """An officer holds one enforcement certificate at a time."""
    if held is not None:
        raise RuleViolation(
            "one-certificate-at-a-time",
            f"officer {officer_no} already holds certificate {held.number}; "
            "revoke it before issuing another",
        )


def require_issue_after_last_revocation(issued_on: date, history: Sequence[Certificate]) -> None:
    """A certificate history runs forward: no new certificate dated before the last revocation."""
    last = max((c.revoked_on for c in history if c.revoked_on is not None), default=None)
    if last is not None and issued_on < last:
        raise RuleViolation(
            "certificate-dates-in-order",
            f"a new certificate cannot be dated {issued_on}, before the last revocation on {last}",
        )


def require_held_certificate(officer_no: str, held: Certificate | None) -> Certificate:
    """Only a certificate the officer holds can be revoked."""
    if held is None:
        raise RuleViolation(
            "revoke-only-held-certificate", f"officer {officer_no} holds no certificate to revoke"
        )
    return held


def require_revocation_after_issue(held: Certificate, revoked_on: date) -> None:
    """A certificate is revoked on or after the day it was issued."""
    if revoked_on < held.issued_on:
        raise RuleViolation(
            "certificate-dates-in-order",
            f"certificate {held.number} cannot be revoked on {revoked_on}, "
            f"before it was issued on {held.issued_on}",
        )
