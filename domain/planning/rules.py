"""Rules of inspection planning, the double-random draw and e-inspection certificates, as
pure functions: each raises a ``RuleViolation`` naming itself."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.errors import RuleViolation
from domain.planning.values import (
    Period,
    PlanKind,
    Substitution,
    TaskRef,
    TaskStatus,
    Visit,
    VisitState,
)
from domain.registry.officer import Officer
from domain.rules import MIN_TEAM, require_certified
from domain.values import CreditRating, local_date


def require_agencies_fit_kind(kind: PlanKind, agency_ids: Sequence[UUID]) -> None:
    """A joint random task is several agencies' plan; every other plan is one agency's."""
    several = len(set(agency_ids)) > 1
    if kind is PlanKind.JOINT_RANDOM and not several:
        raise RuleViolation(
            "joint-random-needs-several-agencies",
            "a joint random task (联合随机任务) is drawn up by at least two agencies",
        )
    if kind is not PlanKind.JOINT_RANDOM and several:
        raise RuleViolation(
            "one-agency-per-plan",
            f"a {kind.label} plan belongs to one agency; several agencies make a joint random task",
        )


def require_listed_item(code: str, *, listed: bool) -> None:
    """Plans check only what the inspection list (检查事项清单) holds: 两库一单."""
    if not listed:
        raise RuleViolation(
            "listed-inspection-items-only",
            f"inspection item {code} is not on the inspection list (检查事项清单)",
        )


def require_plan_open(plan_no: str, completed: bool) -> None:
    if completed:
        raise RuleViolation("plan-open", f"plan {plan_no} is completed; nothing can be added")


def require_tasks_by_hand(kind: PlanKind) -> None:
    """Random plans get their tasks only from a published draw, never picked by hand."""
    if kind.random:
        raise RuleViolation(
            "random-plans-draw-their-tasks",
            f"the tasks of a {kind.label} plan come from a double-random draw, not by choice",
        )


def require_random_plan(kind: PlanKind) -> None:
    if not kind.random:
        raise RuleViolation(
            "draw-only-for-random-plans",
            f"a {kind.label} plan does not draw at random; add its tasks instead",
        )


def require_period_in_year(period: Period, year: int) -> None:
    """A task is carried out within its plan's year."""
    if period.first > period.last:
        raise RuleViolation(
            "task-period-in-plan-year",
            f"a task period cannot end ({period.last}) before it starts ({period.first})",
        )
    if period.first.year != year or period.last.year != year:
        raise RuleViolation(
            "task-period-in-plan-year",
            f"the task period {period} is not within the plan's year {year}",
        )


def require_one_task_per_entity(
    plan_no: str, tasked: Collection[UUID], new: Sequence[UUID]
) -> None:
    """An entity appears at most once in a plan (the once-a-year rule starts at home)."""
    seen = set(tasked)
    for entity_id in new:
        if entity_id in seen:
            raise RuleViolation(
                "one-task-per-entity-in-a-plan",
                f"entity {entity_id} already has a task in plan {plan_no}",
            )
        seen.add(entity_id)


def require_drawable(entities: int, candidates: int, per_entity: int, officers: int) -> None:
    """A draw takes no more than it was offered, and at least two officers per entity."""
    if per_entity < MIN_TEAM:
        raise RuleViolation(
            "two-officers", f"each drawn entity needs at least {MIN_TEAM} officers drawn"
        )
    if entities > candidates:
        raise RuleViolation(
            "draw-within-candidates",
            f"cannot draw {entities} entities from {candidates} candidates",
        )
    if per_entity > officers:
        raise RuleViolation(
            "draw-within-candidates",
            f"cannot draw {per_entity} officers per entity from {officers} candidates",
        )


def require_officers_of(officers: Sequence[Officer], agency_ids: Collection[UUID]) -> None:
    """Officers act only for the agencies whose task it is."""
    for officer in officers:
        if officer.agency_id not in agency_ids:
            raise RuleViolation(
                "officers-of-the-acting-agency",
                f"officer {officer.officer_no} does not belong to an agency of this task",
            )


def require_every_agency_present(officers: Sequence[Officer], agency_ids: Collection[UUID]) -> None:
    """A joint inspection is done by officers of each agency whose task was merged into it."""
    missing = set(agency_ids) - {o.agency_id for o in officers}
    if missing:
        raise RuleViolation(
            "joint-inspection-by-every-agency",
            f"a joint inspection needs officers of each of its {len(set(agency_ids))} agencies; "
            f"{len(missing)} of them named none",
        )


def honesty_exempt(rating: CreditRating | None, rated_on: date | None, day: date) -> bool:
    """诚信免查: a drawn entity rated A (a rating given on or before ``day``) is exempted."""
    return rating is CreditRating.A and rated_on is not None and rated_on <= day


def require_honesty_exemption(
    status: TaskStatus, rating: CreditRating | None, rated_on: date | None, day: date
) -> tuple[CreditRating, date]:
    """Only a scheduled task of an entity rated A on the day is exempted."""
    if status is not TaskStatus.SCHEDULED:
        raise RuleViolation("honesty-exemption", f"a {status.value} task cannot be exempted")
    if rating is None or rated_on is None or not honesty_exempt(rating, rated_on, day):
        raise RuleViolation(
            "honesty-exemption", f"only an entity rated A on {day} can be exempted from inspection"
        )
    return rating, rated_on


def require_once_a_year(
    task: TaskRef, period: Period, year: int, visits: Collection[Visit]
) -> tuple[Visit, Period] | None:
    """At most one inspection of an entity a year (年内最多查一次, 进一次门、查多项事).

    The visit of the year a new task joins: ``None`` when the entity has no visit yet (or only
    cancelled ones), so the task is its first; else the open visit and the days its period
    shares with the task's, for the two are merged into one joint inspection held within
    those shared days. Refused when the entity is already inspected (or under inspection) this
    year, or when its open visit's period shares no day with the task's: either would be a
    second inspection in the year.
    """
    live = [v for v in visits if v.state is not VisitState.CANCELLED]
    held = next((v for v in live if v.state is not VisitState.OPEN), None)
    if held is not None:
        done = "was inspected" if held.state is VisitState.DONE else "is under inspection"
        raise RuleViolation(
            "once-a-year",
            f"the entity of {task} {done} in {year} already (visit {held.visit_no}); an entity "
            "is inspected at most once a year, so a task of the same year cannot be added",
        )
    visit = next(iter(live), None)
    if visit is None:
        return None
    shared = visit.period.overlap(period)
    if shared is None:
        raise RuleViolation(
            "once-a-year",
            f"the entity of {task} is to be inspected from {visit.period} in {year}; a task "
            f"for {period} shares no day with it, so it cannot be merged into that inspection "
            "and would be a second one in the year: give it a period overlapping the first",
        )
    return visit, shared


def require_task_status(
    task: TaskRef, status: TaskStatus, allowed: Collection[TaskStatus], rule: str
) -> None:
    """A task moves on only from the states that lead there."""
    if status not in allowed:
        wanted = " or ".join(sorted(s.value for s in allowed))
        raise RuleViolation(rule, f"{task} is {status.value}; this needs it {wanted}")


def require_visit_open(task: TaskRef, state: VisitState) -> None:
    """One inspection at a time: a visit under inspection (or done) takes no new start."""
    if state is not VisitState.OPEN:
        raise RuleViolation(
            "task-open-for-inspection",
            f"the visit of {task} is {state.value}, not open for inspection",
        )


def require_tasks_settled(plan_no: str, open_tasks: Sequence[int]) -> None:
    if open_tasks:
        raise RuleViolation(
            "plan-complete-when-tasks-settled",
            f"plan {plan_no} still has {len(open_tasks)} task(s) neither inspected, exempted "
            f"nor cancelled (first: task {open_tasks[0]})",
        )


def require_window(
    valid_from: datetime, valid_until: datetime, issued_at: datetime, period: Period
) -> None:
    """An e-inspection certificate is valid for a window inside the task's period."""
    if valid_from >= valid_until:
        raise RuleViolation(
            "e-certificate-window", "an e-inspection certificate's window must end after it starts"
        )
    if valid_until <= issued_at:
        raise RuleViolation(
            "e-certificate-window", "an e-inspection certificate cannot be issued already expired"
        )
    if valid_from < period.opens_at or valid_until > period.closes_at:
        raise RuleViolation(
            "e-certificate-window",
            f"the certificate's window must lie within the task period {period}",
        )


def window_days(valid_from: datetime, valid_until: datetime) -> list[date]:
    """The district's calendar days a window ``[valid_from, valid_until)`` touches."""
    first = local_date(valid_from)
    last = local_date(valid_until - timedelta(microseconds=1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def require_certified_throughout(
    officers: Sequence[Officer], valid_from: datetime, valid_until: datetime
) -> None:
    """Everyone named holds an enforcement certificate on every day of the window, as far as
    the registry knows at issue (a retirement already on file counts)."""
    for day in window_days(valid_from, valid_until):
        require_certified(officers, day)


def require_drawn_officers_named(
    drawn: Sequence[Officer], named: Sequence[Officer], substitutions: Sequence[Substitution]
) -> list[UUID]:
    """双随机: the officers drawn for a task are the ones who inspect it.

    An e-inspection certificate for a visit with drawn tasks names every officer drawn, unless
    a substitution replaces them with a named colleague of the same agency who was not drawn,
    giving why (leave, illness, a conflict of interest). Returns who must then be present: the
    drawn officers, each replaced by their substitute.
    """
    drawn_ids = [o.id for o in drawn]
    named_ids = {o.id for o in named}
    agency_of = {o.id: o.agency_id for o in [*drawn, *named]}
    replaced: dict[UUID, UUID] = {}
    for sub in substitutions:
        if sub.drawn_officer_id not in drawn_ids:
            raise RuleViolation(
                "drawn-officers-inspect",
                f"officer {sub.drawn_officer_id} was not drawn for this visit, so there is no "
                "one to replace",
            )
        if sub.drawn_officer_id in replaced or sub.substitute_id in replaced.values():
            raise RuleViolation(
                "drawn-officers-inspect", "each drawn officer is replaced once, by one colleague"
            )
        if sub.substitute_id not in named_ids or sub.substitute_id in drawn_ids:
            raise RuleViolation(
                "drawn-officers-inspect",
                f"the substitute {sub.substitute_id} must be named on the certificate and not "
                "be drawn already",
            )
        if agency_of[sub.substitute_id] != agency_of[sub.drawn_officer_id]:
            raise RuleViolation(
                "drawn-officers-inspect",
                f"the substitute {sub.substitute_id} is not of the drawn officer's agency",
            )
        replaced[sub.drawn_officer_id] = sub.substitute_id
    missing = [i for i in drawn_ids if i not in named_ids and i not in replaced]
    if missing:
        raise RuleViolation(
            "drawn-officers-inspect",
            f"officer {missing[0]} was drawn at random for this visit and is not named on the "
            "certificate; name them, or record a substitution saying why they cannot go",
        )
    return [replaced.get(i, i) for i in drawn_ids]


def require_drawn_officers_present(
    number: str, attending: Sequence[UUID], present: Sequence[UUID]
) -> None:
    """The drawn officers (or their recorded substitutes) are among those inspecting."""
    absent = [i for i in attending if i not in present]
    if absent:
        raise RuleViolation(
            "drawn-officers-inspect",
            f"officer {absent[0]} was drawn (or named as a substitute) on e-inspection "
            f"certificate {number} and is not among the officers present",
        )


def require_not_revoked(number: str, revoked: bool) -> None:
    if revoked:
        raise RuleViolation("revoke-once", f"e-inspection certificate {number} is already revoked")


def require_revocation_after_issue(number: str, issued_at: datetime, revoked_at: datetime) -> None:
    if revoked_at < issued_at:
        raise RuleViolation(
            "revocation-after-issue",
            f"e-inspection certificate {number} cannot be revoked before it was issued",
        )
