"""Value types of the cases area: the vocabularies of a penalty case."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.personal import PersonalData
from domain.values import PartyKind

CaseNo = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[\w〔〕（）()\[\]./#-]+$"),
]
"""A case (or case-file) number as the agency writes it: 津滨市监罚〔2023〕0123号."""


class Procedure(StrEnum):
    SIMPLE = "simple"  # 简易程序: decided on the spot (Penalty Law art. 51)
    ORDINARY = "ordinary"  # 普通程序: filed, investigated, decided (art. 54 ff.)


class CaseStage(StrEnum):
    FILED = "filed"  # 立案
    INVESTIGATED = "investigated"  # 调查取证
    DECIDED = "decided"  # 作出决定
    SERVED = "served"  # 送达
    EXECUTED = "executed"  # 执行完毕 (paid in full, or nothing to pay, or waived)
    CLOSED = "closed"  # 结案


class Outcome(StrEnum):
    """How a case ended: only ``penalty`` counts as a penalty."""

    PENALTY = "penalty"
    EDUCATION_CORRECTION = "education_correction"  # 教育改正 instead of a penalty (art. 33)
    EXEMPTION = "exemption"  # 免罚: an item of the penalty-exemption list applies
    DISMISSED = "dismissed"  # 不予处罚: the violation was not established, or time-barred


class LegalReview(StrEnum):
    """Where the case stands in legal review (法制审核)."""

    NONE = "none"
    REQUESTED = "requested"
    PASSED = "passed"
    FAILED = "failed"


class ServiceMethod(StrEnum):
    """How a decision was served (送达方式)."""

    ON_THE_SPOT = "on_the_spot"  # 当场交付
    IN_PERSON = "in_person"  # 直接送达
    LEFT_AT_ADDRESS = "left_at_address"  # 留置送达
    POST = "post"  # 邮寄送达
    ELECTRONIC = "electronic"  # 电子送达
    ANNOUNCEMENT = "announcement"  # 公告送达
    ENTRUSTED = "entrusted"  # 委托送达


class DismissalReason(StrEnum):
    NOT_ESTABLISHED = "not_established"  # 违法事实不能成立 (art. 57)
    TIME_BARRED = "time_barred"  # 超过追责时效 (art. 36)
    NO_CAPACITY = "no_capacity"  # 不满十四周岁、精神病人等 (art. 30, 31)
    OTHER = "other"


class CaseIntake(BaseModel):
    """What a case is about, as recorded when it is opened (filed, or decided on the spot)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_no: str
    agency_id: UUID
    party_kind: PartyKind
    entity_id: UUID | None
    """The entity penalised (an organisation), or a citizen's registered business if any."""
    person: PersonalData | None
    """The citizen penalised: the only place a case holds personal data."""
    violation: str
    violation_date: date
    legal_basis: str
    inspection_id: UUID | None = None
    goods_value_fen: int = 0
    """涉案货值: the value of the goods involved, in fen."""
