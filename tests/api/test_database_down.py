"""The database stops: every face says 503 with Retry-After, and recovers without a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from api.errors import database_unavailable
from escalation import db
from escalation.migrate import upgrade
from escalation.services import people
from tests.conftest import scratch_pg_database
from tests.factories import make_world

PROBLEM = "application/problem+json"


def signed_in(app: Flask, user_id: int) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True
    return client


def assert_unavailable(page: FlaskClient, api: FlaskClient, token: str) -> None:
    answer = api.get("/api/v1/issues", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.mimetype == PROBLEM
    assert answer.headers["Retry-After"].isdigit()
    body = answer.get_json()
    assert body["type"] == "/api/problems/database-unavailable"
    assert body["request_id"] == answer.headers["X-Request-ID"]

    html = page.get("/")
    assert html.status_code == 503
    assert html.mimetype == "text/html"
    assert html.headers["Retry-After"].isdigit()
    assert "Palvelu ei ole juuri nyt käytettävissä" in html.get_data(as_text=True)

    health = api.get("/readyz")
    assert health.status_code == 503
    assert health.headers["Retry-After"].isdigit()


def assert_available(page: FlaskClient, api: FlaskClient, token: str) -> None:
    assert api.get("/api/v1/issues",
                   headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert page.get("/").status_code == 200
    assert api.get("/readyz").status_code == 200


@pytest.fixture
def live_pg(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Engine]]:
    with scratch_pg_database("down") as url:
        upgrade(url)
        engine = db.make_engine(url)
        monkeypatch.setattr(db, "session_factory",
                            sessionmaker(bind=engine, expire_on_commit=False))
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.mark.pg
def test_postgresql_refusing_connections_is_503_then_recovers(
        live_pg: tuple[str, Engine]) -> None:
    url, engine = live_pg
    with db.transaction() as s:
        world = make_world(s)
        token, _ = people.create_token(s, email=world.lead.email)
        user_id = world.lead.user_id
    app = create_app({"TESTING": True})
    page, api = signed_in(app, user_id), app.test_client()
    assert_available(page, api, token)  # the pool now holds live connections

    name = make_url(url).database
    admin = db.make_engine(url.replace(f"/{name}", "/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # the database goes away under the pool's feet
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name"), {"name": name})
        assert_unavailable(page, api, token)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        assert_available(page, api, token)  # same app, same engine: no restart
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        engine.dispose()


def test_a_database_that_cannot_be_opened_is_503(session: Session,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: object) -> None:
    """Any backend: SQLite in a folder that does not exist, or PostgreSQL where nobody listens."""
    world = make_world(session)
    token, _ = people.create_token(session, email=world.lead.email)
    app = create_app({"TESTING": True})
    page, api = signed_in(app, world.lead.user_id), app.test_client()
    working = db.session_factory
    dialect = session.get_bind().dialect.name
    url = ("sqlite:////nonexistent-folder/escalation.sqlite3" if dialect == "sqlite" else
           "postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    gone = db.make_engine(url)
    monkeypatch.setattr(db, "session_factory", sessionmaker(bind=gone))
    try:
        assert_unavailable(page, api, token)
    finally:
        gone.dispose()
    monkeypatch.setattr(db, "session_factory", working)
    assert_available(page, api, token)


@pytest.mark.parametrize(("error", "unavailable"), [
    (sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused")), True),
    (sa_exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")), True),
    (sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), True),
    (sa_exc.DBAPIError("SELECT 1", {}, Exception("server closed the connection"),
                       connection_invalidated=True), True),
    (sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False),
    (sa_exc.ProgrammingError("SELEC 1", {}, Exception("syntax error")), False),
    (RuntimeError("a bug"), False),
])
def test_what_counts_as_the_database_being_unavailable(error: Exception,
                                                       unavailable: bool) -> None:
    assert database_unavailable(error) is unavailable
