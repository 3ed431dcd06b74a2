"""The outbox relay: committed outbox rows become `deliver` jobs.

Twice over, so nothing waits long and nothing is lost: right after the commit that wrote
them, and by a periodic sweep that hands over whatever is still waiting: rows written
while Redis was down, and rows whose job was lost (a worker killed, a Redis restarted
empty). On PostgreSQL the sweep claims its rows with `FOR UPDATE SKIP LOCKED`, so relays
running side by side never hand over the same row twice; SQLite's writer lock
serializes them anyway.

Right after the commit is an explicit call, not a session event: `install()` gives a
session factory this relay, and its sessions' `commit()` (db.OutboxSession) calls
`after_commit` with the ids `outbox.add_for` wrote in that transaction. `create_app`
installs it for every app but a test's, and the command line for every command.

Handing over twice is harmless all the same: delivery is idempotent (deliver.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from redis import Redis
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from escalation import db, runtime
from escalation.db import utcnow
from escalation.models import OutboxMessage
from escalation.notify import deliver, queue, webhooks
from escalation.notify.models import Delivery, DeliveryStatus, WebhookDelivery

log = logging.getLogger(__name__)

BATCH = 500
_clients: dict[str, Redis] = {}


def _client(url: str) -> Redis:
    """One client (and its connection pool) per URL and process; redis-py is fork-aware."""
    if url not in _clients:
        _clients[url] = queue.connect(url)
    return _clients[url]


class Relay:
    """The relay as a session factory's `OutboxSession.relay` (db.OutboxRelay)."""

    def marks_on_write(self) -> bool:
        """With Redis, rows are written as handed over already (see `_hand_over_marked`)."""
        return bool(runtime.settings().redis_url)

    def after_commit(self, ids: Sequence[int], *, marked: bool) -> None:
        if marked:
            _hand_over_marked(ids)
        else:
            hand_off(ids)


RELAY = Relay()


def _factory_class(factory: sessionmaker[Any] | None) -> type[db.OutboxSession]:
    """The class `sessionmaker` made for this factory alone (one per factory)."""
    target = factory if factory is not None else db.session_factory
    if not issubclass(target.class_, db.OutboxSession):
        raise TypeError("the relay needs a factory of db.OutboxSession sessions")
    return target.class_


def install(factory: sessionmaker[Any] | None = None) -> None:
    """Relay the outbox rows of every transaction `factory`'s sessions commit (once each)."""
    _factory_class(factory).relay = RELAY


def uninstall(factory: sessionmaker[Any] | None = None) -> None:
    _factory_class(factory).relay = None


def installed(factory: sessionmaker[Any] | None = None) -> bool:
    """Whether `factory`'s sessions (by default the app's) hand their rows over at commit."""
    return _factory_class(factory).relay is not None


def run_inline(message_ids: Iterable[int]) -> None:
    """The embedded default: deliver now, in this process; failures wait for a sweep."""
    queue.run_inline("deliver", message_ids, deliver.run, deliver.NotYetDelivered)


def _mark_handed_over(session: Session, ids: Sequence[int], now: dt.datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.delivered_at.is_(None))
        .values(enqueued_at=now)
    )


def hand_off(ids: Sequence[int], *, now: dt.datetime | None = None) -> int:
    """Enqueue a `deliver` job per message (or deliver in-process); never raises.

    Called after a commit: the change is already made, so a Redis that is down is logged
    and left to the sweep, never turned into a failed request.
    """
    settings = runtime.settings()
    now = now or utcnow()
    try:
        if settings.redis_url:
            queue.enqueue_deliveries(_client(settings.redis_url), ids, settings)
            with db.transaction() as session:
                _mark_handed_over(session, ids, now)
        else:
            with db.transaction() as session:
                _mark_handed_over(session, ids, now)
            run_inline(ids)
    except queue.RedisError as exc:
        log.warning("outbox: Redis unreachable (%s); %d message(s) wait for the sweep",
                    exc, len(ids))
        return 0
    except Exception:  # the change is committed; whatever went wrong here, the sweep retries
        log.exception("outbox: handing over %d message(s) failed; the sweep retries", len(ids))
        return 0
    return len(ids)


def _hand_over_marked(ids: Sequence[int]) -> None:
    """Enqueue rows the change's own transaction already marked handed over; never raises.

    Marking them inside the change (`outbox.add_for`) spares every request a second
    transaction after its commit. If Redis refuses, the mark is taken back, so the next
    sweep hands them over; if even that fails (or the process dies right after the
    commit), the rows count as lost jobs and a sweep hands them over once
    `stale_after` has passed, as it does for any job lost on the way.
    """
    settings = runtime.settings()
    try:
        # Rows are marked only when there is a Redis; the `or ""` is for the type checker.
        queue.enqueue_deliveries(_client(settings.redis_url or ""), ids, settings)
    except Exception as exc:  # the change is committed; the sweep hands the rows over
        if isinstance(exc, queue.RedisError):
            log.warning("outbox: Redis unreachable (%s); %d message(s) wait for the sweep",
                        exc, len(ids))
        else:
            log.exception("outbox: handing over %d message(s) failed; the sweep retries",
                          len(ids))
        try:
            with db.transaction() as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids), OutboxMessage.delivered_at.is_(None))
                    .values(enqueued_at=None)
                )
        except Exception:
            log.exception("outbox: %d message(s) wait until they count as stale", len(ids))


def sweep(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Hand over every message still waiting; how many. Raises if Redis is unreachable."""
    settings = runtime.settings()
    now = now or utcnow()
    stale = now - dt.timedelta(seconds=settings.stale_after)
    def having(status: DeliveryStatus) -> Any:
        return exists().where(Delivery.outbox_id == OutboxMessage.id, Delivery.status == status)

    # Failed deliveries wait for a person; the message's other deliveries still go.
    still_to_try = or_(~having(DeliveryStatus.FAILED), having(DeliveryStatus.PENDING))
    waiting = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.delivered_at.is_(None),
            or_(OutboxMessage.enqueued_at.is_(None), OutboxMessage.enqueued_at < stale),
            still_to_try,
        )
        .order_by(OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    total = 0
    while True:
        with db.transaction() as session:
            ids = list(session.scalars(waiting))
            if ids and settings.redis_url:
                # Inside the transaction, while the rows are locked: a relay beside this
                # one skips them, and if Redis refuses, nothing is marked.
                queue.enqueue_deliveries(_client(settings.redis_url), ids, settings)
            if ids:
                _mark_handed_over(session, ids, now)
        if ids and not settings.redis_url:
            run_inline(ids)
        total += len(ids)
        if len(ids) < batch:
            return total


def sweep_webhooks(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Hand over every webhook delivery still pending that no job holds (never handed
    over, or its lease older than `stale_after`); how many. Raises if Redis is away."""
    settings = runtime.settings()
    now = now or utcnow()
    waiting = webhooks.waiting(now, settings, batch)
    total = 0
    while True:
        with db.transaction() as session:
            ids = list(session.scalars(waiting))
            if ids and settings.redis_url:  # while locked, as `sweep` does
                queue.enqueue_webhooks(_client(settings.redis_url), ids, settings)
            if ids:
                session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids))
                                .values(enqueued_at=now))
        if ids and not settings.redis_url:
            webhooks.run_inline(ids)
        total += len(ids)
        if len(ids) < batch:
            return total


__all__ = ["RELAY", "Relay", "hand_off", "install", "installed", "run_inline", "sweep",
           "sweep_webhooks", "uninstall"]
