"""The annual report's "basic situation" (基本情况): every figure of the source report, computed
from the views alone.

``compute_report(url, year)`` returns the figures under the report's JSON keys (and a few
more, listed in ``EXTRA_KEYS``), all read in one snapshot of the views. What each counts:

- ``agencies``: agencies registered by 31 December of the year (``registered_on``; one
  registered before the ledger kept that day counts in every year);
- ``certified_officers``: officers holding an enforcement certificate active on 31 December of
  the year (issued on or before it, not revoked by it); ``frontline_officers``: those of them
  frontline that day (the flag as registered or last changed with effect by then);
- ``certificates_issued`` / ``certificates_revoked``: by the date on the event, in the year;
- ``inspections``: concluded in the year (the district's calendar day of ``concluded_at``),
  not refused by the entity; a joint inspection of several agencies counts once;
- ``penalties``: decisions with a penalty in the year (``decided_on``), and by procedure
  (``penalties_simple``, ``penalties_ordinary``);
- ``patrols``: area patrols by their patrol day; ``on_site_corrections``: inspections concluded
  ``corrected_on_site``; ``education_corrections``: cases closed with education in the year;
- ``per_capita_actions``: (inspections + penalties + patrols + on-site corrections + education
  corrections) ÷ certified officers, rounded half up to one decimal;
- ``participation_rate``: certified officers named on at least one of those acts in the year ÷
  certified officers; ``performance_rate``: agencies with at least one of those acts in the
  year (leading or taking part) ÷ agencies registered by its last day — both percentages to
  one decimal (100.0);
- ``plans``: inspection plans of the year (the plan's ``year``), every kind;
  ``plans_double_random``, ``plans_special`` and ``joint_random_tasks`` by kind;
- ``case_files_reviewed``: case-file reviews first scored in the year (``reviewed_on``);
- ``honesty_exemptions``, ``joint_inspections_merged``, ``inspections_avoided``: granted,
  merged (a joint inspection when its second task arrives) and avoided (one per task merged
  or joining) in the year, by the act's day;
- ``hotline_tickets``: 12345 tickets screened in the year;
- ``whistle_meetings``, ``difficult_case_meetings``: coordination meetings held in the year;
- ``collaboration_actions``: joint actions with partner regions started in the year; and
  ``collaboration_enterprises_checked``, ``collaboration_problems_found``,
  ``collaboration_problems_rectified``, ``collaboration_meetings``: what those actions did.

Extra keys: ``equipment_issued`` (sets issued in the year), ``exemption_list_domains`` and
``exemption_list_items`` (penalty-exemption lists in force on 31 December),
``patrol_coverage`` (percentage of grid cells patrolled in the year), ``cross_regional_cases``
decided in the year with their ``cross_regional_goods_value_fen`` and
``cross_regional_fines_fen``, and ``case_transfers`` to or from partner regions.

The report also names each cross-regional case decided in the year, as the source report does
(``AnnualReport.cases``; under ``cross_regional_case_list`` in JSON): its case number, partner
regions, the goods seized with their quantity and unit, the goods value, whether the goods were
confiscated, and the fine. The summed keys above stay for readers of the figures alone.

``render_markdown`` writes the same figures as Markdown, in Chinese and in English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import psycopg

from domain.cases.penalties import yuan
from projections import queries
from projections.registry import all_projections
from projections.store import ProjectionStore
from projections.supervision_counters import (
    EDUCATION_CORRECTION,
    ENFORCEMENT,
    INSPECTION,
    ON_SITE_CORRECTION,
    PATROL,
    PENALTY,
)

Figures = dict[str, int | float]
Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

REPORT_KEYS = (
    "agencies",
    "certified_officers",
    "frontline_officers",
    "certificates_issued",
    "certificates_revoked",
    "inspections",
    "penalties",
    "penalties_simple",
    "penalties_ordinary",
    "patrols",
    "on_site_corrections",
    "education_corrections",
    "per_capita_actions",
    "participation_rate",
    "performance_rate",
    "plans",
    "plans_double_random",
    "plans_special",
    "joint_random_tasks",
    "case_files_reviewed",
    "honesty_exemptions",
    "joint_inspections_merged",
    "inspections_avoided",
    "hotline_tickets",
    "whistle_meetings",
    "difficult_case_meetings",
    "collaboration_actions",
    "collaboration_enterprises_checked",
    "collaboration_problems_found",
    "collaboration_problems_rectified",
    "collaboration_meetings",
)
"""The report's JSON keys, in the report's order."""

EXTRA_KEYS = (
    "equipment_issued",
    "exemption_list_domains",
    "exemption_list_items",
    "patrol_coverage",
    "cross_regional_cases",
    "cross_regional_goods_value_fen",
    "cross_regional_fines_fen",
    "case_transfers",
)
RATES = frozenset(
    {"per_capita_actions", "participation_rate", "performance_rate", "patrol_coverage"}
)
CASES_KEY = "cross_regional_case_list"
"""The JSON key of the cross-regional cases, one object per case."""


@dataclass(frozen=True)
class AnnualReport:
    """The report's figures and the cross-regional cases it names one by one."""

    figures: Figures
    cases: Sequence[queries.CrossRegionalCaseFigures] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {**self.figures, CASES_KEY: [case_json(case) for case in self.cases]}


def quantity_json(quantity: Decimal) -> int | float:
    """A seized quantity as a JSON number: whole ones as integers, others as their shortest
    decimal (a quantity has a few decimals at most, so the float reads back the same)."""
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


def case_json(case: queries.CrossRegionalCaseFigures) -> dict[str, Any]:
    return {
        "case_no": case.case_no,
        "regions": list(case.regions),
        "opened_on": case.opened_on.isoformat(),
        "decided_on": case.decided_on.isoformat(),
        "goods": [
            {"description": g.description, "quantity": quantity_json(g.quantity), "unit": g.unit}
            for g in case.goods
        ],
        "goods_value_fen": case.goods_value_fen,
        "goods_confiscated": case.goods_confiscated,
        "fine_fen": case.fine_fen,
    }


def compute_report(url: str, year: int) -> Figures:
    """The report's figures for ``year`` from the views in the database at ``url``."""
    return compute_annual_report(url, year).figures


def compute_annual_report(url: str, year: int) -> AnnualReport:
    """``compute_report`` with the cross-regional cases named one by one."""
    # The views may not exist yet (nothing projected): an empty ledger reports zeros.
    store = ProjectionStore(url, all_projections())
    try:
        store.create_schema()
    finally:
        store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        return annual_report(conn, year)


def annual_report(conn: queries.Connection, year: int) -> AnnualReport:
    """The figures and the cases, read in one snapshot of the views through ``conn``."""
    first, last = queries.year_period(year)
    with queries.snapshot(conn):
        return AnnualReport(
            _figures(conn, year), tuple(queries.cross_regional_case_list(conn, first, last))
        )


def report_figures(conn: queries.Connection, year: int) -> Figures:
    """The figures, read in one snapshot of the views through ``conn``."""
    with queries.snapshot(conn):
        return _figures(conn, year)


def _figures(conn: queries.Connection, year: int) -> Figures:
    first, last = queries.year_period(year)
    certified, frontline = queries.certified_officers(conn, last)
    certificates = queries.certificate_changes(conn, first, last)
    acts = queries.acts_by_kind(conn, first, last)
    penalties = queries.penalties_by_procedure(conn, first, last)
    indicators = queries.indicators(conn, first, last)
    plans = queries.plans_by_kind(conn, year)
    matching = queries.matching(conn, first, last)
    reviews = queries.reviews_by_grade(conn, first, last)
    tickets = queries.tickets(conn, first, last)
    meetings = queries.meetings_by_kind(conn, first, last)
    actions = queries.joint_actions(conn, first, last)
    domains, items = queries.exemption_lists_in_force(conn, last)
    coverage = queries.patrol_coverage(conn, first, last)
    cross = queries.cross_regional_cases(conn, first, last)
    figures: Figures = {
        "agencies": queries.agencies(conn, last),
        "certified_officers": certified,
        "frontline_officers": frontline,
        "certificates_issued": certificates.issued,
        "certificates_revoked": certificates.revoked,
        "inspections": acts.get(INSPECTION, 0),
        "penalties": acts.get(PENALTY, 0),
        "penalties_simple": penalties.get("simple", 0),
        "penalties_ordinary": penalties.get("ordinary", 0),
        "patrols": acts.get(PATROL, 0),
        "on_site_corrections": acts.get(ON_SITE_CORRECTION, 0),
        "education_corrections": acts.get(EDUCATION_CORRECTION, 0),
        "per_capita_actions": queries.ratio(
            sum(acts.get(kind, 0) for kind in ENFORCEMENT), certified
        ),
        "participation_rate": indicators.participation_rate,
        "performance_rate": indicators.performance_rate,
        "plans": sum(p.plans for p in plans.values()),
        "plans_double_random": _plans(plans, "double_random"),
        "plans_special": _plans(plans, "special"),
        "joint_random_tasks": _plans(plans, "joint_random"),
        "case_files_reviewed": sum(reviews.values()),
        "honesty_exemptions": matching["honesty_exemptions"],
        "joint_inspections_merged": matching["joint_inspections_merged"],
        "inspections_avoided": matching["inspections_avoided"],
        "hotline_tickets": tickets["screened"],
        "whistle_meetings": meetings.get("whistle", 0),
        "difficult_case_meetings": meetings.get("difficult_case", 0),
        "collaboration_actions": actions["actions"],
        "collaboration_enterprises_checked": actions["sites_checked"],
        "collaboration_problems_found": actions["problems_found"],
        "collaboration_problems_rectified": actions["problems_rectified"],
        "collaboration_meetings": actions["meetings"],
        "equipment_issued": queries.equipment_issued(conn, first, last),
        "exemption_list_domains": domains,
        "exemption_list_items": items,
        "patrol_coverage": coverage.percent,
        "cross_regional_cases": cross["cases"],
        "cross_regional_goods_value_fen": cross["goods_value_fen"],
        "cross_regional_fines_fen": cross["fine_fen"],
        "case_transfers": queries.case_transfers(conn, first, last),
    }
    return figures


def _plans(plans: Mapping[str, queries.PlanFigures], kind: str) -> int:
    found = plans.get(kind)
    return found.plans if found else 0


# Markdown ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    key: str
    zh: str
    en: str
    unit_zh: str = ""
    unit_en: str = ""


@dataclass(frozen=True)
class Section:
    zh: str
    en: str
    lines: Sequence[Line]


COLLABORATION = Section(
    "（五）京津冀执法协作",
    "5. Beijing-Tianjin-Hebei collaboration",
    (
        Line("collaboration_actions", "联合执法行动", "Joint actions", "次"),
        Line("collaboration_enterprises_checked", "检查企业（点位）", "Sites checked", "个"),
        Line("collaboration_problems_found", "发现问题", "Problems found", "个"),
        Line("collaboration_problems_rectified", "立行立改", "Problems rectified", "个"),
        Line("collaboration_meetings", "联合座谈", "Joint meetings", "次"),
        Line(
            "cross_regional_cases", "跨区域案件（作出决定）", "Cross-regional cases decided", "起"
        ),
        Line(
            "cross_regional_goods_value_fen",
            "跨区域案件涉案货值",
            "Goods value involved",
            "元",
            "yuan",
        ),
        Line("cross_regional_fines_fen", "跨区域案件罚款", "Fines", "元", "yuan"),
        Line("case_transfers", "案件移送、接收", "Cases transferred", "起"),
    ),
)
"""The collaboration section: the cross-regional cases are listed after its table."""

SECTIONS: Sequence[Section] = (
    Section(
        "（一）行政执法主体及人员情况",
        "1. Agencies and officers",
        (
            Line("agencies", "行政执法主体", "Enforcement agencies", "个"),
            Line(
                "certified_officers", "持证执法人员（年末）", "Certified officers (year end)", "名"
            ),
            Line("frontline_officers", "其中一线执法人员", "of whom frontline", "名"),
            Line("certificates_issued", "新领取执法证", "Enforcement certificates issued", "人"),
            Line("certificates_revoked", "注销执法证", "Enforcement certificates revoked", "人"),
        ),
    ),
    Section(
        "（二）行政执法案件情况",
        "2. Enforcement acts",
        (
            Line("inspections", "行政检查", "Inspections", "次"),
            Line("penalties", "行政处罚", "Penalties", "起"),
            Line("penalties_simple", "其中简易程序", "simple procedure", "起"),
            Line("penalties_ordinary", "其中普通程序", "ordinary procedure", "起"),
            Line("patrols", "区域巡查", "Area patrols", "次"),
            Line("patrol_coverage", "巡查区域覆盖率", "Grid cells patrolled", "%", "%"),
            Line("on_site_corrections", "现场规范", "On-site corrections", "次"),
            Line("education_corrections", "教育改正", "Education corrections", "次"),
            Line("per_capita_actions", "人均执法量", "Per-capita enforcement volume", "次"),
            Line("participation_rate", "人员参与率", "Participation rate", "%", "%"),
            Line("performance_rate", "履职率", "Performance rate", "%", "%"),
        ),
    ),
    Section(
        "（三）行政执法年度计划完成情况",
        "3. Annual inspection plans",
        (
            Line("plans", "行政检查计划", "Inspection plans", "个"),
            Line("plans_double_random", "其中双随机计划", "double-random plans", "个"),
            Line("plans_special", "其中专项计划", "special plans", "个"),
            Line("joint_random_tasks", "联合随机任务", "Joint random tasks", "个"),
        ),
    ),
    Section(
        "（四）主要工作措施及成效",
        "4. Measures and results",
        (
            Line("case_files_reviewed", "评查案卷", "Case files reviewed", "件"),
            Line("exemption_list_domains", "免罚清单执法领域", "Exemption lists: domains", "个"),
            Line("exemption_list_items", "免罚清单事项", "Exemption lists: items", "项"),
            Line("honesty_exemptions", "诚信免查", "Honesty exemptions", "次"),
            Line("joint_inspections_merged", "撮合合并检查", "Merged joint inspections", "个"),
            Line("inspections_avoided", "减少检查", "Inspections avoided", "次"),
            Line("equipment_issued", "配发执法终端及摄录设备", "Equipment sets issued", "台套"),
            Line("whistle_meetings", "街镇吹哨会", "Whistle meetings", "次"),
            Line("difficult_case_meetings", "疑难案件专题会", "Difficult-case meetings", "次"),
            Line("hotline_tickets", "排查12345投诉举报工单", "12345 tickets screened", "条"),
        ),
    ),
    COLLABORATION,
)

TITLES = {
    "zh": "# 滨海新区{year}年行政执法基本情况",
    "en": "# Binhai New Area: administrative law enforcement in {year}, basic situation",
}
NOTES = {
    "zh": "以下数据均由行政执法监督台账的事件计算得出。",
    "en": "Every figure below is computed from the supervision ledger's events.",
}
HEADERS = {"zh": "| 指标 | 数值 |", "en": "| Figure | Value |"}


def _value(key: str, value: int | float, unit: str) -> str:
    if key.endswith("_fen"):
        text = yuan(int(value))
    elif key in RATES:
        text = f"{float(value):.1f}"
    else:
        text = str(int(value))
    if unit == "%":
        return text + "%"
    return f"{text} {unit}" if unit and unit.isascii() else text + unit


REGIONS = {
    "tangshan": ("唐山市", "Tangshan"),
    "cangzhou": ("沧州市", "Cangzhou"),
    "langfang": ("廊坊市", "Langfang"),
    "qinhuangdao": ("秦皇岛市", "Qinhuangdao"),
}
UNITS_EN = {"吨": "t", "根": "pieces", "件": "pieces", "箱": "boxes", "千克": "kg"}
CASES_HEADING = {"zh": "跨区域案件逐案：", "en": "Cross-regional cases, one by one:"}


def _region(code: str, lang: Lang) -> str:
    zh, en = REGIONS.get(code, (code, code))
    return zh if lang == "zh" else en


def _quantity(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")


def case_line(case: queries.CrossRegionalCaseFigures, lang: Lang) -> str:
    """One case as the source report words it: partners, goods seized, value, outcome, fine."""
    if lang == "zh":
        goods = "、".join(f"{g.description}{_quantity(g.quantity)}{g.unit}" for g in case.goods)
        regions = "、".join(_region(r, lang) for r in case.regions)
        confiscated = "没收涉案产品并" if case.goods_confiscated else ""
        return (
            f"- {case.case_no}（与{regions}协作）：查获{goods or '—'}，"
            f"涉案货值{yuan(case.goods_value_fen)}元，{confiscated}罚款{yuan(case.fine_fen)}元"
        )
    goods = "; ".join(
        f"{_quantity(g.quantity)} {UNITS_EN.get(g.unit, g.unit)} of {g.description}"
        for g in case.goods
    )
    regions = ", ".join(_region(r, lang) for r in case.regions)
    confiscated = "goods confiscated; " if case.goods_confiscated else ""
    return (
        f"- {case.case_no} (with {regions}): seized {goods or '—'}; goods value "
        f"{yuan(case.goods_value_fen)} yuan; {confiscated}fine {yuan(case.fine_fen)} yuan"
    )


def render_markdown(
    figures: Mapping[str, int | float],
    year: int,
    lang: Lang,
    cases: Sequence[queries.CrossRegionalCaseFigures] = (),
) -> str:
    """The figures as a Markdown document in one language, each cross-regional case on a line
    of its own after the collaboration table."""
    out = [TITLES[lang].format(year=year), "", NOTES[lang], ""]
    for section in SECTIONS:
        out += [f"## {getattr(section, lang)}", "", HEADERS[lang], "|---|---:|"]
        for line in section.lines:
            label = line.zh if lang == "zh" else line.en
            unit = line.unit_zh if lang == "zh" else line.unit_en
            out.append(f"| {label} | {_value(line.key, figures[line.key], unit)} |")
        out.append("")
        if section is COLLABORATION and cases:
            out += [CASES_HEADING[lang], "", *(case_line(case, lang) for case in cases), ""]
    return "\n".join(out)


def render_markdowns(
    figures: Mapping[str, int | float],
    year: int,
    langs: Sequence[Lang] = LANGS,
    cases: Sequence[queries.CrossRegionalCaseFigures] = (),
) -> str:
    """The figures in each of ``langs``, one document after the other."""
    return "\n".join(render_markdown(figures, year, lang, cases) for lang in langs)
