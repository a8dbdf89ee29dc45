"""The year's upkeep, as commands: trainings, frontline changes, an agency's fields of law,
equipment returned, and judicial and procuratorial suggestions answered.

None of these is a figure of the report, and each leaves the report's figures as they are: a
frontline change made in spring is undone in autumn (the count on 31 December is the flag
then), an agency gains a field of law after its first one (its kind stays), and equipment is
returned, not issued. They are here so that a simulated year exercises those commands too,
through the same rules. Every choice is a function of the planned year (no randomness of its
own), so the plan's seeded draws are what they were.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.oversight import commands as ov
from domain.oversight.suggestion import Suggestion
from domain.oversight.values import SuggestionKind
from domain.registry import commands as reg
from domain.values import EnforcementDomain
from gateway.simulation.acts import EquipmentIssue
from gateway.simulation.engine import Phase, Step
from gateway.simulation.world import OFFICE, SimAgency
from gateway.simulation.year import SimulatedYear

SUGGESTIONS = 6
"""Suggestions received in the year (of each kind, alternately); the last is still open."""


def upkeep_phases(year: SimulatedYear) -> list[Phase[Any]]:
    agencies = year.world.agencies
    return [
        Phase("trainings", agencies, lambda a: _training(year, a)),
        Phase("frontline changes", agencies[::7], lambda a: _frontline(year, a)),
        Phase("fields of law", agencies[:2], _fields),
        Phase("equipment returned", year.equipment[::5], lambda e: _returned(year, e)),
        Phase("suggestions", list(range(1, SUGGESTIONS + 1)), lambda n: _suggestion(year, n)),
    ]


def _training(year: SimulatedYear, agency: SimAgency) -> list[Step]:
    cal = year.world.calendar
    return [
        (
            reg.RecordTraining(
                officer_id=officer.id,
                course="行政执法人员公共法律知识培训",
                hours=16,
                completed_on=cal.day(4, 20),
            ),
            OFFICE,
        )
        for officer in agency.stable[:2]
    ]


def _frontline(year: SimulatedYear, agency: SimAgency) -> list[Step]:
    """An officer moved off (or onto) the front line in March and back in September."""
    cal = year.world.calendar
    officer = agency.stable[-1]
    return [
        (
            reg.SetFrontline(
                officer_id=officer.id, frontline=not officer.frontline, effective_on=cal.day(3, 1)
            ),
            OFFICE,
        ),
        (
            reg.SetFrontline(
                officer_id=officer.id, frontline=officer.frontline, effective_on=cal.day(9, 1)
            ),
            OFFICE,
        ),
    ]


def _fields(agency: SimAgency) -> list[Step]:
    """A further field of law, after the agency's own (its first, its kind, is kept)."""
    extra = next(d for d in EnforcementDomain if d not in agency.domains)
    command = reg.ChangeAgencyDomains(agency_id=agency.id, domains=[*agency.domains, extra])
    return [(command, OFFICE)]


def _returned(year: SimulatedYear, issue: EquipmentIssue) -> list[Step]:
    """One set of an issue written off at the year's end (it broke)."""
    command = ov.ReturnEquipment(
        agency_id=issue.agency.id,
        voucher_no=f"{issue.voucher_no}-R",
        kind=issue.kind,
        quantity=1,
        returned_on=year.world.calendar.day(12, 28),
        reason="设备故障，报废",
    )
    return [(command, OFFICE)]


def _suggestion(year: SimulatedYear, n: int) -> list[Step]:
    cal = year.world.calendar
    agency = year.world.agencies[n % len(year.world.agencies)]
    kind = SuggestionKind.PROCURATORIAL if n % 2 else SuggestionKind.JUDICIAL
    reference = f"津滨{'检' if n % 2 else '法'}建〔{cal.year}〕{n}号"
    received = cal.day(2 * n - 1, 10)
    steps: list[Step] = [
        (
            ov.ReceiveSuggestion(
                reference=reference,
                kind=kind,
                issuer="滨海新区人民检察院" if n % 2 else "滨海新区人民法院",
                agency_id=agency.id,
                subject="规范行政执法程序、加强执法案卷管理",
                received_on=received,
                deadline=received + timedelta(days=60),
            ),
            OFFICE,
        )
    ]
    if n < SUGGESTIONS:
        answer = ov.AnswerSuggestion(
            suggestion_id=Suggestion.create_id(kind, reference),
            answered_on=cal.day(2 * n, 5),
            answer="已逐项整改并建立长效机制",
        )
        steps.append((answer, agency.stable[0].actor))
    return steps
