"""Commands of penalty cases (行政处罚) and case-file reviews (案卷评查).

Cases are recorded by officers of the agency the case belongs to; reviews by the supervision
office. Where a step names ``officer_ids`` as optional, leaving them out means "the officers
already on the case" (they must still be certified on the day of the step).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from domain.cases.penalties import Penalties
from domain.cases.review_standard import STANDARDS, Deduction
from domain.cases.values import CaseNo, DismissalReason, ServiceMethod
from domain.commands import AGENCY, OFFICE, ActDay, Code, Command, Fen, Name, Sha256Hex, Text
from domain.personal import PersonalData
from domain.values import EnforcementDomain, PartyKind

Said = Annotated[str, Field(min_length=1, max_length=4000)]
"""Free text that must say something."""
Team = Annotated[list[UUID], Field(min_length=1, max_length=20)]
OptionalTeam = Team | None
"""Officers of a step; none named means the officers already on the case."""


def _known_standard(version: str) -> str:
    if version not in STANDARDS:
        raise ValueError(f"is not a review standard version ({', '.join(sorted(STANDARDS))})")
    return version


StandardVersion = Annotated[str, AfterValidator(_known_standard)]


class _CaseIntake(Command):
    """What opening a case states: who, what, when, under which law."""

    agency_id: UUID
    case_no: CaseNo
    officer_ids: Team
    party_kind: PartyKind
    entity_id: UUID | None = Field(
        default=None, description="The entity (required for an organisation)."
    )
    person: PersonalData | None = Field(default=None, description="The citizen (required).")
    violation: Said
    violation_date: ActDay
    legal_basis: Name
    inspection_id: UUID | None = None
    goods_value_fen: Fen = 0

    @model_validator(mode="after")
    def _party_is_named(self) -> _CaseIntake:
        if self.party_kind is PartyKind.ORGANISATION:
            if self.entity_id is None:
                raise ValueError("an organisation is named by its entity_id")
            if self.person is not None:
                raise ValueError("an organisation has no personal data; leave person out")
        elif self.person is None or self.person.id_number is None:
            raise ValueError("a citizen is named by person (name and id number)")
        return self


class FileCase(_CaseIntake):
    """File an ordinary-procedure penalty case (立案)."""

    ROUTE = "POST /penalty-cases"
    ROLES = AGENCY
    filed_on: ActDay


class DecideOnTheSpot(_CaseIntake):
    """Record a simple-procedure penalty decided and served on the spot (简易程序).

    Only a warning or a fine of at most 200 yuan (citizen) or 3,000 yuan (organisation).
    """

    ROUTE = "POST /penalty-cases/on-the-spot"
    ROLES = AGENCY
    decided_on: ActDay
    penalties: Penalties


class RecordInvestigation(Command):
    """Record investigation of an ordinary case: evidence hashes and findings (调查取证)."""

    ROUTE = "POST /penalty-cases/{case_id}/investigations"
    ROLES = AGENCY
    case_id: UUID
    officer_ids: OptionalTeam = None
    investigated_on: ActDay
    evidence: list[Sha256Hex] = Field(
        default_factory=list, max_length=500, description="SHA-256 of each piece of evidence."
    )
    findings: Text = ""
    goods_value_fen: Fen | None = Field(default=None, description="涉案货值, if now known.")


class RequestLegalReview(Command):
    """Send the case to legal review (法制审核) before a decision."""

    ROUTE = "POST /penalty-cases/{case_id}/legal-review"
    ROLES = AGENCY
    case_id: UUID
    requested_on: ActDay


class RecordLegalReview(Command):
    """Record the outcome of the case's legal review: passed or failed."""

    ROUTE = "POST /penalty-cases/{case_id}/legal-review/outcome"
    ROLES = AGENCY
    case_id: UUID
    reviewed_on: ActDay
    passed: bool
    reviewer: Name
    opinion: Text = ""


class ApproveExtension(Command):
    """Record the approved extension of the 90-day decision deadline (延期, art. 60)."""

    ROUTE = "POST /penalty-cases/{case_id}/extensions"
    ROLES = AGENCY
    case_id: UUID
    approved_on: ActDay
    new_deadline: date = Field(description="The new last day to decide the case.")
    approver: Name = Field(description="The agency's head who approved it (负责人).")
    reason: Said


class DecideCase(Command):
    """Decide the penalties of an ordinary case (作出行政处罚决定)."""

    ROUTE = "POST /penalty-cases/{case_id}/decision"
    ROLES = AGENCY
    case_id: UUID
    officer_ids: OptionalTeam = None
    decided_on: ActDay
    penalties: Penalties


class ServeDecision(Command):
    """Record that the decision was served on the party (送达)."""

    ROUTE = "POST /penalty-cases/{case_id}/service"
    ROLES = AGENCY
    case_id: UUID
    served_on: ActDay
    method: ServiceMethod


class RecordPayment(Command):
    """Record money paid towards the decision (执行): fine and/or illegal gains, in fen."""

    ROUTE = "POST /penalty-cases/{case_id}/payments"
    ROLES = AGENCY
    case_id: UUID
    paid_on: ActDay
    fine_fen: Fen = 0
    gains_fen: Fen = 0


class WaiveExecution(Command):
    """Record that what is still due will not be collected (减免 / 终结执行)."""

    ROUTE = "POST /penalty-cases/{case_id}/execution-waiver"
    ROLES = AGENCY
    case_id: UUID
    waived_on: ActDay
    approver: Name
    reason: Said


class CloseCase(Command):
    """Close an executed penalty case (结案)."""

    ROUTE = "POST /penalty-cases/{case_id}/closure"
    ROLES = AGENCY
    case_id: UUID
    closed_on: ActDay


class CloseWithEducation(Command):
    """Close an investigated case with education and correction instead of a penalty (教育改正)."""

    ROUTE = "POST /penalty-cases/{case_id}/education-correction"
    ROLES = AGENCY
    case_id: UUID
    officer_ids: OptionalTeam = None
    decided_on: ActDay
    correction: Said = Field(description="What the party corrected, and how it was educated.")


class ExemptFromPenalty(Command):
    """Close an investigated case without penalty, citing the exemption list (免罚)."""

    ROUTE = "POST /penalty-cases/{case_id}/exemption"
    ROLES = AGENCY
    case_id: UUID
    officer_ids: OptionalTeam = None
    decided_on: ActDay
    domain: EnforcementDomain
    list_version: int = Field(ge=1, le=1000)
    item_code: Code


class DismissCase(Command):
    """Close an investigated case because no penalty may be imposed (不予行政处罚)."""

    ROUTE = "POST /penalty-cases/{case_id}/dismissal"
    ROLES = AGENCY
    case_id: UUID
    officer_ids: OptionalTeam = None
    decided_on: ActDay
    reason: DismissalReason
    note: Text = ""


class _Scoring(Command):
    reviewed_on: ActDay
    veto_items: list[Code] = Field(default_factory=list, max_length=50)
    form_points: int = Field(ge=0, le=100)
    content_points: int = Field(ge=0, le=100)
    deductions: list[Deduction] = Field(default_factory=list, max_length=100)


class ReviewCaseFile(_Scoring):
    """Score a closed case file against the review standard and grade it (案卷评查).

    The file is named by agency, file number and year; when the ledger holds that case it must
    be closed, and the review is linked to it.
    """

    ROUTE = "POST /case-file-reviews"
    ROLES = OFFICE
    agency_id: UUID
    file_no: CaseNo
    file_year: int = Field(ge=2000, le=2100)
    standard_version: StandardVersion


class RescoreCaseFile(_Scoring):
    """Correct a case-file review's score (异议复核), keeping the first scoring on file."""

    ROUTE = "POST /case-file-reviews/{review_id}/rescoring"
    ROLES = OFFICE
    review_id: UUID
    reason: Said
