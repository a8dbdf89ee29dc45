"""A case the district's agency handles together with partner regions (跨区域案件).

The agency opens it against a business or a citizen, seizes goods (description, quantity,
unit), and decides it: the goods value involved (涉案货值), whether the goods are confiscated,
any illegal income confiscated and the fine, all money in integer fen. A citizen party's
personal data lives in ``person`` and nowhere else.

It is a penalty case handled with partners, so the Penalty Law's rules of an ordinary case
apply to it as to a ``PenaltyCase``, through the same pure rules: a decision on the agency's
list of major decisions needs a passed legal review first (art. 58), and the case is decided
within 90 days of opening unless an extension was approved (art. 60). Review and extension are
events of this case, as they are of a penalty case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event
from pydantic import Field

from domain.base import Aggregate
from domain.cases import rules as case_rules
from domain.cases.penalties import ConfiscatedGoods, Penalties
from domain.cases.values import LegalReview
from domain.collaboration import rules
from domain.collaboration.values import PartnerRegion, SeizedLot
from domain.ids import natural_id
from domain.personal import PersonalData
from domain.registry.agency import MajorDecisionItem
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

    class LegalReviewRequested(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        requested_on: date

    class LegalReviewed(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        reviewed_on: date
        passed: bool
        reviewer: str
        opinion: str

    class ExtensionApproved(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        approved_on: date
        approver: str
        reason: str
        previous_due_on: date
        decision_due_on: date

    class Decided(Aggregate.Event):
        regions: list[PartnerRegion]
        agency_id: UUID
        decided_on: date
        goods_value_fen: int
        goods_confiscated: bool
        income_confiscated_fen: int
        fine_fen: int
        officer_ids: list[UUID]
        # Defaults: decisions stored before these rules applied carry neither.
        major_items: list[str] = Field(default_factory=list)
        decision_due_on: date | None = None

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
        self.major_items: list[str] = []
        self.legal_review = LegalReview.NONE
        self.decision_due_on = case_rules.decision_deadline(opened_on)
        self.extensions = 0
        self.last_step_on = opened_on

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
        self.last_step_on = max(self.last_step_on, seized_on)

    # Legal review and extension, as in an ordinary penalty case ----------------------------

    def request_legal_review(self, requested_on: date) -> None:
        rules.require_undecided(self.case_no, self.decided_on)
        rules.require_not_before(
            requested_on, self.last_step_on, act="a legal review request", earlier="the last act"
        )
        case_rules.require_legal_review_step(self.case_no, self.legal_review, "requested")
        self._request_legal_review(self.regions, self.agency_id, requested_on)

    @event(LegalReviewRequested)
    def _request_legal_review(
        self, regions: list[PartnerRegion], agency_id: UUID, requested_on: date
    ) -> None:
        self.legal_review = LegalReview.REQUESTED
        self.last_step_on = requested_on

    def conclude_legal_review(
        self, reviewed_on: date, passed: bool, reviewer: str, opinion: str
    ) -> None:
        case_rules.require_legal_review_step(self.case_no, self.legal_review, "passed or failed")
        rules.require_not_before(
            reviewed_on, self.last_step_on, act="the legal review", earlier="its request"
        )
        self._conclude_legal_review(
            self.regions, self.agency_id, reviewed_on, passed, reviewer, opinion
        )

    @event(LegalReviewed)
    def _conclude_legal_review(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        reviewed_on: date,
        passed: bool,
        reviewer: str,
        opinion: str,
    ) -> None:
        self.legal_review = LegalReview.PASSED if passed else LegalReview.FAILED
        self.last_step_on = reviewed_on

    def approve_extension(
        self, approved_on: date, decision_due_on: date, approver: str, reason: str
    ) -> None:
        """An extension of the decision deadline approved by the agency's head (art. 60)."""
        rules.require_undecided(self.case_no, self.decided_on)
        rules.require_not_before(
            approved_on, self.last_step_on, act="an extension", earlier="the last act"
        )
        case_rules.require_extension_in_time(
            self.case_no, approved_on, self.decision_due_on, decision_due_on
        )
        self._approve_extension(
            self.regions,
            self.agency_id,
            approved_on,
            approver,
            reason,
            self.decision_due_on,
            decision_due_on,
        )

    @event(ExtensionApproved)
    def _approve_extension(
        self,
        regions: list[PartnerRegion],
        agency_id: UUID,
        approved_on: date,
        approver: str,
        reason: str,
        previous_due_on: date,
        decision_due_on: date,
    ) -> None:
        self.decision_due_on = decision_due_on
        self.extensions += 1
        self.last_step_on = approved_on

    # The decision ----------------------------------------------------------------------------

    def _penalties(
        self, goods_value_fen: int, goods_confiscated: bool, income_fen: int, fine_fen: int
    ) -> Penalties:
        """The decision as the penalties a ``PenaltyCase`` would carry, to ask if it is major.

        The goods value of the case is put on its first lot: only the kinds and the fine
        decide whether a decision is on the agency's list.
        """
        goods = (
            [
                ConfiscatedGoods(
                    description=lot.description,
                    quantity=lot.quantity,
                    unit=lot.unit,
                    value_fen=goods_value_fen if lot.lot_no == 1 else 0,
                )
                for lot in self.seized
            ]
            if goods_confiscated
            else []
        )
        return Penalties(
            fine_fen=fine_fen, confiscated_gains_fen=income_fen, confiscated_goods=goods
        )

    def decide(
        self,
        decided_on: date,
        goods_value_fen: int,
        goods_confiscated: bool,
        income_confiscated_fen: int,
        fine_fen: int,
        officer_ids: list[UUID],
        *,
        major_list: Sequence[MajorDecisionItem],
    ) -> None:
        """Decide the case: in time, and legally reviewed first if the decision is major.

        ``major_list`` is the agency's list of major decisions as published now.
        """
        rules.require_undecided(self.case_no, self.decided_on)
        rules.require_not_before(
            decided_on, self.last_step_on, act="the decision", earlier="the last act"
        )
        rules.require_seized_goods_to_confiscate(self.case_no, goods_confiscated, len(self.seized))
        case_rules.require_decided_in_time(self.case_no, decided_on, self.decision_due_on)
        penalties = self._penalties(
            goods_value_fen, goods_confiscated, income_confiscated_fen, fine_fen
        )
        hits = case_rules.major_decision_items(penalties, major_list)
        case_rules.require_legal_review_for_major(self.case_no, hits, self.legal_review)
        self._decide(
            self.regions,
            self.agency_id,
            decided_on,
            goods_value_fen,
            goods_confiscated,
            income_confiscated_fen,
            fine_fen,
            officer_ids,
            [item.code for item in hits],
            self.decision_due_on,
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
        major_items: list[str],
        decision_due_on: date | None,
    ) -> None:
        self.decided_on = decided_on
        self.goods_value_fen = goods_value_fen
        self.goods_confiscated = goods_confiscated
        self.income_confiscated_fen = income_confiscated_fen
        self.fine_fen = fine_fen
        self.major_items = list(major_items)
