"""The calendar settings page, the secret feed and a meeting's `.ics` download."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from escalation.models import CalendarFeed, Membership, User
from tests.factories import World, meeting
from tests.web.conftest import SignIn

FEED = re.compile(r'value="(http://[^"]+/calendar/([A-Za-z0-9_-]+)\.ics)"')


def make_address(c: FlaskClient, *, deadlines: bool = False) -> str:
    data = {"create": "1"}
    if deadlines:
        data["include_deadlines"] = "y"
    r = c.post("/calendar", data=data)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    found = FEED.search(r.get_data(as_text=True))
    assert found, r.get_data(as_text=True)
    return found.group(2)


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")}


def test_settings_page_offers_an_address_and_shows_it_once(sign_in: SignIn, world: World,
                                                           session: Session) -> None:
    c = sign_in("member")
    page = c.get("/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/calendar"' in html  # the user menu's link
    assert "/calendar/" not in html.replace('action="/calendar/revoke"', "")
    secret = make_address(c)
    again = c.get("/calendar").get_data(as_text=True)
    assert secret not in again  # only its hash is kept: never shown again
    stored = session.scalars(select(CalendarFeed.token_hash)).all()
    assert secret not in stored


def test_feed_is_icalendar_for_anyone_with_the_secret(sign_in: SignIn, client: FlaskClient,
                                                      world: World, session: Session) -> None:
    m = meeting(session, "stakeholders", world.chair, title="Sidosryhmän kokous")
    secret = make_address(sign_in("member"))
    r = client.get(f"/calendar/{secret}.ics")  # no session: a calendar app
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert r.headers["Cache-Control"] == "private, max-age=300"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in r.headers
    assert any(u.startswith(f"meeting-{m.id}@") for u in uids(r.data))
    again = client.get(f"/calendar/{secret}.ics", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_revoked_and_replaced_addresses_are_not_found(sign_in: SignIn, client: FlaskClient,
                                                      world: World) -> None:
    c = sign_in("member")
    first = make_address(c)
    second = make_address(c)  # a new address revokes the old
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    r = c.post("/calendar/revoke", data={"revoke": "1"}, follow_redirects=True)
    assert r.status_code == 200
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    assert client.get("/calendar/nonsense.ics").status_code == 404
    # A stale tab stopping it again is told there was none.
    assert c.post("/calendar/revoke", data={"revoke": "1"}).status_code == 302


def test_another_persons_secret_never_shows_their_data(sign_in: SignIn, client: FlaskClient,
                                                       world: World, session: Session) -> None:
    wg = meeting(session, "working_group", world.ministry_chair, title="Työryhmä")
    sh = meeting(session, "stakeholders", world.chair, title="Sidosryhmä")
    member_secret = make_address(sign_in("member"))
    ministry_secret = make_address(sign_in("ministry_member"))
    member_feed = uids(client.get(f"/calendar/{member_secret}.ics").data)
    ministry_feed = uids(client.get(f"/calendar/{ministry_secret}.ics").data)
    assert any(u.startswith(f"meeting-{sh.id}@") for u in member_feed)
    assert not any(u.startswith(f"meeting-{wg.id}@") for u in member_feed)
    assert any(u.startswith(f"meeting-{wg.id}@") for u in ministry_feed)
    assert not any(u.startswith(f"meeting-{sh.id}@") for u in ministry_feed)
    # Signed in as somebody else changes nothing: the secret alone says whose feed it is.
    as_member = sign_in("member").get(f"/calendar/{ministry_secret}.ics")
    assert uids(as_member.data) == ministry_feed


def test_a_role_removed_drops_that_bodys_meetings(sign_in: SignIn, client: FlaskClient,
                                                  world: World, session: Session) -> None:
    wg = meeting(session, "working_group", world.ministry_chair)
    secret = make_address(sign_in("ministry_member"))
    assert any(u.startswith(f"meeting-{wg.id}@")
               for u in uids(client.get(f"/calendar/{secret}.ics").data))
    session.execute(delete(Membership)
                    .where(Membership.user_id == world.ministry_member.user_id))
    session.flush()
    assert not any(u.startswith(f"meeting-{wg.id}@")
                   for u in uids(client.get(f"/calendar/{secret}.ics").data))


def test_a_deactivated_persons_feed_is_not_found(sign_in: SignIn, client: FlaskClient,
                                                 world: World, session: Session) -> None:
    secret = make_address(sign_in("member"))
    user = session.get(User, world.member.user_id)
    assert user is not None
    user.active = False
    session.flush()
    assert client.get(f"/calendar/{secret}.ics").status_code == 404


def test_meeting_download_for_members_only(sign_in: SignIn, client: FlaskClient,
                                           world: World, session: Session) -> None:
    m = meeting(session, "working_group", world.ministry_chair, title="Työryhmä")
    r = sign_in("ministry_member").get(f"/meetings/{m.id}.ics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="meeting-{m.id}.ics"' in r.headers["Content-Disposition"]
    assert len(uids(r.data)) == 1
    assert sign_in("member").get(f"/meetings/{m.id}.ics").status_code == 404
    assert client.get(f"/meetings/{m.id}.ics").status_code == 302  # to the sign-in
    assert sign_in("member").get("/meetings/99999999999.ics").status_code == 404


def test_settings_forms_need_csrf(session: Session, world: World) -> None:
    from api import create_app
    from api.web import auth
    from escalation.db import utcnow

    app: Flask = create_app({"TESTING": True})  # CSRF on
    c = app.test_client()
    with c.session_transaction() as s:
        s["_user_id"] = str(world.member.user_id)
        s["_fresh"] = True
        s.update(auth.session_marks(0, utcnow()))
    assert c.post("/calendar", data={"create": "1"}).status_code == 400
    assert c.post("/calendar/revoke", data={"revoke": "1"}).status_code == 400
    assert session.scalar(select(CalendarFeed.id)) is None


def test_the_meeting_pages_download_link(app: Flask, world: World, session: Session) -> None:
    """The small include the meeting's page (web/meetings) shows its download with."""
    from flask import render_template

    m = meeting(session, "working_group", world.ministry_chair)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        html = render_template("web/calendar/_meeting_download.html", meeting=m)
    assert f'href="/meetings/{m.id}.ics"' in html
    assert "Lägg till i min kalender (.ics)" in html
