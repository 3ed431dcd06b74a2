"""Committed data, real connections: sweeps running at once write each meeting reminder
once, and two leads writing their region's report at once leave one report."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from escalation.db import make_engine
from escalation.migrate import upgrade
from escalation.models import MeetingBody, OutboxMessage, Region, SituationReport
from escalation.notify import deadlines
from escalation.policy import Actor
from escalation.services import action_items, situation
from tests.factories import make_actor, make_world, meeting

RACERS = 6
NOW = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)


def _race(factory: sessionmaker[Session], work: Callable[[Session], object]) -> list[str]:
    barrier = threading.Barrier(RACERS)
    results: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            with factory.begin() as s:
                work(s)
            results.append("ok")
        except Exception as exc:  # anything is a bug, reported by the caller's assert
            results.append(f"error: {exc!r}")

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_sweeps_at_once_write_each_reminder_once(empty_url: str) -> None:
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
            m = meeting(s, MeetingBody.WORKING_GROUP, world.ministry_chair,
                        starts_at=NOW - dt.timedelta(hours=1))
            action_items.create(s, m.id, actor=world.coordinator, what="Tee", now=NOW,
                                due=dt.date(2027, 1, 10), assignee_id=world.lead.user_id)
            meeting(s, MeetingBody.REGIONS, world.coordinator,
                    starts_at=NOW + dt.timedelta(days=2))
        results = _race(factory, lambda s: deadlines.sweep(s, now=NOW))
        assert results == ["ok"] * RACERS
        results = _race(factory, lambda s: deadlines.sweep(s, now=NOW + dt.timedelta(days=9)))
        assert results == ["ok"] * RACERS
        with factory() as s:
            kinds = dict(s.execute(select(OutboxMessage.kind, func.count())
                                   .group_by(OutboxMessage.kind)).all())
        # Two regions in the world: one situation reminder each.
        assert kinds == {"action_item_reminder": 1, "action_item_overdue": 1,
                         "situation_reminder": 2}
    finally:
        eng.dispose()


def test_two_leads_of_a_region_writing_at_once_leave_one_report(empty_url: str) -> None:
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
            region = s.get(Region, next(iter(world.lead.lead_regions)))
            assert region is not None
            code = region.code
            leads: list[Actor] = [world.lead, *(
                make_actor(s, f"lead{i}@race.test", ["regional_lead"], region=code)
                for i in range(RACERS - 1))]
            m = meeting(s, MeetingBody.REGIONS, world.coordinator,
                        starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).id
        turn = iter(leads)
        lock = threading.Lock()

        def write(s: Session) -> object:
            with lock:
                lead = next(turn)
            return situation.put(s, m, code, actor=lead, learned=f"{lead.email}",
                                 planned="", now=dt.datetime.now(dt.UTC))

        assert _race(factory, write) == ["ok"] * RACERS
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(SituationReport)) == 1
    finally:
        eng.dispose()
