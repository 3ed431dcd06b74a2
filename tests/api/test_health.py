"""`/healthz` says the process answers; `/readyz` names each readiness check and what failed.

Before issue 19 `/healthz` ran `SELECT 1` and said "ok" on an empty database nobody had
migrated; now that is `/readyz`'s 503 naming the migration.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from escalation import db, health, runtime
from escalation.db import utcnow
from escalation.models import OutboxMessage, ReportSnapshot
from escalation.notify.models import Delivery, DeliveryStatus
from tests.conftest import free_port, need
from tests.notify.test_real_services import REDIS_SERVER, RedisServer


@pytest.fixture
def app(session: Session) -> Flask:
    return create_app({"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _message(session: Session, *, age: dt.timedelta) -> OutboxMessage:
    row = OutboxMessage(kind="submitted", recipient="coordinator",
                        delivery_key=f"test-{uuid.uuid4().hex}", created_at=utcnow() - age)
    session.add(row)
    session.flush()
    return row


def test_a_migrated_database_is_ready(client: FlaskClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "ready"
    assert body["failed"] == []
    assert set(body["checks"]) == set(health.CHECKS)
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["migration"]["current"] == body["checks"]["migration"]["newest"]
    # The embedded default has no REDIS_URL: the jobs run in-process, nothing to ask.
    assert body["checks"]["redis"] == {"ok": True, "configured": False}
    assert "Retry-After" not in answer.headers


@pytest.fixture
def unmigrated(empty_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's sessions on an empty database: it answers `SELECT 1`, but has no schema."""
    engine = db.make_engine(empty_url)
    monkeypatch.setattr(db, "session_factory",
                        sessionmaker(bind=engine, class_=db.OutboxSession))
    try:
        yield empty_url
    finally:
        engine.dispose()


def test_an_empty_unmigrated_database_is_not_ready(unmigrated: str) -> None:
    client = create_app({"TESTING": True}).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    body = answer.get_json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["migration", "outbox", "rollup"]
    assert body["checks"]["database"] == {"ok": True}
    migration = body["checks"]["migration"]
    assert migration["current"] == []
    assert migration["newest"] == sorted(health.newest_revisions())
    assert "no schema" in migration["error"]
    assert "escalation db upgrade" in migration["error"]
    assert body["checks"]["outbox"]["error"].startswith("not checked")
    # The process is alive all the same: /healthz asks nothing of the database.
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.get_json() == {"status": "ok"}


def test_a_database_at_an_older_migration_is_not_ready(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "newest_revisions", lambda: frozenset({"zz999"}))
    body = client.get("/readyz").get_json()
    assert body["failed"][0] == "migration"
    assert body["checks"]["migration"]["newest"] == ["zz999"]
    assert "older migration" in body["checks"]["migration"]["error"]


def test_a_database_that_is_gone(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nowhere",
                          connect_args={"connect_timeout": 2})
    monkeypatch.setattr(db, "session_factory", sessionmaker(bind=gone))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["failed"] == ["database", "migration", "outbox", "rollup"]
    assert body["checks"]["database"]["error"] == (
        "the database does not answer (OperationalError)")
    assert "nobody" not in answer.get_data(as_text=True)  # no address or role given away
    assert client.get("/healthz").status_code == 200


def test_redis_configured_but_down(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://:secret@127.0.0.1:{free_port()}/0")
    runtime.reset()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"]["configured"] is True
    assert body["checks"]["redis"]["error"].startswith("Redis does not answer")
    assert "secret" not in answer.get_data(as_text=True)


def test_redis_configured_and_answering_then_stopped(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A real redis-server: ready while it answers, 503 naming redis once it is stopped."""
    need(Path(REDIS_SERVER).exists(), "redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        runtime.reset()
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["checks"]["redis"] == {"ok": True, "configured": True}
    finally:
        server.stop()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["failed"] == ["redis"]


def test_an_old_undelivered_outbox_message(client: FlaskClient, session: Session,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _message(session, age=dt.timedelta(minutes=5))
    body = client.get("/readyz").get_json()
    assert body["failed"] == []
    assert body["checks"]["outbox"]["backlog"] == 1
    assert 299 <= body["checks"]["outbox"]["oldest_age_seconds"] < 400

    _message(session, age=dt.timedelta(hours=2))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["failed"] == ["outbox"]
    outbox = body["checks"]["outbox"]
    assert outbox["backlog"] == 2
    assert outbox["limit_seconds"] == 3600
    assert outbox["oldest_age_seconds"] >= 7200
    assert "worker" in outbox["error"]

    monkeypatch.setenv("READY_OUTBOX_AGE", "0")  # the check turned off
    runtime.reset()
    assert client.get("/readyz").status_code == 200


def test_a_failed_delivery_waits_for_a_person_not_for_readiness(
        client: FlaskClient, session: Session) -> None:
    message = _message(session, age=dt.timedelta(days=2))
    session.add(Delivery(outbox_id=message.id, email="someone@example.org", locale="fi",
                         message_id=f"<{uuid.uuid4().hex}@test>", attempts=5,
                         status=DeliveryStatus.FAILED, failed_at=utcnow(),
                         last_error="550 no such mailbox"))
    session.flush()
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.get_json()
    outbox = answer.get_json()["checks"]["outbox"]
    assert outbox["backlog"] == 0
    assert outbox["failed_deliveries"] == 1


def test_a_stale_rollup(client: FlaskClient, session: Session,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    session.add(ReportSnapshot(taken_at=utcnow() - dt.timedelta(minutes=10), issues=0,
                               seconds=0.1))
    session.flush()
    body = client.get("/readyz").get_json()
    assert body["failed"] == []
    assert body["checks"]["rollup"]["limit_seconds"] == 900  # 3 x REPORT_ROLLUP_EVERY

    monkeypatch.setenv("REPORT_ROLLUP_EVERY", "60")
    runtime.reset()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["failed"] == ["rollup"]
    assert body["checks"]["rollup"]["age_seconds"] >= 600
    assert "sweeps" in body["checks"]["rollup"]["error"]

    monkeypatch.setenv("READY_ROLLUP_AGE", "3600")
    runtime.reset()
    assert client.get("/readyz").status_code == 200
