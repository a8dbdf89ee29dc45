"""Joint environmental actions with the partner cities (京津冀执法协作): the enterprises and sites
checked, the problems found and rectified, and the joint meetings — led by the district's
ecology agency (or its first agency, in a district without one)."""

from __future__ import annotations

import random
from datetime import timedelta

from domain.collaboration.values import PartnerRegion
from domain.values import EnforcementDomain
from gateway.simulation import names
from gateway.simulation.acts import ActionProblem, JointActionPlan, SiteCheck
from gateway.simulation.calendar import between
from gateway.simulation.profile import Profile
from gateway.simulation.world import World, uscc_code

PARTNERS = (PartnerRegion.TANGSHAN, PartnerRegion.CANGZHOU, PartnerRegion.LANGFANG)
DIVISIONS = {
    PartnerRegion.TANGSHAN: "130200",
    PartnerRegion.CANGZHOU: "130900",
    PartnerRegion.LANGFANG: "131000",
}
PLACES = dict(zip(PARTNERS, names.PARTNER_FIRMS, strict=True))
PROBLEMS = (
    "危险废物贮存场所未设置识别标志",
    "废气收集设施运行不正常",
    "环境管理台账记录不完整",
    "雨污分流不到位",
    "堆场扬尘防治措施不到位",
)


def _spread(count: int, over: int, rng: random.Random) -> list[int]:
    """``count`` things over ``over`` holders, each holder one first while they last."""
    if over == 0:
        return []
    parts = [1 if n < count else 0 for n in range(over)]
    for _ in range(count - sum(parts)):
        parts[rng.randrange(over)] += 1
    return parts


def plan_joint_actions(world: World, profile: Profile, rng: random.Random) -> list[JointActionPlan]:
    cal = world.calendar
    lead = next(
        (a for a in world.agencies if EnforcementDomain.ECOLOGY in a.domains), world.agencies[0]
    )
    actions = []
    for n in range(1, profile.collaboration_actions + 1):
        starts = between(rng, cal.day(3, 1), cal.day(11, 20))
        regions = sorted(rng.sample(PARTNERS, rng.randint(1, len(PARTNERS))))
        actions.append(
            JointActionPlan(
                reference=f"S{cal.year}-JJJ-{n:02d}",
                title=f"{cal.year}年京津冀生态环境联合执法行动（第{n}次）",
                regions=regions,
                agency=lead,
                starts_on=starts,
                ends_on=starts + timedelta(days=rng.randint(2, 10)),
            )
        )
    seq = 0
    for action, sites in zip(
        actions, _spread(profile.collaboration_enterprises_checked, len(actions), rng), strict=True
    ):
        for _ in range(sites):
            seq += 1
            region = rng.choice([*action.regions, None])
            place = PLACES[region] if region is not None else "滨海"
            name = f"{place}{rng.choice(names.FIRM_WORDS)}{rng.choice(names.FIRM_TRADES)}有限公司"
            division = DIVISIONS[region] if region is not None else "120116"
            action.sites.append(
                SiteCheck(
                    name=name,
                    uscc=uscc_code(f"91{division}", 800_000_000 + seq)
                    if rng.random() < 0.6
                    else None,
                    region=region,
                    checked_on=between(rng, action.starts_on, action.ends_on),
                    officers=tuple(rng.sample(lead.stable, 2)),
                )
            )
    checked = [(a, no) for a in actions for no in range(1, len(a.sites) + 1)]
    found = [rng.choice(checked) for _ in range(profile.collaboration_problems_found)]
    for k, (action, site_no) in enumerate(found):
        day = action.sites[site_no - 1].checked_on
        rectified = None
        if k < profile.collaboration_problems_rectified:
            rectified = cal.clamp(day + timedelta(days=rng.choice((0, 0, 1, 3, 7))))
        action.problems.append(
            ActionProblem(
                site_no=site_no,
                description=rng.choice(PROBLEMS),
                found_on=day,
                rectified_on=rectified,
                on_the_spot=rectified == day,
            )
        )
    for action, count in zip(
        actions, _spread(profile.collaboration_meetings, len(actions), rng), strict=True
    ):
        for _ in range(count):
            held = between(rng, action.starts_on, action.ends_on)
            action.meetings.append(
                (held, f"{'、'.join(PLACES[r] for r in action.regions)}联合执法座谈会")
            )
    return actions
