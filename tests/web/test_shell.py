"""The shell every page shares: headers, languages, landmarks, error pages, CSRF."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.web.security import CONTENT_SECURITY_POLICY
from tests.factories import World, issue_in
from tests.web.conftest import SignIn


def test_every_html_response_has_the_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/login", "/no-such-page"):
        got = client.get(path)
        assert got.mimetype == "text/html"
        csp = got.headers["Content-Security-Policy"]
        assert csp == CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in csp
        assert "http" not in csp
        assert "frame-ancestors 'none'" in csp
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html


def test_the_layout_has_a_skip_link_landmarks_and_the_language(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="fi">' in html
    assert '<a class="skip-link" href="#main">Siirry pääsisältöön</a>' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert 'href="/static/css/web.css"' in html


def test_finnish_by_default_and_accept_language_is_honoured(client: FlaskClient) -> None:
    assert "Kirjaudu sisään" in client.get("/login").get_data(as_text=True)
    sv = client.get("/login", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert '<html lang="sv">' in sv.get_data(as_text=True)
    assert "Logga in" in sv.get_data(as_text=True)
    en = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Sign in" in en.get_data(as_text=True)
    other = client.get("/login", headers={"Accept-Language": "de"})
    assert '<html lang="fi">' in other.get_data(as_text=True)


def test_the_switcher_remembers_the_choice_over_the_browser(client: FlaskClient) -> None:
    got = client.post("/language", data={"lang": "sv", "next": "/login"})
    assert got.status_code == 302
    assert got.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="sv">' in page.get_data(as_text=True)


def test_the_switcher_never_redirects_off_site(client: FlaskClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        got = client.post("/language", data={"lang": "en", "next": target})
        assert got.headers["Location"] == "/"


def test_the_landing_page_counts_public_issues(client: FlaskClient, session: Session,
                                               world: World) -> None:
    issue_in(session, world, "submitted", visibility="public")
    issue_in(session, world, "submitted", visibility="restricted")
    html = client.get("/").get_data(as_text=True)
    assert '<tr><th scope="row">Taustatuen käsittelyssä</th><td>1</td></tr>' in html


@pytest.mark.parametrize(("lang", "title"), [("fi", "Sivua ei löydy"),
                                             ("sv", "Sidan hittades inte"),
                                             ("en", "Page not found")])
def test_error_pages_are_html_in_the_readers_language(client: FlaskClient, lang: str,
                                                      title: str) -> None:
    got = client.get("/nothing-here", headers={"Accept-Language": lang})
    assert got.status_code == 404
    assert got.mimetype == "text/html"
    assert f"<h1>{title}</h1>" in got.get_data(as_text=True)


def test_405_is_a_page_with_allow(client: FlaskClient) -> None:
    got = client.delete("/login")
    assert got.status_code == 405
    assert got.mimetype == "text/html"
    assert "GET" in got.headers["Allow"]


def test_api_errors_stay_json(client: FlaskClient) -> None:
    got = client.get("/api/v1/nothing-here")
    assert got.status_code == 404
    assert got.mimetype == "application/problem+json"


def test_an_unexpected_error_is_a_page_without_a_trace(app: Flask, sign_in: SignIn,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from escalation.services import tasks

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(tasks, "my_tasks", boom)
    got = sign_in("coordinator").get("/")
    assert got.status_code == 500
    assert got.mimetype == "text/html"
    html = got.get_data(as_text=True)
    assert "Palvelussa tapahtui virhe" in html
    assert "secret detail" not in html
    assert "Traceback" not in html


def test_csrf_is_enforced_on_forms_but_not_on_the_api(session: Session, world: World) -> None:
    app = create_app({"TESTING": True})  # CSRF on, as in production
    client = app.test_client()
    refused = client.post("/language", data={"lang": "sv"})
    assert refused.status_code == 400
    assert refused.mimetype == "text/html"
    assert "Lomake on vanhentunut" in refused.get_data(as_text=True)
    api = client.post("/api/v1/auth/token", json={"email": "x@y.test", "password": "nope"})
    assert api.status_code == 401  # the API is not blocked by CSRF
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    accepted = client.post("/language", data={"lang": "sv", "csrf_token": token})
    assert accepted.status_code == 302


def test_session_cookie_flags(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # BASE_URL is http:// in tests


def test_secure_cookies_when_published_over_https(session: Session,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from escalation import runtime

    monkeypatch.setenv("BASE_URL", "https://escalation.example.fi")
    runtime.reset()
    app = create_app({"TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
