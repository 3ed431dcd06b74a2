"""The periodic jobs: take ids or nothing, open their own sessions, safe to run twice."""

from __future__ import annotations

import datetime as dt

from escalation import db
from escalation.db import utcnow
from escalation.notify import deadlines, relay


def relay_sweep(now: dt.datetime | None = None) -> str:
    """Hand over every outbox message that still waits (Redis was down, a job was lost)."""
    return f"handed over {relay.sweep(now=now or utcnow())}"


def deadline_sweep(now: dt.datetime | None = None) -> str:
    """Write the reminders and overdue notices that are due, then hand them over."""
    now = now or utcnow()
    with db.transaction() as session:
        ids = deadlines.sweep(session, now=now)
    if ids:
        relay.hand_off(ids, now=now)
    return f"wrote {len(ids)} notice(s)"


PERIODIC = (relay_sweep, deadline_sweep)

__all__ = ["PERIODIC", "deadline_sweep", "relay_sweep"]
