"""Commands that keep the two registries and the lists (两库一单) and the agencies."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field

from domain.commands import AGENCY, AGENCY_OR_OFFICE, OFFICE, ActDay, Code, Command, Name, Text
from domain.registry import uscc
from domain.registry.agency import MajorDecisionItem
from domain.registry.exemption_list import ExemptionItem
from domain.values import CreditRating, EnforcementDomain, RevocationReason

CreditCode = Annotated[str, AfterValidator(uscc.validate)]


class RegisterAgency(Command):
    """Register an enforcement agency with its fields of law."""

    ROUTE = "POST /agencies"
    ROLES = OFFICE
    code: Code
    name: Name
    domains: list[EnforcementDomain] = Field(min_length=1, max_length=16)
    registered_on: ActDay | None = Field(
        default=None, description="The day it enforces from (default: today)."
    )


class ChangeAgencyDomains(Command):
    """Change the fields of law an agency enforces."""

    ROUTE = "PUT /agencies/{agency_id}/domains"
    ROLES = OFFICE
    agency_id: UUID
    domains: list[EnforcementDomain] = Field(min_length=1, max_length=16)


class PublishMajorDecisionList(Command):
    """Publish a new version of the agency's list of major decisions needing legal review."""

    ROUTE = "POST /agencies/{agency_id}/major-decision-list"
    ROLES = AGENCY  # the agency's own list: it decides what is major for its decisions
    agency_id: UUID
    items: list[MajorDecisionItem] = Field(max_length=500)


class RegisterOfficer(Command):
    """Register a law-enforcement officer of an agency."""

    ROUTE = "POST /officers"
    ROLES = AGENCY_OR_OFFICE
    officer_no: Code
    name: Name
    agency_id: UUID
    frontline: bool = False


class IssueCertificate(Command):
    """Issue an enforcement certificate (执法证) to an officer."""

    ROUTE = "POST /officers/{officer_id}/certificate"
    ROLES = OFFICE
    officer_id: UUID
    number: Code
    issued_on: date


class RevokeCertificate(Command):
    """Revoke an officer's enforcement certificate, giving the reason."""

    ROUTE = "POST /officers/{officer_id}/certificate/revocation"
    ROLES = OFFICE
    officer_id: UUID
    revoked_on: ActDay = Field(
        description="The day it takes effect: not after today (a revocation is recorded once "
        "it has happened, so that it bars the officer from every act recorded afterwards)."
    )
    reason: RevocationReason
    note: Text = ""


class SetFrontline(Command):
    """Mark an officer as frontline (一线执法) or not."""

    ROUTE = "PUT /officers/{officer_id}/frontline"
    ROLES = AGENCY_OR_OFFICE
    officer_id: UUID
    frontline: bool
    effective_on: ActDay | None = Field(
        default=None, description="The day the change takes effect (default: today)."
    )


class RecordTraining(Command):
    """Record a training course an officer completed."""

    ROUTE = "POST /officers/{officer_id}/trainings"
    ROLES = AGENCY_OR_OFFICE
    officer_id: UUID
    course: Name
    hours: int = Field(ge=1, le=1000)
    completed_on: date


class RegisterEntity(Command):
    """Register a market entity by its unified social credit code."""

    ROUTE = "POST /entities"
    ROLES = AGENCY_OR_OFFICE
    uscc: CreditCode
    name: Name
    address: Text = ""
    grid_cell: Code | None = None


class RateEntityCredit(Command):
    """Record an entity's credit rating (A best)."""

    ROUTE = "POST /entities/{entity_id}/credit-rating"
    ROLES = OFFICE
    entity_id: UUID
    rating: CreditRating
    rated_on: date


class ListInspectionItem(Command):
    """Add an item to the inspection list, with its legal basis."""

    ROUTE = "POST /inspection-items"
    ROLES = OFFICE
    code: Code
    name: Name
    domain: EnforcementDomain
    legal_basis: Name


class WithdrawInspectionItem(Command):
    """Withdraw an item from the inspection list."""

    ROUTE = "POST /inspection-items/{item_id}/withdrawal"
    ROLES = OFFICE
    item_id: UUID
    reason: Text


class PublishExemptionList(Command):
    """Publish a version of a field's penalty-exemption list for minor violations."""

    ROUTE = "POST /exemption-lists"
    ROLES = OFFICE
    domain: EnforcementDomain
    version: int = Field(ge=1, le=1000)
    in_force_from: date
    items: list[ExemptionItem] = Field(min_length=1, max_length=500)


class DefineGridCell(Command):
    """Define a cell of the district's patrol grid."""

    ROUTE = "POST /grid-cells"
    ROLES = OFFICE
    code: Code
    name: Name
    street: Name
