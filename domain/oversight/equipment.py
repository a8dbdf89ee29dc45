"""The enforcement equipment an agency holds (执法终端, 执法记录仪 …), as one ledger per agency.

Why a ledger per agency and not one record per issue: the office first took stock of each
agency's equipment and needs (摸清各单位执法设备底数和需求), so "what does this agency hold"
is the question asked; and the one rule that spans issues — an agency returns or writes off no
more of a kind than it holds — needs the agency's holdings as its consistency boundary. Issues
to one agency are rare enough that contention on its ledger does not matter. Each issue names
its voucher (配发单号), so the same voucher is never booked twice.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.oversight import rules
from domain.oversight.values import EquipmentKind


class EquipmentLedger(Aggregate):
    TOPIC = "EquipmentLedger"
    KIND = "equipment-ledger"

    class Opened(Aggregate.Created):
        agency_id: UUID

    class Issued(Aggregate.Event):
        agency_id: UUID
        voucher_no: str
        kind: EquipmentKind
        quantity: int
        issued_on: date
        note: str

    class Returned(Aggregate.Event):
        agency_id: UUID
        voucher_no: str
        kind: EquipmentKind
        quantity: int
        returned_on: date
        reason: str

    @staticmethod
    def create_id(agency_id: UUID) -> UUID:
        return natural_id("equipment-ledger", str(agency_id))

    @event(Opened)
    def __init__(self, agency_id: UUID) -> None:
        self.agency_id = agency_id
        self.holdings: dict[EquipmentKind, int] = {}
        self.issued_total = 0
        self.vouchers: list[str] = []

    def held(self, kind: EquipmentKind) -> int:
        return self.holdings.get(kind, 0)

    def issue(
        self, voucher_no: str, kind: EquipmentKind, quantity: int, issued_on: date, note: str
    ) -> None:
        rules.require_new_voucher(voucher_no, self.vouchers)
        self._issue(self.agency_id, voucher_no, kind, quantity, issued_on, note)

    @event(Issued)
    def _issue(
        self,
        agency_id: UUID,
        voucher_no: str,
        kind: EquipmentKind,
        quantity: int,
        issued_on: date,
        note: str,
    ) -> None:
        self.holdings[kind] = self.held(kind) + quantity
        self.issued_total += quantity
        self.vouchers.append(voucher_no)

    def record_return(
        self, voucher_no: str, kind: EquipmentKind, quantity: int, returned_on: date, reason: str
    ) -> None:
        rules.require_new_voucher(voucher_no, self.vouchers)
        rules.require_held(kind, self.held(kind), quantity)
        self._record_return(self.agency_id, voucher_no, kind, quantity, returned_on, reason)

    @event(Returned)
    def _record_return(
        self,
        agency_id: UUID,
        voucher_no: str,
        kind: EquipmentKind,
        quantity: int,
        returned_on: date,
        reason: str,
    ) -> None:
        self.holdings[kind] = self.held(kind) - quantity
        self.vouchers.append(voucher_no)
