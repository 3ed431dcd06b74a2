"""The periodic jobs: take ids or nothing, open their own sessions, safe to run twice.

They live beside the services, not in notify/: they use notify/ (the relay, the
deadlines) and services/ (the report rollup), and services/ uses notify/ (the admin's
mail pages), so inside notify/ they made a loop between the folders. From here
notify/ never imports services/ (tests/test_layout.py); the worker (notify/worker.py)
is handed `PERIODIC` by its caller, the command line.
"""

from __future__ import annotations

import datetime as dt
import time
from functools import partial

from sqlalchemy import func, select

from escalation import checkpoint, db, metrics, runtime
from escalation.db import utcnow
from escalation.models import OutboxMessage
from escalation.notify import checkpoint_mail, deadlines, relay, smtp
from escalation.progress import Progress
from escalation.services import meetings, rollup, subscriptions


def relay_sweep(now: dt.datetime | None = None) -> str:
    """Hand over every outbox message that still waits (Redis was down, a job was lost)."""
    return f"handed over {relay.sweep(now=now or utcnow())}"


def webhook_sweep(now: dt.datetime | None = None) -> str:
    """Hand over every webhook delivery that still waits (docs/webhooks.md)."""
    return f"handed over {relay.sweep_webhooks(now=now or utcnow())}"


def deadline_sweep(now: dt.datetime | None = None) -> str:
    """Write the reminders and overdue notices that are due, then hand them over."""
    now = now or utcnow()
    with db.transaction() as session:
        ids = deadlines.sweep(session, now=now)
        kinds = session.execute(select(OutboxMessage.kind, func.count())
                                .where(OutboxMessage.id.in_(ids))
                                .group_by(OutboxMessage.kind)).all() if ids else []
        for kind, written in kinds:
            metrics.on_commit(session, partial(metrics.REMINDERS.labels(kind=kind).inc, written))
    if ids:
        relay.hand_off(ids, now=now)
    return f"wrote {len(ids)} notice(s)"


def agenda_sweep(now: dt.datetime | None = None) -> str:
    """Publish the agendas due (`AGENDA_DAYS_BEFORE` days before their meeting) with
    their mails (the commit hands them to the relay, as any change's)."""
    now = now or utcnow()
    with db.transaction() as session:
        published = meetings.publish_due(session, now=now,
                                         days_before=runtime.settings().agenda_days_before)
    return f"published {len(published)} agenda(s)"


def report_rollup(now: dt.datetime | None = None, *, force: bool = False,
                  progress: Progress | None = None) -> str:
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
        cells = rollup.take(session, progress, now=now)
    with db.transaction() as session:
        snapshot = rollup.store(session, cells, now=now, seconds=time.monotonic() - started)
    return f"rolled up {snapshot.issues} issue(s) in {snapshot.seconds:.1f} s"


def audit_checkpoint(now: dt.datetime | None = None, *, force: bool = False) -> str:
    """Write a signed checkpoint of the audit log once the newest is an interval old.

    Offered every sweep interval, it writes one every `checkpoint_every` seconds (to
    within half a sweep interval), into the checkpoint folder of the host that runs it;
    a copy goes by mail when `AUDIT_CHECKPOINT_MAIL` is set.
    """
    now = now or utcnow()
    settings = runtime.settings()
    folder = settings.checkpoints
    newest = checkpoint.newest(folder)
    due = now - dt.timedelta(seconds=settings.checkpoint_every - settings.sweep_every / 2)
    if not force and newest is not None and checkpoint.taken_at(newest) > due:
        return f"fresh ({newest.name})"
    with db.reading(one_snapshot=True) as session:
        doc = checkpoint.take(session, settings.audit_key, now=now)
    path = checkpoint.write(folder, doc)
    said = f"wrote {path} ({doc['issues']} issue(s), {doc['events']} event(s))"
    if settings.checkpoint_mail:
        try:
            checkpoint_mail.send(path, doc, settings)
        except (OSError, smtp.SendError) as exc:  # the file is written; the next one mails
            return f"{said}; mailing it to {settings.checkpoint_mail} failed: {exc}"
        said += f"; mailed to {settings.checkpoint_mail}"
    return said


def subscription_sweep(now: dt.datetime | None = None) -> str:
    """Delete the public subscriptions never confirmed whose link has expired (issue 18):
    an address nobody confirmed is not kept."""
    with db.transaction() as session:
        purged = subscriptions.purge(session, now=now or utcnow())
    return f"deleted {purged} unconfirmed subscription(s)"


PERIODIC = (relay_sweep, deadline_sweep, agenda_sweep, report_rollup, audit_checkpoint,
            subscription_sweep, webhook_sweep)

__all__ = ["PERIODIC", "agenda_sweep", "audit_checkpoint", "deadline_sweep", "relay_sweep",
           "report_rollup", "subscription_sweep", "webhook_sweep"]
