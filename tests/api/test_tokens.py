"""POST /auth/token: a token for good credentials, a limit on failures that holds."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from api import create_app
from escalation import db, security
from escalation.migrate import upgrade
from escalation.services import people, signin
from tests.factories import PASSWORD

EMAIL = "maija@pirha.test"


def _user(session: Session) -> None:
    people.add_region(session, code="pirkanmaa", names={"fi": "Pirkanmaa"})
    people.add_user(session, email=EMAIL, name="Maija", roles=["regional_lead"],
                    region="pirkanmaa", password=PASSWORD)


def test_good_credentials_give_a_working_token(client: FlaskClient, session: Session) -> None:
    _user(session)
    got = client.post("/api/v1/auth/token", json={"email": "Maija@Pirha.test",
                                                   "password": PASSWORD})
    assert got.status_code == 201, got.get_data(as_text=True)
    token = got.get_json()["token"]
    assert got.get_json()["expires_at"]
    used = client.get("/api/v1/workflows/escalation",
                      headers={"Authorization": f"Bearer {token}"})
    assert used.status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client: FlaskClient,
                                                        session: Session) -> None:
    _user(session)
    wrong = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"email": "x@y.test", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_failures_are_limited_and_counted_even_though_refused(client: FlaskClient,
                                                             session: Session) -> None:
    _user(session)
    for _ in range(signin.PAIR.free):
        assert client.post("/api/v1/auth/token",
                           json={"email": EMAIL, "password": "wrong"}).status_code == 401
    # Now even the right password waits.
    limited = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert limited.headers["Retry-After"] == "2"
    assert limited.get_json()["detail"] == "Too many failed attempts; try again in 2 seconds."


def test_missing_fields_are_422(client: FlaskClient, session: Session) -> None:
    got = client.post("/api/v1/auth/token", json={"email": EMAIL})
    assert got.status_code == 422
    assert "password" in got.get_json()["errors"]


@pytest.mark.parametrize(("emails", "limit"), [(1, signin.PAIR.free),
                                              (40, signin.ADDRESS.free)])
def test_concurrent_wrong_guesses_get_no_more_checks_than_the_limit(
        empty_url: str, monkeypatch: pytest.MonkeyPatch, emails: int, limit: int) -> None:
    """40 guesses at once, each on a connection of its own, against one e-mail (the
    pair's limit) or forty e-mails (the address's limit): no more password checks
    than the limit, the rest refused with 429."""
    upgrade(empty_url)
    eng = db.make_engine(empty_url, poolclass=NullPool)
    monkeypatch.setattr(db, "session_factory", sessionmaker(bind=eng, expire_on_commit=False))
    try:
        with db.transaction() as s:
            _user(s)
        app = create_app({"TESTING": True})
        checks: list[str] = []
        real_check = security.verify_password

        def counted(password_hash: str | None, password: str) -> bool:
            checks.append(password)
            return real_check(password_hash, password)

        monkeypatch.setattr(signin, "verify_password", counted)
        barrier = threading.Barrier(40)
        answers: list[Any] = []

        def guess(i: int) -> None:
            email = EMAIL if emails == 1 else f"guess{i}@pirha.test"
            barrier.wait()
            try:
                got = app.test_client().post("/api/v1/auth/token",
                                             json={"email": email, "password": f"wrong{i}"})
                answers.append(got.status_code)
            except Exception as exc:  # anything but an answer is a bug, shown below
                answers.append(repr(exc))

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert Counter(answers) == {401: limit, 429: 40 - limit}, answers
        assert len(checks) == limit
    finally:
        eng.dispose()
