"""Signing in and out of the pages, the limit on failures, and the session's reach."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.web import auth
from escalation.errors import TooManyAttempts
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
    assert got.status_code == 401
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
    for _ in range(signin.PAIR.free):
        client.post("/login", data={"email": EMAIL, "password": "wrong"})
    got = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert got.status_code == 429
    assert got.headers["Retry-After"] == "2"
    assert "Liian monta epäonnistunutta yritystä. Odota 2 sekuntia ja yritä uudelleen." \
        in got.get_data(as_text=True)
    assert client.get("/issues/new").status_code == 302  # still not signed in


@pytest.mark.parametrize(("lang", "seconds", "said"), [
    ("fi", 2, "Odota 2 sekuntia"),
    ("fi", 61, "Odota 2 minuuttia"),
    ("sv", 900, "Vänta 15 minuter"),
    ("en", 1, "Wait 1 second "),
    ("en", 60, "Wait 1 minute "),
])
def test_the_429_page_names_the_wait_of_its_retry_after(
        client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch,
        lang: str, seconds: int, said: str) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise TooManyAttempts(seconds)

    monkeypatch.setattr(signin, "begin", refuse)
    client.post("/language", data={"lang": lang})
    got = client.post("/login", data={"email": EMAIL, "password": "wrong"})
    assert got.status_code == 429
    minutes_or_seconds = int(said.split()[1])
    header = int(got.headers["Retry-After"])
    assert header == (minutes_or_seconds * 60 if header >= 60 else minutes_or_seconds)
    assert said in got.get_data(as_text=True)


def test_forged_forwarded_addresses_lock_nobody_out_behind_one_proxy(
        session: Session, world: World) -> None:
    """The lock-out of issue 13: 30 failures through a one-hop proxy, each with a forged
    X-Forwarded-For, then someone else's correct sign-in."""
    _person(session, world)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "PROXY_HOPS": 1})
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the proxy
    attacker = app.test_client()
    answers = []
    for i in range(30):
        # The client forges the first value; the proxy appends the address it saw.
        forwarded = f"203.0.113.{i}, 198.51.100.66"
        target = EMAIL if i in (0, 10) else f"guess{i}@uusimaa.test"
        got = attacker.post("/login", data={"email": target, "password": "wrong"},
                            headers={"X-Forwarded-For": forwarded}, environ_base=proxy)
        answers.append(got.status_code)
    someone = app.test_client()
    got = someone.post("/login", data={"email": EMAIL, "password": PASSWORD},
                       headers={"X-Forwarded-For": "192.0.2.10"}, environ_base=proxy)
    assert got.status_code == 302
    assert someone.get("/issues/new?once=probe").status_code == 200
    # The forged values bought nothing: the attacker's one address was slowed.
    assert answers[:signin.ADDRESS.free] == [401] * signin.ADDRESS.free
    assert set(answers[signin.ADDRESS.free:]) == {429}


def test_without_proxy_hops_a_forwarded_address_is_not_believed(session: Session,
                                                                world: World) -> None:
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    c = app.test_client()
    answers = [c.post("/login", data={"email": f"guess{i}@uusimaa.test", "password": "x"},
                      headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
               for i in range(signin.ADDRESS.free + 1)]
    assert answers[-1] == 429  # one address, however many forwarded values it sent


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
    assert c.get("/issues/new?once=probe").status_code == 200
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


ENDED = "Istuntosi on päättynyt, ja sinut on kirjattu ulos. Kirjaudu uudelleen sisään."


def _signed_out(c: FlaskClient, path: str = "/issues/new") -> bool:
    """Whether `c` is sent to sign in from `path`, told that its session ended."""
    got = c.get(path)
    if got.status_code != 302 or not got.headers["Location"].startswith("/login?next="):
        return False
    return ENDED in c.get(got.headers["Location"]).get_data(as_text=True)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app: Flask, client: FlaskClient,
                                                             session: Session,
                                                             world: World) -> None:
    _person(session, world)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    # the copy works while signed in
    assert thief.get("/issues/new?once=probe").status_code == 200
    assert client.post("/logout").status_code == 302
    assert _signed_out(thief)
    # The copy is no good for the API's session reading either.
    replayed = app.test_client()
    replayed.set_cookie("session", cookie.value)
    assert replayed.get("/api/v1/issues").status_code == 401


def test_a_new_password_ends_every_session(app: Flask, session: Session,
                                           world: World) -> None:
    _person(session, world)
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert device.get("/issues/new?once=probe").status_code == 200
    people.set_password(session, email=EMAIL, password="a brand new passphrase")
    session.flush()
    assert _signed_out(laptop)
    assert _signed_out(phone)
    again = laptop.post("/login", data={"email": EMAIL, "password": "a brand new passphrase"})
    assert again.status_code == 302
    assert laptop.get("/issues/new?once=probe").status_code == 200


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The web sessions' clock, moved by the test: clock[0] is now."""
    now = [dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(auth, "utcnow", lambda: now[0])
    return now


def test_a_session_ends_after_eight_idle_hours(client: FlaskClient, session: Session,
                                               world: World, clock: list[dt.datetime]) -> None:
    _person(session, world)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    clock[0] += dt.timedelta(hours=7, minutes=59)
    assert client.get("/issues/new?once=probe").status_code == 200
    clock[0] += dt.timedelta(hours=7, minutes=59)  # idle time counts from the last use
    assert client.get("/issues/new?once=probe").status_code == 200
    clock[0] += dt.timedelta(hours=8, minutes=1)
    assert _signed_out(client)


def test_a_session_ends_seven_days_after_sign_in_however_busy(
        client: FlaskClient, session: Session, world: World,
        clock: list[dt.datetime]) -> None:
    _person(session, world)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    for _ in range(27):  # a request every six hours for six days and 18 hours
        clock[0] += dt.timedelta(hours=6)
        assert client.get("/issues/new?once=probe").status_code == 200
    clock[0] += dt.timedelta(hours=5, minutes=59)  # a minute short of seven days
    assert client.get("/issues/new?once=probe").status_code == 200
    clock[0] += dt.timedelta(minutes=2)
    assert _signed_out(client)


def test_the_session_limits_are_settings(client: FlaskClient, session: Session,
                                         world: World, clock: list[dt.datetime],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    from escalation import runtime

    runtime.reset()
    _person(session, world)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    clock[0] += dt.timedelta(minutes=29)
    assert client.get("/issues/new?once=probe").status_code == 200
    clock[0] += dt.timedelta(minutes=31)
    assert _signed_out(client)


def test_a_failed_sign_in_is_a_line_in_the_refusal_log(client: FlaskClient, session: Session,
                                                       world: World,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """Whoever watches for password guessing sees failed sign-ins on the pages as on the
    API: one line each, without the address tried or the password."""
    _person(session, world)
    caplog.set_level(logging.INFO, logger="api.refusals")
    got = client.post("/login", data={"email": EMAIL, "password": "wrong guess"})
    assert got.status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "api.refusals"]
    assert len(lines) == 1
    assert "status=401 reason=wrong-credentials" in lines[0]
    assert "user=anonymous" in lines[0]
    assert EMAIL not in caplog.text
    assert "wrong guess" not in caplog.text
