"""Rules of penalty cases and case-file reviews, as pure functions.

Each is named for what it requires and raises a ``RuleViolation`` naming itself, in words a
supervisor understands. Amounts are integer fen; dates are the district's calendar days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from uuid import UUID

from domain.cases.penalties import Penalties, PenaltyKind, yuan
from domain.cases.review_standard import Deduction, ReviewStandard
from domain.cases.values import CaseStage, LegalReview
from domain.errors import RuleViolation
from domain.registry.agency import MajorDecisionItem
from domain.registry.exemption_list import ExemptionItem, ExemptionList
from domain.registry.officer import Officer
from domain.rules import require_certified, require_same_agency, require_team
from domain.values import EnforcementDomain, PartyKind

# Penalty cases ---------------------------------------------------------------------------


def require_case_team(officers: Sequence[Officer], agency_id: UUID, day: date, act: str) -> None:
    """Two or more officers of the case's agency, each certified on the day of the act."""
    require_team([o.id for o in officers], act=act)
    require_same_agency(officers, agency_id)
    require_certified(officers, day)


def require_violation_not_after(violation_date: date, day: date, act: str) -> None:
    """A case concerns a violation that had happened by the day it was opened."""
    if violation_date > day:
        raise RuleViolation(
            "violation-before-case",
            f"a case {act} on {day} cannot concern a violation on {violation_date}, a later day",
        )


SIMPLE_FINE_CAP_FEN: Mapping[PartyKind, int] = {
    PartyKind.CITIZEN: 20_000,
    PartyKind.ORGANISATION: 300_000,
}
"""Penalty Law art. 51: on the spot, at most 200 yuan for a citizen, 3,000 for an organisation."""
SIMPLE_KINDS = frozenset({PenaltyKind.WARNING, PenaltyKind.FINE})


def require_simple_procedure_cap(party_kind: PartyKind, penalties: Penalties) -> None:
    """The simple procedure decides only a warning or a fine within the art. 51 cap."""
    beyond = penalties.kinds() - SIMPLE_KINDS
    if beyond:
        named = ", ".join(sorted(k.value for k in beyond))
        raise RuleViolation(
            "simple-procedure-penalties",
            f"the simple procedure allows only a warning or a fine; {named} needs the "
            "ordinary procedure",
        )
    cap = SIMPLE_FINE_CAP_FEN[party_kind]
    if penalties.fine_fen > cap:
        party = "a citizen" if party_kind is PartyKind.CITIZEN else "an organisation"
        raise RuleViolation(
            "simple-procedure-cap",
            f"the simple procedure allows a fine of at most {yuan(cap)} yuan for {party}; "
            f"{yuan(penalties.fine_fen)} yuan needs the ordinary procedure",
        )


def require_some_penalty(case_no: str, penalties: Penalties) -> None:
    """A penalty decision imposes a penalty; not penalising is another outcome."""
    if not penalties.kinds():
        raise RuleViolation(
            "decision-imposes-a-penalty",
            f"the decision on case {case_no} imposes no penalty; close the case with education "
            "and correction, an exemption or a dismissal instead",
        )


CaseStep = str
STEPS: Mapping[CaseStep, frozenset[CaseStage]] = {
    "investigated": frozenset({CaseStage.FILED, CaseStage.INVESTIGATED}),
    "sent to legal review": frozenset({CaseStage.INVESTIGATED}),
    "given an extension": frozenset({CaseStage.FILED, CaseStage.INVESTIGATED}),
    "decided": frozenset({CaseStage.INVESTIGATED}),
    "closed without penalty": frozenset({CaseStage.INVESTIGATED}),
    "served": frozenset({CaseStage.DECIDED}),
    "paid": frozenset({CaseStage.SERVED}),
    "waived": frozenset({CaseStage.SERVED}),
    "closed": frozenset({CaseStage.SERVED, CaseStage.EXECUTED}),
}
"""Which stages each step of a case may follow: filed → investigated → decided → served →
executed → closed, or investigated → closed without penalty."""


def require_step(case_no: str, stage: CaseStage, step: CaseStep) -> None:
    """The steps of a case are taken in order."""
    if stage not in STEPS[step]:
        allowed = " or ".join(sorted(s.value for s in STEPS[step]))
        raise RuleViolation(
            "case-steps-in-order",
            f"case {case_no} is {stage.value}; it can be {step} only when {allowed}",
        )


def require_not_before(case_no: str, step: CaseStep, day: date, previous: date) -> None:
    """Each step of a case is dated no earlier than the step before it."""
    if day < previous:
        raise RuleViolation(
            "case-dates-in-order",
            f"case {case_no} cannot be {step} on {day}, before its previous step on {previous}",
        )


DECISION_PERIOD = timedelta(days=90)
"""Penalty Law art. 60: an ordinary case is decided within 90 days of filing."""


def decision_deadline(filed_on: date, extended_to: date | None = None) -> date:
    """The last day to decide: 90 days after filing, or the approved extension's deadline."""
    return extended_to if extended_to is not None else filed_on + DECISION_PERIOD


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def require_decided_in_time(case_no: str, day: date, due_on: date) -> None:
    """An ordinary case is decided by its deadline (art. 60), unless an extension was approved."""
    if day > due_on:
        raise RuleViolation(
            "decision-within-90-days",
            f"case {case_no} had to be decided by {due_on} (90 days from filing, or the approved "
            f"extension); {day} is {_days((day - due_on).days)} late",
        )


def require_extension_in_time(case_no: str, approved_on: date, due_on: date, new_due: date) -> None:
    """An extension is approved before the deadline runs out and moves it later."""
    if approved_on > due_on:
        raise RuleViolation(
            "extension-before-deadline",
            f"case {case_no}'s deadline {due_on} had passed when the extension was approved "
            f"on {approved_on}",
        )
    if new_due <= due_on:
        raise RuleViolation(
            "extension-extends",
            f"an extension of case {case_no} must set a deadline after {due_on}, not {new_due}",
        )


def major_decision_items(
    penalties: Penalties, items: Sequence[MajorDecisionItem]
) -> list[MajorDecisionItem]:
    """The items of the agency's list that make this decision major.

    An item without a threshold names a decision type: it applies when the decision imposes
    that kind of penalty. An item with a threshold applies to a fine of at least that amount,
    whatever its code ("fines of at least this amount are major decisions, whatever their type").
    """
    kinds = {k.value for k in penalties.kinds()}
    return [
        item
        for item in items
        if (item.fine_threshold_fen is None and item.code in kinds)
        or (item.fine_threshold_fen is not None and penalties.fine_fen >= item.fine_threshold_fen)
    ]


def require_legal_review_for_major(
    case_no: str, hits: Sequence[MajorDecisionItem], review: LegalReview
) -> None:
    """A decision on the agency's list of major decisions needs a passed legal review first."""
    if hits and review is not LegalReview.PASSED:
        named = ", ".join(f"{i.code} ({i.description})" for i in hits)
        where = "none was requested" if review is LegalReview.NONE else f"it is {review.value}"
        raise RuleViolation(
            "legal-review-before-major-decision",
            f"the decision on case {case_no} is a major decision ({named}) and needs a passed "
            f"legal review first; {where}",
        )


def require_legal_review_step(case_no: str, review: LegalReview, step: str) -> None:
    """Legal review is requested (again only after a failure), then passed or failed once."""
    allowed = (
        {LegalReview.NONE, LegalReview.FAILED} if step == "requested" else {LegalReview.REQUESTED}
    )
    if review not in allowed:
        raise RuleViolation(
            "legal-review-steps-in-order",
            f"the legal review of case {case_no} is {review.value}; it cannot be {step} now",
        )


def require_exemption_applies(
    exemption_list: ExemptionList, item_code: str, violation_date: date
) -> ExemptionItem:
    """The cited list version was in force on the day of the violation and contains the item."""
    title = f"the {exemption_list.domain.value} exemption list v{exemption_list.list_version}"
    if not exemption_list.in_force_on(violation_date):
        until = exemption_list.in_force_until
        span = f"from {exemption_list.in_force_from}" + (f" until {until}" if until else "")
        raise RuleViolation(
            "exemption-list-in-force",
            f"{title} was not in force on {violation_date}, the day of the violation "
            f"(it is in force {span})",
        )
    item = exemption_list.item(item_code)
    if item is None:
        raise RuleViolation("exemption-item-on-list", f"{title} has no item {item_code}")
    return item


def require_list_of_agency_field(
    list_domain: EnforcementDomain, agency_domains: Collection[EnforcementDomain]
) -> None:
    """An agency cites the exemption list of a field of law it enforces."""
    if list_domain not in agency_domains:
        raise RuleViolation(
            "exemption-list-of-agency-field",
            f"the agency does not enforce in the {list_domain.value} field, so it cannot cite "
            "that field's exemption list",
        )


def require_payment_within_due(
    case_no: str, fine_fen: int, gains_fen: int, fine_due: int, gains_due: int
) -> None:
    """A payment is of something, and no more than what is still due."""
    if fine_fen == 0 and gains_fen == 0:
        raise RuleViolation("payment-within-due", f"a payment on case {case_no} pays nothing")
    if fine_fen > fine_due or gains_fen > gains_due:
        raise RuleViolation(
            "payment-within-due",
            f"case {case_no} has {yuan(fine_due)} yuan of fine and {yuan(gains_due)} yuan of "
            f"illegal gains still due; a payment of {yuan(fine_fen)} and {yuan(gains_fen)} "
            "yuan is more",
        )


def require_something_due(case_no: str, due_fen: int) -> None:
    """Only money still due can have its execution waived."""
    if due_fen == 0:
        raise RuleViolation(
            "waive-only-what-is-due", f"case {case_no} has nothing left to pay; nothing to waive"
        )


def require_executed(case_no: str, due_fen: int, waived: bool) -> None:
    """A penalty case is closed once executed: paid in full, nothing to pay, or waived."""
    if due_fen and not waived:
        raise RuleViolation(
            "close-after-execution",
            f"case {case_no} still has {yuan(due_fen)} yuan to pay; record the payment or the "
            "waiver of execution before closing it",
        )


# Case-file reviews -----------------------------------------------------------------------


def require_on_standard(
    standard: ReviewStandard, veto_hits: Collection[str], deductions: Sequence[Deduction]
) -> None:
    """Veto and deduction items are items of the standard scored against."""
    unknown = sorted(
        {c for c in veto_hits if standard.veto_item(c) is None}
        | {d.item for d in deductions if standard.deduction_item(d.item) is None}
    )
    if unknown:
        raise RuleViolation(
            "items-of-the-standard",
            f"the review standard {standard.version} has no item {', '.join(unknown)}",
        )


def require_points_within_standard(
    standard: ReviewStandard, form_points: int, content_points: int, deductions: Sequence[Deduction]
) -> None:
    """Points stay within the standard's maxima, and each item within its deduction maximum."""
    if form_points > standard.form_max or content_points > standard.content_max:
        raise RuleViolation(
            "points-within-standard",
            f"the review standard {standard.version} gives at most {standard.form_max} points "
            f"for form and {standard.content_max} for content; {form_points} and "
            f"{content_points} were given",
        )
    taken: Counter[str] = Counter()
    for deduction in deductions:
        taken[deduction.item] += deduction.points
    for code, points in sorted(taken.items()):
        item = standard.deduction_item(code)
        if item is not None and points > item.max_points:
            raise RuleViolation(
                "points-within-standard",
                f"item {code} of the review standard {standard.version} takes at most "
                f"{item.max_points} points off a file; {points} were deducted",
            )


def require_reviewable_case(case_no: str, stage: CaseStage, file_year: int, year: int) -> None:
    """A ledger case is reviewed once closed, under the year of its file."""
    if stage is not CaseStage.CLOSED:
        raise RuleViolation(
            "review-closed-files-only",
            f"case {case_no} is {stage.value}; only a closed case file is reviewed",
        )
    if file_year != year:
        raise RuleViolation(
            "case-file-year",
            f"case {case_no} in the ledger is a file of {file_year}, not of {year}",
        )


def require_file_before_review(file_year: int, reviewed_on: date) -> None:
    """A file is reviewed in or after the year it belongs to."""
    if reviewed_on.year < file_year:
        raise RuleViolation(
            "review-after-file-year",
            f"a case file of {file_year} cannot have been reviewed on {reviewed_on}",
        )


def require_rescored_after(file_no: str, reviewed_on: date, last_reviewed_on: date) -> None:
    """A corrected score is dated no earlier than the score it corrects."""
    if reviewed_on < last_reviewed_on:
        raise RuleViolation(
            "review-dates-in-order",
            f"the review of file {file_no} was last scored on {last_reviewed_on}; it cannot be "
            f"rescored on {reviewed_on}",
        )
