"""POST /auth/token: a token for good credentials, a limit on failures that holds."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from escalation.services import people, signin
from tests.factories import PASSWORD

EMAIL = "maija@pirha.test"


def _user(session: Session) -> None:
    people.add_region(session, code="pirkanmaa", name_fi="Pirkanmaa")
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
    for _ in range(signin.MAX_FAILURES_PER_EMAIL):
        assert client.post("/api/v1/auth/token",
                           json={"email": EMAIL, "password": "wrong"}).status_code == 401
    # Now even the right password waits.
    limited = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0


def test_missing_fields_are_422(client: FlaskClient, session: Session) -> None:
    got = client.post("/api/v1/auth/token", json={"email": EMAIL})
    assert got.status_code == 422
    assert "password" in got.get_json()["errors"]
