"""An officer's enforcement certificates, told as given / when / then."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import RuleViolation
from domain.registry import rules
from domain.registry.certificate import Certificate
from domain.registry.commands import RevokeCertificate
from domain.registry.officer import Officer
from domain.rules import require_certified
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


# A revoked officer can be named in nothing new ------------------------------------------------

act_days = st.dates(min_value=date(2023, 1, 10), max_value=date(2023, 12, 31))


@given(act_day=act_days, revoked_on=act_days)
def test_once_a_revocation_is_on_file_no_act_names_the_officer_whatever_its_day(
    act_day: date, revoked_on: date
) -> None:
    # Given an officer whose certificate's revocation is on file
    officer = a_certified_officer(date(2023, 1, 10))
    officer.revoke_certificate(revoked_on, RevocationReason.RETIREMENT, note="")
    # When a new act names them, dated before the revocation or after
    with pytest.raises(RuleViolation) as refused:
        require_certified([officer], act_day)
    # Then it is refused: by the day when they held no certificate that day, else because
    # the revocation is on file (a back-dated act)
    expected = (
        "revoked-officer-in-nothing-new" if act_day < revoked_on else ("certified-officers-only")
    )
    assert refused.value.rule == expected


def test_a_new_certificate_after_a_revocation_lets_the_officer_act_again() -> None:
    officer = a_certified_officer(date(2023, 1, 10))
    officer.revoke_certificate(date(2023, 3, 1), RevocationReason.REASSIGNMENT, note="")
    officer.issue_certificate(number="C-2", issued_on=date(2023, 5, 1))
    require_certified([officer], date(2023, 5, 2))
    with pytest.raises(RuleViolation) as refused:
        require_certified([officer], date(2023, 4, 1))  # between: no certificate that day
    assert refused.value.rule == "certified-officers-only"


def test_a_revocation_is_recorded_once_it_has_happened_not_ahead() -> None:
    body = {"officer_id": str(uuid4()), "reason": "retirement"}
    with pytest.raises(ValidationError, match="is in the future"):
        RevokeCertificate.model_validate({**body, "revoked_on": "2099-01-01"})
    assert RevokeCertificate.model_validate({**body, "revoked_on": "2023-06-01"})


def test_training_is_recorded_for_an_officer_without_a_certificate() -> None:
    """Training is how an officer (re)qualifies for a certificate, so a revoked officer's
    training is recorded: it names them in no enforcement act."""
    officer = a_certified_officer()
    officer.revoke_certificate(date(2023, 6, 1), RevocationReason.REASSIGNMENT, note="")
    officer.record_training("行政执法资格培训", 40, date(2023, 9, 1))
    assert officer.training_hours == 40
