"""The workflow drawn as an SVG arc diagram, computed from the definition itself.

States stand in a column in the order the definition lists them; a transition to a
later state is an arc on the right, back to an earlier one an arc on the left. Arcs
that overlap get separate lanes so none hides another.
"""

from __future__ import annotations

from dataclasses import dataclass

from escalation.workflow.definition import Workflow

BOX_W, BOX_H, GAP = 400, 36, 22
LANE = 14


@dataclass(frozen=True)
class Box:
    state: str
    x: int
    y: int
    current: bool

    @property
    def cy(self) -> int:
        return self.y + BOX_H // 2


@dataclass(frozen=True)
class Arc:
    action: str
    source: str
    target: str
    path: str


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    box_w: int
    box_h: int
    boxes: list[Box]
    arcs: list[Arc]


def _lanes(spans: list[tuple[int, int]]) -> list[int]:
    """Give each interval the lowest lane that no overlapping interval holds."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i][1] - spans[i][0], spans[i]))
    taken: list[list[tuple[int, int]]] = []
    lane_of = [0] * len(spans)
    for i in order:
        lo, hi = spans[i]
        for lane, used in enumerate(taken):
            if all(hi <= a or lo >= b for a, b in used):
                used.append((lo, hi))
                lane_of[i] = lane
                break
        else:
            taken.append([(lo, hi)])
            lane_of[i] = len(taken) - 1
    return lane_of


def draw(wf: Workflow, current: str | None) -> Diagram:
    names = list(wf.states)
    index = {n: i for i, n in enumerate(names)}
    pairs = list(dict.fromkeys(
        (t.action, s, t.target) for t in wf.transitions for s in sorted(t.sources, key=index.get)
        if s in index and t.target in index and s != t.target))
    near = [p for p in pairs if index[p[2]] - index[p[1]] == 1]
    forward = [p for p in pairs if index[p[2]] - index[p[1]] > 1]
    backward = [p for p in pairs if index[p[2]] < index[p[1]]]
    left_lanes = _lanes([tuple(sorted((index[s], index[t]))) for _, s, t in backward])  # type: ignore[misc]
    right_lanes = _lanes([(index[s], index[t]) for _, s, t in forward])
    margin_left = 24 + LANE * (max(left_lanes, default=-1) + 1)
    margin_right = 24 + LANE * (max(right_lanes, default=-1) + 1)
    boxes = [Box(n, margin_left, 8 + i * (BOX_H + GAP), n == current)
             for i, n in enumerate(names)]
    at = {b.state: b for b in boxes}
    arcs: list[Arc] = []
    for action, s, t in near:
        x = margin_left + BOX_W // 2
        arcs.append(Arc(action, s, t, f"M{x} {at[s].y + BOX_H} V{at[t].y - 2}"))
    for (action, s, t), lane in zip(forward, right_lanes, strict=True):
        x0 = margin_left + BOX_W
        lx = x0 + 12 + LANE * lane
        y0, y1 = at[s].cy + 6, at[t].cy - 6
        arcs.append(Arc(action, s, t, f"M{x0} {y0} H{lx} V{y1} H{x0 + 2}"))
    for (action, s, t), lane in zip(backward, left_lanes, strict=True):
        x0 = margin_left
        lx = x0 - 12 - LANE * lane
        y0, y1 = at[s].cy - 6, at[t].cy + 6
        arcs.append(Arc(action, s, t, f"M{x0} {y0} H{lx} V{y1} H{x0 - 2}"))
    height = 16 + len(names) * (BOX_H + GAP) - GAP
    return Diagram(width=margin_left + BOX_W + margin_right, height=height, box_w=BOX_W,
                   box_h=BOX_H, boxes=boxes, arcs=arcs)
