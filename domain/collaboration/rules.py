"""Rules of cross-regional collaboration, as pure functions.

Each is named for what it requires and raises a ``RuleViolation`` naming itself.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from domain.collaboration.values import CheckedSite, PartnerRegion, Problem
from domain.errors import RuleViolation


def require_not_before(day: date, earliest: date, *, act: str, earlier: str) -> None:
    """An act of a collaboration record is dated no earlier than what it follows."""
    if day < earliest:
        raise RuleViolation(
            "collaboration-dates-in-order",
            f"{act} cannot be dated {day}, before {earlier} on {earliest}",
        )


def require_within_action(reference: str, starts_on: date, ends_on: date, day: date) -> None:
    """Sites are checked within the dates of the joint action."""
    if not starts_on <= day <= ends_on:
        raise RuleViolation(
            "within-action-dates",
            f"joint action {reference} runs from {starts_on} to {ends_on}; a site check on "
            f"{day} falls outside it",
        )


def require_site_in_action_regions(
    reference: str, region: PartnerRegion | None, regions: Collection[PartnerRegion]
) -> None:
    """A site checked lies in the district or in one of the action's partner regions."""
    if region is not None and region not in regions:
        raise RuleViolation(
            "site-in-action-regions",
            f"joint action {reference} is with {', '.join(sorted(regions))}, not {region.value}",
        )


def require_checked_site(reference: str, site_no: int, sites: Sequence[CheckedSite]) -> CheckedSite:
    """A problem is found at a site the action checked."""
    for site in sites:
        if site.site_no == site_no:
            return site
    raise RuleViolation(
        "problem-at-checked-site", f"joint action {reference} has checked no site no. {site_no}"
    )


def require_open_problem(reference: str, problem_no: int, problems: Sequence[Problem]) -> Problem:
    """Only a problem that was found and is not yet rectified can be rectified."""
    for problem in problems:
        if problem.problem_no == problem_no:
            if problem.rectified_on is not None:
                raise RuleViolation(
                    "rectify-once",
                    f"problem no. {problem_no} of joint action {reference} was already "
                    f"rectified on {problem.rectified_on}",
                )
            return problem
    raise RuleViolation(
        "rectify-found-problem", f"joint action {reference} has found no problem no. {problem_no}"
    )


def require_outcome_once(reference: str, decided_on: date | None) -> None:
    """A transferred case's outcome is recorded once."""
    if decided_on is not None:
        raise RuleViolation(
            "outcome-once", f"the outcome of case {reference} was already recorded on {decided_on}"
        )


def require_undecided(case_no: str, decided_on: date | None) -> None:
    """A decided case takes no new seizures and no second decision."""
    if decided_on is not None:
        raise RuleViolation("case-decided", f"case {case_no} was already decided on {decided_on}")


def require_seized_goods_to_confiscate(case_no: str, confiscated: bool, lots: int) -> None:
    """Goods can be confiscated only if goods were seized in the case."""
    if confiscated and lots == 0:
        raise RuleViolation(
            "confiscate-seized-goods",
            f"case {case_no} seized no goods; record the seizure before confiscating them",
        )
