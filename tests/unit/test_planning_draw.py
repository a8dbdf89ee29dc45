"""The double-random draw: a pure function anyone can re-run from the published event."""

from __future__ import annotations

from datetime import datetime
from random import Random
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.planning import draw
from domain.planning.plan import InspectionPlan
from domain.planning.values import Period, PlanKind
from domain.values import DISTRICT_ZONE

ids = st.lists(st.uuids(), min_size=2, max_size=40, unique=True)
seeds = st.integers(min_value=0, max_value=2**63 - 1)


@st.composite
def draws(draw_: st.DrawFn) -> tuple[int, list[UUID], list[UUID], int, int]:
    entities = draw_(ids)
    officers = draw_(ids)
    return (
        draw_(seeds),
        entities,
        officers,
        draw_(st.integers(min_value=0, max_value=len(entities))),
        draw_(st.integers(min_value=2, max_value=len(officers))),
    )


@given(args=draws(), shuffle=st.randoms(use_true_random=False))
def test_the_draw_depends_only_on_its_inputs_not_their_order(
    args: tuple[int, list[UUID], list[UUID], int, int], shuffle: Random
) -> None:
    seed, entities, officers, n, per = args
    first = draw.draw(seed, entities, officers, n, per)
    shuffled_entities, shuffled_officers = list(entities), list(officers)
    shuffle.shuffle(shuffled_entities)
    shuffle.shuffle(shuffled_officers)
    assert draw.draw(seed, shuffled_entities, shuffled_officers, n, per) == first


@given(args=draws())
def test_the_draw_takes_distinct_candidates_in_the_numbers_asked(
    args: tuple[int, list[UUID], list[UUID], int, int],
) -> None:
    seed, entities, officers, n, per = args
    drawn = draw.draw(seed, entities, officers, n, per)
    assert len(drawn) == n
    assert len({d.entity_id for d in drawn}) == n
    assert {d.entity_id for d in drawn} <= set(entities)
    for d in drawn:
        assert len(set(d.officer_ids)) == per
        assert set(d.officer_ids) <= set(officers)


def test_a_known_draw_never_changes() -> None:
    """Pinned: a change of algorithm (or of Python's generator) must not pass unnoticed."""
    entities = [UUID(int=n) for n in range(1, 11)]
    officers = [UUID(int=n) for n in range(101, 106)]
    drawn = draw.draw(20230310, entities, officers, 3, 2)
    assert [d.entity_id.int for d in drawn] == PINNED_ENTITIES
    assert [[o.int for o in d.officer_ids] for d in drawn] == PINNED_OFFICERS


PINNED_ENTITIES = [6, 5, 3]
PINNED_OFFICERS = [[104, 105], [104, 102], [103, 104]]


def test_different_seeds_give_different_draws_eventually() -> None:
    entities = [uuid4() for _ in range(50)]
    officers = [uuid4() for _ in range(10)]
    results = {
        tuple(d.entity_id for d in draw.draw(s, entities, officers, 5, 2)) for s in range(20)
    }
    assert len(results) > 1


def test_asking_for_more_than_offered_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot draw 3 of 2 entities"):
        draw.draw(1, [uuid4(), uuid4()], [uuid4(), uuid4()], 3, 2)


@pytest.mark.usefixtures("as_system")
def test_rerunning_the_recorded_draw_reproduces_it() -> None:
    """Anyone holding the ``DoubleRandomDrawn`` event can check the draw was the function's."""
    plan = InspectionPlan.draw_up(
        plan_no="DR-1",
        kind=PlanKind.DOUBLE_RANDOM,
        agency_ids=[uuid4()],
        year=2023,
        title="双随机",
        item_codes=["MKT-001"],
        drawn_up_at=datetime(2023, 2, 1, 9, tzinfo=DISTRICT_ZONE),
    )
    entities = [uuid4() for _ in range(30)]
    officers = [uuid4() for _ in range(6)]
    plan.draw_at_random(
        seed=987654321,
        candidates=(entities, officers),
        counts=(4, 2),
        period=Period.model_validate({"first": "2023-04-01", "last": "2023-05-31"}),
        at=datetime(2023, 3, 1, 10, tzinfo=DISTRICT_ZONE),
    )
    (recorded,) = [
        e for e in plan.collect_events() if isinstance(e, InspectionPlan.DoubleRandomDrawn)
    ]
    rerun = draw.draw(
        recorded.seed,
        recorded.candidate_entity_ids,
        recorded.candidate_officer_ids,
        recorded.entities_to_draw,
        recorded.officers_per_entity,
    )
    assert rerun == recorded.drawn
    assert recorded.method == draw.METHOD
    assert [t.entity_id for t in plan.tasks.values()] == [d.entity_id for d in rerun]
    assert [t.officer_ids for t in plan.tasks.values()] == [d.officer_ids for d in rerun]
