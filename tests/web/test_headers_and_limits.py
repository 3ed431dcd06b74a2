"""Headers and limits (issue 13, item 9): HSTS, no-store, charset, body limit, Origin check."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from escalation import runtime
from tests.factories import World
from tests.web.conftest import SignIn


def test_strict_transport_security_when_published_over_https(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASE_URL", "https://escalation.example.fi")
    runtime.reset()
    client = create_app({"TESTING": True}).test_client()
    for path in ("/login", "/healthz", "/api/v1/issues"):
        assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_strict_transport_security_over_plain_http(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_signed_in_answers_are_never_cached_json_included(sign_in: SignIn,
                                                          world: World) -> None:
    lead = sign_in("lead")
    for path in ("/", "/api/v1/issues", "/api/v1/workflows/escalation", "/no-such-page"):
        answer = lead.get(path)
        assert answer.headers["Cache-Control"] == "no-store", path


def test_static_files_keep_their_own_caching(client: FlaskClient) -> None:
    answer = client.get("/static/api-docs.js")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] != "no-store"


def test_json_says_it_is_utf_8(sign_in: SignIn, world: World, client: FlaskClient) -> None:
    assert sign_in("lead").get("/api/v1/issues").content_type == (
        "application/json; charset=utf-8")
    assert client.get("/api/v1/issues").content_type == (
        "application/problem+json; charset=utf-8")
    assert client.get("/healthz").content_type == "application/json; charset=utf-8"


def test_a_form_over_the_body_limit_is_a_413_page(session: Session) -> None:
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                      "MAX_CONTENT_LENGTH": 4096})
    answer = app.test_client().post("/login", data={"email": "x@y.test",
                                                    "password": "p" * 5000})
    assert answer.status_code == 413
    assert answer.mimetype == "text/html"
    assert "Lomake on liian suuri" in answer.get_data(as_text=True)


def test_the_body_limit_defaults_to_one_mebibyte(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


@pytest.fixture
def guarded(session: Session, world: World) -> FlaskClient:
    """The app as in production: CSRF on, BASE_URL http://127.0.0.1:5000 (the default)."""
    return create_app({"TESTING": True}).test_client()


def _token(client: FlaskClient) -> str:
    page = client.get("/login").get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Referer": "https://evil.example/form.html"},
    {"Origin": "http://127.0.0.1:5000.evil.example"},
])
def test_a_form_post_from_another_origin_is_refused_even_with_the_token(
        guarded: FlaskClient, headers: dict[str, str]) -> None:
    token = _token(guarded)
    refused = guarded.post("/language", data={"lang": "sv", "csrf_token": token},
                           headers=headers)
    assert refused.status_code == 403
    assert refused.mimetype == "text/html"
    assert "Lomake lähetettiin toiselta sivustolta" in refused.get_data(as_text=True)


@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1:5000"},  # BASE_URL's origin
    {"Origin": "http://localhost"},  # the origin the request was made to (the test host)
    {"Referer": "http://127.0.0.1:5000/login"},
    {},  # neither: browsers may leave both out, and the token still guards the form
])
def test_a_form_post_from_our_own_pages_is_accepted(guarded: FlaskClient,
                                                    headers: dict[str, str]) -> None:
    token = _token(guarded)
    accepted = guarded.post("/language", data={"lang": "sv", "csrf_token": token},
                            headers=headers)
    assert accepted.status_code == 302


def test_the_origin_check_does_not_replace_the_token(guarded: FlaskClient) -> None:
    refused = guarded.post("/language", data={"lang": "sv"},
                           headers={"Origin": "http://127.0.0.1:5000"})
    assert refused.status_code == 400
