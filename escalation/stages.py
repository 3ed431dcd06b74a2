"""Stage visits: how long each issue stays in each state, kept as the changes happen.

The reports' time-in-stage figures come from these rows. They are written inside the
change's own transaction (like the audit event), so the two can never disagree, and a
report never has to replay the audit log.

They are written with Core statements: nothing reads them back within the change, so
the unit of work's bookkeeping would buy nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, exists, extract, func, insert, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from escalation.db import UTCDateTime
from escalation.models import Issue, StageVisit

VISITS = cast(Table, StageVisit.__table__)


def _opened(issue: Issue, state: str, now: dt.datetime) -> dict[str, Any]:
    return {"issue_id": issue.id, "region_id": issue.region_id, "state": state,
            "entered_at": now, "left_at": None, "seconds": None}


def enter_first(session: Session, issue: Issue, now: dt.datetime) -> None:
    """Open the visit to the state a new issue starts in."""
    session.execute(insert(VISITS), [_opened(issue, issue.state, now)])


def enter_and_leave(session: Session, issue: Issue, first_state: str,
                    now: dt.datetime) -> None:
    """A new issue that left its first state at once: that visit (0 s) and the open one.

    One INSERT of two rows: the closed visit is not open, so the one-open-visit index
    holds whatever order the rows go in.
    """
    if first_state == issue.state:
        enter_first(session, issue, now)
        return
    session.execute(insert(VISITS), [
        {**_opened(issue, first_state, now), "left_at": now, "seconds": 0},
        _opened(issue, issue.state, now),
    ])


# `move` on PostgreSQL: one statement, built once (it runs on every change). Its
# parameters are named apart from the columns they set, as SQLAlchemy requires.
_NOW = bindparam("now", type_=UTCDateTime())
_ISSUE = bindparam("visit_issue", type_=Integer())
_STATE = bindparam("visit_state", type_=VISITS.c.state.type)
_CLOSED = (
    update(VISITS)
    .where(VISITS.c.issue_id == _ISSUE, VISITS.c.left_at.is_(None), VISITS.c.state != _STATE)
    .values(left_at=_NOW, seconds=func.greatest(
        0, sql_cast(func.floor(extract("epoch", _NOW - VISITS.c.entered_at)), Integer)))
    .returning(VISITS.c.id)
    .cte("closed")
)
_MOVE = insert(VISITS).from_select(
    ["issue_id", "region_id", "state", "entered_at"],
    select(_ISSUE, bindparam("visit_region", type_=Integer()), _STATE, _NOW)
    .where(
        # The statement's snapshot still shows the visit the CTE closes as open, so the
        # test is for an open visit in the new state (which is kept, as before).
        ~exists().where(VISITS.c.issue_id == _ISSUE, VISITS.c.left_at.is_(None),
                        VISITS.c.state == _STATE),
        # Read before the row is made, so the close has run when the new visit goes in:
        # the one-open-visit index sees the old visit closed.
        select(func.count()).select_from(_CLOSED).scalar_subquery() >= 0,
    )
)


def move(session: Session, issue: Issue, from_state: str, now: dt.datetime) -> None:
    """Close the open visit and open one for the issue's new state (if it changed).

    On PostgreSQL in one statement that reads nothing back: a data-modifying CTE closes
    the open visit (computing its seconds itself, as `_seconds` does), and the INSERT
    adds the new visit unless one in the new state is open already.
    """
    if session.get_bind().dialect.name != "postgresql":
        _move_reading_first(session, issue, now)
        return
    if from_state == issue.state:
        return
    session.execute(_MOVE, {"visit_issue": issue.id, "visit_region": issue.region_id,
                            "visit_state": issue.state, "now": now})


def _seconds(entered_at: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((now - entered_at).total_seconds()))


def _move_reading_first(session: Session, issue: Issue, now: dt.datetime) -> None:
    """`move` where the database cannot subtract times portably (SQLite): read, then write."""
    current = session.execute(
        select(VISITS.c.id, VISITS.c.state, VISITS.c.entered_at)
        .where(VISITS.c.issue_id == issue.id, VISITS.c.left_at.is_(None))
    ).first()
    if current is not None:
        if current.state == issue.state:
            return
        # The open-visit index allows one open row: close it before opening the next.
        session.execute(
            update(VISITS).where(VISITS.c.id == current.id)
            .values(left_at=now, seconds=_seconds(current.entered_at, now))
        )
    enter_first(session, issue, now)
