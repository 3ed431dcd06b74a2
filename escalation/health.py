"""Readiness probes: whether this service can do its work now, and the figures behind it.

One place for what "ready" means, read by `/readyz` (a load balancer, compose's and
systemd's health checks) and by `/metrics` (the gauges of the outbox and the rollup are
these figures, taken at scrape time, so they are right whichever host runs the worker).
`/healthz` asks nothing of this module: it says only that the process answers.

Ready means: the database answers; its schema is at the newest migration this code
knows (an empty or half-upgraded database is not ready, though `SELECT 1` works there);
Redis answers when `REDIS_URL` is set (without it the jobs run in-process, and there is
nothing to ask); the oldest outbox message still to be delivered is younger than
`READY_OUTBOX_AGE`; the report rollup's newest snapshot is younger than
`READY_ROLLUP_AGE`. A message whose delivery failed for good waits for a person (the
administration's failed deliveries), not for the machinery: it is counted apart, as
`failed_deliveries`, and does not make the service unready; the metrics alert on it.
A rollup never taken yet (a new installation before its first sweep) is not stale.

Every probe has a short time limit and none raises: a failure is a named check with
what failed, in words that give away no address or password (the answer is public).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import exists, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from escalation import db, migrate
from escalation.config import Settings
from escalation.db import utcnow
from escalation.models import OutboxMessage, ReportSnapshot
from escalation.notify import queue
from escalation.notify.models import Delivery, DeliveryStatus

# The checks, in the order they are made and shown.
CHECKS = ("database", "migration", "redis", "outbox", "rollup")


@dataclass(frozen=True)
class Check:
    """One probe's outcome: whether it passed, what it found, and what failed if not."""

    name: str
    ok: bool
    found: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.found, **({"error": self.error} if self.error else {})}


@dataclass(frozen=True)
class Report:
    """Every check's outcome; ready when all passed."""

    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "unavailable", "failed": self.failed,
                "checks": {check.name: check.as_json() for check in self.checks}}


@cache
def newest_revisions() -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code (read once)."""
    return frozenset(migrate.newest())


def _skipped(name: str, why: str) -> Check:
    return Check(name, False, error=f"not checked: {why}")


def _migration(session: Any) -> Check:
    current = frozenset(migrate.current(session.connection()))
    newest = newest_revisions()
    found = {"current": sorted(current), "newest": sorted(newest)}
    if current == newest:
        return Check("migration", True, found)
    if not current:
        error = "the database has no schema: run `escalation db upgrade`"
    elif current - set(_known_revisions()):
        error = "the database is at a migration this version does not know (a newer one?)"
    else:
        error = "the database is at an older migration: run `escalation db upgrade`"
    return Check("migration", False, found, error)


@cache
def _known_revisions() -> tuple[str, ...]:
    return tuple(rev.revision for rev in migrate.script().walk_revisions())


def _age(since: dt.datetime | None, now: dt.datetime) -> float | None:
    return None if since is None else round(max(0.0, (now - since).total_seconds()), 3)


def _outbox(session: Any, settings: Settings, now: dt.datetime) -> Check:
    """The messages still to be delivered by the machinery: how many, and the oldest."""
    def having(status: DeliveryStatus) -> Any:
        return exists().where(Delivery.outbox_id == OutboxMessage.id, Delivery.status == status)

    # As the relay's sweep: a message with a failed delivery waits for a person, unless
    # another of its deliveries is still pending.
    waiting = (OutboxMessage.delivered_at.is_(None),
               or_(~having(DeliveryStatus.FAILED), having(DeliveryStatus.PENDING)))
    backlog, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(*waiting)).one()
    failed = session.scalar(select(func.count()).select_from(Delivery)
                            .where(Delivery.status == DeliveryStatus.FAILED))
    if oldest is not None and not isinstance(oldest, dt.datetime):  # SQLite's MIN is text
        oldest = dt.datetime.fromisoformat(str(oldest))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    age = _age(oldest, now)
    limit = settings.ready_outbox_age
    found = {"backlog": int(backlog), "oldest_age_seconds": age,
             "failed_deliveries": int(failed or 0), "limit_seconds": limit or None}
    if limit and age is not None and age > limit:
        return Check("outbox", False, found,
                     f"the oldest message waiting to be delivered is {age:.0f} s old "
                     f"(limit {limit} s): is the worker running, the mail server answering?")
    return Check("outbox", True, found)


def _rollup(session: Any, settings: Settings, now: dt.datetime) -> Check:
    """How old the report rollup's newest snapshot is."""
    taken = session.scalar(select(func.max(ReportSnapshot.taken_at)))
    if taken is not None and not isinstance(taken, dt.datetime):  # SQLite's MAX is text
        taken = dt.datetime.fromisoformat(str(taken))
    if taken is not None and taken.tzinfo is None:
        taken = taken.replace(tzinfo=dt.UTC)
    age = _age(taken, now)
    limit = settings.rollup_age_limit
    found = {"age_seconds": age, "limit_seconds": limit or None}
    if limit and age is not None and age > limit:
        return Check("rollup", False, found,
                     f"the report rollup was refreshed {age:.0f} s ago (limit {limit} s): "
                     "are the periodic sweeps running?")
    return Check("rollup", True, found)


def _redis(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check("redis", True, {"configured": False})
    client = queue.connect(settings.redis_url)
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        return Check("redis", False, {"configured": True},
                     f"Redis does not answer ({type(exc).__name__})")
    finally:
        client.close()
    return Check("redis", True, {"configured": True})


def _in_reading(name: str, probe: Any) -> Check:
    """Run one probe in a read-only unit of its own, so one failure spoils no other."""
    try:
        with db.reading() as session:
            result: Check = probe(session)
            return result
    except SQLAlchemyError as exc:
        return Check(name, False, error=f"the query failed ({type(exc).__name__})")


def probe(settings: Settings, *, now: dt.datetime | None = None) -> Report:
    """Make every check, in `CHECKS` order; never raises."""
    now = now or utcnow()
    checks: list[Check] = []
    try:
        with db.reading() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        checks.append(Check("database", False,
                            error=f"the database does not answer ({type(exc).__name__})"))
        checks.append(_skipped("migration", "the database does not answer"))
    else:
        checks.append(Check("database", True))
        checks.append(_in_reading("migration", _migration))
    checks.append(_redis(settings))
    if checks[1].ok:
        checks.append(_in_reading("outbox", lambda s: _outbox(s, settings, now)))
        checks.append(_in_reading("rollup", lambda s: _rollup(s, settings, now)))
    else:
        why = ("the database does not answer" if not checks[0].ok
               else "the schema is not at the newest migration")
        checks.append(_skipped("outbox", why))
        checks.append(_skipped("rollup", why))
    return Report(tuple(checks))


__all__ = ["CHECKS", "Check", "Report", "newest_revisions", "probe"]
