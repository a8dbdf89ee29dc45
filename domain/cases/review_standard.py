"""The case-quality review standard (案件质量评查标准) as data, and how a file is scored.

One place holds each version's maxima, its veto items (否决项), its deduction items (扣分项)
and its grade bands; the scoring and grading functions are pure, so a score can be recomputed
by anyone from the review's event.

Scoring: any veto item hit → 0 points, grade "unqualified". Otherwise form points + content
points, minus every deduction, bounded to 0..100, then graded by the bands.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import Code, Text

MAX_SCORE = 100


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    QUALIFIED = "qualified"  # 合格
    UNQUALIFIED = "unqualified"  # 不合格


class StandardItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    description: str
    max_points: int = 0
    """For a deduction item: the most it may take off a file in total."""


class ReviewStandard(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    form_max: int
    """Points for the file's form (卷宗形式: documents complete, in order, signed …)."""
    content_max: int
    """Points for its content (案件实体: facts, evidence, legal basis, procedure, discretion)."""
    veto_items: tuple[StandardItem, ...]
    deduction_items: tuple[StandardItem, ...]
    bands: tuple[tuple[Grade, int], ...]
    """(grade, lowest score of the grade), best first; the last band starts at 0."""

    def veto_item(self, code: str) -> StandardItem | None:
        return next((i for i in self.veto_items if i.code == code), None)

    def deduction_item(self, code: str) -> StandardItem | None:
        return next((i for i in self.deduction_items if i.code == code), None)


class Deduction(BaseModel):
    """Points taken off a file for one item of the standard."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    item: Code
    points: int = Field(ge=1, le=MAX_SCORE)
    note: Text = ""


def _item(code: str, description: str, max_points: int = 0) -> StandardItem:
    return StandardItem(code=code, description=description, max_points=max_points)


STANDARD_2023 = ReviewStandard(
    version="2023",
    form_max=30,
    content_max=70,
    veto_items=(
        _item("V-01", "执法主体不合法或超越职权"),
        _item("V-02", "执法人员不具备执法资格或少于两人"),
        _item("V-03", "主要事实不清、证据不足"),
        _item("V-04", "适用法律错误"),
        _item("V-05", "严重违反法定程序（未告知陈述申辩、听证权利等）"),
        _item("V-06", "重大执法决定未经法制审核"),
    ),
    deduction_items=(
        _item("D-01", "卷宗材料不齐全、装订不规范", 10),
        _item("D-02", "文书填写不规范、缺少签名或日期", 10),
        _item("D-03", "证据收集不全面、证据形式不规范", 20),
        _item("D-04", "自由裁量说理不充分", 15),
        _item("D-05", "超过法定期限作出决定或送达", 15),
        _item("D-06", "执行情况记录不完整", 10),
        _item("D-07", "全过程音视频记录缺失", 10),
    ),
    bands=(
        (Grade.EXCELLENT, 90),
        (Grade.GOOD, 80),
        (Grade.QUALIFIED, 60),
        (Grade.UNQUALIFIED, 0),
    ),
)

STANDARDS = MappingProxyType({STANDARD_2023.version: STANDARD_2023})
"""Every version of the standard the office scores against (滨海新区案件质量评查标准)."""


def score_file(
    veto_hits: Collection[str],
    form_points: int,
    content_points: int,
    deductions: Sequence[Deduction],
) -> int:
    """A file's score: 0 on any veto, else the points minus the deductions, within 0..100."""
    if veto_hits:
        return 0
    raw = form_points + content_points - sum(d.points for d in deductions)
    return max(0, min(MAX_SCORE, raw))


def grade_of(standard: ReviewStandard, score: int, vetoed: bool = False) -> Grade:
    """The grade of a score by the standard's bands; a vetoed file is unqualified."""
    if vetoed:
        return Grade.UNQUALIFIED
    for grade, lowest in standard.bands:
        if score >= lowest:
            return grade
    return Grade.UNQUALIFIED
