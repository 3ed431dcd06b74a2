"""Idempotency keys under concurrency: a claim waits, replays, or says "in progress"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import sessionmaker

from escalation import db, idempotency
from escalation.errors import InProgress
from escalation.migrate import upgrade
from tests.conftest import scratch_pg_database
from tests.factories import make_world


@pytest.mark.pg
def test_a_claim_held_too_long_is_in_progress_and_a_rolled_back_one_frees_the_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "WAIT", dt.timedelta(milliseconds=200))
    with scratch_pg_database("idem") as url:
        upgrade(url)
        engine = db.make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            with factory.begin() as s:
                user_id = make_world(s).lead.user_id
            now = db.utcnow()
            claim = {"user_id": user_id, "key": "k1", "request_hash": "h", "now": now}
            first = factory()
            first.begin()
            assert idempotency.claim(first, **claim) is None  # taken, still at work
            with pytest.raises(InProgress) as waited, factory.begin() as second:
                idempotency.claim(second, **claim)
            assert waited.value.retry_after == idempotency.RETRY_AFTER
            first.rollback()  # the first request failed: its claim goes with it
            first.close()
            with factory.begin() as third:
                assert idempotency.claim(third, **claim) is None
                idempotency.fill(third, user_id=user_id, key="k1", status=201, body="{}",
                                 headers={})
            with factory.begin() as fourth:
                stored = idempotency.claim(fourth, **claim)
            assert stored == idempotency.Stored(status=201, body="{}", headers={})
        finally:
            engine.dispose()
