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


def test_fifty_concurrent_retries_with_one_idempotency_key(
        empty_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One issue is created; every other racer replays its 201 or is told to retry (409)."""
    upgrade(empty_url)
    engine = db.make_engine(empty_url, pool_size=10, max_overflow=45, pool_timeout=60)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "session_factory", factory)
    try:
        with factory.begin() as s:
            world = make_world(s)
            token, _ = people.create_token(s, email=world.lead.email)
        app = create_app({"TESTING": True})
        barrier = threading.Barrier(RACERS)
        answers: list[tuple[int, str | None, str | None, str | None]] = []
        body = {"title": "Perhekeskuksen rahoitus", "description": "Kuka maksaa?",
                "region": "uusimaa", "category": "funding"}

        def race() -> None:
            client = app.test_client()
            barrier.wait()
            response = client.post("/api/v1/issues", json=body, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": "one-form-send"})
            reference = (response.get_json(silent=True) or {}).get("reference")
            answers.append((response.status_code, reference,
                            response.headers.get("Retry-After"), response.mimetype))

        threads = [threading.Thread(target=race) for _ in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(answers) == RACERS
        statuses = Counter(status for status, *_ in answers)
        assert set(statuses) <= {201, 409}, (statuses, answers)
        assert statuses[201] >= 1
        assert len({ref for status, ref, *_ in answers if status == 201}) == 1
        for status, _, retry_after, mimetype in answers:
            if status == 409:
                assert retry_after is not None
                assert retry_after.isdigit()
                assert mimetype == "application/problem+json"
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(Issue)) == 1
    finally:
        engine.dispose()
