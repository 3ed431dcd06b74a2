"""Bar charts as SVG, computed here and drawn by a template macro; each chart is shown
with a table of its numbers, which is what assistive technology reads.

The layout is a list: each bar's label on its own line(s) above the bar, the value after
the bar. It is 320 units wide, so on a 320-pixel phone (288 px inside the page's margins)
it shrinks by a tenth at most and its 14-unit text stays above 12 px (WCAG 1.4.10 and
1.4.4); a side-by-side label column would have halved the text.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

WIDTH, BAR_MAX, BAR_H = 320, 240, 18
LINE_H, LABEL_CHARS, GAP = 18, 36, 10  # a label line; its length in characters (14 px)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader's locale writes it
    lines: list[str]  # the label, wrapped to the chart's width
    label_y: int  # the first label line's baseline
    y: int  # the bar's top
    width: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bar_h: int
    line_h: int
    bars: list[Bar]


def bars(rows: list[tuple[str, float, str]]) -> BarChart:
    """One horizontal bar per (label, value, text), scaled to the largest value."""
    top = max((value for _, value, _ in rows), default=0) or 1
    drawn: list[Bar] = []
    y = 4
    for label, value, text in rows:
        lines = textwrap.wrap(label, LABEL_CHARS) or [""]
        bar_y = y + len(lines) * LINE_H + 4
        drawn.append(Bar(label=label, value=value, text=text, lines=lines, label_y=y + 14,
                         y=bar_y, width=round(BAR_MAX * value / top)))
        y = bar_y + BAR_H + GAP
    return BarChart(width=WIDTH, height=y, bar_h=BAR_H, line_h=LINE_H, bars=drawn)
