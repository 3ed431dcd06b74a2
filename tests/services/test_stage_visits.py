"""Stage visits written by the changes: the seconds a visit lasted, as Python counts them.

On PostgreSQL the database computes them in the closing UPDATE; they must agree with the
reading-first path's `int(total_seconds())`, whole seconds cut off, never below zero.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue, StageVisit
from tests.factories import World, act, draft_at

T0 = dt.datetime(2026, 3, 2, 9, 0, 0, 900_000, tzinfo=dt.UTC)


def visits(session: Session, issue: Issue) -> list[tuple[str, int | None]]:
    rows = session.scalars(select(StageVisit).where(StageVisit.issue_id == issue.id)
                           .order_by(StageVisit.id))
    return [(v.state, v.seconds) for v in rows]


@pytest.mark.parametrize(("later", "seconds"), [
    (dt.timedelta(seconds=4, microseconds=200_000), 4),  # 4.2 s: cut, not rounded
    (dt.timedelta(seconds=4, microseconds=600_000), 4),  # 4.6 s: cut, not rounded
    (dt.timedelta(days=35, hours=2, microseconds=1), 35 * 86400 + 7200),
    (dt.timedelta(0), 0),
    (-dt.timedelta(seconds=3, microseconds=500_000), 0),  # a clock set back: never negative
])
def test_a_closed_visit_keeps_the_whole_seconds_it_lasted(
    session: Session, world: World, later: dt.timedelta, seconds: int
) -> None:
    issue = draft_at(session, world, T0)
    act(session, issue, world.lead, "submit", T0 + later)
    assert visits(session, issue) == [("draft", seconds), ("submitted", None)]
    act(session, issue, world.coordinator, "request_clarification", T0 + later + later,
        message="Mitä kuntia?")
    assert visits(session, issue) == [("draft", seconds), ("submitted", seconds),
                                      ("clarification_requested", None)]


def test_create_and_submit_writes_a_closed_and_an_open_visit(session: Session,
                                                             world: World) -> None:
    issue = draft_at(session, world, T0, submit=True)
    assert visits(session, issue) == [("draft", 0), ("submitted", None)]
    rows = session.scalars(select(StageVisit).where(StageVisit.issue_id == issue.id)).all()
    assert all(v.entered_at == T0 and v.region_id == issue.region_id for v in rows)
    assert [v.left_at for v in rows] == [T0, None]
