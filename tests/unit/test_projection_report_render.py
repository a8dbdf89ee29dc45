"""The report's figures as the source report writes them: rounding, keys, and Markdown."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from projections.queries import month_period, ratio
from projections.report import EXTRA_KEYS, REPORT_KEYS, SECTIONS, render_markdown
from tests.figures_2023 import SOURCE_2023

ISSUE_KEYS = (
    "agencies, certified_officers, frontline_officers, certificates_issued, "
    "certificates_revoked, inspections, penalties, penalties_simple, penalties_ordinary, "
    "patrols, on_site_corrections, education_corrections, per_capita_actions, "
    "participation_rate, performance_rate, plans, plans_double_random, plans_special, "
    "joint_random_tasks, case_files_reviewed, honesty_exemptions, joint_inspections_merged, "
    "inspections_avoided, hotline_tickets, whistle_meetings, difficult_case_meetings, "
    "collaboration_actions, collaboration_enterprises_checked, collaboration_problems_found, "
    "collaboration_problems_rectified, collaboration_meetings"
)
"""The JSON keys as issue 4 lists them."""


def test_the_report_keys_are_the_issue_s_and_every_one_is_rendered() -> None:
    assert tuple(ISSUE_KEYS.split(", ")) == REPORT_KEYS
    rendered = [line.key for section in SECTIONS for line in section.lines]
    assert sorted(rendered) == sorted((*REPORT_KEYS, *EXTRA_KEYS))


def test_the_per_capita_volume_of_the_source_report() -> None:
    acts = 24639 + 7386 + 18254 + 803 + 1611
    assert acts == 52693
    assert ratio(acts, 2841) == 18.5
    assert ratio(2841, 2841, 100) == 100.0


def test_rates_round_half_up_to_one_decimal() -> None:
    assert ratio(1, 4) == 0.3  # 0.25: half up, not to even
    assert ratio(1, 3, 100) == 33.3
    assert ratio(2, 3, 100) == 66.7
    assert ratio(5, 0) == 0.0


@given(part=st.integers(min_value=0, max_value=10**6), whole=st.integers(1, 10**6))
def test_a_rate_is_within_a_twentieth_of_the_exact_one(part: int, whole: int) -> None:
    assert abs(ratio(part, whole) - part / whole) <= 0.05 + 1e-9


def test_month_periods_cover_the_year() -> None:
    assert month_period(2023, 2) == (date(2023, 2, 1), date(2023, 2, 28))
    assert month_period(2024, 2) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_period(2023, 12) == (date(2023, 12, 1), date(2023, 12, 31))


def test_the_chinese_report_reads_like_the_source() -> None:
    text = render_markdown(SOURCE_2023, 2023, "zh")
    assert text.startswith("# 滨海新区2023年行政执法基本情况")
    for line in (
        "| 行政执法主体 | 94个 |",
        "| 持证执法人员（年末） | 2841名 |",
        "| 其中一线执法人员 | 1862名 |",
        "| 其中简易程序 | 2638起 |",
        "| 人均执法量 | 18.5次 |",
        "| 人员参与率 | 100.0% |",
        "| 跨区域案件涉案货值 | 16,404,100元 |",
    ):
        assert line in text


def test_the_english_report_names_every_figure() -> None:
    text = render_markdown(SOURCE_2023, 2023, "en")
    assert "| Certified officers (year end) | 2841 |" in text
    assert "| Per-capita enforcement volume | 18.5 |" in text
    assert "| Fines | 1,081,600 yuan |" in text
    assert "行政" not in text
