"""A joint enforcement action with partner regions (京津冀联合执法行动).

The lead agency launches it for a field and dates; it checks enterprises and sites, records
the problems found and their rectification (立行立改), and holds joint meetings (座谈). Every
event carries the partner ``regions`` it concerns, so it can be routed to each partner's topic
on its own, and the lead ``agency_id``.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.collaboration import rules
from domain.collaboration.values import CheckedSite, JointMeeting, PartnerRegion, Problem
from domain.ids import natural_id
from domain.values import EnforcementDomain


class JointAction(Aggregate):
    TOPIC = "JointAction"
    KIND = "joint-action"

    class Launched(Aggregate.Created):
        reference: str
        title: str
        field: EnforcementDomain
        regions: list[PartnerRegion]
        agency_id: UUID
        starts_on: date
        ends_on: date

    class SiteChecked(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        site_no: int
        name: str
        uscc: str | None
        region: PartnerRegion | None
        checked_on: date
        officer_ids: list[UUID]

    class ProblemFound(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        problem_no: int
        site_no: int
        description: str
        found_on: date

    class ProblemRectified(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        problem_no: int
        rectified_on: date
        on_the_spot: bool
        """Rectified there and then (立行立改)."""
        note: str

    class MeetingHeld(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        held_on: date
        topic: str

    @staticmethod
    def create_id(reference: str) -> UUID:
        return natural_id("joint-action", reference)

    @event(Launched)
    def __init__(
        self,
        reference: str,
        title: str,
        field: EnforcementDomain,
        regions: list[PartnerRegion],
        agency_id: UUID,
        starts_on: date,
        ends_on: date,
    ) -> None:
        self.reference = reference
        self.title = title
        self.field = field
        self.regions = list(regions)
        self.agency_id = agency_id
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.sites: list[CheckedSite] = []
        self.problems: list[Problem] = []
        self.meetings: list[JointMeeting] = []

    def partner_regions(self) -> frozenset[str]:
        return frozenset(region.value for region in self.regions)

    @property
    def all_rectified(self) -> bool:
        return all(problem.rectified_on is not None for problem in self.problems)

    def check_site(
        self,
        name: str,
        uscc: str | None,
        region: PartnerRegion | None,
        checked_on: date,
        officer_ids: list[UUID],
    ) -> int:
        """Record a site checked; returns its number within the action."""
        rules.require_within_action(self.reference, self.starts_on, self.ends_on, checked_on)
        rules.require_site_in_action_regions(self.reference, region, self.regions)
        site_no = len(self.sites) + 1
        self._check_site(
            self.regions, self.agency_id, site_no, name, uscc, region, checked_on, officer_ids
        )
        return site_no

    @event(SiteChecked)
    def _check_site(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        site_no: int,
        name: str,
        uscc: str | None,
        region: PartnerRegion | None,
        checked_on: date,
        officer_ids: list[UUID],
    ) -> None:
        self.sites.append(
            CheckedSite(site_no=site_no, name=name, uscc=uscc, region=region, checked_on=checked_on)
        )

    def find_problem(self, site_no: int, description: str, found_on: date) -> int:
        """Record a problem found at a checked site; returns its number within the action."""
        site = rules.require_checked_site(self.reference, site_no, self.sites)
        rules.require_not_before(
            found_on, site.checked_on, act="a problem", earlier=f"the check of site {site_no}"
        )
        problem_no = len(self.problems) + 1
        self._find_problem(self.regions, self.agency_id, problem_no, site_no, description, found_on)
        return problem_no

    @event(ProblemFound)
    def _find_problem(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        problem_no: int,
        site_no: int,
        description: str,
        found_on: date,
    ) -> None:
        self.problems.append(
            Problem(
                problem_no=problem_no, site_no=site_no, description=description, found_on=found_on
            )
        )

    def rectify(self, problem_no: int, rectified_on: date, on_the_spot: bool, note: str) -> None:
        problem = rules.require_open_problem(self.reference, problem_no, self.problems)
        rules.require_not_before(
            rectified_on, problem.found_on, act="a rectification", earlier="the problem found"
        )
        self._rectify(self.regions, self.agency_id, problem_no, rectified_on, on_the_spot, note)

    @event(ProblemRectified)
    def _rectify(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        problem_no: int,
        rectified_on: date,
        on_the_spot: bool,
        note: str,
    ) -> None:
        problem = self.problems[problem_no - 1]
        problem.rectified_on = rectified_on
        problem.on_the_spot = on_the_spot

    def hold_meeting(self, held_on: date, topic: str) -> None:
        """A joint meeting (座谈) with the action's partners."""
        rules.require_not_before(
            held_on, self.starts_on, act="a joint meeting", earlier="the start of the action"
        )
        self._hold_meeting(self.regions, self.agency_id, held_on, topic)

    @event(MeetingHeld)
    def _hold_meeting(
        self, regions: list[PartnerRegion], agency_id: UUID, held_on: date, topic: str
    ) -> None:
        self.meetings.append(JointMeeting(held_on=held_on, topic=topic))
