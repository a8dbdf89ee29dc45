"""The bench's estimate of a quantile from a Prometheus histogram (the gateway's own command
durations), as Prometheus's ``histogram_quantile`` makes it."""

from __future__ import annotations

import math
from bisect import bisect_left

from hypothesis import given
from hypothesis import strategies as st

from infra.bench.env import histogram_quantile

INF = math.inf
BOUNDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, INF)


def cumulative(samples: list[float]) -> dict[float, float]:
    return {bound: float(sum(1 for s in samples if s <= bound)) for bound in BOUNDS}


def test_linear_inside_the_bucket_the_rank_falls_in() -> None:
    after = {0.005: 30.0, 0.01: 80.0, 0.025: 99.0, INF: 100.0}
    assert math.isclose(histogram_quantile(0.5, {}, after), 0.007)  # 0.005 + 0.005 * 20 / 50
    assert math.isclose(histogram_quantile(0.99, {}, after), 0.025)
    assert math.isclose(histogram_quantile(0.15, {}, after), 0.0025)  # the first from 0
    assert histogram_quantile(0.995, {}, after) == 0.025  # beyond: the largest finite bound


def test_only_what_was_counted_between_the_readings() -> None:
    before = {0.005: 100.0, 0.01: 100.0, 0.025: 100.0, INF: 100.0}
    after = {0.005: 100.0, 0.01: 100.0, 0.025: 150.0, INF: 150.0}
    assert math.isclose(histogram_quantile(0.5, before, after), 0.0175)
    assert math.isnan(histogram_quantile(0.5, before, before))


@given(
    st.lists(st.floats(min_value=0.0001, max_value=0.5), min_size=1, max_size=300),
    st.floats(min_value=0.01, max_value=0.99),
)
def test_the_estimate_lies_in_the_bucket_of_the_true_quantile(
    samples: list[float], q: float
) -> None:
    ordered = sorted(samples)
    true = ordered[max(0, math.ceil(q * len(ordered)) - 1)]
    index = bisect_left(BOUNDS, true)
    upper = BOUNDS[index]
    lower = BOUNDS[index - 1] if index else 0.0
    estimate = histogram_quantile(q, {}, cumulative(samples))
    if math.isinf(upper):
        assert estimate == BOUNDS[-2]
    else:
        assert lower <= estimate <= upper
