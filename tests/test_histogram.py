"""Histogram percentiles: within one bucket's width of PostgreSQL's percentile_cont."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from escalation import histogram
from escalation.services.reports import percentile

durations = st.lists(st.integers(min_value=0, max_value=400_000_000), min_size=1, max_size=300)


def counts_of(values: list[int]) -> dict[int, int]:
    return dict(Counter(histogram.bucket(v) for v in values))


@given(durations, st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
def test_percentile_is_within_a_bucket_of_the_exact_one(values: list[int], p: float) -> None:
    exact = percentile(sorted(map(float, values)), p)
    estimate = histogram.percentile(counts_of(values), p)
    assert estimate is not None
    assert abs(estimate - exact) <= (histogram.GAMMA - 1) * exact + 1e-9


@given(durations, durations)
def test_histograms_of_parts_add_up_to_the_whole(a: list[int], b: list[int]) -> None:
    dense: list[int] = []
    for part in (a, b, []):  # packed, as the rollup stores them, and added as it reads them
        histogram.add_packed(dense, histogram.pack(counts_of(part)))
    merged = histogram.unpack(dense)
    assert merged == counts_of(a + b)


@given(st.integers(min_value=1, max_value=10**10))
def test_a_value_lies_within_its_bucket(seconds: int) -> None:
    low, high = histogram.bounds(histogram.bucket(seconds))
    assert low <= seconds * (1 + 1e-12)
    assert seconds < high * (1 + 1e-12)


def test_zero_has_its_own_bucket_and_an_empty_histogram_no_percentile() -> None:
    assert histogram.bucket(0) == 0
    assert histogram.bounds(0) == (0.0, 0.0)
    assert histogram.percentile({0: 3}, 0.5) == 0.0
    assert histogram.percentile({}, 0.5) is None

