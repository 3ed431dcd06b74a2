"""Where jobs go: RQ on the Redis of `REDIS_URL`, or, without it, run here and now.

The embedded default has no Redis: the same `deliver` job runs in-process right after
the commit, and what fails waits for the next sweep, as it would wait for RQ's retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry

from escalation import logs
from escalation.config import Settings
from escalation.notify import deliver

QUEUE = "escalation"
# A request must not wait for a Redis that is down: one quick try, then the outbox waits.
CONNECT_TIMEOUT = 1.0

log = logging.getLogger(__name__)


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
    if not message_ids:
        return
    q = queue(conn)
    retry = retry_of(settings)
    q.enqueue_many([
        Queue.prepare_data(deliver.deliver, args=(mid,), retry=retry,
                           description=f"deliver({mid})", result_ttl=3600, failure_ttl=7 * 86400)
        for mid in message_ids
    ])


def run_inline(message_ids: Iterable[int]) -> None:
    """The embedded default: deliver now, in this process; failures wait for a sweep."""
    for mid in message_ids:
        # Under the caller's request id (a request's own commit) until the row names one.
        with logs.timed_job("deliver", [mid], logs.current_request_id()) as line:
            try:
                line["result"] = str(deliver.run(mid))
            except deliver.NotYetDelivered as exc:
                line.update(status="retry", error=str(exc))
            except Exception as exc:  # one broken message must not stop the others
                log.exception("delivering outbox message %s failed", mid)
                line.update(status="failed", error=repr(exc))


__all__ = ["QUEUE", "RedisError", "connect", "enqueue_deliveries", "queue", "retry_of",
           "run_inline"]
