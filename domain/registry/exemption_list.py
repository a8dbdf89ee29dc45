"""A penalty-exemption list for minor violations (轻微违法行为免罚清单), per field and version.

A version is in force from its first day until the day a later version of the same field
takes over (or its own end date). An exemption decision cites (field, version, item), and the
cited version must have been in force on the day of the violation, and stays so: each
citation is recorded on the list (``ItemCited``), and a later version may not come into force
before the last violation day cited under this one.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event
from pydantic import BaseModel, ConfigDict

from domain.base import Aggregate
from domain.ids import natural_id
from domain.values import EnforcementDomain


class ExemptionItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    violation: str
    legal_basis: str


class ExemptionList(Aggregate):
    TOPIC = "ExemptionList"
    KIND = "exemption-list"

    class Published(Aggregate.Created):
        domain: EnforcementDomain
        version: int
        in_force_from: date
        items: list[ExemptionItem]

    class Repealed(Aggregate.Event):
        in_force_until: date

    class ItemCited(Aggregate.Event):
        """An exemption decision cited an item of this version for a violation on that day."""

        item_code: str
        case_id: UUID
        violation_date: date

    @staticmethod
    def create_id(domain: EnforcementDomain, version: int) -> UUID:
        return natural_id("exemption-list", f"{domain.value}:{version}")

    @event(Published)
    def __init__(
        self,
        domain: EnforcementDomain,
        version: int,
        in_force_from: date,
        items: list[ExemptionItem],
    ) -> None:
        self.domain = domain
        self.list_version = version
        self.in_force_from = in_force_from
        self.in_force_until: date | None = None
        self.items = list(items)
        self.last_cited_on: date | None = None
        """The latest violation day an exemption citing this version concerned."""

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (
            self.in_force_until is None or day < self.in_force_until
        )

    def item(self, code: str) -> ExemptionItem | None:
        return next((i for i in self.items if i.code == code), None)

    @event(Repealed)
    def repeal(self, in_force_until: date) -> None:
        self.in_force_until = in_force_until

    @event(ItemCited)
    def cite(self, item_code: str, case_id: UUID, violation_date: date) -> None:
        if self.last_cited_on is None or violation_date > self.last_cited_on:
            self.last_cited_on = violation_date
