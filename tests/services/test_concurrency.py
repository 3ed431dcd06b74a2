"""Committed data, real connections: of many changes naming one version, exactly one wins."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from escalation.db import make_engine
from escalation.errors import Conflict
from escalation.migrate import upgrade
from escalation.models import AuditEvent, Issue
from escalation.services import issues
from tests.factories import issue_in, make_world

RACERS = 8


def test_one_of_many_concurrent_actions_wins(empty_url: str) -> None:
    upgrade(empty_url)
    eng = make_engine(empty_url)
    factory = sessionmaker(bind=eng, expire_on_commit=False)
    try:
        with factory.begin() as s:
            world = make_world(s)
            issue = issue_in(s, world, "submitted")
            reference, version = issue.reference, issue.version

        barrier = threading.Barrier(RACERS)
        results: list[str] = []

        def race() -> None:
            barrier.wait()
            try:
                with factory.begin() as s:
                    issues.transition(s, reference, actor=world.coordinator, action="forward",
                                      expected_version=version)
                results.append("ok")
            except Conflict:
                results.append("conflict")
            except Exception as exc:  # anything else is a bug, reported by the assert below
                results.append(f"error: {exc!r}")

        threads = [threading.Thread(target=race) for _ in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)

        assert Counter(results) == {"ok": 1, "conflict": RACERS - 1}, results
        with factory() as s:
            stored = s.scalar(select(Issue).where(Issue.reference == reference))
            assert stored is not None
            assert (stored.state, stored.version) == ("awaiting_statement", version + 1)
            forwards = s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.issue_id == stored.id, AuditEvent.action == "forward"))
            assert forwards == 1
    finally:
        eng.dispose()
