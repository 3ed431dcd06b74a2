"""The app factory, the health check and the landing page."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from escalation import db
from tests.factories import World, issue_in


@pytest.fixture
def app(session: Session) -> Flask:
    return create_app({"TESTING": True})


def test_healthz_when_the_database_answers(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_says_the_process_is_alive_when_the_database_is_gone(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart would not bring the database back: /healthz does not ask it; /readyz
    does (tests/api/test_health.py)."""
    gone = db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nowhere",
                          connect_args={"connect_timeout": 2})
    monkeypatch.setattr(db, "session_factory", sessionmaker(bind=gone))
    assert app.test_client().get("/healthz").status_code == 200
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failed"][0] == "database"


def test_landing_page_counts_public_issues_only(app: Flask, session: Session,
                                               world: World) -> None:
    issue_in(session, world, "submitted", visibility="public")
    issue_in(session, world, "submitted", visibility="restricted")
    issue_in(session, world, "draft")
    page = app.test_client().get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fi">' in html
    assert '<tr><th scope="row">Taustatuen käsittelyssä</th><td>1</td></tr>' in html
    assert "Luonnos" not in html


def test_the_core_never_imports_flask() -> None:
    import pathlib

    core = pathlib.Path(__file__).parents[2] / "escalation"
    offenders = [
        str(p) for p in core.rglob("*.py")
        if any(line.startswith(("import flask", "from flask", "import werkzeug",
                                "from werkzeug", "from api", "import api"))
               for line in p.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []
