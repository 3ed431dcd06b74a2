"""50 requests race to act on one issue with the same version: one 200, 49 409s, one event."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from api import create_app
from escalation import db
from escalation.migrate import upgrade
from escalation.models import AuditEvent, Issue
from escalation.services import people
from tests.factories import issue_in, make_world

RACERS = 50


def test_fifty_concurrent_requests_one_winner(empty_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(empty_url)
    engine = db.make_engine(empty_url, pool_size=10, max_overflow=45, pool_timeout=60)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "session_factory", factory)
    try:
        with factory.begin() as s:
            world = make_world(s)
            issue = issue_in(s, world, "submitted")
            reference, version = issue.reference, issue.version
            token, _ = people.create_token(s, email=world.coordinator.email)
        app = create_app({"TESTING": True})
        barrier = threading.Barrier(RACERS)
        statuses: list[int] = []

        def race() -> None:
            client = app.test_client()
            barrier.wait()
            response = client.post(
                f"/api/v1/issues/{reference}/transitions",
                json={"action": "forward", "expected_version": version},
                headers={"Authorization": f"Bearer {token}"})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=race) for _ in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert Counter(statuses) == {200: 1, 409: RACERS - 1}
        with factory() as s:
            stored = s.scalar(select(Issue).where(Issue.reference == reference))
            assert stored is not None
            assert (stored.state, stored.version) == ("awaiting_statement", version + 1)
            assert s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.issue_id == stored.id, AuditEvent.action == "forward")) == 1
    finally:
        engine.dispose()
