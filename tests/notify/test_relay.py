"""The relay: sweeps side by side never hand over a row twice; periodic jobs once per interval."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator

import fakeredis
import pytest
from redis import Redis
from sqlalchemy import Engine, func, insert, select

from escalation import db, runtime
from escalation.config import Settings
from escalation.db import utcnow
from escalation.models import OutboxMessage
from escalation.notify import jobs, queue, relay, worker
from tests.notify.conftest import set_env


@pytest.fixture
def pg_relay(pg_url: str, fake_redis: Redis) -> Iterator[Engine]:
    """A committed PostgreSQL database of the test's own, RQ on fakeredis."""
    previous = db.engine
    db.engine = None
    engine = db.configure(pg_url)
    try:
        yield engine
    finally:
        engine.dispose()
        db.engine = previous
        if previous is not None:
            db.session_factory.configure(bind=previous)


def test_relays_side_by_side_hand_over_each_row_once(pg_relay: Engine,
                                                     fake_redis: Redis) -> None:
    now = utcnow()
    with pg_relay.begin() as conn:
        conn.execute(insert(OutboxMessage), [
            {"kind": "transition", "recipient": "backbone", "payload": {},
             "delivery_key": f"k{n}", "created_at": now, "attempts": 0}
            for n in range(300)
        ])
    handed: list[int] = []
    start = threading.Barrier(6)

    def sweep() -> None:
        start.wait()
        handed.append(relay.sweep(batch=7))

    threads = [threading.Thread(target=sweep) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(handed) == 300
    jobs_by_message = Counter(j.args[0] for j in queue.queue(fake_redis).get_jobs())
    assert len(jobs_by_message) == 300
    assert set(jobs_by_message.values()) == {1}
    with pg_relay.connect() as conn:
        waiting = conn.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.enqueued_at.is_(None)))
    assert waiting == 0


def test_periodic_jobs_are_enqueued_once_per_interval_however_many_workers() -> None:
    conn = fakeredis.FakeRedis()
    settings = Settings.from_env({"AUDIT_KEY": "k", "SECRET_KEY": "k",
                                  "NOTIFY_SWEEP_EVERY": "60"})
    offered = [worker.offer_periodic(conn, settings, f"worker{n}") for n in range(5)]
    assert offered[0] == ["relay_sweep", "deadline_sweep", "report_rollup",
                          "audit_checkpoint"]
    assert offered[1:] == [[]] * 4
    assert queue.queue(conn).count == 4


def test_the_worker_refuses_without_redis(monkeypatch: pytest.MonkeyPatch,
                                          settings_env: dict[str, str]) -> None:
    set_env(monkeypatch)
    with pytest.raises(ValueError, match="REDIS_URL"):
        worker.run(runtime.settings())


def test_serve_without_redis_runs_the_periodic_jobs_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = threading.Event()

    def relay_sweep() -> str:
        ran.set()
        return "ok"

    monkeypatch.setattr(jobs, "PERIODIC", (relay_sweep,))
    settings = Settings.from_env({"AUDIT_KEY": "k", "SECRET_KEY": "k",
                                  "NOTIFY_SWEEP_EVERY": "1"})
    handlers = list(worker.job_log.handlers)
    worker.job_log.handlers.clear()  # a handler on this test's stdout, removed after
    stop = worker.start_inline_sweeps(settings)
    try:
        assert ran.wait(5)
        time.sleep(0.1)
    finally:
        stop.set()
        worker.job_log.handlers[:] = handlers
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (line["event"], line["func"], line["status"]) == ("job", "relay_sweep", "finished")
