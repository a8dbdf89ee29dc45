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


def require_not_withdrawn(code: str, withdrawn: bool) -> None:
    """An inspection item is withdrawn from the list once."""
    if withdrawn:
        raise RuleViolation("withdraw-once", f"inspection item {code} is already withdrawn")


def require_next_exemption_list_version(
    domain: str,
    version: int,
    in_force_from: date,
    previous_in_force_from: date | None,
    previous_last_cited_on: date | None = None,
) -> None:
    """Versions of a field's exemption list follow each other: version n needs version n-1,
    comes into force after it, and not before the last violation an exemption under n-1
    concerned (a later version coming into force earlier would leave that exemption citing a
    list no longer in force on its violation day)."""
    if version == 1:
        return
    if previous_in_force_from is None:
        raise RuleViolation(
            "exemption-list-versions-in-order",
            f"version {version} of the {domain} exemption list needs version {version - 1} first",
        )
    if in_force_from <= previous_in_force_from:
        raise RuleViolation(
            "exemption-list-versions-in-order",
            f"version {version} must come into force after {previous_in_force_from}",
        )
    if previous_last_cited_on is not None and in_force_from <= previous_last_cited_on:
        raise RuleViolation(
            "exemption-list-not-retroactive",
            f"an exemption cites version {version - 1} of the {domain} exemption list for a "
            f"violation on {previous_last_cited_on}; version {version} cannot come into force "
            f"on {in_force_from}, before that exemption's day (it would no longer hold)",
        )
