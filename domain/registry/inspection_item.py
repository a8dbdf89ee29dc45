"""An item of the inspection list (检查事项清单): what may be checked, under which law."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.values import EnforcementDomain


class InspectionItem(Aggregate):
    TOPIC = "InspectionItem"
    KIND = "inspection-item"

    class Listed(Aggregate.Created):
        code: str
        name: str
        domain: EnforcementDomain
        legal_basis: str

    class Withdrawn(Aggregate.Event):
        reason: str

    @staticmethod
    def create_id(code: str) -> UUID:
        return natural_id("inspection-item", code)

    @event(Listed)
    def __init__(self, code: str, name: str, domain: EnforcementDomain, legal_basis: str) -> None:
        self.code = code
        self.name = name
        self.domain = domain
        self.legal_basis = legal_basis
        self.withdrawn = False

    @event(Withdrawn)
    def withdraw(self, reason: str) -> None:
        self.withdrawn = True
