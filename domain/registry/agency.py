"""An enforcement agency (行政执法主体): who may enforce, in which fields of law."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

from domain.base import Aggregate
from domain.ids import natural_id
from domain.values import EnforcementDomain


class MajorDecisionItem(BaseModel):
    """A line of the agency's list of major decisions needing legal review.

    (重大执法决定法制审核事项清单)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    description: str
    fine_threshold_fen: int | None = None
    """Fines of at least this amount are major decisions, whatever their type."""


class Agency(Aggregate):
    TOPIC = "Agency"
    KIND = "agency"

    class Registered(Aggregate.Created):
        code: str
        name: str
        domains: list[EnforcementDomain]
        # The day the agency enforces from, so a closed year's report counts only the
        # agencies of that year. None: registered before the ledger kept the day (such an
        # agency counts in every year, as it did then).
        registered_on: date | None = None

    class DomainsChanged(Aggregate.Event):
        domains: list[EnforcementDomain]

    class MajorDecisionListPublished(Aggregate.Event):
        version: int
        items: list[MajorDecisionItem]

    @staticmethod
    def create_id(code: str) -> UUID:
        return natural_id("agency", code)

    @event(Registered)
    def __init__(
        self,
        code: str,
        name: str,
        domains: list[EnforcementDomain],
        registered_on: date | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.domains = list(domains)
        self.registered_on = registered_on
        self.major_decisions: list[MajorDecisionItem] = []
        self.major_decision_list_version = 0

    @event(DomainsChanged)
    def change_domains(self, domains: list[EnforcementDomain]) -> None:
        self.domains = list(domains)

    def publish_major_decision_list(self, items: list[MajorDecisionItem]) -> None:
        self._publish_major_decision_list(self.major_decision_list_version + 1, items)

    @event(MajorDecisionListPublished)
    def _publish_major_decision_list(self, version: int, items: list[MajorDecisionItem]) -> None:
        self.major_decision_list_version = version
        self.major_decisions = list(items)
