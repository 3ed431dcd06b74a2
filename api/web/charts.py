"""Bar charts as SVG, computed here and drawn by a template macro; each chart is shown
with a table of its numbers, which is what assistive technology reads.

The layout is a list: each bar's label on its own line(s) above the bar, the value after
the bar. The drawing has no viewBox: it is as wide as the page's column (a phone's 288 px,
a desktop's up to 48rem, web.css) and its lengths are CSS pixels, so its 14 px text is
14 px at every width (never below 12 px on a phone, WCAG 1.4.10 and 1.4.4, nor blown up
on a desktop), while the bars, drawn in percent of the width, use the room there is. A
320-unit drawing scaled to the column was either a phone's chart in a desktop's corner or,
made wider, text too small on a phone.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

# The longest bar in percent of the chart's width: the rest holds its value (on a 288 px
# phone, 72 px: "12 345" at 14 px).
BAR_MAX = 75.0
BAR_H, LINE_H, GAP = 18, 18, 10  # px: a bar, a label line, between one bar and the next
LABEL_CHARS = 36  # a label line's length in characters: 14 px text in a phone's 288 px


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader's locale writes it
    lines: list[str]  # the label, wrapped to the chart's width
    label_y: int  # the first label line's baseline
    y: int  # the bar's top
    percent: float  # the bar's length in percent of the chart's width


@dataclass(frozen=True)
class BarChart:
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
                         y=bar_y, percent=round(BAR_MAX * value / top, 2)))
        y = bar_y + BAR_H + GAP
    return BarChart(height=y, bar_h=BAR_H, line_h=LINE_H, bars=drawn)
