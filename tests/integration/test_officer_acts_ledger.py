"""A revoked officer can be named in nothing new, through the ledger (real PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.actors import SYSTEM
from domain.application import SupervisionLedger
from domain.errors import RuleViolation
from domain.inspection import commands as insp
from domain.inspection.values import Outcome
from domain.registry import commands as reg
from domain.values import DISTRICT_ZONE, RevocationReason
from tests.builders import given_agency, given_entity, given_officer
from tests.builders_planning import (
    given_e_certificate,
    given_inspection,
    given_item,
    given_plan,
    given_tasks,
)


def test_an_inspection_is_not_concluded_by_an_officer_revoked_meanwhile(
    ledger: SupervisionLedger,
) -> None:
    # Given an inspection started by two certified officers
    agency = given_agency(ledger)
    first, second = given_officer(ledger, agency, "M1"), given_officer(ledger, agency, "M2")
    entity = given_entity(ledger, 1)
    given_item(ledger)
    plan = given_plan(ledger, agency)
    given_tasks(ledger, plan, entity)
    given_e_certificate(ledger, plan, [first, second])
    inspection = given_inspection(ledger, plan, entity, [first, second])
    # When one of them has their certificate revoked the next day
    ledger.execute(
        reg.RevokeCertificate(
            officer_id=second, revoked_on=date(2023, 3, 11), reason=RevocationReason.REASSIGNMENT
        ),
        SYSTEM,
    )
    conclude = insp.ConcludeInspection(
        inspection_id=inspection,
        outcome=Outcome.COMPLIANT,
        findings="",
        concluded_at=datetime(2023, 3, 12, 9, tzinfo=DISTRICT_ZONE),
    )
    # Then the inspection cannot be concluded in their name, and nothing is written
    version: int = ledger.repository.get(inspection).version
    with pytest.raises(RuleViolation) as refused:
        ledger.execute(conclude, SYSTEM)
    assert refused.value.rule == "certified-officers-only"
    assert ledger.repository.get(inspection).version == version
