"""Bar charts of the reports page, computed here and drawn by a template macro.

A chart is an HTML list: each row its label (a link to the issues behind the figure, where
there is a list of them), a bar and the number. Its text is the page's own text, so it
wraps on a phone and is never smaller than the page's; each bar is a small SVG stretched
to its share of the row (a `width` attribute: the CSP allows no inline style). The same
numbers are in a table inside a collapsed "Show as a table", for whoever prefers one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the reader's locale writes it
    percent: float  # of the largest value, 0 to 100
    href: str | None = None  # the list of the issues behind the figure
    # A second figure of the row with its own list: the stage chart's issues measured.
    more: int | None = None
    more_href: str | None = None


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]


Row = tuple[str, float, str, str | None]  # label, value, text, link
MoreRow = tuple[str, float, str, str | None, int, str | None]


def bars(rows: list[Row] | list[MoreRow]) -> BarChart:
    """One bar per row, scaled to the largest value."""
    top = max((row[1] for row in rows), default=0) or 1
    drawn = []
    for row in rows:
        label, value, text, href = row[:4]
        more, more_href = (row[4], row[5]) if len(row) == 6 else (None, None)
        drawn.append(Bar(label=label, value=value, text=text,
                         percent=round(100 * value / top, 2), href=href, more=more,
                         more_href=more_href))
    return BarChart(bars=drawn)
