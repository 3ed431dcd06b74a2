"""Stage visits: how long each issue stays in each state, kept as the changes happen.

The reports' time-in-stage figures come from these rows. They are written inside the
change's own transaction (like the audit event), so the two can never disagree, and a
report never has to replay the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.models import Issue, StageVisit


def enter_first(session: Session, issue: Issue, now: dt.datetime) -> StageVisit:
    """Open the visit to the state a new issue starts in."""
    visit = StageVisit(issue_id=issue.id, region_id=issue.region_id, state=issue.state,
                       entered_at=now)
    session.add(visit)
    return visit


def move(session: Session, issue: Issue, now: dt.datetime, *,
         open_visit: StageVisit | None = None) -> None:
    """Close the open visit and open one for the issue's new state (if it changed).

    `open_visit` is the issue's open visit when the caller holds it already (a visit
    opened in this same transaction), which spares the query for it.
    """
    current = open_visit
    if current is None:
        # No autoflush: the caller's pending changes go out in the one flush below.
        with session.no_autoflush:
            current = session.scalar(
                select(StageVisit).where(StageVisit.issue_id == issue.id,
                                         StageVisit.left_at.is_(None))
            )
    if current is not None:
        if current.state == issue.state:
            return
        current.left_at = now
        current.seconds = max(0, int((now - current.entered_at).total_seconds()))
        if current not in session.new:
            session.flush()  # the open-visit index allows one open row: close before opening
    enter_first(session, issue, now)
