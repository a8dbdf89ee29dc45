"""Bulk events through real aggregates, for benchmarks and pipeline tests."""

from __future__ import annotations

from datetime import date, timedelta

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.base import EventMeta, recording_as
from domain.registry.agency import Agency
from domain.registry.officer import Officer
from domain.values import EnforcementDomain, RevocationReason

META = EventMeta(principal="load", role=Role.SYSTEM, correlation_id="load")


def write_events(
    ledger: SupervisionLedger, officers: int, *, chunk: int = 200, tag: str = "L"
) -> int:
    """Register ``officers`` officers in 3 agencies, certify all, revoke every third.

    Real aggregates and real events, saved ``chunk`` aggregates per transaction (fast enough
    to load tens of thousands of events in seconds). Returns the number of events written.
    """
    written = 0
    with recording_as(META):
        agencies = []
        for code in ("A", "B", "C"):
            agency_code = f"{tag}-{code}"
            ident = Agency.create_id(agency_code)
            if ident not in ledger.repository:
                agency = Agency(
                    code=agency_code, name=agency_code, domains=[EnforcementDomain.MARKET]
                )
                ledger.save(agency)
                written += 1
            agencies.append(ident)
        batch: list[Officer] = []
        for n in range(officers):
            officer = Officer(
                officer_no=f"{tag}{n}",
                name=f"o{n}",
                agency_id=agencies[n % 3],
                frontline=n % 2 == 0,
            )
            day = date(2023, 1, 1) + timedelta(days=n % 365)
            officer.issue_certificate(number=f"{tag}C{n}", issued_on=day)
            if n % 3 == 0:
                revoked_on = day + timedelta(days=10)
                officer.revoke_certificate(revoked_on, RevocationReason.RETIREMENT, "")
            written += len(officer.pending_events)
            batch.append(officer)
            if len(batch) == chunk:
                ledger.save(*batch)
                batch = []
        if batch:
            ledger.save(*batch)
    return written
