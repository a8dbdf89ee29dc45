"""A simulation profile: the year and the report's figures to reproduce, under the report's keys.

The counts are targets the simulated year must hit exactly; per-capita volume and the two rates
follow from them (the simulation gives every certified officer and every agency at least one
act, so both rates are 100 %). A profile whose figures contradict each other, or that the
ledger's rules make impossible to reach, is refused here, before anything is written, with
every problem named.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.collaboration.values import PartnerRegion
from domain.values import local_date
from projections.report import EXTRA_KEYS as REPORT_EXTRA_KEYS
from projections.report import RATES, REPORT_KEYS

DERIVED_KEYS: tuple[str, ...] = tuple(k for k in REPORT_KEYS if k in RATES)
COUNT_KEYS: tuple[str, ...] = tuple(k for k in REPORT_KEYS if k not in DERIVED_KEYS)
"""The report's count keys, in the report's order (``ledger report --format json``)."""
EXTRA_KEYS: tuple[str, ...] = tuple(k for k in REPORT_EXTRA_KEYS if k not in RATES)
"""Further figures of the report (``compute_report``'s extra keys, rates aside): optional in a
profile; a year without them has none of these records."""
EXEMPTION_FIELDS = 16
"""Fields of law that can have a penalty-exemption list (``EnforcementDomain``)."""
FULL_RATES = (1.0, 100.0)
"""A rate of 100 % may be written as a share (1) or a percentage (100)."""

Count = Annotated[int, Field(ge=0, le=5_000_000)]


class ProfileError(ValueError):
    """A profile that cannot be simulated, with every reason in words."""


Fen = Annotated[int, Field(ge=0, le=10**15)]


class CrossRegionalCaseTarget(BaseModel):
    """One cross-regional case the report names: the goods seized (description, quantity,
    unit), their value and the fine (fen), and the partner regions it was handled with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    goods: str = Field(min_length=1, max_length=200)
    quantity: Decimal = Field(gt=0, le=10**9, decimal_places=3)
    unit: str = Field(min_length=1, max_length=20)
    goods_value_fen: Fen
    fine_fen: Fen
    regions: tuple[PartnerRegion, ...] = Field(min_length=1, max_length=4)
    cause: str | None = Field(default=None, max_length=200, description="Default: by goods.")

    @field_validator("regions")
    @classmethod
    def _distinct(cls, regions: tuple[PartnerRegion, ...]) -> tuple[PartnerRegion, ...]:
        if len(set(regions)) != len(regions):
            raise ValueError("a partner region is named once")
        return regions


class Profile(BaseModel):
    """The year to simulate and the report's figures it must reproduce."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2001, description="A year that has ended: every act lies in the past.")
    agencies: int = Field(ge=1, le=1000)
    certified_officers: Count = Field(description="Holding a certificate at the year's end.")
    frontline_officers: Count
    certificates_issued: Count = Field(description="Issued during the year (new officers).")
    certificates_revoked: Count = Field(description="Revoked during the year.")
    inspections: Count
    penalties: Count
    penalties_simple: Count
    penalties_ordinary: Count
    patrols: Count
    on_site_corrections: Count
    education_corrections: Count
    plans: Count
    plans_double_random: Count
    plans_special: Count
    joint_random_tasks: Count
    case_files_reviewed: Count
    honesty_exemptions: Count
    joint_inspections_merged: Count
    inspections_avoided: Count
    hotline_tickets: Count
    whistle_meetings: Count
    difficult_case_meetings: Count
    collaboration_actions: Count
    collaboration_enterprises_checked: Count
    collaboration_problems_found: Count
    collaboration_problems_rectified: Count
    collaboration_meetings: Count
    per_capita_actions: float | None = Field(
        default=None, description="Derived; if given it must match the counts (one decimal)."
    )
    participation_rate: float | None = Field(default=None, description="Derived: 100 % (or 1).")
    performance_rate: float | None = Field(default=None, description="Derived: 100 % (or 1).")
    equipment_issued: Count = Field(default=0, description="Terminals and recorders (sets).")
    exemption_list_domains: int = Field(default=0, ge=0, le=EXEMPTION_FIELDS)
    exemption_list_items: Count = 0
    cross_regional_cases: Count = 0
    cross_regional_goods_value_fen: Fen = 0
    cross_regional_fines_fen: Fen = 0
    cross_regional_case_list: tuple[CrossRegionalCaseTarget, ...] = Field(
        default=(),
        max_length=1000,
        description="Each cross-regional case, regenerated as given (the three sums above "
        "follow from it and may be left out). Without it the sums are split at random.",
    )
    case_transfers: Count = 0
    patrol_coverage: float | None = Field(
        default=None, description="Derived: 100 % (every grid cell is patrolled)."
    )

    @field_validator("year")
    @classmethod
    def _year_has_ended(cls, year: int) -> int:
        this_year = local_date(datetime.now(UTC)).year
        if year >= this_year:
            raise ValueError(f"must be a year that has ended (before {this_year}): acts are past")
        return year

    @model_validator(mode="before")
    @classmethod
    def _sums_of_the_cases(cls, data: Any) -> Any:
        """The count and sums of the cases listed, where the profile leaves them out."""
        if not isinstance(data, dict) or not isinstance(data.get("cross_regional_case_list"), list):
            return data
        cases = [c for c in data["cross_regional_case_list"] if isinstance(c, dict)]
        filled = dict(data)
        filled.setdefault("cross_regional_cases", len(cases))
        for key, field in (
            ("cross_regional_goods_value_fen", "goods_value_fen"),
            ("cross_regional_fines_fen", "fine_fen"),
        ):
            amounts = [c.get(field) for c in cases]
            whole = [a for a in amounts if isinstance(a, int)]
            if len(whole) == len(amounts):
                filled.setdefault(key, sum(whole))
        return filled

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        problems = inconsistencies(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Derived figures ---------------------------------------------------------------------

    @property
    def random_plans(self) -> int:
        """Plans whose tasks are drawn: double random and joint random."""
        return self.plans_double_random + self.joint_random_tasks

    @property
    def hand_plans(self) -> int:
        """Plans whose tasks are chosen: special and routine."""
        return self.plans - self.random_plans

    @property
    def routine_plans(self) -> int:
        return self.plans - self.plans_double_random - self.plans_special - self.joint_random_tasks

    @property
    def officers_at_start(self) -> int:
        """Certified on the year's first day: those at its end, plus revoked, minus issued."""
        return self.certified_officers + self.certificates_revoked - self.certificates_issued

    @property
    def enforcement_acts(self) -> int:
        """The report's enforcement volume (人均执法量's numerator)."""
        return (
            self.inspections
            + self.penalties
            + self.patrols
            + self.on_site_corrections
            + self.education_corrections
        )

    @property
    def per_capita_rounded(self) -> float:
        """Per-capita volume to one decimal, half up (as the report prints it)."""
        exact = Decimal(self.enforcement_acts) / Decimal(self.certified_officers)
        return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def counts(self) -> dict[str, int]:
        """The count keys and their targets."""
        return {key: int(getattr(self, key)) for key in COUNT_KEYS}

    def extras(self) -> dict[str, int]:
        """The further figures and their targets."""
        return {key: int(getattr(self, key)) for key in EXTRA_KEYS}

    def derived(self) -> dict[str, float]:
        """Per-capita volume (unrounded) and the rates (as shares) the counts imply."""
        return {
            "per_capita_actions": self.enforcement_acts / self.certified_officers,
            "participation_rate": 1.0,
            "performance_rate": 1.0,
        }


def largest_joint_inspection(merged: int, avoided: int) -> int:
    """Tasks in the largest joint inspection when ``avoided`` are spread over ``merged``."""
    return 1 + math.ceil(avoided / merged) if merged else 1


def first_tasks_needed(p: Profile) -> int:
    """Plans left without a task once honesty exemptions fill random plans and merged tasks
    fill hand plans: each needs an inspection of its own."""
    return (
        p.plans
        - min(p.random_plans, p.honesty_exemptions)
        - min(p.hand_plans, p.inspections_avoided)
    )


def inconsistencies(p: Profile) -> list[str]:
    """Every way the profile contradicts itself or the ledger's rules, in words."""
    found: list[str] = []

    def need(ok: bool, message: str) -> None:
        if not ok:
            found.append(message)

    need(
        p.penalties == p.penalties_simple + p.penalties_ordinary,
        f"penalties ({p.penalties}) must equal penalties_simple + penalties_ordinary "
        f"({p.penalties_simple} + {p.penalties_ordinary})",
    )
    need(
        p.plans >= p.plans_double_random + p.plans_special + p.joint_random_tasks,
        f"plans ({p.plans}) must be at least plans_double_random + plans_special + "
        f"joint_random_tasks ({p.plans_double_random} + {p.plans_special} + "
        f"{p.joint_random_tasks}); the rest are routine plans",
    )
    need(
        p.frontline_officers <= p.certified_officers,
        f"frontline_officers ({p.frontline_officers}) cannot exceed certified_officers "
        f"({p.certified_officers})",
    )
    need(
        p.certificates_issued <= p.certified_officers,
        f"certificates_issued ({p.certificates_issued}) cannot exceed certified_officers "
        f"({p.certified_officers}): the officers certified during the year hold them at its end",
    )
    need(
        p.certified_officers - p.certificates_issued >= 2 * p.agencies,
        f"certified_officers - certificates_issued ({p.certified_officers} - "
        f"{p.certificates_issued}) must be at least 2 per agency ({2 * p.agencies}): every "
        "agency needs two officers certified all year to act at all (two-officer rule)",
    )
    need(
        p.on_site_corrections <= p.inspections,
        f"on_site_corrections ({p.on_site_corrections}) are inspections corrected on the spot; "
        f"they cannot exceed inspections ({p.inspections})",
    )
    need(
        p.inspections_avoided >= p.joint_inspections_merged,
        f"inspections_avoided ({p.inspections_avoided}) must be at least "
        f"joint_inspections_merged ({p.joint_inspections_merged}): each merge avoids one "
        "inspection at least",
    )
    need(
        p.joint_inspections_merged <= p.inspections,
        f"joint_inspections_merged ({p.joint_inspections_merged}) are inspections; they cannot "
        f"exceed inspections ({p.inspections})",
    )
    if p.joint_inspections_merged:
        size = largest_joint_inspection(p.joint_inspections_merged, p.inspections_avoided)
        need(
            p.hand_plans >= size - 1 and p.plans >= size,
            f"a joint inspection of {size} tasks merges tasks of {size} different plans, "
            f"{size - 1} of them special or routine plans (only {p.hand_plans} here)",
        )
    need(
        p.honesty_exemptions == 0 or p.random_plans > 0,
        "honesty_exemptions are granted in double-random draws: they need a double-random "
        "plan or joint random task",
    )
    need(
        p.joint_random_tasks == 0 or p.agencies >= 2,
        "a joint random task is drawn up by at least two agencies",
    )
    need(
        p.inspections == 0 or p.plans > 0,
        "inspections carry out plan tasks: they need at least one plan",
    )
    needed = first_tasks_needed(p)
    need(
        p.inspections >= needed,
        f"every plan has a task: {needed} plans are left after honesty exemptions and merged "
        f"tasks, but there are only {p.inspections} inspections to give them one",
    )
    acts = p.inspections + p.patrols + p.penalties + p.education_corrections
    need(
        acts >= p.agencies,
        f"every agency acts at least once (performance rate 100 %): {p.agencies} agencies "
        f"need at least as many inspections, patrols, penalties and education corrections "
        f"({acts})",
    )
    need(
        p.collaboration_problems_rectified <= p.collaboration_problems_found,
        f"collaboration_problems_rectified ({p.collaboration_problems_rectified}) cannot "
        f"exceed collaboration_problems_found ({p.collaboration_problems_found})",
    )
    need(
        p.collaboration_problems_found == 0 or p.collaboration_enterprises_checked > 0,
        "collaboration problems are found at checked enterprises: "
        "collaboration_enterprises_checked must be at least 1",
    )
    need(
        p.collaboration_actions > 0
        or (p.collaboration_enterprises_checked == 0 and p.collaboration_meetings == 0),
        "enterprises are checked and joint meetings held within collaboration actions: "
        "collaboration_actions must be at least 1",
    )
    _check_extras(p, need)
    _check_derived(p, need)
    return found


def _check_extras(p: Profile, need: Callable[[bool, str], None]) -> None:
    need(
        (p.exemption_list_domains == 0) == (p.exemption_list_items == 0)
        and p.exemption_list_items >= p.exemption_list_domains,
        f"exemption_list_items ({p.exemption_list_items}) must be at least one per list, "
        f"exemption_list_domains ({p.exemption_list_domains}), and none without a list",
    )
    need(
        p.exemption_list_items <= 500 * p.exemption_list_domains,
        "a penalty-exemption list holds at most 500 items",
    )
    need(
        p.cross_regional_cases > 0
        or (p.cross_regional_goods_value_fen == 0 and p.cross_regional_fines_fen == 0),
        "cross_regional_goods_value_fen and cross_regional_fines_fen are the sums over "
        "cross_regional_cases: with no case they are 0",
    )
    cases = p.cross_regional_case_list
    need(
        not cases
        or (
            p.cross_regional_cases == len(cases)
            and p.cross_regional_goods_value_fen == sum(c.goods_value_fen for c in cases)
            and p.cross_regional_fines_fen == sum(c.fine_fen for c in cases)
        ),
        f"cross_regional_cases ({p.cross_regional_cases}), cross_regional_goods_value_fen "
        f"({p.cross_regional_goods_value_fen}) and cross_regional_fines_fen "
        f"({p.cross_regional_fines_fen}) must be the count and sums of "
        f"cross_regional_case_list ({len(cases)} cases, "
        f"{sum(c.goods_value_fen for c in cases)} and {sum(c.fine_fen for c in cases)} fen)",
    )
    need(
        p.patrol_coverage is None or (p.patrol_coverage in FULL_RATES and p.patrols > 0),
        f"patrol_coverage ({p.patrol_coverage}) can only be 100 % (1 or 100), with patrols: "
        "the simulation patrols every grid cell",
    )


def _check_derived(p: Profile, need: Callable[[bool, str], None]) -> None:
    if p.per_capita_actions is not None and p.certified_officers:
        expected = p.per_capita_rounded
        need(
            math.isclose(p.per_capita_actions, expected, abs_tol=1e-9),
            f"per_capita_actions ({p.per_capita_actions}) must be (inspections + penalties + "
            f"patrols + on_site_corrections + education_corrections) / certified_officers = "
            f"{p.enforcement_acts} / {p.certified_officers} = {expected}",
        )
    for key in ("participation_rate", "performance_rate"):
        rate = getattr(p, key)
        need(
            rate is None or rate in FULL_RATES,
            f"{key} ({rate}) can only be 100 % (1 or 100): the simulation gives every "
            "certified officer and every agency at least one act",
        )


def load_profile(path: Path) -> Profile:
    """The profile in ``path``; ``ProfileError`` saying what is wrong otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ProfileError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return Profile.model_validate_json(text)
    except ValidationError as error:
        raise ProfileError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """A validation error in one line: each problem with the key it concerns."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
