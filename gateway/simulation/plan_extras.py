"""The report's further figures: penalty-exemption lists (13 fields, 130+ items in 2023),
enforcement equipment issued (330+ sets), cross-regional cases with partner cities (their goods
value and fines) and cases transferred to or from them."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from domain.collaboration.values import PartnerRegion, TransferDirection, TransferOutcome
from domain.oversight.values import EquipmentKind
from domain.values import EnforcementDomain
from gateway.simulation.acts import (
    CrossRegionalCasePlan,
    EquipmentIssue,
    ExemptionListPlan,
    TransferPlan,
)
from gateway.simulation.calendar import between
from gateway.simulation.plan_collaboration import DIVISIONS, PARTNERS, PLACES
from gateway.simulation.profile import CrossRegionalCaseTarget, Profile
from gateway.simulation.world import World, share, uscc_code

E = EnforcementDomain
EXEMPTION_DOMAINS = (
    E.MARKET,
    E.ECOLOGY,
    E.URBAN,
    E.TRANSPORT,
    E.CULTURE_TOURISM,
    E.EMERGENCY,
    E.AGRICULTURE,
    E.HEALTH,
    E.HOUSING,
    E.PLANNING,
    E.WATER,
    E.LABOUR,
    E.FIRE,
    E.TAX,
    E.EDUCATION,
    E.OTHER,
)
"""Fields in the order they get a list: the report's 13 first."""
EQUIPMENT = (EquipmentKind.ENFORCEMENT_TERMINAL, EquipmentKind.BODY_CAMERA)
GOODS = (
    ("冒用他人厂名厂址的钢材", "吨", "销售冒用他人厂名、厂址的产品"),
    ("侵犯注册商标专用权的钢管", "根", "侵犯注册商标专用权"),
    ("不合格的建筑用钢筋", "吨", "销售不合格产品"),
)


def plan_exemption_lists(profile: Profile) -> list[ExemptionListPlan]:
    domains = EXEMPTION_DOMAINS[: profile.exemption_list_domains]
    items = share(profile.exemption_list_items, [1] * len(domains), minimum=1)
    return [ExemptionListPlan(d, n) for d, n in zip(domains, items, strict=True)]


def plan_equipment(world: World, profile: Profile, rng: random.Random) -> list[EquipmentIssue]:
    total = profile.equipment_issued
    vouchers = min(total, len(world.agencies) * 2, max(1, total // 30)) if total else 0
    takers = [world.weighted_agency(rng) for _ in range(vouchers)]
    quantities = share(total, [a.kind.weight for a in takers], minimum=1)
    cal = world.calendar
    return [
        EquipmentIssue(
            agency=agency,
            voucher_no=f"S{cal.year}-EQ-{n:03d}",
            kind=EQUIPMENT[n % len(EQUIPMENT)],
            quantity=quantity,
            issued_on=between(rng, cal.day(3, 1), cal.day(11, 30)),
        )
        for n, (agency, quantity) in enumerate(zip(takers, quantities, strict=True), start=1)
    ]


def _market_agency(world: World) -> int:
    return next((i for i, a in enumerate(world.agencies) if E.MARKET in a.domains), 0)


def _case_targets(profile: Profile, rng: random.Random) -> list[CrossRegionalCaseTarget]:
    """The profile's cases as listed; a profile giving only the count and sums has them split
    at random over made-up goods (the report then matches the sums, not any one case)."""
    if profile.cross_regional_case_list:
        return list(profile.cross_regional_case_list)
    count = profile.cross_regional_cases
    weights = [rng.randint(1, 10) for _ in range(count)]
    values = share(profile.cross_regional_goods_value_fen, weights) if count else []
    fines = share(profile.cross_regional_fines_fen, weights) if count else []
    targets = []
    for n, (value, fine) in enumerate(zip(values, fines, strict=True)):
        description, unit, cause = GOODS[n % len(GOODS)]
        targets.append(
            CrossRegionalCaseTarget(
                goods=description,
                quantity=Decimal(rng.randint(100, 5_000)),
                unit=unit,
                goods_value_fen=value,
                fine_fen=fine,
                regions=tuple(sorted(rng.sample(PARTNERS, rng.randint(1, 2)))),
                cause=cause,
            )
        )
    return targets


def _cause(target: CrossRegionalCaseTarget) -> str:
    if target.cause:
        return target.cause
    by_goods = {description: cause for description, _, cause in GOODS}
    return by_goods.get(target.goods, GOODS[0][2])


def plan_cross_regional_cases(
    world: World, profile: Profile, rng: random.Random
) -> list[CrossRegionalCasePlan]:
    targets = _case_targets(profile, rng)
    if not targets:
        return []
    agency = world.agencies[_market_agency(world)]
    cal = world.calendar
    cases = []
    for n, target in enumerate(targets, start=1):
        regions = tuple(sorted(target.regions))
        opened = between(rng, cal.day(1, 10), cal.day(9, 30))
        # A partner outside the simulated three (Qinhuangdao) gets a generic firm's name.
        place = PLACES.get(regions[0], "河北")
        cases.append(
            CrossRegionalCasePlan(
                case_no=f"{agency.kind.short}罚〔{cal.year}〕协{n:03d}号",
                regions=regions,
                agency=agency,
                opened_on=opened,
                cause=_cause(target),
                entity_name=f"{place}某钢材贸易有限公司",
                uscc=uscc_code(f"91{DIVISIONS.get(regions[0], '130000')}", 900_000_000 + n),
                goods=(target.goods, target.quantity, target.unit),
                # Within the 90 days an ordinary case is decided in (no extension needed).
                decided_on=opened + timedelta(days=rng.randint(30, 80)),
                goods_value_fen=target.goods_value_fen,
                fine_fen=target.fine_fen,
                officers=tuple(rng.sample(agency.stable, 2)),
            )
        )
    return cases


def plan_transfers(world: World, profile: Profile, rng: random.Random) -> list[TransferPlan]:
    agency = world.agencies[_market_agency(world)]
    cal = world.calendar
    transfers = []
    for n in range(1, profile.case_transfers + 1):
        region: PartnerRegion = rng.choice(PARTNERS)
        direction = rng.choice(list(TransferDirection))
        day = between(rng, cal.day(1, 10), cal.day(11, 30))
        summary = (
            f"违法产品的生产源头位于{PLACES[region]}，移送当地查处"
            if direction is TransferDirection.REFERRED
            else f"{PLACES[region]}移送的线索涉及本区经营者，接收查处"
        )
        transfers.append(
            TransferPlan(
                direction=direction,
                region=region,
                reference=f"{agency.kind.short}移〔{cal.year}〕{n}号",
                agency=agency,
                transferred_on=day,
                summary=summary,
                outcome=rng.choice((TransferOutcome.ACCEPTED, TransferOutcome.PENALISED)),
                decided_on=cal.clamp(day + timedelta(days=rng.randint(3, 20))),
            )
        )
    return transfers
