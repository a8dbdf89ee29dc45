"""Commands of cross-regional collaboration: joint actions, case transfers, joint cases."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field, model_validator

from domain.collaboration.values import (
    PartnerRegion,
    Quantity,
    Regions,
    TransferDirection,
    TransferOutcome,
)
from domain.commands import AGENCY, ActDay, Code, Command, Fen, Name, Summary, Text
from domain.personal import PersonalData
from domain.registry.commands import CreditCode
from domain.values import EnforcementDomain, PartyKind

Officers = Annotated[list[UUID], Field(min_length=2, max_length=20)]
Unit = Annotated[str, Field(min_length=1, max_length=20)]

# Joint actions --------------------------------------------------------------------------------


class LaunchJointAction(Command):
    """Launch a joint enforcement action with partner regions (联合执法行动), led by an agency."""

    ROUTE = "POST /joint-actions"
    ROLES = AGENCY
    reference: Code
    title: Name
    field: EnforcementDomain
    regions: Regions
    agency_id: UUID = Field(description="The district's lead agency.")
    starts_on: ActDay
    ends_on: date = Field(description="The planned last day; it may lie ahead.")


class RecordSiteCheck(Command):
    """Record an enterprise or site (企业/点位) checked in a joint action."""

    ROUTE = "POST /joint-actions/{action_id}/sites"
    ROLES = AGENCY
    action_id: UUID
    name: Name
    uscc: CreditCode | None = None
    region: PartnerRegion | None = Field(
        default=None, description="The partner region it lies in; none for the district."
    )
    checked_on: ActDay
    officer_ids: Officers


class RecordActionProblem(Command):
    """Record a problem found at a site checked in a joint action."""

    ROUTE = "POST /joint-actions/{action_id}/problems"
    ROLES = AGENCY
    action_id: UUID
    site_no: int = Field(ge=1, le=100_000)
    description: Summary
    found_on: ActDay


class RecordRectification(Command):
    """Record that a problem found in a joint action was rectified (立行立改 if on the spot)."""

    ROUTE = "POST /joint-actions/{action_id}/problems/{problem_no}/rectification"
    ROLES = AGENCY
    action_id: UUID
    problem_no: int = Field(ge=1, le=100_000)
    rectified_on: ActDay
    on_the_spot: bool = True
    note: Text = ""


class RecordJointMeeting(Command):
    """Record a joint meeting (座谈) with the partners of a joint action."""

    ROUTE = "POST /joint-actions/{action_id}/meetings"
    ROLES = AGENCY
    action_id: UUID
    held_on: ActDay
    topic: Name


# Case transfers -------------------------------------------------------------------------------


class RecordCaseTransfer(Command):
    """Record a case referred to (移送) or received from (接收) a partner region."""

    ROUTE = "POST /case-transfers"
    ROLES = AGENCY
    direction: TransferDirection
    region: PartnerRegion
    case_reference: Name
    agency_id: UUID = Field(description="The district's agency sending or receiving the case.")
    transferred_on: ActDay
    summary: Summary
    uscc: CreditCode | None = None


class RecordTransferOutcome(Command):
    """Record what became of a transferred case."""

    ROUTE = "POST /case-transfers/{transfer_id}/outcome"
    ROLES = AGENCY
    transfer_id: UUID
    outcome: TransferOutcome
    decided_on: ActDay
    note: Text = ""


# Cross-regional cases -------------------------------------------------------------------------


class OpenCrossRegionalCase(Command):
    """Open a case handled with partner regions, against a business or a citizen.

    A business is named by ``entity_name`` (and ``uscc`` where known); a citizen's personal
    data goes in ``person`` and nowhere else.
    """

    ROUTE = "POST /cross-regional-cases"
    ROLES = AGENCY
    case_no: Name
    regions: Regions
    agency_id: UUID
    opened_on: ActDay
    cause: Summary
    party_kind: PartyKind
    entity_name: Name | None = None
    uscc: CreditCode | None = None
    person: PersonalData | None = None

    @model_validator(mode="after")
    def _one_party(self) -> OpenCrossRegionalCase:
        if self.party_kind is PartyKind.CITIZEN:
            if self.person is None or self.entity_name or self.uscc:
                raise ValueError("a citizen party is given in person, with no entity_name or uscc")
        elif self.entity_name is None or self.person is not None:
            raise ValueError("an organisation party is given by entity_name, with no person")
        return self


class RecordSeizure(Command):
    """Record goods seized in a cross-regional case."""

    ROUTE = "POST /cross-regional-cases/{case_id}/seizures"
    ROLES = AGENCY
    case_id: UUID
    description: Name
    quantity: Quantity
    unit: Unit
    seized_on: ActDay
    officer_ids: Officers


class RequestCrossRegionalLegalReview(Command):
    """Send a cross-regional case to legal review (法制审核) before its decision."""

    ROUTE = "POST /cross-regional-cases/{case_id}/legal-review"
    ROLES = AGENCY
    case_id: UUID
    requested_on: ActDay


class RecordCrossRegionalLegalReview(Command):
    """Record the outcome of a cross-regional case's legal review: passed or failed."""

    ROUTE = "POST /cross-regional-cases/{case_id}/legal-review/outcome"
    ROLES = AGENCY
    case_id: UUID
    reviewed_on: ActDay
    passed: bool
    reviewer: Name
    opinion: Text = ""


class ApproveCrossRegionalExtension(Command):
    """Record the approved extension of a cross-regional case's 90-day deadline (art. 60)."""

    ROUTE = "POST /cross-regional-cases/{case_id}/extensions"
    ROLES = AGENCY
    case_id: UUID
    approved_on: ActDay
    new_deadline: date = Field(description="The new last day to decide the case.")
    approver: Name = Field(description="The agency's head who approved it (负责人).")
    reason: Summary


class DecideCrossRegionalCase(Command):
    """Record the decision of a cross-regional case: goods value, confiscation, fine (in fen).

    Like any penalty decision it is made within 90 days of opening (or the approved
    extension), and after a passed legal review if it is on the agency's major-decision list.
    """

    ROUTE = "POST /cross-regional-cases/{case_id}/decision"
    ROLES = AGENCY
    case_id: UUID
    decided_on: ActDay
    goods_value_fen: Fen
    goods_confiscated: bool
    income_confiscated_fen: Fen = 0
    fine_fen: Fen
    officer_ids: Officers
