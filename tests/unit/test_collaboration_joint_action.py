"""A joint enforcement action with partner regions, told as given / when / then."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.base import Aggregate
from domain.collaboration.case_transfer import CaseTransfer
from domain.collaboration.cross_regional_case import CrossRegionalCase
from domain.collaboration.joint_action import JointAction
from domain.collaboration.values import PartnerRegion
from domain.errors import RuleViolation
from domain.values import EnforcementDomain

pytestmark = pytest.mark.usefixtures("as_system")

ECO = uuid4()
OFFICERS = [uuid4(), uuid4()]
STARTS, ENDS = date(2023, 5, 8), date(2023, 5, 12)
KAFKA_TOPIC = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")


def an_action(
    regions: tuple[PartnerRegion, ...] = (PartnerRegion.CANGZHOU, PartnerRegion.TANGSHAN),
    reference: str = "JA-1",
) -> JointAction:
    return JointAction(
        reference=reference,
        title="联合联动执法",
        field=EnforcementDomain.ECOLOGY,
        regions=list(regions),
        agency_id=ECO,
        starts_on=STARTS,
        ends_on=ENDS,
    )


def checked(action: JointAction, region: PartnerRegion | None = PartnerRegion.TANGSHAN) -> int:
    return action.check_site("某钢铁公司", None, region, date(2023, 5, 9), OFFICERS)


def test_sites_problems_rectifications_and_meetings_rebuild_from_events() -> None:
    action = an_action()
    site = checked(action)
    problem = action.find_problem(site, "危废标识不全", date(2023, 5, 9))
    action.rectify(problem, date(2023, 5, 9), on_the_spot=True, note="当场整改")
    action.hold_meeting(date(2023, 5, 12), "座谈")
    assert action.all_rectified
    events = action.collect_events()
    state = None
    for event in events:
        state = event.mutate(state)
    assert state == action
    assert [type(e).TOPIC for e in events] == [  # type: ignore[attr-defined]
        "JointAction.Launched",
        "JointAction.SiteChecked",
        "JointAction.ProblemFound",
        "JointAction.ProblemRectified",
        "JointAction.MeetingHeld",
    ]


def test_every_event_carries_the_regions_and_the_lead_agency() -> None:
    action = an_action()
    site = checked(action)
    action.rectify(action.find_problem(site, "x", date(2023, 5, 9)), date(2023, 5, 10), False, "")
    action.hold_meeting(date(2023, 5, 12), "座谈")
    for event in action.collect_events():
        assert event.regions == [PartnerRegion.CANGZHOU, PartnerRegion.TANGSHAN]  # type: ignore[attr-defined]
        assert event.agency_id == ECO  # type: ignore[attr-defined]


@pytest.mark.parametrize("aggregate", [JointAction, CaseTransfer, CrossRegionalCase])
def test_every_collaboration_event_class_declares_regions(aggregate: type[Aggregate]) -> None:
    # The library adds a base ``Event`` and ``Created`` to each aggregate: not events it writes.
    events = [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, Aggregate.Event)
        and name not in {"Event", "Created"}
    ]
    assert len(events) >= 2
    for event_class in events:
        assert "regions" in event_class.model_fields, event_class.TOPIC


def test_partner_region_codes_make_kafka_topic_names() -> None:
    assert {"tangshan", "cangzhou", "langfang"} <= {r.value for r in PartnerRegion}
    for region in PartnerRegion:
        assert re.fullmatch(r"[a-z]+", region.value)
        assert KAFKA_TOPIC.fullmatch(f"partner.{region.value}.collaboration.v1")


def test_an_action_concerns_exactly_its_partner_regions() -> None:
    assert an_action().partner_regions() == frozenset({"tangshan", "cangzhou"})


@given(offset=st.integers(min_value=-5, max_value=10))
def test_sites_are_checked_within_the_action_dates(offset: int) -> None:
    action = an_action()
    day = STARTS + timedelta(days=offset)
    if STARTS <= day <= ENDS:
        action.check_site("x", None, None, day, OFFICERS)
    else:
        with pytest.raises(RuleViolation) as refused:
            action.check_site("x", None, None, day, OFFICERS)
        assert refused.value.rule == "within-action-dates"


def test_a_site_lies_in_the_district_or_a_partner_region_of_the_action() -> None:
    action = an_action()
    checked(action, region=None)
    with pytest.raises(RuleViolation) as refused:
        checked(action, region=PartnerRegion.LANGFANG)
    assert refused.value.rule == "site-in-action-regions"


def test_a_problem_is_found_at_a_checked_site_not_before_its_check() -> None:
    action = an_action()
    with pytest.raises(RuleViolation) as refused:
        action.find_problem(1, "x", date(2023, 5, 9))
    assert refused.value.rule == "problem-at-checked-site"
    site = checked(action)
    with pytest.raises(RuleViolation) as refused:
        action.find_problem(site, "x", date(2023, 5, 8))
    assert refused.value.rule == "collaboration-dates-in-order"


def test_a_problem_is_rectified_once_and_only_if_found() -> None:
    action = an_action()
    with pytest.raises(RuleViolation) as refused:
        action.rectify(1, date(2023, 5, 9), True, "")
    assert refused.value.rule == "rectify-found-problem"
    problem = action.find_problem(checked(action), "x", date(2023, 5, 9))
    with pytest.raises(RuleViolation) as refused:
        action.rectify(problem, date(2023, 5, 8), True, "")
    assert refused.value.rule == "collaboration-dates-in-order"
    action.rectify(problem, date(2023, 5, 9), True, "")
    with pytest.raises(RuleViolation) as refused:
        action.rectify(problem, date(2023, 5, 10), True, "")
    assert refused.value.rule == "rectify-once"


def test_the_report_s_environmental_figures_are_counted_from_events_alone() -> None:
    # 9 actions, 34 enterprises (sites) checked, 16 problems all rectified, 4 joint meetings.
    sites_per_action = [4, 4, 4, 4, 4, 4, 4, 3, 3]
    problems_per_action = [2, 2, 2, 2, 2, 2, 2, 1, 1]
    events: list[object] = []
    for n, (sites, problems) in enumerate(zip(sites_per_action, problems_per_action, strict=True)):
        action = an_action(reference=f"JA-{n}")
        numbers = [checked(action) for _ in range(sites)]
        for site in numbers[:problems]:
            problem = action.find_problem(site, "x", date(2023, 5, 9))
            action.rectify(problem, date(2023, 5, 9), on_the_spot=True, note="")
        if n % 2 == 0 and n < 8:
            action.hold_meeting(date(2023, 5, 12), "座谈")
        events.extend(action.collect_events())

    kinds = Counter(type(e).__name__ for e in events)
    launched = [e for e in events if isinstance(e, JointAction.Launched)]
    assert sum(e.field is EnforcementDomain.ECOLOGY for e in launched) == 9
    assert kinds["SiteChecked"] == 34
    assert kinds["ProblemFound"] == 16
    rectified = [e for e in events if isinstance(e, JointAction.ProblemRectified)]
    assert len(rectified) == 16 and all(e.on_the_spot for e in rectified)
    assert kinds["MeetingHeld"] == 4
