"""Value types of the oversight area: the vocabularies of tickets, meetings, suggestions and
equipment, and the one place a complainant's personal data lives."""

from __future__ import annotations

from enum import StrEnum


class TicketChannel(StrEnum):
    """How the citizen reached the 12345 platform."""

    PHONE = "phone"  # 电话
    WEB = "web"  # 网站
    MOBILE_APP = "mobile_app"  # 客户端
    WECHAT = "wechat"  # 微信
    LETTER = "letter"  # 信件
    OTHER = "other"


class TicketCategory(StrEnum):
    """What the complaint or report is about (the report names the first three)."""

    EDUCATION_TRAINING = "education_training"  # 教育培训
    LABOUR_PROTECTION = "labour_protection"  # 劳动保障
    CATERING_FUMES = "catering_fumes"  # 餐饮油烟
    NOISE = "noise"  # 噪声扰民
    MARKET_ORDER = "market_order"  # 市场秩序、消费维权
    FOOD_SAFETY = "food_safety"  # 食品安全
    ILLEGAL_BUILDING = "illegal_building"  # 违法建设
    CONSTRUCTION = "construction"  # 施工
    ENVIRONMENT = "environment"  # 环境污染
    TRANSPORT = "transport"  # 交通运输
    OTHER = "other"


class ScreeningResult(StrEnum):
    """The office's review of a ticket as an enforcement lead (排查)."""

    RELEVANT = "relevant"
    NOT_RELEVANT = "not_relevant"


class TicketFinding(StrEnum):
    """What the agency found when it handled the ticket."""

    SUBSTANTIATED = "substantiated"  # 属实
    PARTLY_SUBSTANTIATED = "partly_substantiated"  # 部分属实
    UNSUBSTANTIATED = "unsubstantiated"  # 不属实
    NOT_IN_REMIT = "not_in_remit"  # 非本单位职责


class Satisfaction(StrEnum):
    """The complainant's answer at the return visit (回访)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class TicketStatus(StrEnum):
    RECEIVED = "received"
    SCREENED = "screened"
    """Screened as a relevant lead: to be routed to an agency."""
    SCREENED_OUT = "screened_out"
    """Screened as not relevant: to be closed without routing."""
    ROUTED = "routed"
    HANDLED = "handled"
    CLOSED = "closed"
    REOPENED = "reopened"


class MeetingKind(StrEnum):
    WHISTLE = "whistle"  # 街镇吹哨会
    DIFFICULT_CASE = "difficult_case"  # 疑难案件专题会


class SuggestionKind(StrEnum):
    JUDICIAL = "judicial"  # 司法建议, from the court
    PROCURATORIAL = "procuratorial"  # 检察建议, from the procuratorate


class EquipmentKind(StrEnum):
    ENFORCEMENT_TERMINAL = "enforcement_terminal"  # 执法终端
    BODY_CAMERA = "body_camera"  # 执法记录仪
    VIDEO_CAMERA = "video_camera"  # 摄录设备
    PORTABLE_PRINTER = "portable_printer"  # 便携式打印机
    OTHER = "other"
