"""The Prometheus counters and histograms the core moves, each counted when its change commits.

A transition, a delivery's outcome or a written reminder counts once its transaction has
committed (`on_commit`), not when it was attempted: a step refused by the database, or a
minutes item's step rolled back in its savepoint, counts nowhere, as it happened nowhere.
A failed sign-in counts when it is refused (the throttle's charge is committed anyway).

Labels are closed lists the code defines (a workflow's action names, an outbox kind, a
job's function name, a fixed outcome): never an id, an address or a path, so a series
cannot multiply with the data.

Processes: with `PROMETHEUS_MULTIPROC_DIR` set before the process starts, each process
(every gunicorn worker, the RQ worker on the same host) writes its figures into that
folder and `/metrics` adds them up (prometheus-client's multiprocess mode); without it,
they live in the process that serves `/metrics` (the embedded `escalation serve`, whose
sweeps run in that process). docs/monitoring.md says which figures come from where.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import Counter, Histogram, disable_created_metrics
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from escalation.db import OutboxSession

# No `_created` twin of every series: one timestamp per label set, of no use to an alert.
disable_created_metrics()  # type: ignore[no-untyped-call] # untyped upstream

TRANSITIONS = Counter(
    "escalation_transitions", "Workflow steps taken (committed), by action.", ["action"])
DELIVERIES = Counter(
    "escalation_deliveries",
    "E-mail delivery attempts by outcome: sent, retry (will be tried again), failed "
    "(out of attempts or refused), dropped (no longer applies).", ["outcome"])
WEBHOOK_DELIVERIES = Counter(
    "escalation_webhook_deliveries",
    "Webhook delivery attempts by outcome: sent (2xx), retry (will be tried again), "
    "failed (out of attempts, or the endpoint disabled before it went).", ["outcome"])
REMINDERS = Counter(
    "escalation_reminders",
    "Reminders and overdue notices written by the deadline sweep, by kind.", ["kind"])
SIGNIN_FAILURES = Counter(
    "escalation_signin_failures",
    "Sign-ins refused: wrong (unknown e-mail or wrong password) or throttled.", ["reason"])
JOB_SECONDS = Histogram(
    "escalation_job_duration_seconds",
    "How long each job took (the worker's and the in-process sweeps), by job and status.",
    ["job", "status"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))

_PENDING = "escalation_metrics_on_commit"


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Call `count` once the session's transaction commits; forget it if that (or the
    savepoint it was noted in) rolls back."""
    place = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((place, count))


def _within(place: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while place is not None:
        if place is ended:
            return True
        place = place.parent
    return False


@event.listens_for(OutboxSession, "after_commit")
def _counted(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released (SQLAlchemy says "commit"): its parent may roll back
    for _place, count in session.info.pop(_PENDING, []):
        count()


@event.listens_for(OutboxSession, "after_soft_rollback")
def _forgotten(session: Session, previous: SessionTransaction) -> None:
    pending: list[tuple[Any, Callable[[], None]]] = session.info.get(_PENDING, [])
    if previous.parent is None:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [(place, count) for place, count in pending
                              if not _within(place, previous)]


@event.listens_for(OutboxSession, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost: committed (counted above) or not
        session.info.pop(_PENDING, None)


__all__ = ["DELIVERIES", "JOB_SECONDS", "REMINDERS", "SIGNIN_FAILURES", "TRANSITIONS",
           "WEBHOOK_DELIVERIES", "on_commit"]
