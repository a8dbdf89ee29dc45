"""The source report's 2023 figures, as GLOSSARY.md lists them: what the ledger must regenerate.

Written out by hand from the glossary (not read from the shipped profile), so tests that compare
against them check the profile and the report independently.
"""

from __future__ import annotations

SOURCE_2023: dict[str, int | float] = {
    "agencies": 94,
    "certified_officers": 2841,
    "frontline_officers": 1862,
    "certificates_issued": 211,
    "certificates_revoked": 411,
    "inspections": 24639,
    "penalties": 7386,
    "penalties_simple": 2638,
    "penalties_ordinary": 4748,
    "patrols": 18254,
    "on_site_corrections": 803,
    "education_corrections": 1611,
    "per_capita_actions": 18.5,
    "participation_rate": 100.0,
    "performance_rate": 100.0,
    "plans": 3573,
    "plans_double_random": 1706,
    "plans_special": 1042,
    "joint_random_tasks": 57,
    "case_files_reviewed": 20781,
    "honesty_exemptions": 16,
    "joint_inspections_merged": 336,
    "inspections_avoided": 557,
    "hotline_tickets": 7100,
    "whistle_meetings": 16,
    "difficult_case_meetings": 12,
    "collaboration_actions": 9,
    "collaboration_enterprises_checked": 34,
    "collaboration_problems_found": 16,
    "collaboration_problems_rectified": 16,
    "collaboration_meetings": 4,
    "equipment_issued": 330,
    "exemption_list_domains": 13,
    "exemption_list_items": 130,
    "patrol_coverage": 100.0,
    "cross_regional_cases": 2,
    "cross_regional_goods_value_fen": 1_640_410_000,
    "cross_regional_fines_fen": 108_160_000,
    "case_transfers": 0,
}
"""Every figure of the report's basic situation: counts, derived rates, and the extra figures."""

DERIVED = ("per_capita_actions", "participation_rate", "performance_rate", "patrol_coverage")
EXTRAS = (
    "equipment_issued",
    "exemption_list_domains",
    "exemption_list_items",
    "cross_regional_cases",
    "cross_regional_goods_value_fen",
    "cross_regional_fines_fen",
    "case_transfers",
)
COUNTS_2023 = {k: int(v) for k, v in SOURCE_2023.items() if k not in DERIVED + EXTRAS}
"""Every count of the source report's 2023 figure table."""
