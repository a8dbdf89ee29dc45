"""Simulation profiles: the shipped ones hold the report's figures; a contradictory one is refused
with every reason named, in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.simulation.profile import (
    COUNT_KEYS,
    Profile,
    ProfileError,
    inconsistencies,
    load_profile,
)
from tests.figures_2023 import COUNTS_2023

PROFILES = Path(__file__).resolve().parents[2] / "gateway" / "simulation" / "profiles"


def reduced() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PROFILES / "binhai-2023-reduced.json").read_text())
    return data


def refused(data: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError) as raised:
        load_profile(path)
    return str(raised.value)


def test_the_2023_profile_holds_every_figure_of_the_report() -> None:
    profile = load_profile(PROFILES / "binhai-2023.json")

    assert profile.year == 2023
    assert profile.counts() == COUNTS_2023
    assert round(profile.derived()["per_capita_actions"], 1) == 18.5
    assert profile.officers_at_start == 3041
    assert profile.routine_plans == 768


def test_the_2023_profile_holds_the_reports_further_figures() -> None:
    extras = load_profile(PROFILES / "binhai-2023.json").extras()

    assert extras["equipment_issued"] == 332  # 330余台套
    assert (extras["exemption_list_domains"], extras["exemption_list_items"]) == (13, 134)
    assert extras["cross_regional_cases"] == 2
    # 14,746,100 + 1,658,000 yuan of goods; 750,000 + 331,600 yuan of fines.
    assert extras["cross_regional_goods_value_fen"] == (14_746_100 + 1_658_000) * 100
    assert extras["cross_regional_fines_fen"] == (750_000 + 331_600) * 100


def test_the_2023_profile_lists_the_reports_two_cross_regional_cases() -> None:
    cases = load_profile(PROFILES / "binhai-2023.json").cross_regional_case_list

    assert [
        (
            c.goods,
            int(c.quantity),
            c.unit,
            c.goods_value_fen,
            c.fine_fen,
            {str(r) for r in c.regions},
        )
        for c in cases
    ] == [
        ("冒用他人厂名厂址的钢材", 3215, "吨", 14_746_100_00, 750_000_00, {"langfang", "tangshan"}),
        ("侵犯注册商标专用权的钢管", 497, "根", 1_658_000_00, 331_600_00, {"langfang", "tangshan"}),
    ]


def test_the_sums_of_the_cases_listed_must_agree(tmp_path: Path) -> None:
    message = refused(reduced() | {"cross_regional_fines_fen": 1}, tmp_path)

    assert "must be the count and sums of cross_regional_case_list (1 cases" in message
    assert "\n" not in message


def test_every_shipped_profile_uses_the_report_keys_and_is_consistent() -> None:
    for path in PROFILES.glob("*.json"):
        data = json.loads(path.read_text())
        assert set(COUNT_KEYS) <= set(data), path.name
        assert inconsistencies(load_profile(path)) == [], path.name


def test_penalties_must_add_up_by_procedure(tmp_path: Path) -> None:
    message = refused(reduced() | {"penalties": 41}, tmp_path)

    assert "penalties (41) must equal penalties_simple + penalties_ordinary (15 + 25)" in message
    assert "\n" not in message


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    data = reduced() | {
        "inspections_avoided": 2,
        "collaboration_problems_rectified": 9,
        "plans_special": 40,
    }

    message = refused(data, tmp_path)

    assert "inspections_avoided (2) must be at least joint_inspections_merged (5)" in message
    assert "collaboration_problems_rectified (9) cannot exceed" in message
    assert "plans (24) must be at least" in message


def test_a_merged_inspection_needs_plans_to_merge(tmp_path: Path) -> None:
    data = reduced() | {"plans": 10, "plans_double_random": 8, "plans_special": 0}

    message = refused(data, tmp_path)

    assert "a joint inspection of 3 tasks merges tasks of 3 different plans" in message


def test_every_agency_needs_two_officers_certified_all_year(tmp_path: Path) -> None:
    message = refused(reduced() | {"certified_officers": 16, "frontline_officers": 10}, tmp_path)

    assert "must be at least 2 per agency (12)" in message


def test_derived_figures_must_follow_from_the_counts(tmp_path: Path) -> None:
    data = reduced() | {"per_capita_actions": 5.0, "participation_rate": 0.9}

    message = refused(data, tmp_path)

    assert "per_capita_actions (5.0) must be" in message
    assert "= 256 / 60 = 4.3" in message
    assert "participation_rate (0.9) can only be 100 %" in message


def test_further_figures_must_be_consistent(tmp_path: Path) -> None:
    data = reduced() | {
        "exemption_list_domains": 0,
        "cross_regional_cases": 0,
        "patrol_coverage": 80,
    }

    message = refused(data, tmp_path)

    assert "exemption_list_items (12) must be at least one per list" in message
    assert "with no case they are 0" in message
    assert "patrol_coverage (80.0) can only be 100 %" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"patrols": -1}, "patrols: Input should be greater than or equal to 0"),
        ({"inspektions": 3}, "inspektions: Extra inputs are not permitted"),
        ({"year": 2999}, "year: must be a year that has ended"),
        ({"agencies": 0}, "agencies: Input should be greater than or equal to 1"),
    ],
)
def test_malformed_profiles_name_the_key(
    change: dict[str, int], expected: str, tmp_path: Path
) -> None:
    assert expected in refused(reduced() | change, tmp_path)


def test_a_missing_file_or_bad_json_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "nowhere.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{year: 2023")
    with pytest.raises(ProfileError, match="Invalid JSON"):
        load_profile(broken)


def test_derived_keys_are_optional() -> None:
    data = {k: v for k, v in reduced().items() if k not in ("per_capita_actions",)}

    profile = Profile.model_validate(data)

    assert profile.per_capita_actions is None
    assert profile.derived()["participation_rate"] == 1.0
