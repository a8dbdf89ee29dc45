"""A law-enforcement officer (执法人员) and the enforcement certificates (执法证) they hold.

An officer may enforce on a day only while holding a certificate issued on or before that
day and not revoked by it. The certificate history is kept whole, so the question "was this
officer certified on 12 March?" has an answer for any past day.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.registry import rules
from domain.registry.certificate import Certificate
from domain.values import RevocationReason


class Officer(Aggregate):
    TOPIC = "Officer"
    KIND = "officer"

    class Registered(Aggregate.Created):
        officer_no: str
        name: str
        agency_id: UUID
        frontline: bool

    class CertificateIssued(Aggregate.Event):
        agency_id: UUID
        number: str
        issued_on: date

    class CertificateRevoked(Aggregate.Event):
        agency_id: UUID
        number: str
        revoked_on: date
        reason: RevocationReason
        note: str

    class FrontlineChanged(Aggregate.Event):
        frontline: bool
        # The day the change takes effect, so a closed year keeps its frontline count. None:
        # written before the ledger kept the day (the projections take the day it was recorded).
        effective_on: date | None = None

    class TrainingRecorded(Aggregate.Event):
        course: str
        hours: int
        completed_on: date

    @staticmethod
    def create_id(officer_no: str) -> UUID:
        return natural_id("officer", officer_no)

    @event(Registered)
    def __init__(self, officer_no: str, name: str, agency_id: UUID, frontline: bool) -> None:
        self.officer_no = officer_no
        self.name = name
        self.agency_id = agency_id
        self.frontline = frontline
        self.certificates: list[Certificate] = []
        self.training_hours = 0

    # Queries -----------------------------------------------------------------------------

    def certificate_on(self, day: date) -> Certificate | None:
        """The certificate this officer held on ``day``, if any."""
        for certificate in self.certificates:
            if certificate.active_on(day):
                return certificate
        return None

    @property
    def current_certificate(self) -> Certificate | None:
        for certificate in self.certificates:
            if certificate.revoked_on is None:
                return certificate
        return None

    # Commands ----------------------------------------------------------------------------

    def issue_certificate(self, number: str, issued_on: date) -> None:
        rules.require_no_held_certificate(self.officer_no, self.current_certificate)
        rules.require_issue_after_last_revocation(issued_on, self.certificates)
        self._issue_certificate(agency_id=self.agency_id, number=number, issued_on=issued_on)

    @event(CertificateIssued)
    def _issue_certificate(self, agency_id: UUID, number: str, issued_on: date) -> None:
        self.certificates.append(Certificate(number=number, issued_on=issued_on))

    def revoke_certificate(self, revoked_on: date, reason: RevocationReason, note: str) -> None:
        held = rules.require_held_certificate(self.officer_no, self.current_certificate)
        rules.require_revocation_after_issue(held, revoked_on)
        self._revoke_certificate(
            agency_id=self.agency_id,
            number=held.number,
            revoked_on=revoked_on,
            reason=reason,
            note=note,
        )

    @event(CertificateRevoked)
    def _revoke_certificate(
        self, agency_id: UUID, number: str, revoked_on: date, reason: RevocationReason, note: str
    ) -> None:
        self.certificates = [
            certificate.model_copy(update={"revoked_on": revoked_on, "revocation_reason": reason})
            if certificate.number == number
            else certificate
            for certificate in self.certificates
        ]

    @event(FrontlineChanged)
    def set_frontline(self, frontline: bool, effective_on: date | None = None) -> None:
        self.frontline = frontline

    @event(TrainingRecorded)
    def record_training(self, course: str, hours: int, completed_on: date) -> None:
        self.training_hours += hours


class CertificateNumber(Aggregate):
    """The claim on an enforcement certificate number: one number, one officer, ever."""

    TOPIC = "CertificateNumber"
    KIND = "certificate-number"

    class Claimed(Aggregate.Created):
        number: str
        officer_id: UUID

    @staticmethod
    def create_id(number: str) -> UUID:
        return natural_id("enforcement-certificate", number)

    @event(Claimed)
    def __init__(self, number: str, officer_id: UUID) -> None:
        self.number = number
        self.officer_id = officer_id
