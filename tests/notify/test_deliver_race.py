"""Two workers delivering two messages of one step at once still mail a person once.

PostgreSQL only: SQLite has one writer at a time, so its jobs cannot plan side by side.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from escalation import db
from escalation.models import OutboxMessage
from escalation.notify import deliver, recipients
from escalation.services import issues
from tests.factories import issue_in, make_actor, make_world
from tests.notify.conftest import Inbox, set_env

pytestmark = pytest.mark.pg


@pytest.fixture
def pg_engine(pg_url: str, settings_env: dict[str, str]) -> Iterator[Engine]:
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


def test_two_workers_of_one_step_mail_a_person_in_both_bodies_once(
    pg_engine: Engine, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, fake_redis: Redis
) -> None:
    set_env(monkeypatch, SMTP_URL=inbox.url)
    with Session(pg_engine) as session:
        world = make_world(session)
        both = make_actor(session, "both@bodies.test", ["coordinator", "stakeholder_member"])
        issue = issue_in(session, world, "awaiting_decision")
        issues.transition(session, issue.reference, actor=world.ministry_chair,
                          action="request_statements", expected_version=issue.version,
                          data={"request": "Lisää lausuntoja."})
        event = session.scalar(select(OutboxMessage.audit_event_id)
                               .order_by(OutboxMessage.id.desc()).limit(1))
        step = list(session.scalars(select(OutboxMessage.id)
                                    .where(OutboxMessage.audit_event_id == event)))
        session.commit()
    assert len(step) == 2  # stakeholders and backbone
    inbox.mails.clear()

    # Each job, once it resolves people, waits (up to a second) for the other job to
    # resolve too: without the step's lock both plan `both`, with it the second job
    # cannot start planning until the first has committed, and the wait just ends.
    resolving = threading.Barrier(2)
    real_resolve = recipients.resolve

    def slow_resolve(*args: Any, **kw: Any) -> Any:
        people = real_resolve(*args, **kw)
        with contextlib.suppress(threading.BrokenBarrierError):
            resolving.wait(timeout=1)
        return people

    monkeypatch.setattr(recipients, "resolve", slow_resolve)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(message_id: int) -> None:
        start.wait()
        try:
            deliver.run(message_id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(m,)) for m in step]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(inbox.to(both.email)) == 1
    assert len(inbox.to(world.coordinator.email)) == 1
    assert len(inbox.to(world.member.email)) == 1
