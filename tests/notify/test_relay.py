"""The relay: a commit hands its rows over once, a failed change none; sweeps side by side
never hand over a row twice; periodic jobs once per interval."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence

import fakeredis
import pytest
from redis import Redis
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from escalation import db, jobs, logs, runtime
from escalation.config import Settings
from escalation.db import utcnow
from escalation.models import OutboxMessage
from escalation.notify import queue, relay, worker
from escalation.services import issues
from tests.factories import World, new_issue
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
    offered = [worker.offer_periodic(conn, settings, f"worker{n}", jobs.PERIODIC) for n in range(5)]
    assert offered[0] == ["relay_sweep", "deadline_sweep", "agenda_sweep", "report_rollup",
                          "audit_checkpoint", "subscription_sweep", "webhook_sweep"]
    assert offered[1:] == [[]] * 4
    assert queue.queue(conn).count == 7


def test_the_worker_refuses_without_redis(monkeypatch: pytest.MonkeyPatch,
                                          settings_env: dict[str, str]) -> None:
    set_env(monkeypatch)
    with pytest.raises(ValueError, match="REDIS_URL"):
        worker.run(runtime.settings(), jobs.PERIODIC)


def test_serve_without_redis_runs_the_periodic_jobs_itself(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ran = threading.Event()

    def relay_sweep() -> str:
        ran.set()
        return "ok"

    caplog.set_level(logging.INFO, logger="escalation.jobs")
    settings = Settings.from_env({"AUDIT_KEY": "k", "SECRET_KEY": "k",
                                  "NOTIFY_SWEEP_EVERY": "1"})
    stop = worker.start_inline_sweeps(settings, (relay_sweep,))
    try:
        assert ran.wait(5)
        time.sleep(0.1)
    finally:
        stop.set()
    record = next(r for r in caplog.records if r.name == "escalation.jobs")
    line = json.loads(logs.formatter(json=True).format(record))  # as written off a terminal
    assert (line["event"], line["func"], line["status"]) == ("job", "relay_sweep", "finished")


class Recorder:
    """A relay that only notes what the commits hand it (db.OutboxRelay)."""

    def __init__(self, *, marks: bool) -> None:
        self.marks = marks
        self.handed: list[tuple[list[int], bool]] = []

    def marks_on_write(self) -> bool:
        return self.marks

    def after_commit(self, ids: Sequence[int], *, marked: bool) -> None:
        self.handed.append((list(ids), marked))


def _submit(session: Session, w: World) -> list[int]:
    issue = new_issue(session, w)
    issues.transition(session, issue.reference, actor=w.lead, action="submit",
                      expected_version=issue.version)
    return list(session.scalars(select(OutboxMessage.id)
                                .where(OutboxMessage.issue_id == issue.id)
                                .order_by(OutboxMessage.id)))


@pytest.mark.parametrize("marks", [True, False])
def test_the_commit_hands_its_rows_to_the_factorys_relay_once(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch, marks: bool) -> None:
    recorder = Recorder(marks=marks)
    monkeypatch.setattr(db.session_factory.class_, "relay", recorder)
    with db.transaction() as unit:
        ids = _submit(unit, world)
        assert recorder.handed == []  # not before the commit
    assert ids
    assert recorder.handed == [(ids, marks)]
    with db.transaction():
        pass
    assert recorder.handed == [(ids, marks)]  # a later commit hands nothing over again
    written = session.scalars(select(OutboxMessage.enqueued_at)
                              .where(OutboxMessage.id.in_(ids))).all()
    assert all((at is not None) is marks for at in written)


def test_a_change_that_fails_after_its_outbox_rows_hands_nothing_over(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(marks=True)
    monkeypatch.setattr(db.session_factory.class_, "relay", recorder)

    def change() -> None:
        with db.transaction() as unit:
            assert _submit(unit, world)
            raise RuntimeError("after the outbox write")

    with pytest.raises(RuntimeError):
        change()
    session.commit()
    assert recorder.handed == []
    assert session.scalars(select(OutboxMessage.id)).all() == []
