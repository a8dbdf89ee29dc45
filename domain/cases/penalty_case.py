"""A penalty case (行政处罚案件), of the simple or the ordinary procedure, and how it ends.

Simple (简易程序): one act records, decides and serves it on the spot (``Opened``, ``Decided``
and ``Served`` at once), within the art. 51 caps. Ordinary (普通程序): filed, investigated,
legally reviewed where the decision is major, decided within 90 days of filing unless an
extension was approved, served, executed and closed. Instead of a decision, an investigated
case may end without penalty: education and correction (教育改正), an exemption citing an
item of the penalty-exemption list (免罚), or a dismissal.

Counting from events alone: penalties are ``Decided`` events (by ``procedure``); education
corrections are ``EducationCorrected``, exemptions ``Exempted`` — a case has at most one of
these, so the counts never overlap. ``Opened`` carries the decision deadline and
``ExtensionApproved`` the new one, so overdue cases are countable too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.cases import rules
from domain.cases.penalties import Penalties
from domain.cases.values import (
    CaseIntake,
    CaseStage,
    DismissalReason,
    LegalReview,
    Outcome,
    Procedure,
    ServiceMethod,
)
from domain.ids import natural_id
from domain.personal import PersonalData
from domain.registry.agency import MajorDecisionItem
from domain.registry.exemption_list import ExemptionList
from domain.registry.officer import Officer
from domain.values import EnforcementDomain, PartyKind

S = CaseStage


class PenaltyCase(Aggregate):
    TOPIC = "PenaltyCase"
    KIND = "penalty-case"

    class Opened(Aggregate.Created):
        """立案 (ordinary), or the on-the-spot record (simple)."""

        case_no: str
        agency_id: UUID
        procedure: Procedure
        officer_ids: list[UUID]
        party_kind: PartyKind
        entity_id: UUID | None
        person: PersonalData | None
        violation: str
        violation_date: date
        legal_basis: str
        inspection_id: UUID | None
        goods_value_fen: int
        opened_on: date
        decision_due_on: date | None

    class Investigated(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        officer_ids: list[UUID]
        investigated_on: date
        evidence: list[str]
        findings: str
        goods_value_fen: int

    class LegalReviewRequested(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        requested_on: date

    class LegalReviewed(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        reviewed_on: date
        passed: bool
        reviewer: str
        opinion: str

    class ExtensionApproved(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        approved_on: date
        approver: str
        reason: str
        previous_due_on: date
        decision_due_on: date

    class Decided(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        officer_ids: list[UUID]
        decided_on: date
        party_kind: PartyKind
        penalties: Penalties
        goods_value_fen: int
        major_items: list[str]
        decision_due_on: date | None

    class Served(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        served_on: date
        method: ServiceMethod

    class PaymentRecorded(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        paid_on: date
        fine_fen: int
        gains_fen: int
        still_due_fen: int

    class ExecutionWaived(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        waived_on: date
        waived_fen: int
        approver: str
        reason: str

    class Closed(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        closed_on: date

    class EducationCorrected(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        officer_ids: list[UUID]
        decided_on: date
        correction: str

    class Exempted(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        officer_ids: list[UUID]
        decided_on: date
        exemption_list_id: UUID
        domain: EnforcementDomain
        list_version: int
        item_code: str

    class Dismissed(Aggregate.Event):
        agency_id: UUID
        procedure: Procedure
        officer_ids: list[UUID]
        decided_on: date
        reason: DismissalReason
        note: str

    @staticmethod
    def create_id(agency_id: UUID, case_no: str) -> UUID:
        return natural_id("penalty-case", f"{agency_id}:{case_no}")

    # Opening -----------------------------------------------------------------------------

    @classmethod
    def file(cls, intake: CaseIntake, officers: Sequence[Officer], filed_on: date) -> PenaltyCase:
        """File an ordinary case (立案)."""
        rules.require_violation_not_after(intake.violation_date, filed_on, "filed")
        rules.require_case_team(officers, intake.agency_id, filed_on, "filing a case")
        return cls(
            **dict(intake),
            procedure=Procedure.ORDINARY,
            officer_ids=[o.id for o in officers],
            opened_on=filed_on,
            decision_due_on=rules.decision_deadline(filed_on),
        )

    @classmethod
    def decide_on_the_spot(
        cls,
        intake: CaseIntake,
        officers: Sequence[Officer],
        decided_on: date,
        penalties: Penalties,
        major_list: Sequence[MajorDecisionItem],
    ) -> PenaltyCase:
        """Record, decide and serve a simple-procedure case on the spot (当场处罚)."""
        no = intake.case_no
        rules.require_violation_not_after(intake.violation_date, decided_on, "decided")
        rules.require_case_team(officers, intake.agency_id, decided_on, "a decision on the spot")
        rules.require_some_penalty(no, penalties)
        rules.require_simple_procedure_cap(intake.party_kind, penalties)
        hits = rules.major_decision_items(penalties, major_list)
        rules.require_legal_review_for_major(no, hits, LegalReview.NONE)
        officer_ids = [o.id for o in officers]
        case = cls(
            **dict(intake),
            procedure=Procedure.SIMPLE,
            officer_ids=officer_ids,
            opened_on=decided_on,
            decision_due_on=None,
        )
        case._decide(
            **case._head(),
            officer_ids=officer_ids,
            decided_on=decided_on,
            party_kind=case.party_kind,
            penalties=penalties,
            goods_value_fen=case.goods_value_fen,
            major_items=[],
            decision_due_on=None,
        )
        case._serve(**case._head(), served_on=decided_on, method=ServiceMethod.ON_THE_SPOT)
        return case

    @event(Opened)
    def __init__(
        self,
        case_no: str,
        agency_id: UUID,
        procedure: Procedure,
        officer_ids: list[UUID],
        party_kind: PartyKind,
        entity_id: UUID | None,
        person: PersonalData | None,
        violation: str,
        violation_date: date,
        legal_basis: str,
        inspection_id: UUID | None,
        goods_value_fen: int,
        opened_on: date,
        decision_due_on: date | None,
    ) -> None:
        self.case_no = case_no
        self.agency_id = agency_id
        self.procedure = procedure
        self.officer_ids = list(officer_ids)
        self.party_kind = party_kind
        self.entity_id = entity_id
        self.person = person
        self.violation = violation
        self.violation_date = violation_date
        self.legal_basis = legal_basis
        self.inspection_id = inspection_id
        self.goods_value_fen = goods_value_fen
        self.opened_on = opened_on
        self.decision_due_on = decision_due_on
        self.stage = S.FILED
        self.outcome: Outcome | None = None
        self.last_step_on = opened_on
        self.evidence: list[str] = []
        self.findings: list[str] = []
        self.legal_review = LegalReview.NONE
        self.extensions = 0
        self.penalties: Penalties | None = None
        self.major_items: list[str] = []
        self.decided_on: date | None = None
        self.served_on: date | None = None
        self.paid_fine_fen = 0
        self.paid_gains_fen = 0
        self.waived_fen = 0
        self.closed_on: date | None = None
        self.exemption_list_id: UUID | None = None
        self.exemption_item: str | None = None

    # Queries -----------------------------------------------------------------------------

    @property
    def file_year(self) -> int:
        """The year of the case file (案卷年度): the year it was opened."""
        return self.opened_on.year

    @property
    def fine_due_fen(self) -> int:
        fine = self.penalties.fine_fen if self.penalties else 0
        return fine - self.paid_fine_fen

    @property
    def gains_due_fen(self) -> int:
        gains = self.penalties.confiscated_gains_fen if self.penalties else 0
        return gains - self.paid_gains_fen

    @property
    def due_fen(self) -> int:
        """Money still to pay, once waived amounts are set aside."""
        return self.fine_due_fen + self.gains_due_fen - self.waived_fen

    def _head(self) -> dict[str, Any]:
        """What every event of the case repeats, so each is readable alone."""
        return {"agency_id": self.agency_id, "procedure": self.procedure}

    def _step(self, step: rules.CaseStep, day: date) -> None:
        rules.require_step(self.case_no, self.stage, step)
        rules.require_not_before(self.case_no, step, day, self.last_step_on)

    def _team(self, officers: Sequence[Officer], day: date, act: str) -> list[UUID]:
        rules.require_case_team(officers, self.agency_id, day, act)
        return [o.id for o in officers]

    def _in_time(self, day: date) -> None:
        if self.decision_due_on is not None:
            rules.require_decided_in_time(self.case_no, day, self.decision_due_on)

    # Ordinary procedure: from filing to decision -----------------------------------------

    def investigate(
        self,
        officers: Sequence[Officer],
        investigated_on: date,
        evidence: Sequence[str],
        findings: str,
        goods_value_fen: int | None = None,
    ) -> None:
        """Record investigation (调查取证): evidence hashes, findings, goods value if now known."""
        self._step("investigated", investigated_on)
        self._investigate(
            **self._head(),
            officer_ids=self._team(officers, investigated_on, "an investigation"),
            investigated_on=investigated_on,
            evidence=list(evidence),
            findings=findings,
            goods_value_fen=self.goods_value_fen if goods_value_fen is None else goods_value_fen,
        )

    @event(Investigated)
    def _investigate(
        self,
        agency_id: UUID,
        procedure: Procedure,
        officer_ids: list[UUID],
        investigated_on: date,
        evidence: list[str],
        findings: str,
        goods_value_fen: int,
    ) -> None:
        self.stage = S.INVESTIGATED
        self.last_step_on = investigated_on
        self.officer_ids = list(officer_ids)
        self.evidence.extend(h for h in evidence if h not in self.evidence)
        if findings:
            self.findings.append(findings)
        self.goods_value_fen = goods_value_fen

    def request_legal_review(self, requested_on: date) -> None:
        self._step("sent to legal review", requested_on)
        rules.require_legal_review_step(self.case_no, self.legal_review, "requested")
        self._request_legal_review(**self._head(), requested_on=requested_on)

    @event(LegalReviewRequested)
    def _request_legal_review(
        self, agency_id: UUID, procedure: Procedure, requested_on: date
    ) -> None:
        self.legal_review = LegalReview.REQUESTED
        self.last_step_on = requested_on

    def conclude_legal_review(
        self, reviewed_on: date, passed: bool, reviewer: str, opinion: str
    ) -> None:
        rules.require_legal_review_step(self.case_no, self.legal_review, "passed or failed")
        rules.require_not_before(self.case_no, "legally reviewed", reviewed_on, self.last_step_on)
        self._conclude_legal_review(
            **self._head(),
            reviewed_on=reviewed_on,
            passed=passed,
            reviewer=reviewer,
            opinion=opinion,
        )

    @event(LegalReviewed)
    def _conclude_legal_review(
        self,
        agency_id: UUID,
        procedure: Procedure,
        reviewed_on: date,
        passed: bool,
        reviewer: str,
        opinion: str,
    ) -> None:
        self.legal_review = LegalReview.PASSED if passed else LegalReview.FAILED
        self.last_step_on = reviewed_on

    def approve_extension(
        self, approved_on: date, decision_due_on: date, approver: str, reason: str
    ) -> None:
        """An extension of the decision deadline approved by the agency's head (art. 60)."""
        self._step("given an extension", approved_on)
        # Only ordinary cases reach this step, and they always have a deadline.
        due_on = self.decision_due_on or rules.decision_deadline(self.opened_on)
        rules.require_extension_in_time(self.case_no, approved_on, due_on, decision_due_on)
        self._approve_extension(
            **self._head(),
            approved_on=approved_on,
            approver=approver,
            reason=reason,
            previous_due_on=due_on,
            decision_due_on=decision_due_on,
        )

    @event(ExtensionApproved)
    def _approve_extension(
        self,
        agency_id: UUID,
        procedure: Procedure,
        approved_on: date,
        approver: str,
        reason: str,
        previous_due_on: date,
        decision_due_on: date,
    ) -> None:
        self.decision_due_on = decision_due_on
        self.extensions += 1
        self.last_step_on = approved_on

    def decide(
        self,
        officers: Sequence[Officer],
        decided_on: date,
        penalties: Penalties,
        major_list: Sequence[MajorDecisionItem],
    ) -> None:
        """Decide the penalties (作出行政处罚决定), in time and legally reviewed if major."""
        self._step("decided", decided_on)
        self._in_time(decided_on)
        rules.require_some_penalty(self.case_no, penalties)
        hits = rules.major_decision_items(penalties, major_list)
        rules.require_legal_review_for_major(self.case_no, hits, self.legal_review)
        self._decide(
            **self._head(),
            officer_ids=self._team(officers, decided_on, "a penalty decision"),
            decided_on=decided_on,
            party_kind=self.party_kind,
            penalties=penalties,
            goods_value_fen=self.goods_value_fen,
            major_items=[i.code for i in hits],
            decision_due_on=self.decision_due_on,
        )

    @event(Decided)
    def _decide(
        self,
        agency_id: UUID,
        procedure: Procedure,
        officer_ids: list[UUID],
        decided_on: date,
        party_kind: PartyKind,
        penalties: Penalties,
        goods_value_fen: int,
        major_items: list[str],
        decision_due_on: date | None,
    ) -> None:
        self.stage = S.DECIDED
        self.outcome = Outcome.PENALTY
        self.officer_ids = list(officer_ids)
        self.decided_on = decided_on
        self.last_step_on = decided_on
        self.penalties = penalties
        self.major_items = list(major_items)

    # After the decision: service, execution, closing -------------------------------------

    def serve(self, served_on: date, method: ServiceMethod) -> None:
        self._step("served", served_on)
        self._serve(**self._head(), served_on=served_on, method=method)

    @event(Served)
    def _serve(
        self, agency_id: UUID, procedure: Procedure, served_on: date, method: ServiceMethod
    ) -> None:
        self.stage = S.SERVED
        self.served_on = served_on
        self.last_step_on = served_on

    def record_payment(self, paid_on: date, fine_fen: int, gains_fen: int) -> None:
        """Money paid towards the decision (执行): fine, illegal gains, or both."""
        self._step("paid", paid_on)
        rules.require_payment_within_due(
            self.case_no, fine_fen, gains_fen, self.fine_due_fen, self.gains_due_fen
        )
        self._record_payment(
            **self._head(),
            paid_on=paid_on,
            fine_fen=fine_fen,
            gains_fen=gains_fen,
            still_due_fen=self.due_fen - fine_fen - gains_fen,
        )

    @event(PaymentRecorded)
    def _record_payment(
        self,
        agency_id: UUID,
        procedure: Procedure,
        paid_on: date,
        fine_fen: int,
        gains_fen: int,
        still_due_fen: int,
    ) -> None:
        self.paid_fine_fen += fine_fen
        self.paid_gains_fen += gains_fen
        self.last_step_on = paid_on
        if still_due_fen == 0:
            self.stage = S.EXECUTED

    def waive_execution(self, waived_on: date, approver: str, reason: str) -> None:
        """What is still due will not be collected (减免, 终结执行), approved by the agency."""
        self._step("waived", waived_on)
        rules.require_something_due(self.case_no, self.due_fen)
        self._waive_execution(
            **self._head(),
            waived_on=waived_on,
            waived_fen=self.due_fen,
            approver=approver,
            reason=reason,
        )

    @event(ExecutionWaived)
    def _waive_execution(
        self,
        agency_id: UUID,
        procedure: Procedure,
        waived_on: date,
        waived_fen: int,
        approver: str,
        reason: str,
    ) -> None:
        self.waived_fen += waived_fen
        self.stage = S.EXECUTED
        self.last_step_on = waived_on

    def close(self, closed_on: date) -> None:
        """Close a penalty case (结案) once executed, or when it has nothing to execute."""
        self._step("closed", closed_on)
        rules.require_executed(self.case_no, self.due_fen, self.waived_fen > 0)
        self._close(**self._head(), closed_on=closed_on)

    @event(Closed)
    def _close(self, agency_id: UUID, procedure: Procedure, closed_on: date) -> None:
        self.stage = S.CLOSED
        self.closed_on = closed_on
        self.last_step_on = closed_on

    # Ending without a penalty ------------------------------------------------------------

    def _end_without_penalty(self, officers: Sequence[Officer], day: date) -> dict[str, Any]:
        self._step("closed without penalty", day)
        self._in_time(day)
        officer_ids = self._team(officers, day, "closing a case without penalty")
        return {**self._head(), "officer_ids": officer_ids, "decided_on": day}

    def _ended(self, outcome: Outcome, officer_ids: list[UUID], day: date) -> None:
        self.stage = S.CLOSED
        self.outcome = outcome
        self.officer_ids = list(officer_ids)
        self.decided_on = self.closed_on = self.last_step_on = day

    def correct_with_education(
        self, officers: Sequence[Officer], decided_on: date, correction: str
    ) -> None:
        """Close with education and correction instead of a penalty (教育改正, art. 33)."""
        self._educate(**self._end_without_penalty(officers, decided_on), correction=correction)

    @event(EducationCorrected)
    def _educate(
        self,
        agency_id: UUID,
        procedure: Procedure,
        officer_ids: list[UUID],
        decided_on: date,
        correction: str,
    ) -> None:
        self._ended(Outcome.EDUCATION_CORRECTION, officer_ids, decided_on)

    def exempt(
        self,
        officers: Sequence[Officer],
        decided_on: date,
        exemption_list: ExemptionList,
        item_code: str,
        agency_domains: Sequence[EnforcementDomain],
    ) -> None:
        """Close without penalty citing an item of the exemption list in force (免罚)."""
        head = self._end_without_penalty(officers, decided_on)
        rules.require_list_of_agency_field(exemption_list.domain, agency_domains)
        rules.require_exemption_applies(exemption_list, item_code, self.violation_date)
        self._exempt(
            **head,
            exemption_list_id=exemption_list.id,
            domain=exemption_list.domain,
            list_version=exemption_list.list_version,
            item_code=item_code,
        )

    @event(Exempted)
    def _exempt(
        self,
        agency_id: UUID,
        procedure: Procedure,
        officer_ids: list[UUID],
        decided_on: date,
        exemption_list_id: UUID,
        domain: EnforcementDomain,
        list_version: int,
        item_code: str,
    ) -> None:
        self._ended(Outcome.EXEMPTION, officer_ids, decided_on)
        self.exemption_list_id = exemption_list_id
        self.exemption_item = item_code

    def dismiss(
        self, officers: Sequence[Officer], decided_on: date, reason: DismissalReason, note: str
    ) -> None:
        """Close without penalty because none may be imposed (不予行政处罚, art. 57)."""
        self._dismiss(**self._end_without_penalty(officers, decided_on), reason=reason, note=note)

    @event(Dismissed)
    def _dismiss(
        self,
        agency_id: UUID,
        procedure: Procedure,
        officer_ids: list[UUID],
        decided_on: date,
        reason: DismissalReason,
        note: str,
    ) -> None:
        self._ended(Outcome.DISMISSED, officer_ids, decided_on)
