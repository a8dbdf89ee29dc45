"""A case the district's agency handles together with partner regions (跨区域案件).

The agency opens it against a business or a citizen, seizes goods (description, quantity,
unit), and decides it: the goods value involved (涉案货值), whether the goods are confiscated,
any illegal income confiscated and the fine, all money in integer fen. A citizen party's
personal data lives in ``person`` and nowhere else.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.collaboration import rules
from domain.collaboration.values import PartnerRegion, SeizedLot
from domain.ids import natural_id
from domain.personal import PersonalData
from domain.values import PartyKind


class CrossRegionalCase(Aggregate):
    TOPIC = "CrossRegionalCase"
    KIND = "cross-regional-case"

    class Opened(Aggregate.Created):
        case_no: str
        regions: list[PartnerRegion]
        agency_id: UUID
        opened_on: date
        cause: str
        party_kind: PartyKind
        entity_name: str | None
        uscc: str | None
        person: PersonalData | None

    class GoodsSeized(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        lot_no: int
        description: str
        quantity: Decimal
        unit: str
        seized_on: date
        officer_ids: list[UUID]

    class Decided(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        decided_on: date
        goods_value_fen: int
        goods_confiscated: bool
        income_confiscated_fen: int
        fine_fen: int
        officer_ids: list[UUID]

    @staticmethod
    def create_id(case_no: str) -> UUID:
        return natural_id("cross-regional-case", case_no)

    @event(Opened)
    def __init__(
        self,
        case_no: str,
        regions: list[PartnerRegion],
        agency_id: UUID,
        opened_on: date,
        cause: str,
        party_kind: PartyKind,
        entity_name: str | None,
        uscc: str | None,
        person: PersonalData | None,
    ) -> None:
        self.case_no = case_no
        self.regions = list(regions)
        self.agency_id = agency_id
        self.opened_on = opened_on
        self.cause = cause
        self.party_kind = party_kind
        self.entity_name = entity_name
        self.uscc = uscc
        self.person = person
        self.seized: list[SeizedLot] = []
        self.decided_on: date | None = None
        self.goods_value_fen: int | None = None
        self.goods_confiscated: bool | None = None
        self.income_confiscated_fen: int | None = None
        self.fine_fen: int | None = None

    def partner_regions(self) -> frozenset[str]:
        return frozenset(region.value for region in self.regions)

    def seize(
        self,
        description: str,
        quantity: Decimal,
        unit: str,
        seized_on: date,
        officer_ids: list[UUID],
    ) -> None:
        rules.require_undecided(self.case_no, self.decided_on)
        rules.require_not_before(seized_on, self.opened_on, act="a seizure", earlier="the case")
        lot_no = len(self.seized) + 1
        self._seize(
            self.regions,
            self.agency_id,
            lot_no,
            description,
            quantity,
            unit,
            seized_on,
            officer_ids,
        )

    @event(GoodsSeized)
    def _seize(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        lot_no: int,
        description: str,
        quantity: Decimal,
        unit: str,
        seized_on: date,
        officer_ids: list[UUID],
    ) -> None:
        self.seized.append(
            SeizedLot(
                lot_no=lot_no,
                description=description,
                quantity=quantity,
                unit=unit,
                seized_on=seized_on,
            )
        )

    def decide(
        self,
        decided_on: date,
        goods_value_fen: int,
        goods_confiscated: bool,
        income_confiscated_fen: int,
        fine_fen: int,
        officer_ids: list[UUID],
    ) -> None:
        rules.require_undecided(self.case_no, self.decided_on)
        last = max((lot.seized_on for lot in self.seized), default=self.opened_on)
        rules.require_not_before(decided_on, last, act="the decision", earlier="the last act")
        rules.require_seized_goods_to_confiscate(self.case_no, goods_confiscated, len(self.seized))
        self._decide(
            self.regions,
            self.agency_id,
            decided_on,
            goods_value_fen,
            goods_confiscated,
            income_confiscated_fen,
            fine_fen,
            officer_ids,
        )

    @event(Decided)
    def _decide(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        decided_on: date,
        goods_value_fen: int,
        goods_confiscated: bool,
        income_confiscated_fen: int,
        fine_fen: int,
        officer_ids: list[UUID],
    ) -> None:
        self.decided_on = decided_on
        self.goods_value_fen = goods_value_fen
        self.goods_confiscated = goods_confiscated
        self.income_confiscated_fen = income_confiscated_fen
        self.fine_fen = fine_fen
