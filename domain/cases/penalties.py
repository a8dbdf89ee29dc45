"""What a penalty decision imposes (行政处罚的种类, Penalty Law art. 9), with money in fen.

The decision type codes (``PenaltyKind`` values) are what an agency's list of major decisions
names, so "is this decision major?" is a question about these codes and the fine.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.commands import Fen, Name, Text


class PenaltyKind(StrEnum):
    WARNING = "warning"  # 警告
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    FINE = "fine"  # 罚款
    CONFISCATE_GAINS = "confiscate_gains"  # 没收违法所得
    CONFISCATE_GOODS = "confiscate_goods"  # 没收非法财物
    LICENCE_SUSPENSION = "licence_suspension"  # 暂扣许可证件
    QUALIFICATION_DOWNGRADE = "qualification_downgrade"  # 降低资质等级
    LICENCE_REVOCATION = "licence_revocation"  # 吊销许可证件
    RESTRICT_BUSINESS = "restrict_business"  # 限制开展生产经营活动
    SUSPEND_BUSINESS = "suspend_business"  # 责令停产停业
    ORDER_CLOSURE = "order_closure"  # 责令关闭
    RESTRICT_EMPLOYMENT = "restrict_employment"  # 限制从业
    OTHER = "other"  # 法律、行政法规规定的其他行政处罚


MONETARY = frozenset(
    {
        PenaltyKind.WARNING,
        PenaltyKind.FINE,
        PenaltyKind.CONFISCATE_GAINS,
        PenaltyKind.CONFISCATE_GOODS,
    }
)
"""Kinds with their own fields in ``Penalties`` (warning included); the rest are measures."""


class ConfiscatedGoods(BaseModel):
    """Goods confiscated (没收非法财物): what, how much, and their value."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    description: Name
    quantity: Decimal = Field(gt=0, max_digits=15, decimal_places=3)
    unit: str = Field(min_length=1, max_length=20)
    value_fen: Fen


class Measure(BaseModel):
    """A penalty that is neither a warning nor money: a licence suspended, business stopped …"""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    kind: PenaltyKind
    detail: Text = Field(default="", description="The licence concerned, the duration …")

    @field_validator("kind")
    @classmethod
    def _not_monetary(cls, kind: PenaltyKind) -> PenaltyKind:
        if kind in MONETARY:
            raise ValueError(f"{kind.value} has its own field in the penalties, not a measure")
        return kind


class Penalties(BaseModel):
    """The penalties of one decision; amounts are exact integer fen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warning: bool = False
    fine_fen: Fen = 0
    confiscated_gains_fen: Fen = 0
    confiscated_goods: list[ConfiscatedGoods] = Field(default_factory=list, max_length=100)
    measures: list[Measure] = Field(default_factory=list, max_length=20)

    def kinds(self) -> frozenset[PenaltyKind]:
        """The decision type codes of this decision."""
        found = {m.kind for m in self.measures}
        if self.warning:
            found.add(PenaltyKind.WARNING)
        if self.fine_fen:
            found.add(PenaltyKind.FINE)
        if self.confiscated_gains_fen:
            found.add(PenaltyKind.CONFISCATE_GAINS)
        if self.confiscated_goods:
            found.add(PenaltyKind.CONFISCATE_GOODS)
        return frozenset(found)

    @property
    def money_due_fen(self) -> int:
        """What the party has to pay: the fine and the illegal gains."""
        return self.fine_fen + self.confiscated_gains_fen

    @property
    def goods_confiscated_fen(self) -> int:
        return sum(g.value_fen for g in self.confiscated_goods)


def yuan(fen: int) -> str:
    """An amount in fen written in yuan, exactly: 20000 -> "200", 12345 -> "123.45"."""
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"
