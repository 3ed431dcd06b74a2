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


def enter_first(session: Session, issue: Issue, now: dt.datetime) -> None:
    """Open the visit to the state a new issue starts in."""
    session.add(StageVisit(issue_id=issue.id, region_id=issue.region_id, state=issue.state,
                           entered_at=now))


def move(session: Session, issue: Issue, now: dt.datetime) -> None:
    """Close the open visit and open one for the issue's new state (if it changed)."""
    current = session.scalar(
        select(StageVisit).where(StageVisit.issue_id == issue.id, StageVisit.left_at.is_(None))
    )
    if current is not None:
        if current.state == issue.state:
            return
        current.left_at = now
        current.seconds = max(0, int((now - current.entered_at).total_seconds()))
        session.flush()  # the open-visit index allows one open row: close before opening
    enter_first(session, issue, now)
