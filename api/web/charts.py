"""Bar charts as SVG, computed here and drawn by a template macro; each chart is shown
with a table of its numbers, which is what assistive technology reads."""

from __future__ import annotations

from dataclasses import dataclass

LABEL_W, BAR_MAX, VALUE_W, ROW_H, BAR_H = 300, 360, 90, 30, 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader's locale writes it
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_w: int
    bar_h: int
    bars: list[Bar]


def bars(rows: list[tuple[str, float, str]]) -> BarChart:
    """One horizontal bar per (label, value, text), scaled to the largest value."""
    top = max((value for _, value, _ in rows), default=0) or 1
    drawn = [Bar(label=label, value=value, text=text, y=6 + i * ROW_H,
                 width=round(BAR_MAX * value / top)) for i, (label, value, text) in
             enumerate(rows)]
    return BarChart(width=LABEL_W + BAR_MAX + VALUE_W, height=12 + len(rows) * ROW_H,
                    label_w=LABEL_W, bar_h=BAR_H, bars=drawn)
