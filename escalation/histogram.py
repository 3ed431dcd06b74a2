"""Log-scale histograms of durations: percentiles of millions of stays from a few numbers.

Exact percentiles need every value, sorted, for the very population asked about; at a
national scale that is seconds of work per request. A histogram with buckets a fixed
ratio wide (`GAMMA`) keeps the relative error of any percentile within one bucket's
width (0.5 %), and histograms of disjoint populations add up: the report rollup stores one
per region and visibility, and a request adds the ones its reader may see.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping

GAMMA = 1.005
LOG_GAMMA = math.log(GAMMA)


def bucket(seconds: float) -> int:
    """0 holds zero-length stays; bucket b ≥ 1 holds [GAMMA**(b-1), GAMMA**b)."""
    if seconds < 1:
        return 0
    return 1 + int(math.log(seconds) / LOG_GAMMA)


def bounds(b: int) -> tuple[float, float]:
    if b <= 0:
        return 0.0, 0.0
    return GAMMA ** (b - 1), GAMMA**b


def pack(counts: Mapping[int, int]) -> list[int]:
    """`[first bucket, its count, the next bucket's count, ...]`, or `[]` when empty.

    Dense, because a stored histogram is read on every request: JSON parses a flat list
    of numbers ten times faster than as many `[bucket, count]` pairs.
    """
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [first, *(counts.get(b, 0) for b in range(first, last + 1))]


def add_packed(into: list[int], packed: list[int]) -> None:
    """Add a packed histogram to a dense one (index = bucket), growing it as needed."""
    if not packed:
        return
    first, counts = packed[0], packed[1:]
    end = first + len(counts)
    if end > len(into):
        into.extend([0] * (end - len(into)))
    into[first:end] = map(operator.add, into[first:end], counts)


def unpack(dense: list[int]) -> dict[int, int]:
    return {b: n for b, n in enumerate(dense) if n}


def percentile(counts: Mapping[int, int], p: float) -> float | None:
    """PostgreSQL's percentile_cont (interpolated between closest ranks), estimated.

    The k-th smallest value is placed inside its bucket as if the bucket's values were
    spread evenly over it; the answer then interpolates between two ranks as
    percentile_cont does. None for an empty histogram.
    """
    n = sum(counts.values())
    if n == 0:
        return None
    position = p * (n - 1)
    low = int(position)
    high = min(low + 1, n - 1)
    ordered = sorted((b, c) for b, c in counts.items() if c > 0)
    x_low, x_high = _ranked(ordered, low), _ranked(ordered, high)
    return x_low + (x_high - x_low) * (position - low)


def _ranked(ordered: list[tuple[int, int]], rank: int) -> float:
    seen = 0
    for b, c in ordered:
        if rank < seen + c:
            lo, hi = bounds(b)
            return lo + (hi - lo) * (rank - seen + 0.5) / c
        seen += c
    raise IndexError(rank)  # pragma: no cover - rank < n by construction


__all__ = [
    "GAMMA", "LOG_GAMMA", "add_packed", "bounds", "bucket", "pack", "percentile", "unpack",
]
