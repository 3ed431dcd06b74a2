"""Where jobs go: RQ on the Redis of `REDIS_URL`, or, without it, run here and now.

The embedded default has no Redis: the same `deliver` job runs in-process right after
the commit (relay.run_inline), and what fails waits for the next sweep, as it would wait
for RQ's retry.

The jobs are named by their import path, not imported: the jobs themselves hand work
on (a mail job the webhooks its step fans out to), so they import this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry

from escalation import logs
from escalation.config import Settings

QUEUE = "escalation"
# A request must not wait for a Redis that is down: one quick try, then the outbox waits.
CONNECT_TIMEOUT = 1.0
log = logging.getLogger(__name__)

DELIVER = "escalation.notify.deliver.deliver"
DELIVER_WEBHOOK = "escalation.notify.webhooks.deliver_webhook"


def connect(url: str, *, patient: bool = False) -> Redis:
    """A Redis connection; `patient` ones (the worker's) retry, the others give up at once."""
    if patient:
        return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    return Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=5,
                          retry=RedisRetry(NoBackoff(), 0))


def queue(conn: Redis) -> Queue:
    return Queue(QUEUE, connection=conn)


def retry_of(settings: Settings) -> Retry | None:
    intervals = list(settings.retry_intervals)
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def enqueue_deliveries(conn: Redis, message_ids: Sequence[int], settings: Settings) -> None:
    """One `deliver` job per message, in one round trip; raises RedisError if Redis is away."""
    _enqueue(conn, DELIVER, "deliver", message_ids, settings)


def enqueue_webhooks(conn: Redis, delivery_ids: Sequence[int], settings: Settings) -> None:
    """One `deliver_webhook` job per webhook delivery, retried as mails are; raises
    RedisError if Redis is away."""
    _enqueue(conn, DELIVER_WEBHOOK, "deliver_webhook", delivery_ids, settings)


def _enqueue(conn: Redis, func: str, name: str, ids: Sequence[int],
             settings: Settings) -> None:
    if not ids:
        return
    q = queue(conn)
    retry = retry_of(settings)
    q.enqueue_many([
        Queue.prepare_data(func, args=(one,), retry=retry, description=f"{name}({one})",
                           result_ttl=3600, failure_ttl=7 * 86400)
        for one in ids
    ])


def run_inline(name: str, ids: Iterable[int], run: Callable[[int], object],
               later: type[Exception]) -> None:
    """The embedded default: run a job per id now, in this process, each with its job line
    under the caller's request id; `later` (the job's "not yet, retry") is a retry, any
    other error a failure that does not stop the others. What fails waits for a sweep."""
    for one in ids:
        with logs.timed_job(name, [one], logs.current_request_id()) as line:
            try:
                line["result"] = str(run(one))
            except later as exc:
                line.update(status="retry", error=str(exc))
            except Exception as exc:  # one broken job must not stop the others
                log.exception("%s(%s) failed", name, one)
                line.update(status="failed", error=repr(exc))


__all__ = ["DELIVER", "DELIVER_WEBHOOK", "QUEUE", "RedisError", "connect",
           "enqueue_deliveries", "enqueue_webhooks", "queue", "retry_of", "run_inline"]
