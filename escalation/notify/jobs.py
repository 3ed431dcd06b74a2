"""The periodic jobs: take ids or nothing, open their own sessions, safe to run twice."""

from __future__ import annotations

import datetime as dt
import time

from escalation import db, runtime
from escalation.db import utcnow
from escalation.notify import deadlines, relay
from escalation.services import rollup


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


def report_rollup(now: dt.datetime | None = None, *, force: bool = False) -> str:
    """Refresh the report rollup once its newest snapshot is a refresh interval old.

    Offered every sweep interval, it refreshes every `rollup_every` seconds (to within
    half a sweep interval). The figures are read in one snapshot without holding any
    writer up, then stored in a short transaction of their own.
    """
    now = now or utcnow()
    settings = runtime.settings()
    fresh_since = now - dt.timedelta(seconds=settings.rollup_every - settings.sweep_every / 2)
    with db.reading(one_snapshot=True) as session:
        newest = rollup.newest(session)
        if not force and newest is not None and newest.taken_at > fresh_since:
            return f"fresh (taken {newest.taken_at:%Y-%m-%d %H:%M:%S} UTC)"
        started = time.monotonic()
        cells = rollup.take(session)
    with db.transaction() as session:
        snapshot = rollup.store(session, cells, now=now, seconds=time.monotonic() - started)
    return f"rolled up {snapshot.issues} issue(s) in {snapshot.seconds:.1f} s"


PERIODIC = (relay_sweep, deadline_sweep, report_rollup)

__all__ = ["PERIODIC", "deadline_sweep", "relay_sweep", "report_rollup"]
