"""`escalation worker`: RQ's worker with its scheduler, the periodic sweeps, a line per job.

The periodic jobs (escalation/jobs.py, handed in by the caller so that notify/ need not
import what they use) are offered here, by the service, not in a crontab: a ticker thread
in every worker offers each sweep once per `sweep_every` seconds, and a Redis key set
with NX (expiring after the interval) lets only one worker of many enqueue it. When Redis
restarts empty the key is gone too, and the next tick enqueues the sweep at once.

RQ's scheduler runs in a forked process; the database pool is dropped in any child,
so no connection is ever shared across processes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import rq
from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import StopRequested

from escalation import db, logs, metrics
from escalation.config import Settings
from escalation.notify import queue

job_log = logs.job_log
log = logging.getLogger(__name__)
PERIODIC_KEY = "escalation:periodic:{}"


class Worker(rq.SimpleWorker):
    """RQ's worker, running jobs in its own process, writing one JSON line per job.

    Not RQ's default fork per job: the jobs are short and mostly wait on the database
    and the mail server, and a forked horse starts cold every time (a new database
    connection, SQL and templates compiled anew), which made each delivery twice as
    slow. Job timeouts still hold (RQ's SIGALRM death penalty); a job that kills the
    process is handed over again by the sweep once the supervisor restarts the worker.
    """

    stop_asked = False
    # RQ backs off up to a minute while Redis is away; a ping every two seconds is cheap
    # and gets the backlog moving as soon as Redis is back.
    max_connection_wait_time = 2.0

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_asked = True  # RQ's own flag is set only when a job is running
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call] # rq leaves it untyped

    last_error: str | None = None

    def handle_job_failure(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> Any:
        exc_string = kwargs.get("exc_string") or (args[1] if len(args) > 1 else "")
        lines = str(exc_string or "").strip().splitlines()
        self.last_error = lines[-1] if lines else None
        return super().handle_job_failure(job, queue, *args, **kwargs)

    def perform_job(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> bool:
        """Run the job under no request id until it names one (a delivery adopts its
        outbox row's), and write its line under that id."""
        started = time.monotonic()
        self.last_error = None
        with logs.job_scope() as box:
            ok = bool(super().perform_job(job, queue, *args, **kwargs))  # rq 3: `execution`
            line: dict[str, Any] = {"job_id": job.id, "worker": self.name}
            if ok:
                status = "finished"
                line["result"] = job.return_value()
            else:
                got = job.get_status(refresh=True)
                status = "retry" if got in ("scheduled", "queued") else "failed"
                line["retries_left"] = job.retries_left
                line["error"] = self.last_error
            seconds = time.monotonic() - started
            func = job.func_name.rsplit(".", 1)[-1]
            metrics.JOB_SECONDS.labels(job=func, status=status).observe(seconds)
            logs.job_line(func, list(job.args), status, seconds, box[0], **line)
        return ok


def _drop_pool_in_child() -> None:
    if db.engine is not None:
        db.engine.dispose(close=False)  # the parent's connections stay the parent's


Periodic = tuple[Callable[..., Any], ...]


def offer_periodic(conn: Redis, settings: Settings, name: str, funcs: Periodic) -> list[str]:
    """Enqueue each periodic job nobody has enqueued in this interval; their names."""
    q = queue.queue(conn)
    offered = []
    for func in funcs:
        if conn.set(PERIODIC_KEY.format(func.__name__), name, nx=True,
                    ex=max(1, settings.sweep_every)):
            q.enqueue(func, description=f"{func.__name__}()", result_ttl=600,
                      failure_ttl=86400)
            offered.append(func.__name__)
    return offered


def _tick(conn: Redis, settings: Settings, name: str, funcs: Periodic,
          stop: threading.Event) -> None:
    while True:
        try:
            offer_periodic(conn, settings, name, funcs)
        except RedisError as exc:  # Redis away: RQ's own loop waits for it too
            log.warning("periodic jobs: Redis unreachable: %s", exc)
        if stop.wait(min(1.0, settings.sweep_every)):
            return


def configure_logging() -> None:
    """The service's log lines on stderr (escalation/logs.py: JSON unless on a terminal);
    RQ's own chatter only when something is wrong."""
    logs.configure()


_fork_hook = threading.Lock()
_fork_hooked: list[bool] = []


def run(settings: Settings, periodic: Periodic, *, burst: bool = False) -> None:
    """Work the queue until stopped (or, with `burst`, until it is empty), offering the
    `periodic` jobs once per sweep interval."""
    if not settings.redis_url:
        raise ValueError("the worker needs REDIS_URL")
    conn = queue.connect(settings.redis_url, patient=True)
    conn.ping()
    configure_logging()
    with _fork_hook:
        if not _fork_hooked:
            os.register_at_fork(after_in_child=_drop_pool_in_child)
            _fork_hooked.append(True)
    stop = threading.Event()
    ticker: threading.Thread | None = None
    try:
        while True:
            worker = Worker([queue.queue(conn)], connection=conn)
            if ticker is None:
                ticker = threading.Thread(
                    target=_tick, args=(conn, settings, worker.name, periodic, stop),
                    name="periodic", daemon=True)
                ticker.start()
            try:
                worker.work(with_scheduler=True, burst=burst, logging_level="WARNING")
            except RedisError as exc:  # raised by RQ's teardown when Redis went away
                log.warning("worker: Redis went away: %s", exc)
            # RQ's worker quits when Redis goes away under it; this one waits for Redis
            # and works on. A stop asked for by a signal (RQ's flag) or a burst ends here.
            if burst or worker.stop_asked:
                return
            try:
                if not _wait_for_redis(conn, worker):
                    return
            except StopRequested:  # RQ's signal handler, still in place, says stop
                return
    finally:
        stop.set()


def _wait_for_redis(conn: Redis, worker: Worker) -> bool:
    """Wait until Redis answers (True), or until a signal asks the worker to stop (False)."""
    pause = 0.5
    while not worker.stop_asked:
        try:
            if conn.ping():
                log.warning("worker: Redis is back; working on")
                return True
        except RedisError:
            pass
        time.sleep(pause)
        pause = min(pause * 2, 2.0)
    return False


def run_periodic_inline(funcs: Periodic) -> None:
    """Run each periodic job here and now, one JSON line each (the embedded default)."""
    for func in funcs:
        started = time.monotonic()
        with logs.timed_job(func.__name__, []) as line:
            try:
                line["result"] = func()
            except Exception as exc:  # logged like a failed job; the next round tries again
                line.update(status="failed", error=repr(exc))
            finally:
                metrics.JOB_SECONDS.labels(
                    job=func.__name__, status=str(line.get("status", "finished"))
                ).observe(time.monotonic() - started)


def start_inline_sweeps(settings: Settings, periodic: Periodic) -> threading.Event:
    """Without Redis there is no worker: run the sweeps in a thread; set the event to stop."""
    configure_logging()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            run_periodic_inline(periodic)
            stop.wait(settings.sweep_every)

    threading.Thread(target=loop, name="periodic", daemon=True).start()
    return stop


__all__ = ["Periodic", "Worker", "configure_logging", "offer_periodic", "run",
           "run_periodic_inline", "start_inline_sweeps"]
