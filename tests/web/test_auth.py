"""Signing in and out of the pages, the limit on failures, and the session's reach."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from escalation.services import people, signin
from tests.factories import PASSWORD, World, issue_in
from tests.web.conftest import SignIn

EMAIL = "maija@uusimaa.test"


def _person(session: Session, world: World) -> None:
    people.add_user(session, email=EMAIL, name="Maija Meikäläinen", roles=["regional_lead"],
                    region="uusimaa", password=PASSWORD)


def test_anonymous_people_are_sent_to_sign_in(client: FlaskClient, world: World) -> None:
    for path in ("/issues/new", "/issues/ESC-2026-0001", "/queues/backbone"):
        got = client.get(path)
        assert got.status_code == 302
        assert got.headers["Location"].startswith("/login?next=")


def test_sign_in_and_go_where_one_was_going(client: FlaskClient, session: Session,
                                            world: World) -> None:
    _person(session, world)
    got = client.post("/login?next=/issues/new",
                      data={"email": "Maija@Uusimaa.test", "password": PASSWORD})
    assert got.status_code == 302
    assert got.headers["Location"] == "/issues/new"
    home = client.get("/").get_data(as_text=True)
    assert "Kirjautuneena: Maija Meikäläinen" in home
    assert "Omat tehtävät" in home


def test_the_session_cookie_is_httponly_and_lax(client: FlaskClient, session: Session,
                                                world: World) -> None:
    _person(session, world)
    got = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    cookie = got.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_next_never_leaves_the_site(client: FlaskClient, session: Session,
                                    world: World) -> None:
    _person(session, world)
    got = client.post("/login?next=https://evil.example/",
                      data={"email": EMAIL, "password": PASSWORD})
    assert got.headers["Location"] == "/"


def test_a_wrong_password_is_said_plainly_and_the_email_kept(client: FlaskClient,
                                                             session: Session,
                                                             world: World) -> None:
    _person(session, world)
    got = client.post("/login", data={"email": EMAIL, "password": "wrong"})
    html = got.get_data(as_text=True)
    assert got.status_code == 200
    assert "Sähköpostiosoite tai salasana on väärin." in html
    assert f'value="{EMAIL}"' in html
    assert 'role="alert"' in html


def test_empty_fields_are_marked(client: FlaskClient, world: World) -> None:
    html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in html
    assert 'aria-invalid="true"' in html
    assert '<a href="#email">' in html


def test_too_many_failures_give_429_with_a_clear_message(client: FlaskClient,
                                                         session: Session,
                                                         world: World) -> None:
    _person(session, world)
    for _ in range(signin.MAX_FAILURES_PER_EMAIL):
        client.post("/login", data={"email": EMAIL, "password": "wrong"})
    got = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert got.status_code == 429
    assert int(got.headers["Retry-After"]) > 0
    assert "Liian monta epäonnistunutta yritystä" in got.get_data(as_text=True)
    assert client.get("/issues/new").status_code == 302  # still not signed in


def test_sign_out_keeps_the_language(client: FlaskClient, session: Session,
                                     world: World) -> None:
    _person(session, world)
    client.post("/language", data={"lang": "sv"})
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    got = client.post("/logout")
    assert got.status_code == 302
    page = client.get(got.headers["Location"]).get_data(as_text=True)
    assert "Du har loggat ut." in page
    assert '<html lang="sv">' in page
    assert client.get("/issues/new").status_code == 302


def test_sign_out_needs_a_post(client: FlaskClient) -> None:
    assert client.get("/logout").status_code == 405


def test_a_deactivated_person_loses_the_session(app: Flask, sign_in: SignIn,
                                                session: Session, world: World) -> None:
    from escalation.models import User

    c = sign_in("lead")
    assert c.get("/issues/new").status_code == 200
    user = session.get(User, world.lead.user_id)
    assert user is not None
    user.active = False
    session.flush()
    assert c.get("/issues/new").status_code == 302


def test_the_api_reads_with_the_web_session(sign_in: SignIn, session: Session,
                                            world: World) -> None:
    issue = issue_in(session, world, "submitted", visibility="restricted")
    c = sign_in("lead")
    got = c.get(f"/api/v1/issues/{issue.reference}")
    assert got.status_code == 200
    assert got.get_json()["reference"] == issue.reference
    other = sign_in("other_lead").get(f"/api/v1/issues/{issue.reference}")
    assert other.status_code == 404  # the session's person, with their rights


def test_the_api_never_changes_with_the_web_session(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    issue = issue_in(session, world, "submitted")
    c = sign_in("coordinator")
    got = c.post(f"/api/v1/issues/{issue.reference}/transitions",
                 json={"action": "forward", "expected_version": issue.version})
    assert got.status_code == 401
    assert c.post(f"/api/v1/issues/{issue.reference}/comments",
                  json={"text": "hei"}).status_code == 401


def test_without_a_session_the_api_still_wants_a_token(client: FlaskClient,
                                                       world: World) -> None:
    assert client.get("/api/v1/issues").status_code == 401


def test_control_characters_are_refused_not_a_crash(client: FlaskClient,
                                                    world: World) -> None:
    got = client.post("/login", data={"email": "a\x00b@x.test", "password": "p\x00"})
    assert got.status_code == 200
    assert "ohjausmerkkejä" in got.get_data(as_text=True)
