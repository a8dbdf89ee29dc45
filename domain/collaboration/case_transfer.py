"""A case referred to a partner region (移送) or received from one (接收), and its outcome.

One record per transfer, known by its direction, the partner and the case reference; the
district's agency that sends or receives the case is the record's agency.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.collaboration import rules
from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.ids import natural_id


class CaseTransfer(Aggregate):
    TOPIC = "CaseTransfer"
    KIND = "case-transfer"

    class Transferred(Aggregate.Created):
        direction: TransferDirection
        region: PartnerRegion
        regions: list[PartnerRegion]
        case_reference: str
        agency_id: UUID
        transferred_on: date
        summary: str
        uscc: str | None
        """The credit code of the business concerned, where known."""

    class OutcomeRecorded(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        direction: TransferDirection
        outcome: TransferOutcome
        decided_on: date
        note: str

    @staticmethod
    def create_id(direction: TransferDirection, region: PartnerRegion, case_reference: str) -> UUID:
        return natural_id("case-transfer", f"{direction.value}:{region.value}:{case_reference}")

    @event(Transferred)
    def __init__(
        self,
        direction: TransferDirection,
        region: PartnerRegion,
        regions: list[PartnerRegion],
        case_reference: str,
        agency_id: UUID,
        transferred_on: date,
        summary: str,
        uscc: str | None,
    ) -> None:
        self.direction = direction
        self.region = region
        self.regions = list(regions)
        self.case_reference = case_reference
        self.agency_id = agency_id
        self.transferred_on = transferred_on
        self.summary = summary
        self.uscc = uscc
        self.outcome: TransferOutcome | None = None
        self.decided_on: date | None = None
        self.note: str | None = None

    def partner_regions(self) -> frozenset[str]:
        return frozenset(region.value for region in self.regions)

    def record_outcome(self, outcome: TransferOutcome, decided_on: date, note: str) -> None:
        rules.require_outcome_once(self.case_reference, self.decided_on)
        rules.require_not_before(
            decided_on, self.transferred_on, act="the outcome", earlier="the transfer"
        )
        self._record_outcome(
            self.regions, self.agency_id, self.direction, outcome, decided_on, note
        )

    @event(OutcomeRecorded)
    def _record_outcome(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        direction: TransferDirection,
        outcome: TransferOutcome,
        decided_on: date,
        note: str,
    ) -> None:
        self.outcome = outcome
        self.decided_on = decided_on
        self.note = note
