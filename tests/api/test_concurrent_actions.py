"""50 requests race to act on one issue with the same version: one 200, 49 409s, one event."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from api import create_app
from escalation import db, idempotency
from escalation.migrate import upgrade
from escalation.models import AuditEvent, Issue
from escalation.services import people
from tests.conftest import scratch_pg_database
from tests.factories import REQUEST, issue_in, make_world

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
                json={"action": "forward", "expected_version": version, "data": REQUEST},
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


@pytest.mark.pg
def test_a_retry_while_the_first_request_is_still_at_work_is_409_with_retry_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first request holds its key (its transaction is open) longer than a retry waits."""
    monkeypatch.setattr(idempotency, "WAIT", dt.timedelta(milliseconds=200))
    with scratch_pg_database("inprogress") as url:
        upgrade(url)
        engine = db.make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        monkeypatch.setattr(db, "session_factory", factory)
        try:
            with factory.begin() as s:
                world = make_world(s)
                token, _ = people.create_token(s, email=world.lead.email)
            body = {"title": "Perhekeskuksen rahoitus", "description": "Kuka maksaa?",
                    "region": "uusimaa", "category": "funding"}
            identity = idempotency.fingerprint("POST", "/api/v1/issues", body)
            with factory() as first, first.begin():
                assert idempotency.claim(first, user_id=world.lead.user_id, key="slow-1",
                                         request_hash=identity, now=db.utcnow()) is None
                retry = create_app({"TESTING": True}).test_client().post(
                    "/api/v1/issues", json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "slow-1"})
            assert retry.status_code == 409
            assert retry.mimetype == "application/problem+json"
            assert retry.headers["Retry-After"] == str(idempotency.RETRY_AFTER)
            assert retry.get_json()["type"] == "/api/problems/request-in-progress"
            with factory() as s:
                assert s.scalar(select(func.count()).select_from(Issue)) == 0
        finally:
            engine.dispose()
