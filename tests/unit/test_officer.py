"""An officer's enforcement certificates, told as given / when / then."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.registry import rules
from domain.registry.certificate import Certificate
from domain.registry.officer import Officer
from domain.values import RevocationReason

pytestmark = pytest.mark.usefixtures("as_system")


def a_certified_officer(issued_on: date = date(2023, 1, 10)) -> Officer:
    officer = Officer(officer_no="O-1", name="Li", agency_id=uuid4(), frontline=True)
    officer.issue_certificate(number="C-1", issued_on=issued_on)
    return officer


def test_a_certificate_is_active_from_its_day_of_issue() -> None:
    officer = a_certified_officer(date(2023, 1, 10))
    assert officer.certificate_on(date(2023, 1, 9)) is None
    assert officer.certificate_on(date(2023, 1, 10)) is not None


def test_a_revoked_certificate_is_inactive_from_the_day_of_revocation() -> None:
    officer = a_certified_officer()
    officer.revoke_certificate(date(2023, 6, 1), RevocationReason.RETIREMENT, note="")
    assert officer.certificate_on(date(2023, 5, 31)) is not None
    assert officer.certificate_on(date(2023, 6, 1)) is None
    assert officer.certificates[0].revocation_reason is RevocationReason.RETIREMENT


def test_a_second_certificate_needs_the_first_revoked() -> None:
    officer = a_certified_officer()
    with pytest.raises(RuleViolation) as refused:
        officer.issue_certificate(number="C-2", issued_on=date(2023, 2, 1))
    assert refused.value.rule == "one-certificate-at-a-time"
    assert "already holds certificate C-1" in refused.value.message


def test_only_a_held_certificate_can_be_revoked() -> None:
    officer = Officer(officer_no="O-2", name="Wang", agency_id=uuid4(), frontline=False)
    with pytest.raises(RuleViolation) as refused:
        officer.revoke_certificate(date(2023, 1, 1), RevocationReason.OTHER, note="")
    assert refused.value.rule == "revoke-only-held-certificate"


def test_history_is_rebuilt_from_events_alone() -> None:
    officer = a_certified_officer()
    officer.revoke_certificate(date(2023, 3, 1), RevocationReason.REASSIGNMENT, note="moved")
    officer.issue_certificate(number="C-9", issued_on=date(2023, 4, 1))
    events = officer.collect_events()
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert rebuilt == officer
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "Officer.Registered",
        "Officer.CertificateIssued",
        "Officer.CertificateRevoked",
        "Officer.CertificateIssued",
    ]


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@given(issued=days, revoked=st.one_of(st.none(), days), probe=days)
def test_active_exactly_between_issue_and_revocation(
    issued: date, revoked: date | None, probe: date
) -> None:
    certificate = Certificate(number="C", issued_on=issued, revoked_on=revoked)
    expected = issued <= probe and (revoked is None or probe < revoked)
    assert certificate.active_on(probe) == expected


@given(issued=days, revoked=days)
def test_revocation_before_issue_is_refused(issued: date, revoked: date) -> None:
    held = Certificate(number="C", issued_on=issued)
    if revoked < issued:
        with pytest.raises(RuleViolation, match="before it was issued"):
            rules.require_revocation_after_issue(held, revoked)
    else:
        rules.require_revocation_after_issue(held, revoked)


@given(last_revoked=days, new_issue=days)
def test_new_certificate_not_before_last_revocation(last_revoked: date, new_issue: date) -> None:
    history = [Certificate(number="C", issued_on=date(2015, 1, 1), revoked_on=last_revoked)]
    if new_issue < last_revoked:
        with pytest.raises(RuleViolation) as refused:
            rules.require_issue_after_last_revocation(new_issue, history)
        assert refused.value.rule == "certificate-dates-in-order"
    else:
        rules.require_issue_after_last_revocation(new_issue, history)
