"""Alternating rounds: every contender runs once per round, so a noisy machine moves all."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence

from escalation.services import reports


def rates(contenders: Mapping[str, Callable[[], None]], *, rounds: int,
          seconds: float) -> dict[str, float]:
    """Median calls a second of each contender over `rounds` interleaved rounds."""
    for run in contenders.values():  # warm caches and imports before timing
        run()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            calls = 0
            start = time.perf_counter()
            elapsed = 0.0
            while elapsed < seconds:
                run()
                calls += 1
                elapsed = time.perf_counter() - start
            samples[name].append(calls / elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, interpolated as the reports interpolate; NaN if none."""
    return reports.percentile(sorted(values), q) if values else float("nan")


def latencies(calls: Mapping[str, Callable[[], object]], *,
              requests: int) -> dict[str, list[float]]:
    """Milliseconds of each call, `requests` times, in alternating rounds (each warmed once
    first: plans, caches)."""
    for run in calls.values():
        run()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(requests):
        for name, run in calls.items():
            start = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def against_floor(samples: Mapping[str, list[float]], floor: str,
                  target_ms: float) -> list[tuple[str, ...]]:
    """A row per call: p50, p95, p95 as a multiple of the floor's p95, and whether the p95
    meets `target_ms` (the floor itself is not judged)."""
    floor_p95 = percentile(samples[floor], 0.95)
    rows = []
    for name, values in samples.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        verdict = "" if name == floor else "met" if p95 < target_ms else "MISSED"
        rows.append((name, f"{p50:.1f}", f"{p95:.1f}", f"{p95 / floor_p95:.1f}x", verdict))
    return rows
